import assert from "node:assert/strict";
import { gram } from "../../lib/analysis/metrics.ts";
import { linearModel, NOTEBOOK_OPTIMIZER, paramLayout } from "../../lib/engine/spec.ts";
import { linearOptimum } from "../../lib/analysis/theory.ts";
import { selectBest } from "../../lib/engine/result.ts";
import { train, trainerLabel } from "../../lib/engine/train.ts";
import { assertClose, noWebGpu, testRun } from "../helpers.ts";

Deno.test({
  name: "train() fits the linear model n=20, m=5, I=0.7^i to its closed-form optimum (O11, O12)",
  ignore: noWebGpu,
  fn: async () => {
    const model = linearModel(20, 5);
    const importance = Array.from({ length: 20 }, (_, i) => 0.7 ** i);
    const densities = [1, 0.1];
    const run = testRun({
      model,
      importance: (i) => importance[i],
      densities,
      steps: 1000,
      optimizer: { ...NOTEBOOK_OPTIMIZER, lr: 1e-2, schedule: "cosine" },
    });
    const result = await train(run, { backend: "webgpu" });
    const bias = paramLayout(model).bias;
    densities.forEach((p, k) => {
      const optimum = linearOptimum(importance, p, 5);
      const ratio = result.finalLoss[k] / optimum.notebookLoss;
      assert.ok(Math.abs(ratio - 1) <= 0.02, `p=${p}: loss is ${ratio} × the optimum`);
      // WᵀW is the projection onto the top-5 features; dropped features carry b_i = p/2.
      const product = gram(result.params[k].slice(0, bias), 5, 20);
      for (let i = 0; i < 20; i++) {
        assertClose(product[i * 20 + i], i < 5 ? 1 : 0, 0.06, `p=${p}: (WᵀW)_${i}${i}`);
        if (i >= 5) assertClose(result.params[k][bias + i], p / 2, 0.03, `p=${p}: b_${i}`);
      }
    });
  },
});

Deno.test("selectBest() marks the lowest final loss of each configuration", () => {
  assert.deepEqual(
    selectBest([0, 1, 0, 1, 0], [0.3, 0.2, 0.1, 0.4, 0.5]),
    [false, true, true, false, false],
  );
});

Deno.test("trainerLabel() names the trainer for a reader: the CPU, lavapipe, another adapter", () => {
  assert.equal(trainerLabel("cpu"), "CPU reference trainer (f64)");
  assert.equal(
    trainerLabel("webgpu 65541  llvmpipe (LLVM 15.0.6, 256 bits)"),
    "WebGPU on lavapipe (Mesa, llvmpipe LLVM 15.0.6, 256-bit)",
  );
  assert.equal(trainerLabel("webgpu 4318  NVIDIA H200"), "WebGPU on NVIDIA H200");
  // llvmpipe but not Mesa's Vulkan vendor (e.g. through GL): its description as it is.
  assert.equal(
    trainerLabel("webgpu 0  llvmpipe (LLVM 15.0.6, 256 bits)"),
    "WebGPU on llvmpipe (LLVM 15.0.6, 256 bits)",
  );
  assert.equal(trainerLabel("webgpu 4098  "), "WebGPU on an adapter of vendor 4098");
});
