import { strict as assert } from "node:assert";
import { test } from "node:test";
import { filterDiagnostics, isContractPath, schemaOwner, statusFor } from "../../src/diagnostics";

const diags = [
  { code: "SCHEMA_VIOLATION", message: "1.0 is not of type string" },
  { code: { value: "SCHEMA_VIOLATION", target: "x" }, message: "object code" },
  { code: "UNKNOWN_FIELD", message: "unknown key runtime" },
  { code: "MISSING_REQUIRED_FIELD", message: "service is required" },
  { code: "CAPABILITY_INTERFACE_UNKNOWN", message: "capability" },
  { code: "HEALTH_INTERFACE_NOT_FOUND", message: "health" },
  { message: "no code" },
];

test("auto: YAML owns schema errors only when Red Hat YAML is installed, validating and has our schemas", () => {
  const yes = { installed: true, validate: true, contributed: true };
  assert.equal(schemaOwner("auto", { ...yes, installed: false }), "pacto");
  assert.equal(schemaOwner("auto", { ...yes, validate: false }), "pacto");
  // Installed and validating, but the schema contributor is not registered: YAML knows no
  // contract schema, so Pacto must report schema errors or nobody would.
  assert.equal(schemaOwner("auto", { ...yes, contributed: false }), "pacto");
  assert.equal(schemaOwner("auto", yes), "yaml");
  assert.equal(schemaOwner(undefined, yes), "yaml");
  assert.equal(schemaOwner("pacto", yes), "pacto");
  assert.equal(schemaOwner("yaml", { installed: false, validate: false, contributed: false }), "yaml");
});

test("the server's schema errors (every structure-layer code) are dropped when YAML owns them, nothing else", () => {
  assert.equal(filterDiagnostics(diags, "pacto"), diags);
  assert.deepEqual(
    filterDiagnostics(diags, "yaml").map((d) => d.message),
    ["capability", "health", "no code"],
  );
});

test("status text counts errors and warnings", () => {
  assert.equal(statusFor("running", 2, 0).text, "$(error) Pacto: 2 errors");
  assert.equal(statusFor("running", 1, 1).text, "$(error) Pacto: 1 error, 1 warning");
  assert.equal(statusFor("running", 0, 3).text, "$(warning) Pacto: 3 warnings");
  assert.equal(statusFor("running", 0, 0).text, "$(check) Pacto: valid");
  assert.match(statusFor("missing", 5, 0).text, /no server/);
  assert.match(statusFor("stopped", 0, 0).text, /stopped/);
});

test("contract files: pacto.yaml and *.pacto.yaml", () => {
  assert.ok(isContractPath("/a/b/pacto.yaml"));
  assert.ok(isContractPath("C:\\a\\orders.pacto.yaml"));
  assert.ok(!isContractPath("/a/pacto.yml"));
  assert.ok(!isContractPath("/a/notpacto.yaml"));
  assert.ok(!isContractPath("/a/pacto.yaml.bak"));
});
