import assert from "node:assert/strict";
import { correlated, EXPERIMENTS } from "../../lib/sections/correlated.ts";

Deno.test("correlated trains the paper's four setups on their sets, at ARENA's densities", () => {
  const runs = correlated.runs(correlated.scales.quick, 0);
  const shapes = runs.map(({ name, run }) => [
    name,
    run.model.n,
    run.model.m,
    run.data.correlation,
    run.data.setSize,
  ]);
  assert.deepEqual(shapes, [
    ["correlated_pairs", 4, 2, "correlated", 2],
    ["anticorrelated_pairs", 4, 2, "anticorrelated", 2],
    ["three_pairs", 6, 2, "correlated", 2],
    ["local_bases", 20, 10, "correlated", 10],
  ]);
  const densities = (name: string) => [
    ...new Set(runs.find((run) => run.name === name)!.run.instances.map((i) => i.density[0])),
  ];
  const close = (values: number[], expected: number[]) =>
    values.length === expected.length &&
    values.every((value, k) => Math.abs(value - expected[k]) < 1e-9 * expected[k]);
  assert.ok(
    close(densities("correlated_pairs"), [
      0.05,
      400 ** -0.625,
      400 ** -0.75,
      400 ** -0.875,
      0.0025,
    ]),
  );
  assert.ok(
    close(densities("anticorrelated_pairs"), [
      10 ** -0.5,
      10 ** -0.625,
      10 ** -0.75,
      10 ** -0.875,
      0.1,
    ]),
  );
  for (const { run } of runs) {
    assert.ok(run.instances.every((instance) => instance.importance.every((i) => i === 1)));
    const restarts = run.instances.filter((instance) => instance.config === 0).length;
    assert.equal(restarts, correlated.scales.quick.restarts);
  }
  assert.equal(EXPERIMENTS.length, 4);
});
