import assert from "node:assert/strict";
import { l1, L1_SETUP, penalties } from "../../lib/sections/l1.ts";

Deno.test("l1 trains basic's n=20, m=5 model at 1−S = 0.1 once per penalty, λ = 0 first", () => {
  const settings = l1.scales.quick;
  const runs = l1.runs(settings, 0);
  const lambdas = penalties(settings);
  assert.equal(lambdas[0], 0);
  assert.ok(lambdas.every((value, k) => k === 0 || value > lambdas[k - 1]));
  assert.deepEqual(runs.map(({ run }) => run.l1), lambdas);
  for (const { run } of runs) {
    assert.equal(run.model.n, L1_SETUP.n);
    assert.equal(run.model.m, L1_SETUP.m);
    assert.ok(run.instances.every((instance) =>
      instance.density.every((p) => p === 0.1) &&
      instance.importance.every((value, i) => Math.abs(value - 0.7 ** i) < 1e-12)
    ));
  }
});
