// The `pacto.*` settings the language server understands (pacto-lsp/src/settings.rs), read from
// VS Code's configuration with wrong types dropped.

/** The server's settings object (section "pacto"). */
export interface ServerSettings {
  repository?: string;
  offline?: boolean;
  plainHttp?: boolean;
  registryTimeoutMs?: number;
  diffDiagnostics?: boolean;
}

/** Reads a configuration key (`repository`, `offline`, ...) under `pacto.`. */
export type Get = (key: string) => unknown;

/** The server settings from `get`, keeping only well-typed values. */
export function serverSettings(get: Get): ServerSettings {
  const out: ServerSettings = {};
  const repository = get("repository");
  if (typeof repository === "string" && repository.trim() !== "") {
    out.repository = repository.trim();
  }
  const offline = get("offline");
  if (typeof offline === "boolean") {
    out.offline = offline;
  }
  const plainHttp = get("plainHttp");
  if (typeof plainHttp === "boolean") {
    out.plainHttp = plainHttp;
  }
  const timeout = get("registryTimeoutMs");
  if (typeof timeout === "number" && Number.isInteger(timeout) && timeout >= 1 && timeout <= 600000) {
    out.registryTimeoutMs = timeout;
  }
  const diff = get("diffDiagnostics");
  if (typeof diff === "boolean") {
    out.diffDiagnostics = diff;
  }
  return out;
}

/** Global CLI flags matching the settings (for the commands that run the `pacto` CLI). */
export function cliFlags(s: ServerSettings): string[] {
  const flags: string[] = [];
  if (s.offline) {
    flags.push("--offline");
  }
  if (s.plainHttp) {
    flags.push("--plain-http");
  }
  return flags;
}
