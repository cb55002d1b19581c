//! The operator-managed dashboard (`--enable-dashboard`) against the scripted API: the exact
//! server-side apply requests, the merged OCI credentials, the owner reference, the cleanup
//! when disabled, and API failures that must not stop the operator.

#![allow(clippy::unwrap_used)]

mod fake;

use base64::Engine as _;
use fake::{FakeApi, Recorded};
use pacto_operator::dashboard::{Dashboard, ResourceOverrides, Settings};
use serde_json::{json, Value};
use std::time::Duration;

const NS: &str = "pacto-system";
const SA: &str = "/api/v1/namespaces/pacto-system/serviceaccounts/pacto-dashboard";
const CR: &str = "/apis/rbac.authorization.k8s.io/v1/clusterroles/pacto-dashboard";
const CRB: &str = "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/pacto-dashboard";
const SECRET: &str = "/api/v1/namespaces/pacto-system/secrets/pacto-dashboard-oci-creds";
const DEPLOY: &str = "/apis/apps/v1/namespaces/pacto-system/deployments/pacto-dashboard";
const SVC: &str = "/api/v1/namespaces/pacto-system/services/pacto-dashboard";
const IMAGE: &str = "ghcr.io/pacto-rs/pacto-dashboard:0.1.0";

fn settings(enabled: bool) -> Settings {
    Settings {
        enabled,
        image: IMAGE.to_string(),
        namespace: NS.to_string(),
        watch_namespace: None,
        oci_secrets: vec![],
        resources: ResourceOverrides::default(),
        owner_deployment: None,
    }
}

fn api_with_namespace() -> FakeApi {
    let api = FakeApi::new();
    api.put(
        "/api/v1/namespaces/pacto-system",
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}}),
    );
    api
}

fn of(api: &FakeApi, method: &str) -> Vec<Recorded> {
    api.requests()
        .into_iter()
        .filter(|r| r.method == method)
        .collect()
}

fn paths(rs: &[Recorded]) -> Vec<String> {
    rs.iter().map(|r| r.path.clone()).collect()
}

fn patch_to(api: &FakeApi, path: &str) -> Recorded {
    of(api, "PATCH")
        .into_iter()
        .find(|r| r.path == path)
        .unwrap_or_else(|| panic!("no PATCH of {path}"))
}

fn our_labels() -> Value {
    json!({
        "app.kubernetes.io/component": "dashboard",
        "app.kubernetes.io/managed-by": "pacto-operator",
        "app.kubernetes.io/name": "pacto-dashboard"
    })
}

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

