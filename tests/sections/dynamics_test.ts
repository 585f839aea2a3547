import assert from "node:assert/strict";
import {
  CORRELATED_SETS,
  dynamics,
  ENERGY_LEVELS,
  snapshotSteps,
} from "../../lib/sections/dynamics.ts";

Deno.test("dynamics trains both setups with the notebook's optimiser and log-spaced snapshots", () => {
  const settings = dynamics.scales.quick;
  const runs = dynamics.runs(settings, 0);
  assert.deepEqual(
    runs.map((
      { name, run },
    ) => [name, run.model.n, run.model.m, run.data.correlation, run.data.setSize]),
    [
      [ENERGY_LEVELS.name, 6, 3, "independent", 1],
      [CORRELATED_SETS.name, 6, 3, "correlated", 3],
    ],
  );
  for (const { name, run } of runs) {
    assert.equal(run.optimizer.lr, 1e-3);
    assert.equal(run.optimizer.schedule, "constant");
    assert.equal(run.batch, 1024);
    assert.equal(run.instances.length, settings.restarts[name]);
    assert.equal(run.snapshotSteps[0], 1);
    assert.equal(run.snapshotSteps.at(-1), run.steps);
  }
});

Deno.test("snapshotSteps: log-spaced from 1 to the last step, increasing, without repeats", () => {
  assert.deepEqual(snapshotSteps(1000, 4), [1, 10, 100, 1000]);
  assert.deepEqual(snapshotSteps(4, 10), [1, 2, 3, 4]);
  const steps = snapshotSteps(10_000, 100);
  assert.ok(steps.every((step, t) => t === 0 || step > steps[t - 1]));
});
