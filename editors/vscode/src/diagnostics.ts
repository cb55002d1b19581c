// Who reports JSON-schema errors when Red Hat's YAML extension runs too, and the status-bar text.

/** The diagnostic code of the server's JSON-schema errors. */
export const SCHEMA_CODE = "SCHEMA_VIOLATION";

export type SchemaDiagnosticsMode = "auto" | "pacto" | "yaml";

/** What is known about Red Hat's YAML extension (redhat.vscode-yaml). */
export interface YamlExtension {
  installed: boolean;
  /** Its `yaml.validate` setting (default true). */
  validate: boolean;
}

/**
 * Who reports schema errors: with "auto", YAML does when the Red Hat extension is installed and
 * validating (it has our schema through `yamlValidation`), else Pacto does.
 */
export function schemaOwner(mode: string | undefined, yaml: YamlExtension): "pacto" | "yaml" {
  if (mode === "pacto" || mode === "yaml") {
    return mode;
  }
  return yaml.installed && yaml.validate ? "yaml" : "pacto";
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
  return diagnostics.filter((d) => codeOf(d.code) !== SCHEMA_CODE);
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
