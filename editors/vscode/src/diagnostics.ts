// Who reports JSON-schema errors when Red Hat's YAML extension runs too, and the status-bar text.

/**
 * The codes of the server's JSON-schema (structure layer) errors: what Red Hat YAML reports too
 * when it validates with the contract schema (a wrong type or value, a key the schema does not
 * define, a required key missing). docs/diagnostics.md, layer "structure".
 */
export const SCHEMA_CODES: readonly string[] = ["SCHEMA_VIOLATION", "UNKNOWN_FIELD", "MISSING_REQUIRED_FIELD"];

export type SchemaDiagnosticsMode = "auto" | "pacto" | "yaml";

/** What is known about Red Hat's YAML extension (redhat.vscode-yaml). */
export interface YamlExtension {
  installed: boolean;
  /** Its `yaml.validate` setting (default true). */
  validate: boolean;
  /**
   * Whether it has the contract schemas: the extension's schema contributor (schemas.ts) is
   * registered through its API, so each contract gets the 1.x or the 2.0 schema by `pactoVersion`.
   */
  contributed: boolean;
}

/**
 * Who reports schema errors: with "auto", YAML does when the Red Hat extension is installed,
 * validating and has our schemas (the contributor is registered), else Pacto does. So an error is
 * never shown twice, and never missing: without the contributor YAML knows no contract schema.
 */
export function schemaOwner(mode: string | undefined, yaml: YamlExtension): "pacto" | "yaml" {
  if (mode === "pacto" || mode === "yaml") {
    return mode;
  }
  return yaml.installed && yaml.validate && yaml.contributed ? "yaml" : "pacto";
}

type Code = string | number | { value: string | number } | undefined;

function codeOf(code: Code): string | undefined {
  if (code === undefined) {
    return undefined;
  }
  return typeof code === "object" ? String(code.value) : String(code);
}

/** The diagnostics to show: without the server's schema errors when YAML owns them. */
export function filterDiagnostics<T extends { code?: Code }>(diagnostics: T[], owner: "pacto" | "yaml"): T[] {
  if (owner === "pacto") {
    return diagnostics;
  }
  return diagnostics.filter((d) => !SCHEMA_CODES.includes(codeOf(d.code) ?? ""));
}

export type ServerState = "starting" | "running" | "stopped" | "missing";

export interface Status {
  text: string;
  tooltip: string;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** The status-bar item for a contract with `errors`/`warnings`, given the server's state. */
export function statusFor(state: ServerState, errors: number, warnings: number): Status {
  switch (state) {
    case "missing":
      return { text: "$(circle-slash) Pacto: no server", tooltip: "The pacto binary was not found (see the notification or set pacto.server.path)" };
    case "stopped":
      return { text: "$(circle-slash) Pacto: stopped", tooltip: "The Pacto language server is not running (Pacto: Restart server)" };
    case "starting":
      return { text: "$(sync~spin) Pacto", tooltip: "The Pacto language server is starting" };
    case "running":
      break;
  }
  if (errors > 0) {
    const extra = warnings > 0 ? `, ${plural(warnings, "warning")}` : "";
    return { text: `$(error) Pacto: ${plural(errors, "error")}${extra}`, tooltip: "The contract is invalid: see the Problems panel" };
  }
  if (warnings > 0) {
    return { text: `$(warning) Pacto: ${plural(warnings, "warning")}`, tooltip: "The contract is valid, with warnings: see the Problems panel" };
  }
  return { text: "$(check) Pacto: valid", tooltip: "The contract is valid" };
}

/** True for the files the extension handles: `pacto.yaml` and `*.pacto.yaml`. */
export function isContractPath(p: string): boolean {
  const base = p.split(/[\\/]/).pop() ?? "";
  return base === "pacto.yaml" || base.endsWith(".pacto.yaml");
}
