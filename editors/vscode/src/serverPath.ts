// Where the `pacto` binary that runs the language server comes from. Pure (file-system access is
// injected) so that the unit tests can cover every branch.
import * as path from "node:path";

/** What resolution needs from the machine. */
export interface Probe {
  /** True when `p` is an executable regular file. */
  isExecutable(p: string): boolean;
  /** The `PATH` value (undefined: none). */
  pathEnv: string | undefined;
  /** The home directory, for `~` expansion. */
  home: string;
  /** `process.platform`. */
  platform: NodeJS.Platform;
}

export type ServerSource = "setting" | "bundled" | "path";

export type Resolution =
  | { ok: true; path: string; source: ServerSource }
  | { ok: false; message: string; fix: string };

/** The binary's file name on `platform`. */
export function binaryName(platform: NodeJS.Platform): string {
  return platform === "win32" ? "pacto.exe" : "pacto";
}

/** `~` and `~/...` expanded against `home`; other paths unchanged. */
export function expandHome(p: string, home: string): string {
  if (p === "~") {
    return home;
  }
  if (p.startsWith("~/") || p.startsWith("~\\")) {
    return path.join(home, p.slice(2));
  }
  return p;
}

/**
 * The server binary: the `pacto.server.path` setting when given (an error when it does not point
 * at an executable: a wrong explicit setting must not be silently replaced), else the binary
 * bundled at `server/pacto` in the extension (per-platform packages), else `pacto` on `PATH`.
 */
export function resolveServerPath(
  setting: string | undefined,
  extensionDir: string,
  probe: Probe,
): Resolution {
  const exe = binaryName(probe.platform);
  const configured = (setting ?? "").trim();
  if (configured !== "") {
    const p = expandHome(configured, probe.home);
    if (probe.isExecutable(p)) {
      return { ok: true, path: p, source: "setting" };
    }
    return {
      ok: false,
      message: `The setting pacto.server.path is "${configured}", which is not an executable file.`,
      fix: "Point pacto.server.path at the pacto binary (for example ~/.cargo/bin/pacto), or clear it to use the bundled binary or pacto on PATH.",
    };
  }
  const bundled = path.join(extensionDir, "server", exe);
  if (probe.isExecutable(bundled)) {
    return { ok: true, path: bundled, source: "bundled" };
  }
  const delimiter = probe.platform === "win32" ? ";" : ":";
  for (const dir of (probe.pathEnv ?? "").split(delimiter)) {
    if (dir === "") {
      continue;
    }
    const candidate = path.join(dir, exe);
    if (probe.isExecutable(candidate)) {
      return { ok: true, path: candidate, source: "path" };
    }
  }
  return {
    ok: false,
    message: "The Pacto language server was not found: pacto.server.path is not set, this package has no bundled server, and there is no pacto on PATH.",
    fix: "Install the pacto CLI (cargo install --path pacto-cli in the Pacto repository, or a release binary) and put it on PATH, or set pacto.server.path to the binary.",
  };
}
