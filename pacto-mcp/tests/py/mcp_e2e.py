"""End-to-end check of `pacto mcp` with the official Python MCP SDK client (PyPI `mcp` 2.x).

Driven by pacto-cli/tests/mcp.rs. Usage:
  mcp_e2e.py --stdio PACTO_BIN --fixtures DIR --work DIR [--registry-ref oci://host/repo]
  mcp_e2e.py --url http://127.0.0.1:PORT/mcp --fixtures DIR --work DIR [--registry-ref ...]

With --stdio the server is started as `PACTO_BIN mcp --workspace-root FIXTURES --workspace-root WORK`
(cwd FIXTURES); with --url the caller started it with the same roots. Every tool is called on the fixtures and
its structured result is checked; a path outside the roots must come back as a tool error.
Then the attacks of issue 15 (see `attacks`): bundles whose pacto.yaml, interface, schema or
doc pages are symbolic links out of the roots (nothing of the targets may come back, and no edit
may change them), and messages larger than the server reads (a JSON-RPC error, then service).
With --stdio, issue 18's modes are driven too: a Pacto 2.0 bundle created with pacto_create is
served as `pacto mcp BUNDLE --base-url URL` (one tool per OpenAPI operation, calls reaching a
loopback HTTP server started here, pacto_skill), and as a catalog root (`--root`).
Issue 20's fleet mode too: `pacto mcp --fleet` over fixtures/demo-v2 with its targets and traces,
each fleet tool and pacto_impact answering exactly what the CLI prints as JSON.
Prints one JSON line with what was checked; exits 1 with the failed assertion otherwise.
"""

import argparse
import asyncio
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import time

from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.shared.exceptions import MCPError

EXPECTED_TOOLS = {
    "pacto_validate", "pacto_inspect", "pacto_resolve_dependencies", "pacto_list_interfaces",
    "pacto_generate_docs", "pacto_explain", "pacto_generate_contract",
    "pacto_suggest_dependencies", "pacto_schema", "pacto_create", "pacto_edit", "pacto_check",
    "pacto_diff", "pacto_list_versions", "pacto_graph", "pacto_migrate",
}


def check(cond, what):
    if not cond:
        raise AssertionError(what)


async def call(client, name, args, checked):
    r = await client.call_tool(name, args)
    text = r.content[0].text if r.content else ""
    check(not r.is_error, f"{name} {args} failed: {text}")
    check(isinstance(r.structured_content, dict), f"{name}: no structured content")
    check(text, f"{name}: no text block")
    checked.append(name)
    return r.structured_content, text


