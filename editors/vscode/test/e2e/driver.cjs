// End-to-end driver: headless Chromium (playwright-core) on a running code-server with the Pacto
// extension installed. Opens the contract, waits for the error squiggle, reads the status bar, the
// Problems panel and a hover, runs "Pacto: Show dependency graph" and "Pacto: Show diff against
// published", opens a Pacto 2.0 contract of the same workspace (diagnostics, Problems, completion,
// a second screenshot), takes the screenshot, points
// pacto.server.path at a missing binary (the error notification), and writes what it saw as JSON. pacto-cli/tests/vscode.rs starts code-server, runs this and asserts.
//
// Usage: node driver.cjs SPEC.json   (SPEC: see vscode.rs; every wait is bounded by spec.timeoutMs)
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const spec = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const { chromium } = require(spec.playwright);
const started = Date.now();
const result = { errors: [], timings_ms: {} };

function mark(name) {
  result.timings_ms[name] = Date.now() - started;
}

function write() {
  fs.writeFileSync(spec.out, JSON.stringify(result, null, 2));
}

/** The viewport point in the middle of `word` on the editor line that contains `lineText`. */
async function wordPoint(page, lineText, word) {
  return page.evaluate(
    ([lineText, word]) => {
      for (const line of document.querySelectorAll(".monaco-editor .view-line")) {
        const text = line.textContent.replace(/\u00a0/g, " ");
        if (!text.includes(lineText)) continue;
        const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          const i = n.textContent.replace(/\u00a0/g, " ").indexOf(word);
          if (i < 0) continue;
          const range = document.createRange();
          range.setStart(n, i);
          range.setEnd(n, i + word.length);
          const r = range.getBoundingClientRect();
          return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
        }
      }
      return null;
    },
    [lineText, word],
  );
}

/** The rendered text of the Markdown preview (a webview frame) once it contains `mustContain`. */
async function previewText(page, mustContain) {
  const deadline = Date.now() + spec.timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      const text = await frame
        .evaluate(() => {
          const body = document.querySelector(".markdown-body") || (document.body && document.body.classList.contains("vscode-body") ? document.body : null);
          return body ? body.innerText : "";
        })
        .catch(() => "");
      if (text.includes(mustContain)) {
        return text.replace(/\u00a0/g, " ").trim();
      }
    }
    if (Date.now() > deadline) {
      throw new Error(`no Markdown preview showing "${mustContain}"`);
    }
    await page.waitForTimeout(200);
  }
}

async function hoverText(page, lineText, word, mustContain) {
  // The layout can still move (a code lens arriving from the registry shifts the lines), so the
  // point is measured again on every attempt.
  const deadline = Date.now() + spec.timeoutMs;
  for (;;) {
    const p = await wordPoint(page, lineText, word);
    if (!p) throw new Error(`no "${word}" on a line with "${lineText}"`);
    // Away first, so that the hover for the new position opens from scratch.
    await page.mouse.move(5, 5);
    await page.waitForTimeout(300);
    await page.mouse.move(p.x, p.y, { steps: 4 });
    const hover = page.locator(".monaco-hover:not(.hidden)").filter({ hasText: mustContain }).first();
    try {
      await hover.waitFor({ state: "visible", timeout: Math.min(5000, Math.max(1, deadline - Date.now())) });
      return hover.innerText();
    } catch (e) {
      if (Date.now() >= deadline) throw e;
    }
  }
}

async function runCommand(page, title) {
  await page.keyboard.press("F1");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible", timeout: spec.timeoutMs });
  await input.fill(`>${title}`);
  const row = page.locator(".quick-input-list .monaco-list-row").filter({ hasText: title }).first();
  await row.waitFor({ timeout: spec.timeoutMs });
  await row.click();
}

let page;

/** Opens a workspace file through Quick Open (F1 without ">"): `rel` is its workspace path. */
async function quickOpen(rel) {
  await page.keyboard.press("F1");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible", timeout: spec.timeoutMs });
  await input.fill(rel);
  const [dir, base] = [path.dirname(rel), path.basename(rel)];
  const row = page
    .locator(".quick-input-list .monaco-list-row")
    .filter({ hasText: base })
    .filter({ hasText: dir })
    .first();
  await row.waitFor({ timeout: spec.timeoutMs });
  await row.click();
}

/** The Problems panel's rows (file headers and entries), once it lists `mustContain`. */
async function problemRows(mustContain) {
  const panel = page.locator(".markers-panel");
  if (!(await panel.isVisible())) {
    await page.keyboard.press("Control+Shift+M");
  }
  const rows = page.locator(".markers-panel .monaco-list-row");
  for (const text of mustContain) {
    await rows.filter({ hasText: text }).first().waitFor({ state: "visible" });
  }
  const out = [];
  for (const row of await rows.all()) {
    out.push({ label: await row.getAttribute("aria-label"), text: (await row.innerText()).trim() });
  }
  return out;
}

