import { strict as assert } from "node:assert";
import { test } from "node:test";
import {
  contributor,
  ContributorHost,
  pactoVersionOf,
  registerWithYaml,
  SCHEMA_SCHEME,
  schemaFileFor,
  schemaFileOfUri,
  schemaUri,
} from "../../src/schemas";

const V2 = 'pactoVersion: "2.0"\nservice:\n  name: svc\n  version: 1.0.0\n';
const V1 = "# a contract\npactoVersion: '1.2'\nservice:\n  name: svc\n";

test("pactoVersion: quoted, plain, commented, CRLF, BOM; absent or not a scalar is null", () => {
  assert.equal(pactoVersionOf(V2), "2.0");
  assert.equal(pactoVersionOf(V1), "1.2");
  assert.equal(pactoVersionOf("pactoVersion: 2.0 # unquoted\n"), "2.0");
  assert.equal(pactoVersionOf('pactoVersion:   "1.0"   # note\n'), "1.0");
  assert.equal(pactoVersionOf('\uFEFFservice:\r\n  name: x\r\npactoVersion: "2.0"\r\n'), "2.0");
  // Only the top-level key counts.
  assert.equal(pactoVersionOf('metadata:\n  pactoVersion: "2.0"\n'), null);
  assert.equal(pactoVersionOf("service:\n  name: x\n"), null);
  assert.equal(pactoVersionOf("pactoVersion:\n"), null);
  assert.equal(pactoVersionOf("pactoVersion: [1, 2]\n"), null);
  assert.equal(pactoVersionOf(""), null);
});

test("the schema by generation, as pacto lsp picks it", () => {
  assert.equal(schemaFileFor(V2), "pacto-v2.0.schema.json");
  assert.equal(schemaFileFor("pactoVersion: 2.0\n"), "pacto-v2.0.schema.json");
  for (const v of ["1.0", "1.1", "1.2"]) {
    assert.equal(schemaFileFor(`pactoVersion: "${v}"\n`), "pacto-v1.0.schema.json");
  }
  // No pactoVersion: read as 1.x, whose schema says it is missing.
  assert.equal(schemaFileFor("service:\n  name: x\n"), "pacto-v1.0.schema.json");
  // A version no generation has: no schema (pacto lsp reports PARSE_ERROR on it).
  assert.equal(schemaFileFor('pactoVersion: "3.0"\n'), undefined);
  assert.equal(schemaFileFor('pactoVersion: "2"\n'), undefined);
});

test("schema URIs round-trip; other URIs name no schema", () => {
  const u = schemaUri("pacto-v2.0.schema.json");
  assert.equal(u, `${SCHEMA_SCHEME}://schemas/pacto-v2.0.schema.json`);
  assert.equal(new URL(u).protocol, `${SCHEMA_SCHEME}:`);
  assert.equal(schemaFileOfUri(u), "pacto-v2.0.schema.json");
  assert.equal(schemaFileOfUri(schemaUri("pacto-v1.0.schema.json")), "pacto-v1.0.schema.json");
  assert.equal(schemaFileOfUri(`${SCHEMA_SCHEME}://schemas/../../etc/passwd`), undefined);
  assert.equal(schemaFileOfUri("file:///x/pacto-v2.0.schema.json"), undefined);
});

function host(texts: Record<string, string>): ContributorHost {
  return {
    isContract: (r) => r.endsWith("/pacto.yaml") || r.endsWith(".pacto.yaml"),
    text: (r) => texts[r],
    schema: (f) => `{"file":"${f}"}`,
  };
}

test("the contributor: each contract in a mixed workspace gets its generation's schema, other YAML none", () => {
  const texts = {
    "file:///ws/v2/pacto.yaml": V2,
    "file:///ws/v1/pacto.yaml": V1,
    "file:///ws/orders.pacto.yaml": 'pactoVersion: "2.0"\n',
    "file:///ws/odd/pacto.yaml": 'pactoVersion: "9.9"\n',
    "file:///ws/ci.yaml": V2,
  };
  const c = contributor(host(texts));
  assert.equal(c.requestSchema("file:///ws/v2/pacto.yaml"), schemaUri("pacto-v2.0.schema.json"));
  assert.equal(c.requestSchema("file:///ws/v1/pacto.yaml"), schemaUri("pacto-v1.0.schema.json"));
  assert.equal(c.requestSchema("file:///ws/orders.pacto.yaml"), schemaUri("pacto-v2.0.schema.json"));
  assert.equal(c.requestSchema("file:///ws/odd/pacto.yaml"), undefined);
  assert.equal(c.requestSchema("file:///ws/ci.yaml"), undefined);
  // A contract that cannot be read yet (just created): the 1.x default, like pacto lsp.
  assert.equal(c.requestSchema("file:///ws/new/pacto.yaml"), schemaUri("pacto-v1.0.schema.json"));
  assert.equal(c.requestSchemaContent(schemaUri("pacto-v2.0.schema.json")), '{"file":"pacto-v2.0.schema.json"}');
  assert.equal(c.requestSchemaContent("https://example.invalid/x.json"), undefined);
});

test("the contributor follows edits of pactoVersion (YAML asks on every validation)", () => {
  const texts: Record<string, string> = { "file:///ws/pacto.yaml": V1 };
  const c = contributor(host(texts));
  assert.equal(c.requestSchema("file:///ws/pacto.yaml"), schemaUri("pacto-v1.0.schema.json"));
  texts["file:///ws/pacto.yaml"] = V2;
  assert.equal(c.requestSchema("file:///ws/pacto.yaml"), schemaUri("pacto-v2.0.schema.json"));
});

test("registration with Red Hat YAML's API: by our scheme; no API or a refusal means not contributed", () => {
  const calls: string[] = [];
  let requestSchema: ((r: string) => string | undefined) | undefined;
  const api = {
    registerContributor(schema: string, rs: (r: string) => string | undefined) {
      calls.push(schema);
      requestSchema = rs;
      return true;
    },
  };
  assert.equal(registerWithYaml(api, host({ "file:///a/pacto.yaml": V2 })), true);
  assert.deepEqual(calls, [SCHEMA_SCHEME]);
  assert.equal(requestSchema?.("file:///a/pacto.yaml"), schemaUri("pacto-v2.0.schema.json"));
  assert.equal(registerWithYaml(undefined, host({})), false);
  assert.equal(registerWithYaml({}, host({})), false);
  assert.equal(registerWithYaml({ registerContributor: () => false }, host({})), false);
  assert.equal(
    registerWithYaml(
      {
        registerContributor: () => {
          throw new Error("boom");
        },
      },
      host({}),
    ),
    false,
  );
});