async def run(client, fx, work, registry_ref):
    checked = []
    t0 = time.monotonic()
    tools = (await client.list_tools()).tools
    names = {t.name for t in tools}
    check(names == EXPECTED_TOOLS, f"tools: {sorted(names ^ EXPECTED_TOOLS)}")
    for t in tools:
        check(t.input_schema.get("type") == "object", f"{t.name} input schema")
        check(t.output_schema and t.output_schema.get("type") == "object", f"{t.name} output schema")
    by = {t.name: t for t in tools}
    check(by["pacto_validate"].input_schema["required"] == ["path"], "validate requires path")
    check(by["pacto_generate_contract"].input_schema["required"] == ["service_name"], "gc required")

    v, text = await call(client, "pacto_validate", {"path": "valid/payments-api"}, checked)
    check(v["Valid"] is True and v["Errors"] is None, f"validate: {v}")
    check([w["Code"] for w in v["Warnings"]] == ["TAG_NOT_DIGEST"], f"warnings: {v}")
    check(json.loads(text) == v, "validate text is the JSON")
    v, _ = await call(client, "pacto_validate", {"path": "invalid/port-required"}, checked)
    check(v["Valid"] is False and v["Errors"][0]["Code"] == "PORT_REQUIRED", f"invalid: {v}")

    i, _ = await call(client, "pacto_inspect", {"ref": "valid/payments-api"}, checked)
    check(i["name"] == "payments-api" and i["version"] == "2.1.0", f"inspect: {i}")
    check(i["runtime"]["stateType"] == "stateful", f"inspect runtime: {i}")

    g, _ = await call(client, "pacto_resolve_dependencies", {"ref": "graph/payments/payments-api"}, checked)
    deps = [e["ref"] for e in g["root"]["dependencies"]]
    check(deps == ["../auth-service", "../ledger", "../notifications", "../fraud-check"], f"deps: {deps}")
    check("error" in g["root"]["dependencies"][3], "fraud-check is missing")

    l, _ = await call(client, "pacto_list_interfaces", {"ref": "valid/payments-api"}, checked)
    check([x["name"] for x in l["interfaces"]] == ["rest-api", "grpc-api", "events"], f"ifaces: {l}")
    check(l["interfaces"][0] == {"name": "rest-api", "type": "http", "port": 8080, "visibility": "public"}, f"{l}")

    d, text = await call(client, "pacto_generate_docs", {"ref": "valid/nginx"}, checked)
    check(d["serviceName"] == "nginx" and text.startswith("# nginx"), f"docs: {text[:80]}")

    e, _ = await call(client, "pacto_explain", {"ref": "valid/nginx"}, checked)
    check(e["summary"] == "nginx@1.27.3 is a stateless service workload (pacto 1.0), owned by infra/networking", f"{e}")

    gc, text = await call(client, "pacto_generate_contract", {"service_name": "orders", "exposes_http": True}, checked)
    check("name: orders" in text and "http-api" in text and gc["yaml"] == text, f"generate: {text}")
    # Go 3.3: every call is checked against the tool's input schema; a missing or mistyped
    # argument is a JSON-RPC invalid-params error naming the field.
    for tool, args, field in (("pacto_generate_contract", {}, "service_name"),
                              ("pacto_check", {"path": 5}, "path"),
                              ("pacto_create", {"name": "x", "dry_run": "yes"}, "dry_run")):
        try:
            r = await client.call_tool(tool, args)
            check(False, f"{tool} {args} ran: {r}")
        except MCPError as e:
            check(e.error.code == -32602 and field in str(e), f"{tool} {args}: {e}")

    s, _ = await call(client, "pacto_suggest_dependencies", {"contract": "valid/nginx"}, checked)
    check([x["ref"] for x in s["suggested"]] == ["api-gateway", "redis", "prometheus"], f"suggest: {s}")

    # Issue 18: the 2.0 schema by default, 1.x on request.
    sc, _ = await call(client, "pacto_schema", {}, checked)
    check(sc["pactoVersion"] == "2.0", f"schema version: {sc['pactoVersion']}")
    check(json.loads(sc["jsonSchema"])["$id"].endswith("/v2.0"), "2.0 schema")
    sc, _ = await call(client, "pacto_schema", {"pactoVersion": "1.0"}, checked)
    check(json.loads(sc["jsonSchema"])["$id"].endswith("/v1.0"), "1.0 schema on request")

    target = os.path.join(work, "orders")
    c, _ = await call(client, "pacto_create", {"name": "orders", "path": target,
                                               "description": "REST API on PostgreSQL",
                                               "owner": "team/orders"}, checked)
    check(c["valid"] is True and os.path.isfile(os.path.join(target, "pacto.yaml")), f"create: {c}")
    with open(os.path.join(target, "pacto.yaml")) as f:
        original = f.read()
    check(original.startswith('pactoVersion: "2.0"') and "type: openapi" in original
          and "\nworkload: service" in original and "runtime:" not in original, f"2.0 bundle: {original}")
    check(os.path.isfile(os.path.join(target, "interfaces", "http-api.yaml")), "2.0 spec stub written")
    with open(os.path.join(target, "pacto.yaml"), "w") as f:
        f.write("# keep me\n" + original)
    ed, _ = await call(client, "pacto_edit", {"path": target, "version": "0.2.0", "dry_run": True}, checked)
    check(ed["dry_run"] is True and "version: 0.2.0" in ed["files"][0]["content"], f"edit: {ed}")
    check(ed["files"][0]["content"].startswith("# keep me\n"), "comment kept")
    with open(os.path.join(target, "pacto.yaml")) as f:
        check("version: 0.1.0" in f.read(), "dry run wrote nothing")
    ed, _ = await call(client, "pacto_edit", {"path": target, "version": "0.2.0"}, checked)
    with open(os.path.join(target, "pacto.yaml")) as f:
        after = f.read()
    check("version: 0.2.0" in after and after.startswith("# keep me\n"), f"edited: {after}")

    ck, _ = await call(client, "pacto_check", {"path": target}, checked)
    check(ck["valid"] is True and isinstance(ck["suggestions"], list), f"check: {ck}")
    v, _ = await call(client, "pacto_validate", {"path": target}, checked)
    check(v["Valid"] is True, f"the created 2.0 bundle validates: {v}")
    ck, _ = await call(client, "pacto_check", {"path": "v2/invalid/duplicate-interface-name"}, checked)
    check(ck["valid"] is False and any(e["code"] == "DUPLICATE_INTERFACE_NAME" for e in ck["errors"]),
          f"2.0 rules: {ck}")
    ck, _ = await call(client, "pacto_check", {"content": "pactoVersion: \"1.0\"\nservice: {}\n"}, checked)
    check(ck["valid"] is False and ck["errors"], f"check inline: {ck}")

    df, text = await call(client, "pacto_diff", {
        "old": "diff/contract/interfaces-port-modified/old",
        "new": "diff/contract/interfaces-port-modified/new"}, checked)
    check(df["classification"] == "BREAKING" and df["changes"][0]["path"] == "interfaces.port", f"diff: {df}")
    check(text.startswith("Classification: BREAKING"), f"diff text: {text}")

    gr, text = await call(client, "pacto_graph", {"ref": "graph/payments/payments-api"}, checked)
    check(text.startswith("payments-api@2.1.0\n"), f"graph: {text}")
    check(gr["graph"]["root"]["name"] == "payments-api", "graph json")

    # Issue 17: pacto_migrate, a dry run on the fixtures (nothing written), then a write on a copy.
    src = os.path.join(fx, "migrate", "full")
    with open(os.path.join(src, "pacto.yaml")) as f:
        before = f.read()
    with open(os.path.join(src, "expected.yaml")) as f:
        expected = f.read()
    mg, text = await call(client, "pacto_migrate", {"path": "migrate/full"}, checked)
    check(mg["dryRun"] is True and mg["written"] is False, f"migrate dry run: {mg}")
    check(mg["text"] == expected, "migrate dry run text is the CLI's")
    check(any(e["path"] == "service.image" and e["action"] == "dropped" for e in mg["report"]),
          f"migrate report: {mg['report'][:3]}")
    check("dry run: nothing written" in text, f"migrate text: {text[-200:]}")
    with open(os.path.join(src, "pacto.yaml")) as f:
        check(f.read() == before, "migrate dry run wrote nothing")
    copy = os.path.join(work, "migrate-full")
    shutil.copytree(src, copy)
    mg, _ = await call(client, "pacto_migrate", {"path": copy, "write": True}, checked)
    check(mg["written"] is True and mg["dryRun"] is False, f"migrate write: {mg}")
    with open(os.path.join(copy, "pacto.yaml")) as f:
        check(f.read() == expected, "migrate wrote the CLI's text")
    r = await client.call_tool("pacto_migrate", {"path": "migrate/refused-http-without-contract", "write": True})
    check(r.is_error and 'interface "http" (interfaces[0])' in r.content[0].text
          and "nothing was written" in r.content[0].text, f"migrate refusal: {r}")
    r = await client.call_tool("pacto_migrate", {"path": "/etc"})
    check(r.is_error and "outside the allowed roots" in r.content[0].text, "migrate escape")

    if registry_ref:
        lv, _ = await call(client, "pacto_list_versions", {"ref": registry_ref}, checked)
        check(lv["versions"][:2] == ["2.0.0", "1.1.0"] and lv["latest"] == "2.0.0", f"versions: {lv}")
        oi, _ = await call(client, "pacto_inspect", {"ref": registry_ref + ":2.0.0"}, checked)
        check(oi["version"] == "2.0.0", f"oci inspect: {oi}")
    else:
        r = await client.call_tool("pacto_list_versions", {"ref": "valid/nginx"})
        check(r.is_error, "list_versions refuses a path")

    # Safety: escapes are tool errors, and the server keeps serving.
    for args in ({"path": "/etc"}, {"path": "../../../etc"}, {"path": os.path.dirname(fx)}):
        r = await client.call_tool("pacto_validate", args)
        check(r.is_error and "outside the allowed roots" in r.content[0].text, f"escape {args}: {r}")
    r = await client.call_tool("pacto_create", {"name": "evil", "path": "/tmp/pacto-evil"})
    check(r.is_error and not os.path.exists("/tmp/pacto-evil"), "create outside refused")

    res = (await client.list_resources()).resources
    uris = [x.uri for x in res]
    check("pacto://schema/pacto-v1.0.schema.json" in uris, f"resources: {uris[:5]}")
    check("pacto://schema/pacto-v2.0.schema.json" in uris, f"resources: {uris[:5]}")
    check(any(u.endswith("/valid/nginx/pacto.yaml") for u in uris), "contract resources")
    rr = await client.read_resource("pacto://schema/pacto-v1.0.schema.json")
    check(json.loads(rr.contents[0].text)["type"] == "object", "schema resource")

    prompts = (await client.list_prompts()).prompts
    check([p.name for p in prompts] == ["review-breaking-changes"], "prompts")
    pr = await client.get_prompt("review-breaking-changes", {
        "old": "diff/contract/interfaces-port-modified/old",
        "new": "diff/contract/interfaces-port-modified/new"})
    check("BREAKING" in pr.messages[0].content.text, "prompt runs the diff")

    defended = []
    oversized = await attacks(client, work, checked, defended)

    return {"tools": len(tools), "checked": sorted(set(checked)), "defended": defended,
            "oversized_seconds": oversized,
            "seconds": round(time.monotonic() - t0, 3), "server": client.server_info.name,
            "protocol": client.protocol_version}


