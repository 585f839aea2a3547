import assert from "node:assert/strict";
import { join } from "node:path";
import { CPU_FALLBACK_NOTE } from "../../lib/engine/train.ts";

const scripts = new URL("../../scripts/", import.meta.url).pathname;

/** Runs `scripts/<script>.ts` with `args` (and `env`); returns its exit code and output. */
async function runScript(script: string, args: string[], env: Record<string, string> = {}) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(scripts, `${script}.ts`), ...args],
    env,
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

Deno.test("an unwritable --out is one line and exit 2, before any training", async () => {
  const { code, stdout, stderr } = await runScript("intro", [
    "--out",
    "/proc/x",
    "--backend",
    "cpu",
  ]);
  assert.equal(code, 2, stderr);
  assert.equal(stdout, "");
  assert.match(stderr, /^error: --out "\/proc\/x" cannot be written: [^\n]+\n$/);
});

Deno.test("--backend webgpu without an adapter is one line naming --backend cpu, exit 2", async () => {
  const out = await Deno.makeTempDir();
  try {
    const { code, stderr } = await runScript(
      "intro",
      ["--out", out, "--backend", "webgpu"],
      { DENO_WEBGPU_BACKEND: "none" },
    );
    assert.equal(code, 2, stderr);
    const lines = stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, stderr);
    assert.match(lines[0], /^error: no WebGPU adapter found: .*--backend cpu$/);
    assert.deepEqual(await Array.fromAsync(Deno.readDir(out)), [], "nothing written");
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("the default backend falls back to the CPU without an adapter, saying so once", async () => {
  const out = await Deno.makeTempDir();
  try {
    const { code, stdout, stderr } = await runScript(
      "intro",
      ["--out", out, "--steps", "2"],
      { DENO_WEBGPU_BACKEND: "none" },
    );
    // Two steps cannot show the paper's claims: the checks fail, so the exit code is 1.
    assert.equal(code, 1, stderr);
    assert.equal(stderr, `${CPU_FALLBACK_NOTE}\n`);
    assert.match(stdout, /^intro \(§2\): 0\/3 claims pass, 3 fail, [\d.]+ s\n/);
    assert.match(stdout, /\n {2}pass finite: all 40 instances finite\n/);
    assert.match(stdout, /\n {2}FAIL pentagon: /);
    await Deno.stat(join(out, "intro", "intro.svg"));
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("figures --only runs the named sections, writes index.html, exits 1 on a failed claim", async () => {
  const out = await Deno.makeTempDir();
  try {
    const { code, stdout, stderr } = await runScript(
      "figures",
      ["--out", out, "--only", "intro", "--backend", "cpu", "--steps", "2"],
    );
    assert.equal(code, 1, stderr);
    const lines = stdout.trimEnd().split("\n");
    assert.match(lines[0], /^intro \(§2\): 0\/3 claims pass, 3 fail, /);
    assert.match(
      lines.at(-1)!,
      /^figures: 0\/3 claims pass, 3 fail; all 40 instances finite; CPU reference trainer \(f64\); in [\d.]+ s; wrote .*index\.html$/,
    );
    const folders = [...Deno.readDirSync(out)].map((entry) => entry.name).sort();
    assert.deepEqual(folders, [".cache", "index.html", "intro"]);
    const page = await Deno.readTextFile(join(out, "index.html"));
    assert.match(page, /The paper&#39;s claims: <strong>0\/3 pass<\/strong>/);
    assert.match(page, /<img src="intro\/intro\.svg"/);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
