// The extension's schema contributor (out/src/schemas.js) behind the real yaml-language-server,
// speaking the protocol Red Hat's YAML extension speaks for `registerContributor`: the client
// sends `yaml/registerCustomSchemaRequest`, the server asks `custom/schema/request` (resource URI
// -> schema URI) on every validation and `custom/schema/content` for our `pacto-schema://` URIs.
// (Red Hat YAML itself is published only on the extension marketplaces, which the test machines
// do not reach; this drives its server with the same messages its client sends.)
//
// Usage: node contributor.cjs SPEC.json   (see pacto-cli/tests/vscode.rs; every wait is bounded)
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { spawn } = require("node:child_process");

const spec = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const rpc = require(path.join(spec.nodeModules, "vscode-jsonrpc/node"));
const schemas = require(spec.schemasModule);

const result = { errors: [], diagnostics: {}, schemaRequests: [], contentRequests: [] };
const write = () => fs.writeFileSync(spec.out, JSON.stringify(result, null, 2));
const guard = setTimeout(() => {
  result.errors.push(`did not finish within ${spec.totalTimeoutMs} ms`);
  write();
  process.exit(2);
}, spec.totalTimeoutMs);

const texts = new Map(spec.documents.map((d) => [d.uri, d.text]));
const contributor = schemas.contributor({
  isContract: (r) => /\/pacto\.yaml$|\.pacto\.yaml$/.test(r),
  text: (r) => texts.get(r),
  schema: (file) => fs.readFileSync(path.join(spec.schemasDir, file), "utf8"),
});

const yamlSettings = { validate: true, hover: true, completion: true, schemaStore: { enable: false, url: "" } };
const child = spawn(process.execPath, [spec.yamlls, "--stdio"], { stdio: ["pipe", "pipe", "inherit"] });
const conn = rpc.createMessageConnection(new rpc.StreamMessageReader(child.stdout), new rpc.StreamMessageWriter(child.stdin));
conn.onRequest("workspace/configuration", (params) => params.items.map((i) => (i.section === "yaml" ? yamlSettings : null)));
conn.onRequest("client/registerCapability", () => null);
conn.onRequest("window/workDoneProgress/create", () => null);
conn.onRequest("custom/schema/request", (resource) => {
  const uri = contributor.requestSchema(resource);
  result.schemaRequests.push({ resource, uri: uri ?? null });
  return uri ?? null;
});
conn.onRequest("custom/schema/content", (uri) => {
  result.contentRequests.push(uri);
  return contributor.requestSchemaContent(uri) ?? "";
});
const waiters = [];
conn.onNotification("textDocument/publishDiagnostics", (p) => {
  result.diagnostics[p.uri] = (p.diagnostics || []).map((d) => ({ line: d.range.start.line, source: d.source, message: d.message }));
  for (const w of waiters.splice(0)) w();
});
conn.listen();

/** Waits until `pred()` holds after a diagnostics notification (bounded). */
async function until(pred, what) {
  const deadline = Date.now() + spec.timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => {
      waiters.push(resolve);
      setTimeout(resolve, 200);
    });
  }
}

async function main() {
  await conn.sendRequest("initialize", {
    processId: process.pid,
    rootUri: spec.rootUri,
    capabilities: { workspace: { configuration: true }, textDocument: { completion: { completionItem: { snippetSupport: true } } } },
  });
  await conn.sendNotification("initialized", {});
  await conn.sendNotification("yaml/registerCustomSchemaRequest");
  await conn.sendNotification("workspace/didChangeConfiguration", { settings: { yaml: yamlSettings } });
  for (const d of spec.documents) {
    await conn.sendNotification("textDocument/didOpen", { textDocument: { uri: d.uri, languageId: "yaml", version: 1, text: d.text } });
  }
  for (const d of spec.documents) {
    await until(() => result.diagnostics[d.uri] !== undefined, `diagnostics of ${d.uri}`);
  }
  result.initial = JSON.parse(JSON.stringify(result.diagnostics));
  // Completion on a new top-level line of each document.
  result.completion = {};
  for (const d of spec.documents) {
    const lines = d.text.split("\n");
    const at = lines.findIndex((l) => l.startsWith("service:"));
    const text = [...lines.slice(0, at), "", ...lines.slice(at)].join("\n");
    texts.set(d.uri, text);
    await conn.sendNotification("textDocument/didChange", { textDocument: { uri: d.uri, version: 2 }, contentChanges: [{ text }] });
    const list = await conn.sendRequest("textDocument/completion", { textDocument: { uri: d.uri }, position: { line: at, character: 0 } });
    result.completion[d.uri] = ((list && (list.items || list)) || []).map((i) => i.label).sort();
    texts.set(d.uri, d.text);
    await conn.sendNotification("textDocument/didChange", { textDocument: { uri: d.uri, version: 3 }, contentChanges: [{ text: d.text }] });
  }
  // An edit of pactoVersion switches the schema at the next validation.
  if (spec.switch) {
    const { uri, text } = spec.switch;
    delete result.diagnostics[uri];
    texts.set(uri, text);
    await conn.sendNotification("textDocument/didChange", { textDocument: { uri, version: 4 }, contentChanges: [{ text }] });
    await until(() => result.diagnostics[uri] !== undefined, `diagnostics of ${uri} after the switch`);
    result.switched = result.diagnostics[uri];
  }
  await conn.sendRequest("shutdown");
  await conn.sendNotification("exit");
}

main()
  .catch((e) => result.errors.push(String(e && e.stack ? e.stack : e)))
  .finally(() => {
    clearTimeout(guard);
    write();
    child.kill();
    process.exit(0);
  });