#[tokio::test]
async fn enabled_applies_every_object_with_server_side_apply() {
    let api = api_with_namespace();
    let mut st = settings(true);
    st.watch_namespace = Some("shop".to_string());
    st.resources.cpu_limit = Some("300m".to_string());
    st.resources.memory_request = Some("256Mi".to_string());
    let report = Dashboard::new(api.client(), st).sync().await;
    assert_eq!(report.error, None);
    assert_eq!(report.warnings, Vec::<String>::new());
    assert_eq!(
        report.applied,
        [
            "ServiceAccount/pacto-dashboard",
            "ClusterRole/pacto-dashboard",
            "ClusterRoleBinding/pacto-dashboard",
            "Deployment/pacto-dashboard",
            "Service/pacto-dashboard"
        ]
    );

    let patches = of(&api, "PATCH");
    assert_eq!(paths(&patches), [SA, CR, CRB, DEPLOY, SVC]);
    for p in &patches {
        assert_eq!(p.content_type, "application/apply-patch+yaml", "{}", p.path);
        let mut q: Vec<&str> = p.query.split('&').filter(|kv| !kv.is_empty()).collect();
        q.sort_unstable();
        assert_eq!(q, ["fieldManager=pacto-operator-dashboard", "force=true"]);
        assert_eq!(p.body["metadata"]["name"], "pacto-dashboard");
        assert_eq!(p.body["metadata"]["labels"], our_labels(), "{}", p.path);
        assert!(p.body["metadata"].get("ownerReferences").is_none());
    }
    // The namespace exists: read, not created. No OCI secret configured: none applied, and
    // the managed one is only looked for (to delete it if it were ours).
    assert!(of(&api, "POST").is_empty());
    assert!(of(&api, "DELETE").is_empty());
    assert!(of(&api, "GET").iter().any(|r| r.path == SECRET));

    let sa = &patches[0].body;
    assert_eq!(
        (&sa["apiVersion"], &sa["kind"]),
        (&json!("v1"), &json!("ServiceAccount"))
    );
    assert_eq!(sa["metadata"]["namespace"], NS);

    let cr = &patches[1].body;
    assert_eq!(cr["kind"], "ClusterRole");
    assert_eq!(
        cr["rules"],
        json!([
            {"apiGroups": ["pacto.trianalab.io"], "resources": ["pactos", "pactorevisions"], "verbs": ["get", "list", "watch"]},
            {"apiGroups": [""], "resources": ["services"], "verbs": ["get", "list", "watch"]}
        ])
    );
    assert!(cr["metadata"].get("namespace").is_none());

    let crb = &patches[2].body;
    assert_eq!(
        crb["roleRef"],
        json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "pacto-dashboard"})
    );
    assert_eq!(
        crb["subjects"],
        json!([{"kind": "ServiceAccount", "name": "pacto-dashboard", "namespace": NS}])
    );

    let d = &patches[3].body;
    assert_eq!(
        (&d["apiVersion"], &d["kind"]),
        (&json!("apps/v1"), &json!("Deployment"))
    );
    assert_eq!(d["spec"]["replicas"], 1);
    assert_eq!(
        d["spec"]["selector"]["matchLabels"],
        json!({"app.kubernetes.io/component": "dashboard", "app.kubernetes.io/name": "pacto-dashboard"})
    );
    assert_eq!(d["spec"]["template"]["metadata"]["labels"], our_labels());
    let pod = &d["spec"]["template"]["spec"];
    assert_eq!(pod["serviceAccountName"], "pacto-dashboard");
    assert_eq!(pod["terminationGracePeriodSeconds"], 10);
    assert_eq!(
        pod["securityContext"],
        json!({"runAsNonRoot": true, "runAsUser": 65532, "seccompProfile": {"type": "RuntimeDefault"}})
    );
    assert_eq!(pod["volumes"], json!([{"name": "cache", "emptyDir": {}}]));
    let c = &pod["containers"][0];
    assert_eq!(pod["containers"].as_array().unwrap().len(), 1);
    assert_eq!(c["name"], "dashboard");
    assert_eq!(c["image"], IMAGE);
    assert_eq!(
        c["ports"],
        json!([{"name": "http", "containerPort": 3000, "protocol": "TCP"}])
    );
    assert_eq!(
        c["env"],
        json!([
            {"name": "PACTO_DASHBOARD_PORT", "value": "3000"},
            {"name": "PACTO_NO_UPDATE_CHECK", "value": "1"},
            {"name": "PACTO_WATCH_NAMESPACE", "value": "shop"}
        ])
    );
    assert_eq!(
        c["livenessProbe"],
        json!({"httpGet": {"path": "/health", "port": 3000}, "initialDelaySeconds": 10, "periodSeconds": 30})
    );
    assert_eq!(
        c["readinessProbe"],
        json!({"httpGet": {"path": "/health", "port": 3000}, "initialDelaySeconds": 5, "periodSeconds": 10})
    );
    assert_eq!(
        c["securityContext"],
        json!({"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}, "readOnlyRootFilesystem": true})
    );
    assert_eq!(
        c["volumeMounts"],
        json!([{"name": "cache", "mountPath": "/home/pacto/.cache/pacto"}])
    );
    // Defaults with the two overrides.
    assert_eq!(
        c["resources"],
        json!({"limits": {"cpu": "300m", "memory": "512Mi"}, "requests": {"cpu": "50m", "memory": "256Mi"}})
    );

    let svc = &patches[4].body;
    assert_eq!(
        svc["spec"],
        json!({
            "type": "ClusterIP",
            "selector": {"app.kubernetes.io/component": "dashboard", "app.kubernetes.io/name": "pacto-dashboard"},
            "ports": [{"name": "http", "port": 3000, "targetPort": 3000, "protocol": "TCP"}]
        })
    );
}

#[tokio::test]
async fn a_missing_namespace_is_created_with_our_labels() {
    let api = FakeApi::new();
    let report = Dashboard::new(api.client(), settings(true)).sync().await;
    assert_eq!(report.error, None);
    assert_eq!(report.applied[0], "Namespace/pacto-system");
    let posts = of(&api, "POST");
    assert_eq!(paths(&posts), ["/api/v1/namespaces"]);
    assert_eq!(posts[0].body["metadata"]["name"], NS);
    assert_eq!(posts[0].body["metadata"]["labels"], our_labels());
}

#[tokio::test]
async fn oci_secrets_are_merged_into_one_dockerconfigjson_secret() {
    let api = api_with_namespace();
    let secret = |name: &str, type_: &str, data: Value| {
        json!({"apiVersion": "v1", "kind": "Secret", "type": type_,
            "metadata": {"name": name, "namespace": NS}, "data": data})
    };
    let docker = json!({"auths": {
        "https://ghcr.io/v2/": {"auth": b64("old:old")},
        "quay.io": {"username": "q", "password": "qp", "email": "dropped@example.com"}
    }});
    api.put(
        "/api/v1/namespaces/pacto-system/secrets/docker-creds",
        secret(
            "docker-creds",
            "kubernetes.io/dockerconfigjson",
            json!({".dockerconfigjson": b64(&docker.to_string())}),
        ),
    );
    // Later source, same host as an entry above: it wins.
    api.put(
        "/api/v1/namespaces/pacto-system/secrets/ghcr-token",
        secret(
            "ghcr-token",
            "Opaque",
            json!({"registry": b64("ghcr.io"), "token": b64("tok-123")}),
        ),
    );
    api.put(
        "/api/v1/namespaces/pacto-system/secrets/hub-basic",
        secret(
            "hub-basic",
            "Opaque",
            json!({"registry": b64("docker.io"), "username": b64("u"), "password": b64("p")}),
        ),
    );
    api.put(
        "/api/v1/namespaces/pacto-system/secrets/no-registry",
        secret("no-registry", "Opaque", json!({"token": b64("t")})),
    );
    api.put(
        "/api/v1/namespaces/pacto-system/secrets/broken",
        secret(
            "broken",
            "kubernetes.io/dockerconfigjson",
            json!({".dockerconfigjson": b64("{not json")}),
        ),
    );
    let mut st = settings(true);
    st.oci_secrets = [
        "docker-creds",
        "ghcr-token",
        "missing",
        "no-registry",
        "broken",
        "hub-basic",
    ]
    .map(String::from)
    .to_vec();
    let report = Dashboard::new(api.client(), st).sync().await;
    assert_eq!(report.error, None);
    assert_eq!(report.warnings.len(), 3, "{:?}", report.warnings);
    assert!(report.warnings[0].contains("\"missing\" not found in namespace pacto-system"));
    assert!(
        report.warnings[1].contains("\"no-registry\": an Opaque secret needs a \"registry\" key")
    );
    assert!(report.warnings[2].contains("\"broken\": malformed .dockerconfigjson"));

    // The Secret goes out before the Deployment that mounts it.
    let order = paths(&of(&api, "PATCH"));
    assert_eq!(order, [SA, CR, CRB, SECRET, DEPLOY, SVC]);

    let s = patch_to(&api, SECRET).body;
    assert_eq!(s["type"], "kubernetes.io/dockerconfigjson");
    assert_eq!(s["metadata"]["labels"], our_labels());
    let raw = base64::engine::general_purpose::STANDARD
        .decode(s["data"][".dockerconfigjson"].as_str().unwrap())
        .unwrap();
    let text = String::from_utf8(raw).unwrap();
    let config: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        config,
        json!({"auths": {
            "ghcr.io": {"auth": b64("_token:tok-123")},
            "index.docker.io": {"auth": b64("u:p"), "password": "p", "username": "u"},
            "quay.io": {"password": "qp", "username": "q"}
        }})
    );
    // Deterministic: keys sorted.
    assert!(text.find("ghcr.io").unwrap() < text.find("index.docker.io").unwrap());
    assert!(text.find("index.docker.io").unwrap() < text.find("quay.io").unwrap());

    let pod = &patch_to(&api, DEPLOY).body["spec"]["template"]["spec"];
    assert_eq!(
        pod["volumes"][1],
        json!({"name": "oci-creds", "secret": {"secretName": "pacto-dashboard-oci-creds",
            "items": [{"key": ".dockerconfigjson", "path": "config.json"}], "optional": true}})
    );
    assert_eq!(
        pod["containers"][0]["volumeMounts"][1],
        json!({"name": "oci-creds", "mountPath": "/home/pacto/.docker", "readOnly": true})
    );
}