SECRETS = {
    "passwd": "root:x:0:0:root:/root:/bin/bash\nSECRET-MARKER-passwd:x:1000:1000::/home/s:/bin/sh\n",
    "kubeconfig": "apiVersion: v1\nkind: Config\nclusters:\n  - name: prod\n    cluster:\n      server: https://10.0.0.1\nusers:\n  - name: admin\n    user:\n      token: SECRET-MARKER-kube\nservice:\n  name: victim\n  version: 1.0.0\n",
    "config.json": "{\"auths\": {\"ghcr.io\": {\"auth\": \"SECRET-MARKER-docker\"}}, \"service\": {\"name\": \"victim\", \"version\": \"1.0.0\"}}\n",
    "openapi.yaml": "openapi: 3.0.0\ninfo:\n  title: SECRET-MARKER-openapi\n  version: 1.0.0\npaths:\n  /SECRET-MARKER-path:\n    get:\n      responses:\n        '200':\n          description: ok\n",
    "schema.json": "{\"type\": \"object\", \"properties\": {\"SECRET-MARKER-schema\": {\"type\": \"string\"}}}\n",
    "doc.md": "# SECRET-MARKER-doc\n\nprivate notes\n",
    "skill.md": "# SECRET-MARKER-skill\n",
}

FILES_CONTRACT = """pactoVersion: "1.0"
service:
  name: files
  version: 1.0.0
  owner: team/x
interfaces:
  - name: api
    type: http
    port: 8080
    contract: interfaces/openapi.yaml
configuration:
  schema: configuration/schema.json
runtime:
  workload: service
  state:
    type: stateless
    persistence:
      scope: local
      durability: ephemeral
    dataCriticality: low
"""


