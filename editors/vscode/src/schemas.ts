// Which contract schema a document gets from Red Hat's YAML extension. `contributes.yamlValidation`
// associates schemas by file name only, and a `pacto.yaml` may be a 1.x or a 2.0 contract, so the
// extension registers a schema contributor through YAML's API instead: yaml-language-server asks
// it for the schema of each document (on every validation, so an edit of `pactoVersion` switches
// the schema), and it answers by the document's `pactoVersion`, the way `pacto lsp` picks the
// generation (core/src/validate/mod.rs, declared_generation).

/** The scheme of the schema URIs the contributor hands out (and the contributor's name). */
export const SCHEMA_SCHEME = "pacto-schema";

/** The schema files shipped in the extension's `schemas/` (copied from the repository's). */
export const SCHEMA_FILES = {
  v1: "pacto-v1.0.schema.json",
  v2: "pacto-v2.0.schema.json",
} as const;

export type SchemaFile = (typeof SCHEMA_FILES)[keyof typeof SCHEMA_FILES];

/** The `pactoVersion` values of each generation (core/src/schema/mod.rs). */
const V1_VERSIONS = ["1.0", "1.1", "1.2"];
const V2_VERSIONS = ["2.0"];

/** Bound on the text scanned for `pactoVersion` (it is a top-level key, normally the first). */
const SCAN_CHARS = 1 << 20;

/**
 * The scalar value of the top-level `pactoVersion` key of a block-mapping document, unquoted, or
 * `null` when the key is absent (or not a plain/quoted scalar on its own line).
 */
export function pactoVersionOf(text: string): string | null {
  const head = text.length > SCAN_CHARS ? text.slice(0, SCAN_CHARS) : text;
  for (const raw of head.replace(/^\uFEFF/, "").split(/\r?\n/)) {
    const m = /^pactoVersion[ \t]*:(.*)$/.exec(raw);
    if (!m) {
      continue;
    }
    let v = m[1].trim();
    const quoted = /^(["'])(.*?)\1(?:\s+#.*)?$/.exec(v);
    if (quoted) {
      return quoted[2];
    }
    v = v.replace(/(^|\s)#.*$/, "").trim();
    return v === "" || /^[[{|>&*!]/.test(v) ? null : v;
  }
  return null;
}

/**
 * The schema for a contract with this text: 2.0 for `pactoVersion: "2.0"`, 1.0 (the 1.x schema,
 * with its version conditionals) for a 1.x version or none at all (the 1.x schema then says what
 * is missing, as `pacto lsp` does), and no schema for a version no generation has (`pacto lsp`
 * reports that as PARSE_ERROR; a schema would only add noise).
 */
export function schemaFileFor(text: string): SchemaFile | undefined {
  const version = pactoVersionOf(text);
  if (version === null || V1_VERSIONS.includes(version)) {
    return SCHEMA_FILES.v1;
  }
  if (V2_VERSIONS.includes(version)) {
    return SCHEMA_FILES.v2;
  }
  return undefined;
}

/** The URI the contributor hands out for a schema file. */
export function schemaUri(file: SchemaFile): string {
  return `${SCHEMA_SCHEME}://schemas/${file}`;
}

/** The schema file a URI from [`schemaUri`] names, or undefined for any other URI. */
export function schemaFileOfUri(uri: string): SchemaFile | undefined {
  const prefix = `${SCHEMA_SCHEME}://schemas/`;
  if (!uri.startsWith(prefix)) {
    return undefined;
  }
  const name = uri.slice(prefix.length);
  return (Object.values(SCHEMA_FILES) as string[]).includes(name) ? (name as SchemaFile) : undefined;
}

/** Red Hat YAML's extension API (redhat.vscode-yaml, `registerContributor`). */
export interface YamlApi {
  registerContributor(
    schema: string,
    requestSchema: (resource: string) => string | undefined,
    requestSchemaContent: (uri: string) => string | undefined,
    label?: string,
  ): boolean;
}

/** What the contributor needs from the editor. */
export interface ContributorHost {
  /** True for contract files (`pacto.yaml`, `*.pacto.yaml`), by the resource URI. */
  isContract(resource: string): boolean;
  /** The document's current text (the open buffer, else the file), or undefined. */
  text(resource: string): string | undefined;
  /** The content of a shipped schema file, or undefined. */
  schema(file: SchemaFile): string | undefined;
}

/** The two callbacks registered with YAML's `registerContributor`. */
export function contributor(host: ContributorHost): {
  requestSchema: (resource: string) => string | undefined;
  requestSchemaContent: (uri: string) => string | undefined;
} {
  return {
    requestSchema(resource: string): string | undefined {
      if (!host.isContract(resource)) {
        return undefined; // other YAML files keep whatever schema YAML gives them
      }
      const text = host.text(resource);
      const file = schemaFileFor(text ?? "");
      return file === undefined ? undefined : schemaUri(file);
    },
    requestSchemaContent(uri: string): string | undefined {
      const file = schemaFileOfUri(uri);
      return file === undefined ? undefined : host.schema(file);
    },
  };
}

/**
 * Registers the contributor with YAML's API. True when YAML now picks contract schemas by
 * `pactoVersion` (then YAML reports schema errors and `pacto lsp`'s are dropped, see
 * diagnostics.ts); false when the API is missing or refused (then Pacto reports them).
 */
export function registerWithYaml(api: unknown, host: ContributorHost): boolean {
  const yaml = api as Partial<YamlApi> | undefined;
  if (!yaml || typeof yaml.registerContributor !== "function") {
    return false;
  }
  const c = contributor(host);
  try {
    return yaml.registerContributor(SCHEMA_SCHEME, c.requestSchema, c.requestSchemaContent) === true;
  } catch {
    return false;
  }
}