#[tokio::test]
async fn a_failing_source_secret_read_keeps_the_managed_secret_and_the_rest_goes_on() {
    let api = api_with_namespace();
    api.fail(|m, p| m == "GET" && p.ends_with("/secrets/flaky"), 500);
    let mut st = settings(true);
    st.oci_secrets = vec!["flaky".to_string()];
    let report = Dashboard::new(api.client(), st).sync().await;
    assert_eq!(report.error, None);
    assert!(report.warnings[0].contains("reading OCI secret \"flaky\" failed"));
    assert!(report.warnings[0].contains("left unchanged"));
    assert_eq!(paths(&of(&api, "PATCH")), [SA, CR, CRB, DEPLOY, SVC]);
}

#[tokio::test]
async fn namespaced_objects_are_owned_by_the_operator_deployment() {
    let api = api_with_namespace();
    api.put(
        "/apis/apps/v1/namespaces/pacto-system/deployments/pacto-operator",
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "pacto-operator", "namespace": NS, "uid": "uid-op-1"}}),
    );
    api.put(
        "/api/v1/namespaces/pacto-system/secrets/creds",
        json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": "creds", "namespace": NS},
            "data": {"registry": b64("ghcr.io"), "token": b64("t")}}),
    );
    let mut st = settings(true);
    st.owner_deployment = Some("pacto-operator".to_string());
    st.oci_secrets = vec!["creds".to_string()];
    let dash = Dashboard::new(api.client(), st);
    let report = dash.sync().await;
    assert_eq!(report.error, None);
    let owner = json!([{"apiVersion": "apps/v1", "kind": "Deployment", "name": "pacto-operator",
        "uid": "uid-op-1", "controller": true}]);
    for path in [SA, SECRET, DEPLOY, SVC] {
        assert_eq!(
            patch_to(&api, path).body["metadata"]["ownerReferences"],
            owner,
            "{path}"
        );
    }
    // Cluster-scoped objects cannot have a namespaced owner.
    for path in [CR, CRB] {
        assert!(patch_to(&api, path).body["metadata"]
            .get("ownerReferences")
            .is_none());
    }
    // The uid is looked up once.
    api.clear_requests();
    dash.sync().await;
    assert!(!of(&api, "GET")
        .iter()
        .any(|r| r.path.ends_with("/deployments/pacto-operator")));
    assert_eq!(
        patch_to(&api, DEPLOY).body["metadata"]["ownerReferences"],
        owner
    );
}

