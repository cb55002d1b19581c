// The Pacto extension: starts `pacto lsp` for pacto.yaml files through vscode-languageclient and
// adds commands (validate, diff against published, dependency graph, restart) and a status-bar item.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import {
  DocumentSelector,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
  TransportKind,
} from "vscode-languageclient/node";
import { filterDiagnostics, isContractPath, schemaOwner, ServerState, statusFor } from "./diagnostics";
import { registerWithYaml, SchemaFile } from "./schemas";
import { resolveServerPath } from "./serverPath";
import { cliFlags, serverSettings } from "./settings";

/** The server-side command that diffs the buffer against the highest published version. */
const SHOW_DIFF = "pacto.showDiff";
/** Scheme of the read-only documents the commands open (graph, diff, validation report). */
const OUTPUT_SCHEME = "pacto-output";
/** Time limit for the CLI commands the extension runs. */
const CLI_TIMEOUT_MS = 60_000;
/** Red Hat's YAML extension, whose schema contributor API picks each contract's schema. */
const YAML_EXTENSION = "redhat.vscode-yaml";
/** Time limit for Red Hat YAML's activation (its API) before the server starts without it. */
const YAML_ACTIVATION_MS = 15_000;
/** Bound on a contract file read from disk for its `pactoVersion` (the server's own limit). */
const MAX_CONTRACT_BYTES = 16 * 1024 * 1024;

let client: LanguageClient | undefined;
let serverPath: string | undefined;
let serverState: ServerState = "starting";
let status: vscode.StatusBarItem;
/** True once the schema contributor is registered with Red Hat YAML (schemas.ts). */
let yamlContributed = false;
let output: vscode.OutputChannel;
const documents = new Map<string, string>();
const changed = new vscode.EventEmitter<vscode.Uri>();

const selector: DocumentSelector = [
  { scheme: "file", language: "yaml", pattern: "**/pacto.yaml" },
  { scheme: "file", language: "yaml", pattern: "**/*.pacto.yaml" },
];

function config(scope?: vscode.Uri): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration("pacto", scope);
}

function settingsFor(scope?: vscode.Uri) {
  const c = config(scope);
  return serverSettings((k) => c.get(k));
}

function yamlSchemaOwner(uri: vscode.Uri): "pacto" | "yaml" {
  const installed = vscode.extensions.getExtension("redhat.vscode-yaml") !== undefined;
  const validate = vscode.workspace.getConfiguration("yaml", uri).get<boolean>("validate", true);
  return schemaOwner(config(uri).get<string>("schemaDiagnostics"), { installed, validate, contributed: yamlContributed });
}

/** The text of a contract for its `pactoVersion`: the open document, else the file (bounded). */
function contractText(resource: string): string | undefined {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === resource);
  if (open) {
    return open.getText();
  }
  try {
    const uri = vscode.Uri.parse(resource);
    if (uri.scheme !== "file" || fs.statSync(uri.fsPath).size > MAX_CONTRACT_BYTES) {
      return undefined;
    }
    return fs.readFileSync(uri.fsPath, "utf8");
  } catch {
    return undefined;
  }
}

/**
 * Hands Red Hat YAML the contract schemas through its API, chosen per document by `pactoVersion`
 * (schemas.ts), when it is installed. Bounded: a YAML extension that does not activate leaves the
 * schema errors to Pacto.
 */
function contributeYamlSchemas(context: vscode.ExtensionContext): Promise<void> {
  // One attempt at a time (extensions.onDidChange can fire while activation is pending).
  contributing ??= tryContributeYamlSchemas(context).finally(() => {
    contributing = undefined;
  });
  return contributing;
}

let contributing: Promise<void> | undefined;