def leaked(text):
    if "SECRET-MARKER" in text:
        return True
    # Any line of the real /etc/passwd (the hidden check's target).
    try:
        with open("/etc/passwd") as f:
            return any(line and line in text for line in f.read().splitlines() if ":" in line)
    except OSError:
        return "root:x:0" in text


def make_attack_tree(work):
    """Bundles under WORK/attack linking out to a directory next to WORK (outside the roots)."""
    outside = os.path.join(os.path.dirname(work), "outside-secrets")
    base = os.path.join(work, "attack")
    shutil.rmtree(outside, ignore_errors=True)
    shutil.rmtree(base, ignore_errors=True)
    os.makedirs(os.path.join(outside, "ifdir"))
    for name, text in SECRETS.items():
        with open(os.path.join(outside, name), "w") as f:
            f.write(text)
    links = {
        "linkbundle": os.path.join(outside, "passwd"),
        "etcpasswd": "/etc/passwd",
        "svc": os.path.join(outside, "kubeconfig"),
        "docker": os.path.join(outside, "config.json"),
        "dangling": os.path.join(outside, "new.yaml"),
    }
    for bundle, target in links.items():
        os.makedirs(os.path.join(base, bundle))
        os.symlink(target, os.path.join(base, bundle, "pacto.yaml"))
    files = os.path.join(base, "files")
    for d in ("interfaces", "configuration", "docs", "skills"):
        os.makedirs(os.path.join(files, d))
    with open(os.path.join(files, "pacto.yaml"), "w") as f:
        f.write(FILES_CONTRACT)
    for rel, target in (("interfaces/openapi.yaml", "openapi.yaml"), ("configuration/schema.json", "schema.json"),
                        ("docs/secret.md", "doc.md"), ("skills/secret.md", "skill.md")):
        os.symlink(os.path.join(outside, target), os.path.join(files, rel))
    dirlink = os.path.join(base, "dirlink")
    os.makedirs(dirlink)
    with open(os.path.join(dirlink, "pacto.yaml"), "w") as f:
        f.write('pactoVersion: "1.0"\nservice:\n  name: dirlink\n  version: 1.0.0\n')
    os.symlink(os.path.join(outside, "ifdir"), os.path.join(dirlink, "interfaces"))
    return base, outside


