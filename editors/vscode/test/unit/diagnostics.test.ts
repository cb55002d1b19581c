import { strict as assert } from "node:assert";
import { test } from "node:test";
import { filterDiagnostics, isContractPath, schemaOwner, statusFor } from "../../src/diagnostics";

const diags = [
  { code: "SCHEMA_VIOLATION", message: "1.0 is not of type string" },
  { code: { value: "SCHEMA_VIOLATION", target: "x" }, message: "object code" },
  { code: "HEALTH_INTERFACE_NOT_FOUND", message: "health" },
  { message: "no code" },
];

test("auto: YAML owns schema errors only when Red Hat YAML is installed and validating", () => {
  assert.equal(schemaOwner("auto", { installed: false, validate: true }), "pacto");
  assert.equal(schemaOwner("auto", { installed: true, validate: false }), "pacto");
  assert.equal(schemaOwner("auto", { installed: true, validate: true }), "yaml");
  assert.equal(schemaOwner(undefined, { installed: true, validate: true }), "yaml");
  assert.equal(schemaOwner("pacto", { installed: true, validate: true }), "pacto");
  assert.equal(schemaOwner("yaml", { installed: false, validate: false }), "yaml");
});

test("the server's schema errors are dropped when YAML owns them, nothing else", () => {
  assert.equal(filterDiagnostics(diags, "pacto"), diags);
  assert.deepEqual(
    filterDiagnostics(diags, "yaml").map((d) => d.message),
    ["health", "no code"],
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