async function tryContributeYamlSchemas(context: vscode.ExtensionContext): Promise<void> {
  const yaml = vscode.extensions.getExtension(YAML_EXTENSION);
  if (!yaml || yamlContributed) {
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    const api: unknown = await Promise.race([
      yaml.activate(),
      new Promise((resolve) => {
        timer = setTimeout(() => resolve(undefined), YAML_ACTIVATION_MS);
      }),
    ]);
    const schemas = new Map<SchemaFile, string>();
    yamlContributed = registerWithYaml(api, {
      isContract: (resource) => isContractPath(vscode.Uri.parse(resource).path),
      text: contractText,
      schema: (file) => {
        if (!schemas.has(file)) {
          try {
            schemas.set(file, fs.readFileSync(path.join(context.extensionPath, "schemas", file), "utf8"));
          } catch (e) {
            output.appendLine(`cannot read the shipped schema ${file}: ${String(e)}`);
            return undefined;
          }
        }
        return schemas.get(file);
      },
    });
    output.appendLine(
      yamlContributed
        ? `Red Hat YAML validates contracts with the schema of their pactoVersion (1.x or 2.0); Pacto leaves schema errors to it`
        : `Red Hat YAML did not accept the contract schemas (no registerContributor): Pacto reports schema errors`,
    );
  } catch (e) {
    output.appendLine(`Red Hat YAML did not activate (${String(e)}): Pacto reports schema errors`);
  } finally {
    if (timer) {
      clearTimeout(timer);
    }
  }
}

function isExecutable(p: string): boolean {
  try {
    if (!fs.statSync(p).isFile()) {
      return false;
    }
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function run(cmd: string, args: string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, timeout: CLI_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      const why = err && typeof err.code !== "number" ? `${err.message}\n` : "";
      resolve({ code, stdout: String(stdout), stderr: why + String(stderr) });
    });
  });
}

function setState(state: ServerState): void {
  serverState = state;
  updateStatus();
}

function updateStatus(): void {
  const doc = vscode.window.activeTextEditor?.document;
  if (!doc || doc.uri.scheme !== "file" || !isContractPath(doc.uri.fsPath)) {
    status.hide();
    void vscode.commands.executeCommand("setContext", "pacto.active", false);
    return;
  }
  void vscode.commands.executeCommand("setContext", "pacto.active", true);
  let errors = 0;
  let warnings = 0;
  for (const d of vscode.languages.getDiagnostics(doc.uri)) {
    if (d.severity === vscode.DiagnosticSeverity.Error) {
      errors++;
    } else if (d.severity === vscode.DiagnosticSeverity.Warning) {
      warnings++;
    }
  }
  const s = statusFor(serverState, errors, warnings);
  status.text = s.text;
  status.tooltip = serverPath ? `${s.tooltip}\nServer: ${serverPath}` : s.tooltip;
  status.command = serverState === "running" ? "workbench.actions.view.problems" : "pacto.restartServer";
  status.show();
}

async function startClient(context: vscode.ExtensionContext): Promise<void> {
  const resolution = resolveServerPath(config().get<string>("server.path"), context.extensionPath, {
    isExecutable,
    pathEnv: process.env.PATH,
    home: os.homedir(),
    platform: process.platform,
  });
  if (!resolution.ok) {
    serverPath = undefined;
    setState("missing");
    output.appendLine(`${resolution.message} ${resolution.fix}`);
    void vscode.window.showErrorMessage(`${resolution.message} Fix: ${resolution.fix}`, "Open Settings", "Retry").then((pick) => {
      if (pick === "Open Settings") {
        void vscode.commands.executeCommand("workbench.action.openSettings", "pacto.server.path");
      } else if (pick === "Retry") {
        void vscode.commands.executeCommand("pacto.restartServer");
      }
    });
    return;
  }
  serverPath = resolution.path;
  const version = await run(resolution.path, ["--version"]);
  if (version.code !== 0) {
    setState("missing");
    const message = `${resolution.path} (from ${resolution.source}) does not run: ${version.stderr.trim() || `exit ${version.code}`}.`;
    output.appendLine(message);
    void vscode.window.showErrorMessage(`Pacto: ${message} Fix: install a working pacto binary or set pacto.server.path.`, "Open Settings").then((pick) => {
      if (pick) {
        void vscode.commands.executeCommand("workbench.action.openSettings", "pacto.server.path");
      }
    });
    return;
  }
  output.appendLine(`Starting ${resolution.path} lsp (${version.stdout.trim()}, from ${resolution.source})`);

  const serverOptions: ServerOptions = {
    command: resolution.path,
    args: ["lsp"],
    transport: TransportKind.stdio,
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: selector,
    initializationOptions: { pacto: settingsFor() },
    synchronize: { configurationSection: "pacto" },
    outputChannel: output,
    middleware: {
      handleDiagnostics(uri, diagnostics, next) {
        next(uri, filterDiagnostics(diagnostics, yamlSchemaOwner(uri)));
      },
      async executeCommand(command, args, next) {
        if (command !== SHOW_DIFF) {
          return next(command, args);
        }
        // The code lens: the extension renders the result itself, so the server must not open
        // it as well (one click, one diff).
        const result: unknown = await next(command, [args[0], { show: false }]);
        await showDiffResult(result);
        return result;
      },
    },
  };
  const c = new LanguageClient("pacto", "Pacto", serverOptions, clientOptions);
  client = c;
  c.onDidChangeState((e) => {
    if (e.newState === State.Running) {
      setState("running");
    } else if (e.newState === State.Stopped) {
      setState("stopped");
    } else {
      setState("starting");
    }
  });
  setState("starting");
  try {
    await c.start();
  } catch (e) {
    setState("stopped");
    void vscode.window.showErrorMessage(`Pacto: the language server failed to start: ${String(e)}`);
  }
}