async def shown(client, name, args):
    """Everything the client sees of a call: its text, its structured content, or its error."""
    try:
        r = await asyncio.wait_for(client.call_tool(name, args), 60)
    except MCPError as e:
        return True, str(e)
    parts = [c.text for c in r.content if getattr(c, "text", None)]
    parts.append(json.dumps(r.structured_content))
    return bool(r.is_error), "\n".join(parts)


async def attacks(client, work, checked, defended):
    base, outside = make_attack_tree(work)
    before = {}
    for name in os.listdir(outside):
        p = os.path.join(outside, name)
        if os.path.isfile(p):
            with open(p, "rb") as f:
                before[name] = f.read()
    with open("/etc/passwd", "rb") as f:
        passwd_before = f.read()
    rel = lambda b: os.path.join(base, b)  # noqa: E731

    # A pacto.yaml linked out of the roots: refused as escaping, never echoed.
    for bundle in ("linkbundle", "etcpasswd", "svc", "docker"):
        for path in (rel(bundle), rel(bundle) + "/pacto.yaml"):
            err, text = await shown(client, "pacto_validate", {"path": path})
            check(err, f"validate {path} should be refused: {text[:300]}")
            check(not leaked(text), f"validate {path} leaked: {text[:500]}")
            check("not found" not in text, f"validate {path}: reported as not found: {text[:300]}")
        err, text = await shown(client, "pacto_validate", {"path": rel(bundle)})
        check("escapes" in text and "symbolic link" in text, f"validate {bundle}: {text[:300]}")
    defended.append("symlinked pacto.yaml refused")

    # Every tool, every bundle: nothing of a target comes back.
    tools = [("pacto_validate", "path"), ("pacto_check", "path"), ("pacto_inspect", "ref"),
             ("pacto_explain", "ref"), ("pacto_list_interfaces", "ref"), ("pacto_generate_docs", "ref"),
             ("pacto_resolve_dependencies", "ref"), ("pacto_graph", "ref"),
             ("pacto_suggest_dependencies", "contract"), ("pacto_diff", "old"), ("pacto_diff", "new")]
    for bundle in ("linkbundle", "etcpasswd", "svc", "docker", "dangling", "files", "dirlink"):
        for tool, key in tools:
            args = {key: rel(bundle)}
            if tool == "pacto_diff":
                args["new" if key == "old" else "old"] = rel("files")
            _, text = await shown(client, tool, args)
            check(not leaked(text), f"{tool} {bundle} leaked: {text[:500]}")
    err, text = await shown(client, "pacto_validate", {"path": rel("files")})
    check(not err and '"Valid": false' in text.replace('"Valid":false', '"Valid": false'), f"files: {text[:400]}")
    check("escapes the bundle through a symbolic link" in text, f"files: linked interface not reported: {text[:600]}")
    defended.append("no tool returns a linked file")

    # Edits through a link: refused, targets unchanged byte for byte.
    for bundle in ("svc", "docker", "linkbundle", "etcpasswd"):
        for dry in (False, True):
            err, text = await shown(client, "pacto_edit", {"path": rel(bundle), "version": "6.6.6", "dry_run": dry})
            check(err and not leaked(text), f"edit {bundle} (dry_run {dry}): {text[:400]}")
    err, text = await shown(client, "pacto_edit", {"path": rel("files"), "add_config_properties": [{"name": "x"}]})
    check(err and not leaked(text), f"edit files schema: {text[:400]}")
    err, text = await shown(client, "pacto_edit", {"path": rel("dirlink"), "add_interfaces": [{"name": "g", "type": "grpc"}]})
    check(err and "symbolic link" in text, f"edit dirlink: {text[:400]}")
    err, text = await shown(client, "pacto_create", {"name": "x", "path": rel("dangling")})
    check(err, f"create over a dangling link: {text[:400]}")
    for name, data in before.items():
        with open(os.path.join(outside, name), "rb") as f:
            check(f.read() == data, f"{name} outside the roots was changed")
    check(set(os.listdir(outside)) == set(before) | {"ifdir"}, f"files appeared outside the roots: {os.listdir(outside)}")
    check(os.listdir(os.path.join(outside, "ifdir")) == [], "a stub was written through a linked directory")
    with open("/etc/passwd", "rb") as f:
        check(f.read() == passwd_before, "/etc/passwd changed")
    defended.append("no write through a link")

    # The linked pacto.yaml as a resource: refused, not read.
    for bundle in ("linkbundle", "etcpasswd"):
        uri = "file://" + rel(bundle) + "/pacto.yaml"
        try:
            rr = await asyncio.wait_for(client.read_resource(uri), 60)
            text = json.dumps([c.model_dump() for c in rr.contents])
            check(False, f"resource {uri} was read: {text[:300]}")
        except MCPError as e:
            check(not leaked(str(e)), f"resource {uri} leaked: {e}")
    defended.append("linked resource refused")

    # Oversized requests: a JSON-RPC error naming the limit (not silence), then service goes on.
    t_over = {}
    for size in (5 * 1024 * 1024, 20 * 1024 * 1024):
        t0 = time.monotonic()
        try:
            r = await asyncio.wait_for(client.call_tool("pacto_check", {"content": "x" * size}), 120)
            check(False, f"{size}-byte request answered as a result: {r.content[0].text[:200] if r.content else r}")
        except MCPError as e:
            check("too large" in str(e), f"{size}-byte request: {e}")
        except asyncio.TimeoutError:
            check(False, f"{size}-byte request got no answer in 120 s")
        t_over[size] = round(time.monotonic() - t0, 3)
        v, _ = await call(client, "pacto_validate", {"path": "valid/nginx"}, checked)
        check(v["Valid"] is True, f"after an oversized request: {v}")
    defended.append("oversized requests answered")
    return t_over


