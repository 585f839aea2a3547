import assert from "node:assert/strict";
import { outputWeightIndex } from "../../lib/engine/model.ts";
import {
  absValueModel,
  biasVector,
  densitySweep,
  geometricImportance,
  linearModel,
  modelName,
  outputMatrix,
  paramLayout,
  powerSweep,
  reluHiddenModel,
  reluOutputModel,
  weightMatrix,
} from "../../lib/engine/spec.ts";

Deno.test("modelName() names every model of the paper", () => {
  assert.equal(modelName(linearModel(5, 2)), "linear");
  assert.equal(modelName(reluOutputModel(5, 2)), "relu_output");
  assert.equal(modelName(reluHiddenModel(5, 2)), "relu_hidden");
  assert.equal(modelName(absValueModel(5, 2)), "abs");
});

Deno.test("weightMatrix() and biasVector() read [W₁ | W₂ | b] as paramLayout() lays it out", () => {
  for (const model of [reluOutputModel(3, 2), absValueModel(3, 2)]) {
    const params = Array.from({ length: paramLayout(model).count }, (_, k) => k);
    assert.deepEqual([...weightMatrix(model, params)], [0, 1, 2, 3, 4, 5]);
    const bias = model.tied ? [6, 7, 8] : [12, 13, 14];
    assert.deepEqual([...biasVector(model, params)], bias);
  }
});

Deno.test("outputMatrix() is W₂ (n×m) when untied and Wᵀ when tied, as forward() reads it", () => {
  // W (m = 2 rows × n = 3 columns) is [0 1 2; 3 4 5].
  assert.deepEqual([...outputMatrix(reluHiddenModel(3, 2), [0, 1, 2, 3, 4, 5, 6, 7, 8])], [
    0,
    3,
    1,
    4,
    2,
    5,
  ]);
  const untied = absValueModel(3, 2);
  const params = Array.from({ length: paramLayout(untied).count }, (_, k) => k);
  assert.deepEqual([...outputMatrix(untied, params)], [6, 7, 8, 9, 10, 11]);
  for (const model of [reluHiddenModel(3, 2), untied]) {
    const W2 = outputMatrix(model, params);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 2; j++) {
        assert.equal(W2[i * 2 + j], params[outputWeightIndex(model, i, j)]);
      }
    }
  }
});

Deno.test("powerSweep() is base^−linspace(from, to, count)", () => {
  assert.deepEqual(powerSweep(4, 3), [1, 0.5, 0.25]);
  const arena = powerSweep(400, 5, 0.5, 1);
  assert.equal(arena.length, 5);
  assert.ok(Math.abs(arena[0] - 0.05) < 1e-12 && Math.abs(arena[4] - 0.0025) < 1e-12, `${arena}`);
  assert.ok(Math.abs(arena[2] - 400 ** -0.75) < 1e-12);
});

Deno.test("geometricImportance() is ratio^i from 1", () => {
  assert.deepEqual(geometricImportance(0.5, 4), [1, 0.5, 0.25, 0.125]);
  assert.deepEqual(geometricImportance(0.7, 0), []);
});

Deno.test("densitySweep() gives one point per density: I copied, p_i = p for all n features", () => {
  const importance = [1, 0.5, 0.25];
  const points = densitySweep(importance, [1, 0.1, 0.01]);
  assert.deepEqual(points, [
    { importance: [1, 0.5, 0.25], density: [1, 1, 1] },
    { importance: [1, 0.5, 0.25], density: [0.1, 0.1, 0.1] },
    { importance: [1, 0.5, 0.25], density: [0.01, 0.01, 0.01] },
  ]);
  assert.notEqual(points[0].importance, importance);
  assert.notEqual(points[0].importance, points[1].importance);
  assert.deepEqual(densitySweep(importance, []), []);
});
