import { strict as assert } from "node:assert";
import { test } from "node:test";
import { cliFlags, serverSettings } from "../../src/settings";

const from = (o: Record<string, unknown>) => serverSettings((k) => o[k]);

test("well-typed settings pass through (repository trimmed)", () => {
  assert.deepEqual(from({ repository: " oci://r/a ", offline: true, plainHttp: false, registryTimeoutMs: 250 }), {
    repository: "oci://r/a",
    offline: true,
    plainHttp: false,
    registryTimeoutMs: 250,
  });
});

test("wrong types, blank repository and out-of-range timeouts are dropped", () => {
  assert.deepEqual(from({ repository: "", offline: "yes", plainHttp: 1, registryTimeoutMs: 0 }), {});
  assert.deepEqual(from({ registryTimeoutMs: 600001 }), {});
  assert.deepEqual(from({ registryTimeoutMs: 2.5 }), {});
  assert.deepEqual(from({ diffDiagnostics: false }), { diffDiagnostics: false });
  assert.deepEqual(from({ diffDiagnostics: "no" }), {});
});

test("CLI flags follow offline and plainHttp", () => {
  assert.deepEqual(cliFlags({}), []);
  assert.deepEqual(cliFlags({ offline: true, plainHttp: true }), ["--offline", "--plain-http"]);
});