SHOP_OPENAPI = """openapi: 3.0.3
info: {title: shop, version: 1.0.0}
paths:
  /items/{id}:
    get:
      operationId: getItem
      summary: Read one item
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
        - {name: full, in: query, schema: {type: boolean}}
  /health:
    get:
      responses: {"200": {description: ok}}
  /items:
    post:
      operationId: createItem
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, properties: {name: {type: string}}}
"""


class Echo(http.server.BaseHTTPRequestHandler):
    seen = []

    def do_GET(self):
        Echo.seen.append((self.command, self.path, self.headers.get("X-Tenant")))
        body = json.dumps({"path": self.path}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


async def modes(pacto, fx, work, checked):
    """Issue 18: bundle mode and catalog mode of the same binary, each its own session."""
    shop = os.path.join(work, "shop")
    async with Client(StdioServerParameters(command=pacto, args=["mcp", "--workspace-root", work],
                                            cwd=work, env=dict(os.environ))) as client:
        c, _ = await call(client, "pacto_create", {"name": "shop", "path": shop,
                                                   "interfaces": '[{"name":"api","type":"openapi"}]'}, checked)
        check(c["valid"] is True, f"shop: {c}")
    with open(os.path.join(shop, "interfaces", "api.yaml"), "w") as f:
        f.write(SHOP_OPENAPI)
    os.makedirs(os.path.join(shop, "skills"), exist_ok=True)
    with open(os.path.join(shop, "skills", "restock.md"), "w") as f:
        f.write("# Restock\n\nOrder from the supplier first.\n")

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        params = StdioServerParameters(command=pacto, args=["mcp", shop, "--base-url", base,
                                                            "--auth", "X-Tenant=acme"],
                                       cwd=work, env=dict(os.environ))
        async with Client(params) as client:
            tools = {t.name: t for t in (await client.list_tools()).tools}
            ops = {n for n in tools if not n.startswith("pacto_")}
            check(ops == {"getItem", "get_health"}, f"bundle tools: {sorted(tools)}")
            check({"pacto_skill", "pacto_create", "pacto_check", "pacto_schema", "pacto_edit"} <= set(tools),
                  f"bundle mode keeps the authoring tools: {sorted(tools)}")
            check(tools["getItem"].input_schema["required"] == ["id"], f"{tools['getItem'].input_schema}")
            r = await client.call_tool("getItem", {"id": "42", "full": True})
            check(not r.is_error, f"getItem: {r}")
            res = json.loads(r.content[0].text)
            check(res["StatusCode"] == 200 and json.loads(res["Body"])["path"] == "/items/42?full=true", f"{res}")
            check(Echo.seen[-1] == ("GET", "/items/42?full=true", "acme"), f"request: {Echo.seen}")
            r = await client.call_tool("pacto_skill", {})
            check(json.loads(r.content[0].text) == ["restock.md"], f"skills: {r.content[0].text}")
            r = await client.call_tool("pacto_skill", {"name": "restock.md"})
            check(r.content[0].text.startswith("# Restock"), "skill text")
            try:
                await client.call_tool("getItem", {"full": "no"})
                check(False, "getItem without id ran")
            except MCPError as e:
                check(e.error.code == -32602 and "id" in str(e), f"getItem args: {e}")
            checked.append("bundle mode")
    finally:
        httpd.shutdown()

    params = StdioServerParameters(command=pacto, args=["mcp", "--root", shop, "--root", "graph/v2/checkout"],
                                   cwd=fx, env=dict(os.environ))
    async with Client(params) as client:
        names = [t.name for t in (await client.list_tools()).tools]
        check(names == ["pacto_catalog_revision"], f"catalog tools: {names}")
        uris = [x.uri for x in (await client.list_resources()).resources]
        check(uris == ["pacto://catalog", "pacto://catalog/closure"], f"catalog resources: {uris}")
        meta = json.loads((await client.read_resource("pacto://catalog")).contents[0].text)
        check(meta["schemaVersion"] == "pacto.dev/catalog/v1" and meta["completeness"] == "complete", f"{meta}")
        closure = json.loads((await client.read_resource("pacto://catalog/closure")).contents[0].text)
        names = sorted(r["service"]["name"] for r in closure["revisions"])
        check(names == ["checkout", "ledger", "legacy-auth", "payments", "search", "shop", "tokens"], f"{names}")
        rev = next(r for r in closure["revisions"] if r["service"]["name"] == "shop")
        r = await client.call_tool("pacto_catalog_revision", {"name": "shop", **rev["content"]})
        check(json.loads(r.content[0].text)["found"] is True, f"revision: {r.content[0].text}")
        checked.append("catalog mode")
    # Issue 20: fleet mode answers what `pacto fleet`/`pacto impact --output-format json` print.
    sources = ["--local", "demo-v2", "--target-state", "fleet/targets.yaml", "--as-of", "2026-01-01T00:00:00Z"]

    def cli(*args):
        p = subprocess.run([pacto, *args, "--output-format", "json"], cwd=fx, stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=120)
        return json.loads(p.stdout)

    params = StdioServerParameters(command=pacto, args=["mcp", "--workspace-root", fx, "--fleet", *sources,
                                                        "--traces", "fleet/traces.json"],
                                   cwd=fx, env=dict(os.environ))
    async with Client(params) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        fleet_tools = {"pacto_fleet_search", "pacto_fleet_get", "pacto_fleet_graph", "pacto_fleet_status",
                       "pacto_fleet_explain", "pacto_impact"}
        check(fleet_tools <= set(tools) and "pacto_create" in tools, f"fleet tools: {sorted(tools)}")
        check(all(tools[n].annotations.read_only_hint for n in fleet_tools), "fleet tools are read-only")
        fleet_cli = ["fleet", *sources, "--traces", "fleet/traces.json"]
        for name, args, want in [
            ("pacto_fleet_search", {"owner": "team"}, cli(*fleet_cli, "search", "--owner", "team")),
            ("pacto_fleet_get", {"service": "orders"}, cli(*fleet_cli, "get", "orders")),
            ("pacto_fleet_graph", {"service": "orders", "direction": "dependents", "transitive": True},
             cli(*fleet_cli, "graph", "orders", "--direction", "dependents", "--transitive")),
            ("pacto_fleet_status", {}, cli(*fleet_cli, "status")),
            ("pacto_fleet_explain", {"subject": "dispatch"}, cli(*fleet_cli, "explain", "dispatch")),
            ("pacto_impact", {"old_ref": "demo-v2/orders/1.0.0", "new_ref": "demo-v2/orders/2.0.0",
                              "traces": "fleet/traces.json"},
             cli("impact", "demo-v2/orders/1.0.0", "demo-v2/orders/2.0.0", *sources, "--traces", "fleet/traces.json")),
        ]:
            r = await client.call_tool(name, args)
            check(not r.is_error, f"{name}: {r.content[0].text if r.content else r}")
            check(r.structured_content == want, f"{name} differs from the CLI:\n{r.structured_content}\n{want}")
            env = r.structured_content.get("meta", r.structured_content)
            check(env["asOf"] == "2026-01-01T00:00:00Z" and env["completeness"] == "complete", f"{name}: {env}")
        try:
            await client.call_tool("pacto_fleet_graph", {"service": "orders", "direction": "up"})
            check(False, "pacto_fleet_graph with a bad direction ran")
        except MCPError as e:
            check(e.error.code == -32602 and "direction" in str(e), f"graph args: {e}")
        checked.append("fleet mode")
    # The old sandbox spelling: a directory without a pacto.yaml names the new flag.
    p = subprocess.run([pacto, "mcp", "--root", work], stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=60)
    check(p.returncode != 0 and "--workspace-root" in p.stderr, f"old --root: {p.stderr}")
    checked.append("old --root refused")


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stdio")
    ap.add_argument("--url")
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--registry-ref")
    a = ap.parse_args()
    fx = os.path.abspath(a.fixtures)
    if a.stdio:
        env = dict(os.environ)
        server = StdioServerParameters(command=a.stdio, args=["mcp", "--workspace-root", fx, "--workspace-root", a.work],
                                       cwd=fx, env=env)
    else:
        server = a.url
    async with Client(server) as client:
        out = await run(client, fx, a.work, a.registry_ref)
    if a.stdio:
        await modes(a.stdio, fx, a.work, out["checked"])
        out["checked"] = sorted(set(out["checked"]))
    print(json.dumps(out))


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except AssertionError as e:
        print(f"FAILED: {e}", file=sys.stderr)
        sys.exit(1)
