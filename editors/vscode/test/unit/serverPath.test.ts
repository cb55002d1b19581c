import { strict as assert } from "node:assert";
import { test } from "node:test";
import { binaryName, expandHome, Probe, resolveServerPath } from "../../src/serverPath";

function probe(executables: string[], pathEnv?: string, platform: NodeJS.Platform = "linux"): Probe {
  const set = new Set(executables);
  return { isExecutable: (p) => set.has(p), pathEnv, home: "/home/u", platform };
}

test("the setting wins, with ~ expanded", () => {
  const r = resolveServerPath("~/bin/pacto", "/ext", probe(["/home/u/bin/pacto", "/ext/server/pacto", "/usr/bin/pacto"], "/usr/bin"));
  assert.deepEqual(r, { ok: true, path: "/home/u/bin/pacto", source: "setting" });
});

test("a setting that points nowhere is an error, not a silent fallback", () => {
  const r = resolveServerPath("/opt/nope/pacto", "/ext", probe(["/ext/server/pacto", "/usr/bin/pacto"], "/usr/bin"));
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.match(r.message, /pacto\.server\.path is "\/opt\/nope\/pacto"/);
    assert.match(r.fix, /pacto\.server\.path/);
  }
});

test("blank setting: the bundled binary before PATH", () => {
  const r = resolveServerPath("  ", "/ext", probe(["/ext/server/pacto", "/usr/bin/pacto"], "/usr/bin"));
  assert.deepEqual(r, { ok: true, path: "/ext/server/pacto", source: "bundled" });
});

test("no setting, no bundle: the first PATH entry that has pacto", () => {
  const r = resolveServerPath(undefined, "/ext", probe(["/b/pacto", "/c/pacto"], "/a::/b:/c"));
  assert.deepEqual(r, { ok: true, path: "/b/pacto", source: "path" });
});

test("windows: pacto.exe and ; separated PATH", () => {
  assert.equal(binaryName("win32"), "pacto.exe");
  const p = probe(["C:/tools/pacto.exe"], "C:/x;C:/tools", "win32");
  const r = resolveServerPath("", "C:/ext", { ...p, isExecutable: (x) => x.replace(/\\/g, "/") === "C:/tools/pacto.exe" });
  assert.equal(r.ok && r.source, "path");
});

test("nothing found: an error that says how to fix it", () => {
  const r = resolveServerPath("", "/ext", probe([], "/usr/bin"));
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.match(r.message, /not found/);
    assert.match(r.fix, /PATH/);
    assert.match(r.fix, /pacto\.server\.path/);
  }
});

test("expandHome leaves other paths alone", () => {
  assert.equal(expandHome("~", "/h"), "/h");
  assert.equal(expandHome("~/x", "/h"), "/h/x");
  assert.equal(expandHome("/a/~/b", "/h"), "/a/~/b");
  assert.equal(expandHome("~other/x", "/h"), "~other/x");
});
