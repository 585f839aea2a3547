/**
 * @module
 * Shared test helpers: tolerance assertions, small run builders, and the WebGPU gate
 * (tests that need an adapter are ignored without one, unless REQUIRE_WEBGPU=1, as in CI).
 */
import assert from "node:assert/strict";
import { gpuAdapter } from "../lib/engine/webgpu/device.ts";
import {
  type ModelSpec,
  notebookRun,
  type RunSpec,
  type SweepTraining,
} from "../lib/engine/spec.ts";
import type { Trained } from "../lib/sections/section.ts";

/** Asserts |actual − expected| ≤ tolerance. */
export function assertClose(actual: number, expected: number, tolerance: number, what = ""): void {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what} ${actual} is not within ${tolerance} of ${expected}`,
  );
}

/** Largest |a_k − b_k| over max_k |b_k|: the norm-relative difference of two vectors. */
export function relativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let difference = 0;
  let scale = 0;
  for (let k = 0; k < b.length; k++) {
    difference = Math.max(difference, Math.abs(a[k] - b[k]));
    scale = Math.max(scale, Math.abs(b[k]));
  }
  return difference / scale;
}

const adapter = await gpuAdapter();
if (!adapter && Deno.env.get("REQUIRE_WEBGPU") === "1") {
  throw new Error("REQUIRE_WEBGPU=1 but no WebGPU adapter was found");
}
/** True where no WebGPU adapter exists: WebGPU tests are then ignored. */
export const noWebGpu = adapter === null;

/** A run with uniform importance and density per instance, for tests (see notebookRun). */
export function testRun(
  options: SweepTraining & {
    model: ModelSpec;
    importance: (i: number) => number;
    densities: number[];
  },
): RunSpec {
  const { model } = options;
  const importance = Array.from({ length: model.n }, (_, i) => options.importance(i));
  const points = options.densities.map((p) => ({ importance, density: Array(model.n).fill(p) }));
  return notebookRun(model, points, options);
}

/**
 * Runs `script` with `args` and `--out` set to a fresh folder, and asserts it fails as a user's
 * mistake: exit code 2, nothing on stdout, the one-line message `expected` on stderr, nothing
 * written.
 */
export async function assertRejectsFlags(
  script: string,
  args: string[],
  expected: RegExp | string,
): Promise<void> {
  const out = await Deno.makeTempDir();
  try {
    const result = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", script, "--out", out, ...args],
      stdin: "null",
    }).output();
    const decoder = new TextDecoder();
    const stderr = decoder.decode(result.stderr);
    assert.equal(result.code, 2, stderr);
    assert.equal(decoder.decode(result.stdout), "");
    if (typeof expected === "string") assert.equal(stderr, `${expected}\n`);
    else assert.match(stderr, expected);
    assert.equal(stderr.split("\n").length, 2, "exactly one line");
    assert.deepEqual(await Array.fromAsync(Deno.readDir(out)), []);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
}

/**
 * A run "trained" to the given parameters (one array per instance, all finite), for testing a
 * section's analysis on constructed models; the trainer's own selection is the first restart.
 */
export function constructedTrained(run: RunSpec, params: ArrayLike<number>[]): Trained {
  const count = run.instances.length;
  assert.equal(params.length, count, "one parameter array per instance");
  return {
    run,
    result: {
      backend: "cpu",
      params: params.map((p) => Float64Array.from(p)),
      losses: params.map(() => new Float32Array(run.steps)),
      finalLoss: params.map(() => 0),
      finite: params.map(() => true),
      selected: run.instances.map((instance, k) =>
        run.instances.findIndex((other) => other.config === instance.config) === k
      ),
      snapshots: [],
      seconds: 0,
    },
  };
}