async function stopClient(): Promise<void> {
  const c = client;
  client = undefined;
  if (c) {
    try {
      await c.stop(5000);
    } catch {
      // already stopped
    }
  }
}

/** The contract the command applies to: the active pacto.yaml, else the first in the workspace. */
async function contractUri(): Promise<vscode.Uri | undefined> {
  const doc = vscode.window.activeTextEditor?.document;
  if (doc && doc.uri.scheme === "file" && isContractPath(doc.uri.fsPath)) {
    if (doc.isDirty) {
      await doc.save();
    }
    return doc.uri;
  }
  const found = await vscode.workspace.findFiles("**/{pacto.yaml,*.pacto.yaml}", "**/node_modules/**", 1);
  if (found.length === 0) {
    void vscode.window.showWarningMessage("Pacto: open a pacto.yaml first.");
    return undefined;
  }
  return found[0];
}

async function openOutput(name: string, content: string, language: string): Promise<void> {
  const uri = vscode.Uri.from({ scheme: OUTPUT_SCHEME, path: `/${name}` });
  documents.set(uri.toString(), content);
  changed.fire(uri);
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.languages.setTextDocumentLanguage(doc, language);
  // Next to the contract; where an earlier output document is shown, if any (no third column).
  const shown = vscode.window.visibleTextEditors.find((e) => e.document.uri.scheme === OUTPUT_SCHEME);
  await vscode.window.showTextDocument(doc, { viewColumn: shown?.viewColumn ?? vscode.ViewColumn.Beside, preview: true });
}

async function cli(args: string[], uri: vscode.Uri): Promise<{ code: number; stdout: string; stderr: string } | undefined> {
  if (!serverPath) {
    void vscode.window.showErrorMessage("Pacto: no pacto binary (set pacto.server.path, or put pacto on PATH).");
    return undefined;
  }
  const full = [...cliFlags(settingsFor(uri)), ...args];
  output.appendLine(`$ ${serverPath} ${full.join(" ")}`);
  const r = await run(serverPath, full, path.dirname(uri.fsPath));
  output.append(r.stdout);
  output.append(r.stderr);
  return r;
}

async function validate(): Promise<void> {
  const uri = await contractUri();
  if (!uri) {
    return;
  }
  const dir = path.dirname(uri.fsPath);
  const r = await cli(["validate", dir], uri);
  if (!r) {
    return;
  }
  output.show(true);
  if (r.code === 0) {
    void vscode.window.showInformationMessage(`Pacto: ${path.basename(dir)} is valid.`);
  } else {
    const last = (r.stdout + r.stderr).trim().split("\n").pop() ?? `exit ${r.code}`;
    void vscode.window.showErrorMessage(`Pacto: ${last} (see Output: Pacto)`);
  }
}

