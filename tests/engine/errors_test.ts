import assert from "node:assert/strict";
import { UserError } from "../../lib/engine/errors.ts";
import { reluOutputModel, validateRun } from "../../lib/engine/spec.ts";
import { testRun } from "../helpers.ts";

const valid = testRun({
  model: reluOutputModel(5, 2),
  importance: () => 1,
  densities: [0.1],
  steps: 10,
});

Deno.test("validateRun() names the field and its accepted range", () => {
  const cases: [string, object, RegExp][] = [
    [
      "m",
      { model: { ...valid.model, m: 0 } },
      /^model\.m must be an integer in \[1, 64\] \(got 0\)$/,
    ],
    ["density", {
      instances: [{ ...valid.instances[0], density: [0.1, 0.1, 2, 0.1, 0.1] }],
    }, /^instances\[0\]\.density\[2\] must be a number in \[0, 1\] \(got 2\)$/],
    [
      "setSize",
      { data: { ...valid.data, correlation: "correlated", setSize: 3 } },
      /^data\.setSize must divide model\.n = 5/,
    ],
    [
      "schedule",
      { optimizer: { ...valid.optimizer, schedule: "step" } },
      /^optimizer\.schedule must be one of/,
    ],
    ["batch", { batch: 0.5 }, /^batch must be an integer/],
  ];
  validateRun(valid);
  for (const [what, change, message] of cases) {
    assert.throws(() => validateRun({ ...valid, ...change }), (error: unknown) => {
      assert.ok(error instanceof UserError, what);
      assert.match(error.message, message);
      return true;
    });
  }
});

/** Runs a snippet in a fresh Deno process and returns its exit code and stderr. */
async function runSnippet(code: string, env: Record<string, string>) {
  const command = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", code],
    env,
    cwd: new URL("../..", import.meta.url).pathname,
    stdout: "piped",
    stderr: "piped",
  });
  const { code: exitCode, stderr } = await command.output();
  return { exitCode, stderr: new TextDecoder().decode(stderr).trim() };
}

Deno.test("runMain() reports a missing WebGPU adapter in one line, exit code 2, naming --backend cpu", async () => {
  const snippet = `
    import { runMain } from "./lib/engine/errors.ts";
    import { gpuDevice } from "./lib/engine/webgpu/device.ts";
    await runMain(async () => { await gpuDevice(); });`;
  const { exitCode, stderr } = await runSnippet(snippet, { DENO_WEBGPU_BACKEND: "none" });
  assert.equal(exitCode, 2);
  const lines = stderr.split("\n").filter((line) => line.startsWith("error:"));
  assert.equal(lines.length, 1, stderr);
  assert.match(lines[0], /no WebGPU adapter.*lavapipe.*--backend cpu/);
  assert.doesNotMatch(stderr, /at .*\.ts:\d+/, "no stack trace");
});