#[tokio::test]
async fn an_owner_lookup_failure_applies_without_owner() {
    let api = api_with_namespace();
    let mut st = settings(true);
    st.owner_deployment = Some("gone".to_string());
    let report = Dashboard::new(api.client(), st).sync().await;
    assert_eq!(report.error, None);
    assert_eq!(report.warnings.len(), 1);
    assert!(report.warnings[0].contains("operator Deployment \"gone\""));
    assert!(report.warnings[0].contains("without an owner"));
    for path in [SA, DEPLOY, SVC] {
        assert!(patch_to(&api, path).body["metadata"]
            .get("ownerReferences")
            .is_none());
    }
}

#[tokio::test]
async fn a_forbidden_apply_is_reported_and_stops_the_pass_without_panic() {
    let api = api_with_namespace();
    api.fail(|m, p| m == "PATCH" && p.contains("/clusterroles/"), 403);
    let dash = Dashboard::new(api.client(), settings(true));
    let report = dash.sync().await;
    let err = report.error.unwrap();
    assert!(
        err.starts_with("applying ClusterRole/pacto-dashboard is forbidden"),
        "{err}"
    );
    assert!(err.contains("dashboard.managedByOperator=true"));
    // The API error reads as its HTTP status and the server's message, not kube's Debug dump.
    assert!(
        err.ends_with("): HTTP 403 Forbidden: injected failure"),
        "{err}"
    );
    assert!(
        !err.contains("ApiError") && !err.contains("Status {"),
        "{err}"
    );
    assert_eq!(report.applied, ["ServiceAccount/pacto-dashboard"]);
    // Nothing after the failed step: no Deployment without its RBAC.
    assert_eq!(paths(&of(&api, "PATCH")), [SA, CR]);
}