/** The labels of the suggest widget, once it shows; every row (the list must not be cut). */
async function suggestions() {
  const rows = page.locator(".editor-widget.suggest-widget.visible .monaco-list-row");
  await rows.first().waitFor({ state: "visible" });
  await page.waitForTimeout(300); // the server's items replace the first (word) ones
  const labels = [];
  let total = 0;
  for (const row of await rows.all()) {
    const label = await row.locator(".label-name").first().innerText();
    labels.push(label.trim());
    total = Math.max(total, Number(await row.getAttribute("aria-setsize")) || 0);
  }
  return { labels, total };
}

async function v2Contract(v2) {
  const out = {};
  result.v2 = out;
  // One editor group (the graph and diff tabs join the first), next to the 1.x contract, which
  // stays open, so its diagnostics stay in the Problems panel.
  await runCommand(page, "View: Join All Editor Groups");
  await quickOpen(v2.path);
  const group = page.locator(".editor-group-container.active");
  await group.locator(".monaco-editor .view-line").filter({ hasText: v2.errorLineText }).first().waitFor();
  await group.locator(".monaco-editor .squiggly-error").first().waitFor({ state: "attached" });
  mark("v2_squiggle");
  await page.waitForTimeout(1000); // anything published twice (or late) arrives meanwhile
  out.squiggles = await group.locator(".monaco-editor .squiggly-error").count();
  const statusItem = page.locator(".statusbar-item").filter({ hasText: "Pacto:" }).first();
  try {
    await page.locator(".statusbar-item").filter({ hasText: v2.expectStatus }).first().waitFor({ state: "visible" });
  } finally {
    out.status = (await statusItem.innerText()).trim();
  }
  out.error_hover = await hoverText(page, v2.errorLineText, v2.errorWord, v2.errorMessage);
  mark("v2_error_hover");
  await page.waitForTimeout(600);
  out.problems = await problemRows([v2.errorMessage, spec.errorMessage]);
  mark("v2_problems");
  // The screenshot of the 2.0 contract: its squiggle and hover, both files in the Problems panel.
  await page.mouse.move(5, 5);
  out.error_hover_again = await hoverText(page, v2.errorLineText, v2.errorWord, v2.errorMessage);
  await page.waitForTimeout(600);
  await page.screenshot({ path: v2.screenshot });

  // Key completion on a new, empty top-level line (above `interfaces:`), then undone.
  await page.mouse.move(5, 5);
  const p = await wordPoint(page, v2.completionBefore, v2.completionBefore.replace(/:$/, ""));
  if (!p) throw new Error(`no line "${v2.completionBefore}" in the 2.0 contract`);
  await page.mouse.click(p.x, p.y);
  await page.keyboard.press("Home");
  await page.keyboard.press("Enter");
  await page.keyboard.press("ArrowUp");
  await page.keyboard.press("Control+Space");
  out.completion = await suggestions();
  mark("v2_completion");
  await page.keyboard.press("Escape");
  await page.keyboard.press("Control+z");
  await group.locator(".tab.active.dirty").waitFor({ state: "detached" });
}

