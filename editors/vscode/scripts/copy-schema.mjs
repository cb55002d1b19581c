// Copies the contract schemas (the single source: ../../schemas/pacto-v1.0.schema.json and
// pacto-v2.0.schema.json) into the extension's schemas/, from where it hands them to Red Hat YAML
// (src/schemas.ts); the copies are generated, not committed.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
for (const name of ["pacto-v1.0.schema.json", "pacto-v2.0.schema.json"]) {
  const from = join(here, "..", "..", "..", "schemas", name);
  const to = join(here, "..", "schemas", name);
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
  console.log(`copied ${from} -> ${to}`);
}