async function showGraph(): Promise<void> {
  const uri = await contractUri();
  if (!uri) {
    return;
  }
  const r = await cli(["graph", path.dirname(uri.fsPath)], uri);
  if (!r) {
    return;
  }
  if (r.code !== 0 && r.stdout.trim() === "") {
    void vscode.window.showErrorMessage(`Pacto: pacto graph failed: ${r.stderr.trim()}`);
    return;
  }
  await openOutput("graph.txt", r.stdout, "plaintext");
}

/**
 * Shows `markdown` rendered, as a Markdown preview of a read-only virtual document. The same
 * document is reused, so a second diff replaces the first in the same preview.
 */
async function showMarkdown(name: string, markdown: string): Promise<void> {
  const uri = vscode.Uri.from({ scheme: OUTPUT_SCHEME, path: `/${name}` });
  documents.set(uri.toString(), markdown);
  changed.fire(uri);
  await vscode.workspace.openTextDocument(uri);
  await vscode.commands.executeCommand("markdown.showPreview", uri);
}

async function showDiffResult(result: unknown): Promise<void> {
  const markdown = (result as { markdown?: unknown } | null)?.markdown;
  if (typeof markdown !== "string") {
    void vscode.window.showWarningMessage("Pacto: the server returned no diff.");
    return;
  }
  await showMarkdown("diff.md", markdown);
}

async function showDiff(): Promise<void> {
  const uri = await contractUri();
  if (!uri) {
    return;
  }
  const repository = settingsFor(uri).repository;
  if (!repository) {
    void vscode.window.showWarningMessage(
      "Pacto: set pacto.repository to where the contract is published (oci://host/path) to compare with it.",
      "Open Settings",
    ).then((pick) => {
      if (pick) {
        void vscode.commands.executeCommand("workbench.action.openSettings", "pacto.repository");
      }
    });
    return;
  }
  const c = client;
  const advertised = c?.initializeResult?.capabilities.executeCommandProvider?.commands ?? [];
  if (c && c.state === State.Running && advertised.includes(SHOW_DIFF)) {
    try {
      const result: unknown = await c.sendRequest(ExecuteCommandRequest.type, {
        command: SHOW_DIFF,
        arguments: [uri.toString(), { show: false }],
      });
      await showDiffResult(result);
    } catch (e) {
      void vscode.window.showErrorMessage(`Pacto: ${String((e as Error).message ?? e)}`);
    }
    return;
  }
  // A server without the command: the CLI compares the published contract with the files on disk.
  const r = await cli(["diff", "--fail-on", "none", "--output-format", "markdown", repository, "."], uri);
  if (!r) {
    return;
  }
  if (r.code !== 0) {
    void vscode.window.showErrorMessage(`Pacto: pacto diff failed: ${r.stderr.trim()}`);
    return;
  }
  await showMarkdown("diff.md", r.stdout);
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel("Pacto");
  status = vscode.window.createStatusBarItem("pacto.status", vscode.StatusBarAlignment.Left, 0);
  status.name = "Pacto";
  context.subscriptions.push(
    output,
    status,
    changed,
    vscode.workspace.registerTextDocumentContentProvider(OUTPUT_SCHEME, {
      onDidChange: changed.event,
      provideTextDocumentContent: (uri) => documents.get(uri.toString()) ?? "",
    }),
    vscode.commands.registerCommand("pacto.validate", validate),
    vscode.commands.registerCommand("pacto.showDiffAgainstPublished", showDiff),
    vscode.commands.registerCommand("pacto.showGraph", showGraph),
    vscode.commands.registerCommand("pacto.restartServer", async () => {
      await stopClient();
      await startClient(context);
    }),
    vscode.languages.onDidChangeDiagnostics(() => updateStatus()),
    vscode.window.onDidChangeActiveTextEditor(() => updateStatus()),
    vscode.extensions.onDidChange(() => void contributeYamlSchemas(context)),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration("pacto.server.path")) {
        await stopClient();
        await startClient(context);
      }
    }),
  );
  // Before the server starts, so that its first diagnostics are filtered with the right owner.
  await contributeYamlSchemas(context);
  await startClient(context);
  updateStatus();
}

export async function deactivate(): Promise<void> {
  await stopClient();
}
