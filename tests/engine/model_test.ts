import assert from "node:assert/strict";
import { drawBatch } from "../../lib/engine/data.ts";
import { lossAndGradient } from "../../lib/engine/model.ts";
import {
  absValueModel,
  INDEPENDENT_DATA,
  linearModel,
  type ModelSpec,
  paramLayout,
  reluHiddenModel,
  reluOutputModel,
} from "../../lib/engine/spec.ts";
import { standardNormal } from "../../lib/engine/rng.ts";

const families: [string, ModelSpec, number][] = [
  ["linear", linearModel(6, 3), 0],
  ["ReLU output", reluOutputModel(6, 3), 0],
  ["ReLU hidden (privileged basis)", reluHiddenModel(6, 3), 0],
  ["absolute value (untied)", absValueModel(6, 3), 0],
  ["ReLU output with L1 on h", reluOutputModel(6, 3), 0.3],
];

for (const [name, model, l1] of families) {
  Deno.test(`lossAndGradient() matches central finite differences: ${name}`, () => {
    const count = paramLayout(model).count;
    const params = Float64Array.from({ length: count }, (_, k) => 0.5 * standardNormal(7, k));
    const data = model.tied ? INDEPENDENT_DATA : { ...INDEPENDENT_DATA, values: "signed" as const };
    const batch = drawBatch(data, Array(model.n).fill(0.6), 3, 0, 16);
    const importance = Array.from({ length: model.n }, (_, i) => 0.8 ** i);
    const grads = new Float64Array(count);
    lossAndGradient(model, params, batch, importance, l1, grads);
    const h = 1e-6;
    let checked = 0;
    for (let k = 0; k < count; k++) {
      const shifted = (delta: number) => {
        const p = params.slice();
        p[k] += delta;
        return lossAndGradient(model, p, batch, importance, l1, new Float64Array(count));
      };
      const numeric = (shifted(h) - shifted(-h)) / (2 * h);
      assert.ok(
        Math.abs(numeric - grads[k]) <= 1e-6 * Math.max(1, Math.abs(numeric)),
        `parameter ${k}: analytic ${grads[k]} vs numeric ${numeric}`,
      );
      if (grads[k] !== 0) checked++;
    }
    assert.ok(checked > count / 2, `only ${checked} of ${count} gradients are non-zero`);
  });
}

Deno.test("lossAndGradient() uses the notebook's normalisation: paper loss / n, mean over batch", () => {
  const model = linearModel(4, 2);
  const params = new Float64Array(paramLayout(model).count);
  const batch = [Float64Array.of(1, 0, 0.5, 0), Float64Array.of(0, 0, 0, 0.25)];
  const importance = [1, 2, 3, 4];
  // W = 0, b = 0: x' = 0, so the paper's per-sample loss is Σ_i I_i x_i².
  const paperLoss = [1 + 3 * 0.25, 4 * 0.0625];
  const expected = (paperLoss[0] + paperLoss[1]) / 2 / model.n;
  const loss = lossAndGradient(
    model,
    params,
    batch,
    importance,
    0,
    new Float64Array(params.length),
  );
  assert.ok(Math.abs(loss - expected) < 1e-12, `${loss} vs ${expected}`);
});
