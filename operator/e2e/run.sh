#!/usr/bin/env bash
# Run the operator's acceptance scenarios against a real cluster (kind or k3d).
#
#   operator/e2e/run.sh                 # creates a kind cluster "pacto-e2e", runs, deletes it
#   CLUSTER=k3d operator/e2e/run.sh     # same with k3d
#   KEEP=1 operator/e2e/run.sh          # keep the cluster afterwards
#   KUBECONTEXT=my-ctx operator/e2e/run.sh   # use an existing cluster (image must be pullable)
#
# Needs docker, kubectl, helm and kind or k3d. The unit and controller tests
# (cargo test -p pacto-operator) cover the same scenarios against a scripted API.
set -euo pipefail
cd "$(dirname "$0")/../.."
NAME=pacto-e2e
CLUSTER="${CLUSTER:-kind}"
IMAGE="${IMAGE:-pacto-operator:e2e}"
NS=pacto-system

need() { command -v "$1" >/dev/null || { echo "e2e: $1 is required" >&2; exit 2; }; }
need kubectl; need helm

if [ -z "${KUBECONTEXT:-}" ]; then
  need docker
  docker build -f operator/Dockerfile -t "$IMAGE" .
  case "$CLUSTER" in
    kind) need kind
          kind get clusters | grep -qx "$NAME" || kind create cluster --name "$NAME" --wait 120s
          kind load docker-image "$IMAGE" --name "$NAME"
          KUBECONTEXT="kind-$NAME" ;;
    k3d)  need k3d
          k3d cluster list "$NAME" >/dev/null 2>&1 || k3d cluster create "$NAME" --wait
          k3d image import "$IMAGE" -c "$NAME"
          KUBECONTEXT="k3d-$NAME" ;;
    *) echo "e2e: CLUSTER must be kind or k3d" >&2; exit 2 ;;
  esac
  if [ -z "${KEEP:-}" ]; then
    trap 'if [ "$CLUSTER" = kind ]; then kind delete cluster --name "$NAME"; else k3d cluster delete "$NAME"; fi' EXIT
  fi
fi
K="kubectl --context $KUBECONTEXT"

helm --kube-context "$KUBECONTEXT" upgrade --install pacto-operator operator/chart \
  --namespace "$NS" --create-namespace --wait \
  --set image.repository="${IMAGE%:*}" --set image.tag="${IMAGE##*:}" --set image.pullPolicy=IfNotPresent \
  --set controller.probeEndpoints=false
$K apply -f operator/e2e/scenarios.yaml

fails=0
# expect PACTO JSONPATH VALUE: poll up to 90 s.
expect() {
  local got=""
  for _ in $(seq 1 45); do
    got=$($K -n pacto-e2e get pacto "$1" -o "jsonpath=$2" 2>/dev/null || true)
    [ "$got" = "$3" ] && { echo "ok   $1 $2 = $3"; return; }
    sleep 2
  done
  echo "FAIL $1 $2: want '$3', got '$got'"; fails=$((fails + 1))
}
cond() { expect "$1" "{.status.conditions[?(@.type==\"$2\")].reason}" "$3"; }

expect reference   '{.status.contractStatus}' Reference
expect reference   '{.status.summary.passed}' 1
rev=$($K -n pacto-e2e get pacto reference -o 'jsonpath={.status.currentRevision}')
owner=$($K -n pacto-e2e get pactorevision "$rev" -o 'jsonpath={.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}' || true)
[ "$owner" = "Pacto/reference" ] && echo "ok   revision $rev owned by Pacto/reference" || { echo "FAIL revision owner: $owner"; fails=$((fails + 1)); }