async function main() {
  const context = await chromium.launchPersistentContext(spec.chromeProfile, {
    executablePath: spec.chromium,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    timeout: spec.timeoutMs,
  });
  context.setDefaultTimeout(spec.timeoutMs);
  try {
    page = context.pages()[0] ?? (await context.newPage());
    page.on("pageerror", (e) => result.errors.push(`page error: ${e.message}`));
    await page.goto(spec.url, { waitUntil: "domcontentloaded" });
    mark("page_loaded");

    // Open the contract from the Explorer.
    const item = page.getByRole("treeitem", { name: spec.fileName, exact: true });
    await item.waitFor({ state: "visible" });
    mark("workbench_ready");
    await item.dblclick();
    await page.locator(".monaco-editor .view-line").filter({ hasText: spec.errorLineText }).first().waitFor();
    mark("editor_open");

    // The diagnostic from `pacto lsp`, drawn as a squiggle.
    await page.locator(".monaco-editor .squiggly-error").first().waitFor({ state: "attached" });
    mark("squiggle");
    result.squiggles = await page.locator(".monaco-editor .squiggly-error").count();

    // The status-bar item with the contract's state.
    const statusItem = page.locator(".statusbar-item").filter({ hasText: "Pacto:" }).first();
    await statusItem.waitFor({ state: "visible" });
    try {
      await page.locator(".statusbar-item").filter({ hasText: spec.expectStatus }).first().waitFor({ state: "visible" });
    } finally {
      result.status = (await statusItem.innerText()).trim();
    }

    // Hover on the error: the diagnostic's message; screenshot with it shown.
    result.error_hover = await hoverText(page, spec.errorLineText, spec.errorWord, spec.errorMessage);
    mark("error_hover");
    await page.waitForTimeout(600); // the hover's fade-in
    fs.mkdirSync(path.dirname(spec.screenshot), { recursive: true });
    await page.screenshot({ path: spec.screenshot });

    // Hover on a key: the contract documentation from the schema.
    result.key_hover = await hoverText(page, spec.keyLineText, spec.keyWord, spec.keyHoverMustContain);
    mark("key_hover");
    await page.mouse.move(5, 5);

    // The Problems panel.
    await page.keyboard.press("Control+Shift+M");
    const rows = page.locator(".markers-panel .monaco-list-row");
    await rows.filter({ hasText: spec.errorMessage }).first().waitFor({ state: "visible" });
    result.problems = [];
    for (const row of await rows.all()) {
      result.problems.push({ label: await row.getAttribute("aria-label"), text: (await row.innerText()).trim() });
    }
    mark("problems");

    // A command of the extension: the dependency graph in a read-only document.
    await runCommand(page, "Pacto: Show dependency graph");
    const tab = page.locator(".tabs-container .tab").filter({ hasText: "graph.txt" }).first();
    await tab.waitFor({ state: "visible" });
    const graphEditor = page.locator(".editor-group-container").filter({ has: page.locator(".tab.active", { hasText: "graph.txt" }) }).locator(".view-lines").first();
    await graphEditor.waitFor({ state: "visible" });
    await page.waitForFunction((first) => [...document.querySelectorAll(".view-lines")].some((v) => v.innerText.includes(first)), spec.graphFirstLine);
    result.graph = (await graphEditor.innerText()).replace(/\u00a0/g, " ");
    mark("graph");

    // Pacto: Show diff against published (when the test published an older version): rendered
    // as a Markdown preview ("Preview diff.md", a webview).
    if (spec.diffMustContain) {
      await runCommand(page, "Pacto: Show diff against published");
      const diffTab = page.locator(".tabs-container .tab").filter({ hasText: "diff.md" }).first();
      await diffTab.waitFor({ state: "visible" });
      result.diff = await previewText(page, spec.diffMustContain);
      result.diff_tab = (await diffTab.innerText()).trim();
      mark("diff");

      // The same diff from the server's code lens on service.version: one click, one diff (the
      // extension renders the command's result; the server opens nothing besides).
      await diffTab.hover();
      await diffTab.locator(".codicon-close").click();
      await diffTab.waitFor({ state: "detached" });
      const lens = page.locator(".codelens-decoration a").filter({ hasText: "vs published" }).first();
      result.lens = (await lens.innerText()).trim();
      await lens.click();
      await diffTab.waitFor({ state: "visible" });
      result.lens_diff = await previewText(page, spec.diffMustContain);
      // Anything else the click would open shows up within a moment.
      await page.waitForTimeout(1500);
      result.lens_tabs = (await page.locator(".tabs-container .tab").allInnerTexts()).map((t) => t.trim());
      mark("lens_diff");
    }

    // A mixed workspace: a Pacto 2.0 contract next to the 1.x one gets 2.0 diagnostics and
    // 2.0 completion, while the 1.x contract keeps its own (both listed in the Problems panel).
    if (spec.v2) {
      await v2Contract(spec.v2);
    }

    // A wrong pacto.server.path: the extension restarts and says what is wrong and how to fix it.
    // (Through the workspace's .vscode/settings.json: code-server watches workspace files.)
    fs.mkdirSync(path.dirname(spec.workspaceSettings), { recursive: true });
    fs.writeFileSync(spec.workspaceSettings, JSON.stringify({ "pacto.server.path": spec.missingServer }, null, 2));
    const toast = page.locator(".notification-toast").filter({ hasText: "pacto.server.path" }).first();
    await toast.waitFor({ state: "visible" });
    result.missing_notification = (await toast.innerText()).trim();
    await page.getByRole("tab", { name: /pacto\.yaml/ }).first().click();
    const noServer = page.locator(".statusbar-item").filter({ hasText: "Pacto: no server" }).first();
    await noServer.waitFor({ state: "visible" });
    result.missing_status = (await noServer.innerText()).trim();
    mark("missing_server");
  } catch (e) {
    // What the browser showed when a step failed (next to the result file).
    await page?.screenshot({ path: `${spec.out}.failure.png` }).catch(() => {});
    throw e;
  } finally {
    await context.close();
  }
}

const guard = setTimeout(() => {
  result.errors.push(`driver did not finish within ${spec.totalTimeoutMs} ms`);
  write();
  process.exit(2);
}, spec.totalTimeoutMs);

main()
  .catch((e) => result.errors.push(String(e && e.stack ? e.stack : e)))
  .finally(() => {
    clearTimeout(guard);
    mark("total");
    write();
  });