fn put_ours(api: &FakeApi, path: &str, kind: &str, labels: Value) {
    api.put(
        path,
        json!({"kind": kind, "metadata": {"name": path.rsplit('/').next().unwrap(), "labels": labels}}),
    );
}

#[tokio::test]
async fn disabled_deletes_only_our_objects_in_reverse_order() {
    let api = api_with_namespace();
    for (path, kind) in [
        (SA, "ServiceAccount"),
        (CR, "ClusterRole"),
        (CRB, "ClusterRoleBinding"),
        (SECRET, "Secret"),
        (DEPLOY, "Deployment"),
        (SVC, "Service"),
    ] {
        put_ours(&api, path, kind, our_labels());
    }
    // Same name, but not ours (a chart-managed object): left alone.
    put_ours(
        &api,
        SA,
        "ServiceAccount",
        json!({"app.kubernetes.io/managed-by": "Helm", "app.kubernetes.io/component": "dashboard"}),
    );
    let report = Dashboard::new(api.client(), settings(false)).sync().await;
    assert_eq!(report.error, None);
    assert_eq!(report.warnings, Vec::<String>::new());
    let deletes = of(&api, "DELETE");
    assert_eq!(paths(&deletes), [SVC, DEPLOY, SECRET, CRB, CR]);
    for d in &deletes {
        assert_eq!(d.body["propagationPolicy"], "Foreground", "{}", d.path);
    }
    assert_eq!(
        report.deleted,
        [
            "Service/pacto-dashboard",
            "Deployment/pacto-dashboard",
            "Secret/pacto-dashboard-oci-creds",
            "ClusterRoleBinding/pacto-dashboard",
            "ClusterRole/pacto-dashboard"
        ]
    );
    assert!(api.get(SA).is_some());
    assert!(api.get(DEPLOY).is_none());
    // Disabled: nothing is applied.
    assert!(of(&api, "PATCH").is_empty());
}

#[tokio::test]
async fn disabled_cleanup_without_rbac_logs_and_goes_on() {
    let api = api_with_namespace();
    for (path, kind) in [
        (SVC, "Service"),
        (DEPLOY, "Deployment"),
        (SA, "ServiceAccount"),
    ] {
        put_ours(&api, path, kind, our_labels());
    }
    // The default chart grants no access to cluster roles, nor delete on deployments.
    api.fail(|m, p| m == "GET" && p.contains("/clusterrole"), 403);
    api.fail(|m, p| m == "DELETE" && p.contains("/deployments/"), 403);
    let dash = Dashboard::new(api.client(), settings(false));
    // `run` returns after the one cleanup pass when disabled.
    tokio::time::timeout(Duration::from_secs(10), dash.run())
        .await
        .unwrap();
    assert_eq!(paths(&of(&api, "DELETE")), [SVC, DEPLOY, SA]);
    assert!(api.get(DEPLOY).is_some());

    let report = Dashboard::new(api.client(), settings(false)).sync().await;
    assert_eq!(report.error, None);
    assert_eq!(report.warnings.len(), 1);
    assert!(report.warnings[0]
        .starts_with("dashboard cleanup: deleting Deployment/pacto-dashboard failed"));
}

#[tokio::test]
async fn enabled_without_oci_secrets_deletes_our_stale_credentials_secret() {
    let api = api_with_namespace();
    put_ours(&api, SECRET, "Secret", our_labels());
    let report = Dashboard::new(api.client(), settings(true)).sync().await;
    assert_eq!(report.error, None);
    assert_eq!(report.deleted, ["Secret/pacto-dashboard-oci-creds"]);
    assert_eq!(paths(&of(&api, "DELETE")), [SECRET]);
}

#[tokio::test]
async fn run_resyncs_every_interval() {
    let api = api_with_namespace();
    let dash =
        Dashboard::new(api.client(), settings(true)).with_interval(Duration::from_millis(50));
    let task = tokio::spawn(dash.run());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let service_applies = || of(&api, "PATCH").iter().filter(|r| r.path == SVC).count();
    while service_applies() < 3 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(service_applies() >= 3, "{} passes", service_applies());
    assert!(!task.is_finished());
    task.abort();
}