expect missing     '{.status.contractStatus}' NonCompliant
cond   missing     ServiceExists NotFound
expect compliant   '{.status.contractStatus}' Compliant
expect ports       '{.status.contractStatus}' Warning
cond   ports       PortsValid MissingPorts
expect ports       '{.status.ports.missing}' '[8080]'
expect drift       '{.status.contractStatus}' Warning
cond   drift       ScalingMatch Mismatch
cond   drift       ImageMatch Mismatch
expect stateful    '{.status.contractStatus}' Compliant
expect invalid     '{.status.contractStatus}' Invalid
cond   invalid     ContractValid Invalid
expect unreachable '{.status.contractStatus}' Unknown
cond   unreachable ContractValid RegistryUnreachable
expect readiness   '{.status.contractStatus}' Reference
expect readiness   '{.status.readiness.score}' 60
cond   readiness   ReadinessSatisfied BelowMinScore
expect v2-bound    '{.status.contractStatus}' Compliant
expect v2-bound    '{.status.evaluationCoverage.evaluated}/{.status.evaluationCoverage.required}' 3/3
cond   v2-bound    RuntimeObserved Observed

# Rotating a pull secret re-reconciles the Pactos that use it (metadata-only Secret watch).
$K -n pacto-e2e create secret generic rotate --from-literal=token=a >/dev/null
$K -n pacto-e2e patch pacto unreachable --type=merge -p '{"spec":{"contractRef":{"pullSecretRef":"rotate"}}}' >/dev/null
sleep 5
before=$($K -n pacto-e2e get pacto unreachable -o 'jsonpath={.status.lastReconciledAt}')
sleep 2
$K -n pacto-e2e create secret generic rotate --from-literal=token=b --dry-run=client -o yaml | $K apply -f - >/dev/null
sleep 5
after=$($K -n pacto-e2e get pacto unreachable -o 'jsonpath={.status.lastReconciledAt}')
[ "$before" != "$after" ] && echo "ok   secret watch" || { echo "FAIL secret change did not re-reconcile"; fails=$((fails + 1)); }

# A Deployment change re-reconciles at once (watch), not at the next interval.
$K -n pacto-e2e scale deployment compliant-svc --replicas=0 >/dev/null
$K -n pacto-e2e patch service compliant-svc --type=json -p '[{"op":"replace","path":"/spec/ports/0/port","value":8081}]' >/dev/null
expect compliant   '{.status.contractStatus}' Warning

# Deleting a Pacto deletes its revisions (owner references).
$K -n pacto-e2e delete pacto reference --wait
sleep 5
left=$($K -n pacto-e2e get pactorevisions -l pacto.trianalab.io/pacto=reference -o name | wc -l)
[ "$left" = 0 ] && echo "ok   revisions garbage-collected" || { echo "FAIL $left revisions left"; fails=$((fails + 1)); }

# The operator never restarted (no crash loop on the bad Pactos) and serves metrics.
restarts=$($K -n "$NS" get pods -l control-plane=controller-manager -o 'jsonpath={.items[0].status.containerStatuses[0].restartCount}')
[ "$restarts" = 0 ] && echo "ok   no restarts" || { echo "FAIL restarts: $restarts"; fails=$((fails + 1)); }
# Secure metrics (the chart's default): HTTPS, 401 without a token, 200 for a ServiceAccount
# bound to the chart's metrics-reader ClusterRole.
$K -n "$NS" create serviceaccount metrics-scraper --dry-run=client -o yaml | $K apply -f - >/dev/null
$K create clusterrolebinding pacto-e2e-metrics-reader --clusterrole=pacto-operator-metrics-reader \
  --serviceaccount="$NS:metrics-scraper" --dry-run=client -o yaml | $K apply -f - >/dev/null
token=$($K -n "$NS" create token metrics-scraper)
$K -n "$NS" port-forward svc/pacto-operator-metrics 18443:8443 >/dev/null 2>&1 & pf=$!
sleep 3
code=$(curl -sk -o /dev/null -w '%{http_code}' https://localhost:18443/metrics || true)
[ "$code" = 401 ] && echo "ok   metrics without a token: 401" || { echo "FAIL metrics without a token: $code"; fails=$((fails + 1)); }
if curl -sfk -H "Authorization: Bearer $token" https://localhost:18443/metrics | grep -q 'pacto_contract_status{name="compliant"'; then echo "ok   metrics"; else echo "FAIL metrics"; fails=$((fails + 1)); fi
kill "$pf" 2>/dev/null || true

echo "e2e: $fails failure(s)"
[ "$fails" = 0 ]
