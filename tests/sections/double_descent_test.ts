/**
 * The double-descent section: its runs are the paper's setup, and its geometry checks pass on
 * constructed solutions (a memorising T-gon, a generalising pentagon) and fail when they are
 * swapped.
 */
import assert from "node:assert/strict";
import { drawBatch } from "../../lib/engine/data.ts";
import { paramLayout, type RunSpec } from "../../lib/engine/spec.ts";
import { doubleDescent, type DoubleDescentSettings } from "../../lib/sections/double_descent.ts";
import type { Trained } from "../../lib/sections/section.ts";
import { constructedTrained } from "../helpers.ts";

Deno.test("double-descent runs: full batch of T unit-norm samples, AdamW wd 1e-2, warm-up then cosine", () => {
  for (const scale of ["quick", "paper"] as const) {
    const settings = doubleDescent.scales[scale];
    const runs = doubleDescent.runs(settings, 0);
    assert.deepEqual(runs.map(({ run }) => run.batch), settings.sizes);
    for (const { run } of runs) {
      assert.equal(run.data.datasetSize, run.batch);
      assert.ok(run.data.normalize);
      assert.equal(run.model.m, 2);
      assert.equal(run.optimizer.weightDecay, 1e-2);
      assert.equal(run.optimizer.schedule, "warmup_cosine");
      assert.equal(
        new Set(run.instances.map((instance) => instance.dataSeed)).size,
        settings.seeds,
      );
    }
  }
  const paper = doubleDescent.scales.paper;
  assert.deepEqual([paper.n, paper.density, paper.steps, paper.warmupSteps], [
    10_000,
    0.001,
    50_000,
    2500,
  ]);
});

/** The regular k-gon's unit vectors. */
function polygon(k: number): [number, number][] {
  return Array.from(
    { length: k },
    (_, b) => [Math.cos(2 * Math.PI * b / k), Math.sin(2 * Math.PI * b / k)],
  );
}

/**
 * W that sends training example b of `run`'s instance to vertex b of the regular T-gon (each
 * feature to the vertex of the example it is active in, scaled by that example's value sum);
 * every example's support must be its own.
 */
function memorising(run: RunSpec, k: number): Float64Array {
  const { n } = run.model;
  const instance = run.instances[k];
  const examples = drawBatch(run.data, instance.density, instance.dataSeed, 0, run.batch);
  const params = new Float64Array(paramLayout(run.model).count);
  const vertices = polygon(run.batch);
  examples.forEach((x, b) => {
    const sum = x.reduce((total, value) => total + value, 0);
    x.forEach((value, i) => {
      if (value === 0) return;
      assert.equal(params[i], 0, `feature ${i} is active in two examples`);
      params[i] = vertices[b][0] / sum;
      params[n + i] = vertices[b][1] / sum;
    });
  });
  return params;
}

/** W with features 0 … k−1 on a unit k-gon and every other feature 0. */
function polygonModel(run: RunSpec, k: number): Float64Array {
  const { n } = run.model;
  const params = new Float64Array(paramLayout(run.model).count);
  polygon(k).forEach(([x, y], i) => [params[i], params[n + i]] = [x, y]);
  return params;
}

function checksOf(
  settings: DoubleDescentSettings,
  model: (run: RunSpec, k: number) => Float64Array,
) {
  const trained = new Map<string, Trained>(
    doubleDescent.runs(settings, 0).map(({ name, run }) => [
      name,
      constructedTrained(run, run.instances.map((_, k) => model(run, k))),
    ]),
  );
  return doubleDescent.analyse(settings, trained, new Map()).checks;
}

Deno.test("double-descent: the T-gon check passes on memorising models, the pentagon check on a pentagon; not on a pentagon and a hexagon", () => {
  const settings = { ...doubleDescent.scales.quick, sizes: [5, 1000], testSamples: 64 };
  const largest = (run: RunSpec) => run.batch === 1000;
  const right = checksOf(
    settings,
    (run, k) => largest(run) ? polygonModel(run, 5) : memorising(run, k),
  );
  const swapped = checksOf(
    settings,
    (run) => largest(run) ? polygonModel(run, 6) : polygonModel(run, 5),
  );
  const status = (checks: typeof right, id: string) =>
    checks.find((check) => check.id === id)!.status;
  assert.equal(status(right, "t-gon"), "pass", right.find((c) => c.id === "t-gon")!.measured);
  assert.equal(status(right, "pentagon"), "pass", right.find((c) => c.id === "pentagon")!.measured);
  assert.equal(status(swapped, "t-gon"), "fail");
  assert.equal(status(swapped, "pentagon"), "fail");
});
