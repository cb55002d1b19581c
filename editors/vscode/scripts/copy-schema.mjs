// Copies the contract schema (the single source: ../../schemas/pacto-v1.0.schema.json) into the
// extension, where `contributes.yamlValidation` points; the copy is generated, not committed.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const name = "pacto-v1.0.schema.json";
const from = join(here, "..", "..", "..", "schemas", name);
const to = join(here, "..", "schemas", name);
mkdirSync(dirname(to), { recursive: true });
copyFileSync(from, to);
console.log(`copied ${from} -> ${to}`);
