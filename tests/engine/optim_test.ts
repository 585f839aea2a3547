import assert from "node:assert/strict";
import { initialParams, initStd } from "../../lib/engine/init.ts";
import { adamStep, lrScale } from "../../lib/engine/optim.ts";
import { NOTEBOOK_OPTIMIZER, paramLayout, reluOutputModel } from "../../lib/engine/spec.ts";
import { assertClose } from "../helpers.ts";

Deno.test("adamStep() applies PyTorch's AdamW formula with decoupled weight decay 0.01 (O7)", () => {
  const theta = Float64Array.of(0.5, -1);
  const m = new Float64Array(2);
  const v = new Float64Array(2);
  const lr = 1e-3;
  const grads = [Float64Array.of(0.2, -0.1), Float64Array.of(-0.05, 0.3)];
  // Written out by hand from the PyTorch documentation, step by step.
  const expected = [0.5, -1];
  const m1 = [0, 0], v1 = [0, 0];
  grads.forEach((g, t) => {
    adamStep(NOTEBOOK_OPTIMIZER, theta, g, m, v, t + 1, lr);
    const b1 = Math.fround(0.9), b2 = Math.fround(0.999), eps = Math.fround(1e-8);
    for (let k = 0; k < 2; k++) {
      expected[k] = expected[k] * (1 - lr * Math.fround(0.01));
      m1[k] = b1 * m1[k] + (1 - b1) * g[k];
      v1[k] = b2 * v1[k] + (1 - b2) * g[k] ** 2;
      const mHat = m1[k] / (1 - b1 ** (t + 1));
      const vHat = v1[k] / (1 - b2 ** (t + 1));
      expected[k] -= lr * mHat / (Math.sqrt(vHat) + eps);
    }
    assertClose(theta[0], expected[0], 1e-12, "θ₀");
    assertClose(theta[1], expected[1], 1e-12, "θ₁");
    if (t === 0) {
      // At t = 1, m̂/√v̂ = g/|g|: each parameter decays, then moves by lr against its gradient.
      assertClose(theta[0], 0.5 * (1 - 1e-5) - 1e-3, 1e-9, "θ₀ after one step");
      assertClose(theta[1], -1 * (1 - 1e-5) + 1e-3, 1e-9, "θ₁ after one step");
    }
  });
});

Deno.test("adamStep() Adam adds the weight decay to the gradient (coupled L2)", () => {
  const theta = Float64Array.of(2);
  const optimizer = { ...NOTEBOOK_OPTIMIZER, kind: "adam" as const, weightDecay: 0.5 };
  adamStep(optimizer, theta, Float64Array.of(0), new Float64Array(1), new Float64Array(1), 1, 0.1);
  // g = 0 + 0.5·2 = 1 > 0, and the first Adam step has size lr: θ = 2 − 0.1.
  assertClose(theta[0], 1.9, 1e-6, "θ");
});

Deno.test("lrScale() follows the constant, linear, notebook cosine and warm-up cosine schedules", () => {
  const base = NOTEBOOK_OPTIMIZER;
  assert.equal(lrScale(base, 7, 10), 1);
  assertClose(lrScale({ ...base, schedule: "linear" }, 5, 10), 0.5, 1e-15);
  assertClose(lrScale({ ...base, schedule: "cosine" }, 0, 11), 1, 1e-15);
  assertClose(lrScale({ ...base, schedule: "cosine" }, 10, 11), 0, 1e-15);
  const warm = { ...base, schedule: "warmup_cosine" as const, warmupSteps: 4 };
  assert.deepEqual([0, 1, 2, 3].map((t) => lrScale(warm, t, 12)), [0.25, 0.5, 0.75, 1]);
  assertClose(lrScale(warm, 8, 12), 0.5, 1e-15);
});

Deno.test("initStd() reproduces the notebook's xavier fan quirk √(2/(m(n+I))) (O6)", () => {
  const model = reluOutputModel(5, 2);
  const init = { kind: "notebook" as const, fanInstances: 10 };
  assertClose(initStd(model, init), 0.2582, 1e-4, "n5 m2 I10");
  assertClose(initStd(model, { kind: "xavier" }), Math.sqrt(2 / 7), 1e-12, "plain xavier");
  const weights: number[] = [];
  for (let seed = 0; seed < 2000; seed++) {
    const params = initialParams(model, init, {
      importance: [],
      density: [],
      seed,
      dataSeed: seed,
      config: 0,
    });
    const layout = paramLayout(model);
    weights.push(...params.slice(0, layout.bias));
    assert.ok(params.slice(layout.bias).every((b) => b === 0));
  }
  const mean = weights.reduce((a, w) => a + w, 0) / weights.length;
  const std = Math.sqrt(weights.reduce((a, w) => a + (w - mean) ** 2, 0) / weights.length);
  assertClose(std, 0.2582, 0.05 * 0.2582, "sample std");
  assertClose(mean, 0, 0.01, "sample mean");
});
