#!/usr/bin/env python3
"""SPDX 2.3 JSON SBOM of the crates linked into the `pacto` binary (scripts/release calls it).

The packages are pacto-cli's normal (not dev, not build) dependencies, transitively, from
`cargo metadata --locked`; each carries its version, declared licence, crates.io download URL,
SHA-256 from Cargo.lock and a `pkg:cargo` purl, and DEPENDS_ON relationships mirror the
resolved graph. The output is deterministic for a commit: packages sorted, `created` is the
commit date given by the caller, the namespace is derived from the version and commit.
"""
import argparse
import json
import re
import subprocess
import sys

try:
    import tomllib  # Python 3.11+
except ImportError:  # older Pythons: the SBOM goes without Cargo.lock's checksums
    tomllib = None
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def spdx_id(name, version):
    return "SPDXRef-Package-" + re.sub(r"[^A-Za-z0-9.-]", "-", f"{name}-{version}")


def license_expr(lic):
    if not lic:
        return "NOASSERTION"
    # Cargo's old "MIT/Apache-2.0" form is an SPDX disjunction.
    return " OR ".join(p.strip() for p in lic.split("/")) if "/" in lic else lic


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--version", required=True)
    ap.add_argument("--commit", default="unknown")
    ap.add_argument("--created", default="unknown")
    ap.add_argument("--out", required=True)
    ap.add_argument("--root-package", default="pacto-cli")
    args = ap.parse_args()

    meta = json.loads(
        subprocess.run(
            ["cargo", "metadata", "--format-version", "1", "--locked"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        ).stdout
    )
    lock = tomllib.loads((ROOT / "Cargo.lock").read_text()) if tomllib else {}
    checksums = {
        (p["name"], p["version"]): p.get("checksum")
        for p in lock.get("package", [])
        if p.get("checksum")
    }
    packages = {p["id"]: p for p in meta["packages"]}
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    root = next(
        (p["id"] for p in meta["packages"] if p["name"] == args.root_package), None
    )
    if root is None:
        sys.exit(f"release-sbom: no package {args.root_package} in the workspace")

    def normal_deps(node_id):
        out = []
        for d in nodes[node_id].get("deps", []):
            if any(k.get("kind") is None for k in d.get("dep_kinds", [])):
                out.append(d["pkg"])
        return out

    seen, stack = set(), [root]
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        stack.extend(normal_deps(pid))

    spdx_packages, relationships = [], []
    for pid in sorted(seen, key=lambda i: (packages[i]["name"], packages[i]["version"])):
        p = packages[pid]
        name, version = p["name"], p["version"]
        from_registry = (p.get("source") or "").startswith("registry+")
        pkg = {
            "SPDXID": spdx_id(name, version),
            "name": name,
            "versionInfo": version,
            "downloadLocation": (
                f"https://crates.io/api/v1/crates/{name}/{version}/download"
                if from_registry
                else "NOASSERTION"
            ),
            "filesAnalyzed": False,
            "licenseConcluded": "NOASSERTION",
            "licenseDeclared": license_expr(p.get("license")),
            "copyrightText": "NOASSERTION",
            "primaryPackagePurpose": "APPLICATION" if pid == root else "LIBRARY",
            "externalRefs": [
                {
                    "referenceCategory": "PACKAGE-MANAGER",
                    "referenceType": "purl",
                    "referenceLocator": f"pkg:cargo/{name}@{version}",
                }
            ],
        }
        if pid == root:
            pkg["versionInfo"] = args.version.lstrip("v")
        digest = checksums.get((name, version))
        if digest:
            pkg["checksums"] = [{"algorithm": "SHA256", "checksumValue": digest}]
        if p.get("repository"):
            pkg["homepage"] = p["repository"]
        spdx_packages.append(pkg)
        for dep in sorted(normal_deps(pid)):
            d = packages[dep]
            relationships.append(
                {
                    "spdxElementId": spdx_id(name, version),
                    "relationshipType": "DEPENDS_ON",
                    "relatedSpdxElement": spdx_id(d["name"], d["version"]),
                }
            )
    root_pkg = packages[root]
    relationships.insert(
        0,
        {
            "spdxElementId": "SPDXRef-DOCUMENT",
            "relationshipType": "DESCRIBES",
            "relatedSpdxElement": spdx_id(root_pkg["name"], root_pkg["version"]),
        },
    )
    created = args.created if re.match(r"^\d{4}-\d\d-\d\dT", args.created) else "1970-01-01T00:00:00Z"
    doc = {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": f"pacto-{args.version}",
        # A URI without a fragment (SPDX 2.3 §6.5), unique per version and commit.
        "documentNamespace": f"https://github.com/pacto-rs/pacto/releases/{args.version}/spdx/{args.commit}",
        "creationInfo": {
            "created": created,
            "creators": ["Tool: pacto scripts/release"],
        },
        "packages": spdx_packages,
        "relationships": relationships,
    }
    Path(args.out).write_text(json.dumps(doc, indent=2, sort_keys=False) + "\n")
    print(f"wrote {args.out} ({len(spdx_packages)} packages)")


if __name__ == "__main__":
    main()
