import assert from "node:assert/strict";
import { type RunSpec } from "../../../lib/engine/spec.ts";
import {
  absValueModel,
  INDEPENDENT_DATA,
  linearModel,
  NOTEBOOK_OPTIMIZER,
  reluHiddenModel,
  reluOutputModel,
} from "../../../lib/engine/spec.ts";
import { train } from "../../../lib/engine/train.ts";
import {
  type KernelChoice,
  kernelPlan,
  LOOP_BUDGET,
  loopIterations,
} from "../../../lib/engine/webgpu/trainer.ts";
import { noWebGpu, relativeDifference, testRun } from "../../helpers.ts";

/**
 * Every model family and data generator, 60 steps, small batches so the CPU oracle is quick. The
 * fused driver takes rows one at a time where n·m ≤ 32 (the first two) and four at a time above
 * (the last three).
 */
const cases: [string, RunSpec][] = [
  [
    "linear, independent, AdamW constant",
    testRun({
      model: linearModel(8, 3),
      importance: (i) => 0.7 ** i,
      densities: [1, 0.3],
      steps: 60,
      batch: 48,
    }),
  ],
  [
    "ReLU output, correlated pairs, notebook cosine",
    testRun({
      model: reluOutputModel(6, 2),
      importance: () => 1,
      densities: [0.2, 0.05],
      steps: 60,
      batch: 64,
      data: { ...INDEPENDENT_DATA, correlation: "correlated", setSize: 2 },
      optimizer: { ...NOTEBOOK_OPTIMIZER, schedule: "cosine", lr: 1e-2 },
    }),
  ],
  [
    "ReLU hidden, anticorrelated triples, Adam linear",
    testRun({
      model: reluHiddenModel(9, 4),
      importance: (i) => 0.75 ** i,
      densities: [0.6],
      steps: 60,
      batch: 40,
      data: { ...INDEPENDENT_DATA, correlation: "anticorrelated", setSize: 3 },
      optimizer: { ...NOTEBOOK_OPTIMIZER, kind: "adam", weightDecay: 0, schedule: "linear" },
    }),
  ],
  [
    "absolute value (untied), signed values, L1 on h",
    testRun({
      model: absValueModel(6, 6),
      importance: (i) => 0.8 ** i,
      densities: [0.5, 0.1],
      steps: 60,
      batch: 50,
      l1: 0.05,
      data: { ...INDEPENDENT_DATA, values: "signed" },
    }),
  ],
  [
    "ReLU output, fixed normalised dataset, warm-up cosine",
    testRun({
      model: reluOutputModel(12, 3),
      importance: () => 1,
      densities: [0.2],
      steps: 60,
      batch: 30,
      data: { ...INDEPENDENT_DATA, datasetSize: 30, normalize: true },
      optimizer: { ...NOTEBOOK_OPTIMIZER, schedule: "warmup_cosine", warmupSteps: 10 },
    }),
  ],
];

/**
 * Trains `run` with snapshots on the GPU (driver `kernel`) and on the CPU and asserts that the
 * parameters, losses and snapshots agree within 1e-4, and that training moved the weights.
 */
async function assertGpuEqualsCpu(run: RunSpec, kernel: KernelChoice): Promise<void> {
  const withSnapshots = { ...run, snapshotSteps: [0, Math.ceil(run.steps / 3), run.steps] };
  const gpu = await train(withSnapshots, { backend: "webgpu", kernel });
  const cpu = await train(withSnapshots, { backend: "cpu" });
  run.instances.forEach((_, k) => {
    const params = relativeDifference(gpu.params[k], cpu.params[k]);
    assert.ok(params <= 1e-4, `instance ${k}: parameters differ by ${params}`);
    const losses = relativeDifference(gpu.losses[k], cpu.losses[k]);
    assert.ok(losses <= 1e-4, `instance ${k}: losses differ by ${losses}`);
    gpu.snapshots.forEach((snapshot, slot) => {
      const difference = relativeDifference(snapshot.params[k], cpu.snapshots[slot].params[k]);
      assert.ok(difference <= 1e-4, `snapshot ${snapshot.step}: ${difference}`);
    });
  });
  // The run must have moved the weights: equality is not trivially true.
  assert.ok(relativeDifference(gpu.params[0], gpu.snapshots[0].params[0]) > 1e-3);
}

const KERNELS: [KernelChoice, string][] = [
  ["auto", "auto driver"],
  ["split", "split driver"],
  ["chunked", "chunked phases 1–2"],
];

for (const [kernel, label] of KERNELS) {
  for (const [name, run] of cases) {
    Deno.test({
      name: `trainWebGpu() equals the CPU reference within 1e-4 (${label}): ${name}`,
      ignore: noWebGpu,
      fn: () => assertGpuEqualsCpu(run, kernel),
    });
  }
}

Deno.test({
  name: "trainWebGpu() is deterministic: the same seed gives the same numbers",
  ignore: noWebGpu,
  fn: async () => {
    const options = {
      model: reluOutputModel(20, 5),
      importance: (i: number) => 0.7 ** i,
      densities: [0.1, 0.01],
      steps: 100,
    };
    const run = testRun(options);
    const first = await train(run, { backend: "webgpu" });
    const second = await train(run, { backend: "webgpu" });
    assert.deepEqual(second.params, first.params);
    assert.deepEqual(second.losses, first.losses);
    const reseeded = await train(testRun({ ...options, seed: 1 }), { backend: "webgpu" });
    assert.notDeepEqual(reseeded.params, first.params);
  },
});

Deno.test({
  name: "trainWebGpu() runs every step when one dispatch holds many (lavapipe loop limit)",
  ignore: noWebGpu,
  fn: async () => {
    const run = testRun({
      model: reluOutputModel(40, 10),
      importance: () => 1,
      densities: [1],
      steps: 200,
    });
    const result = await train(run, { backend: "webgpu" });
    assert.ok(result.losses[0].every((loss) => loss > 0), "a step left its loss unwritten");
  },
});

/**
 * Steps long enough (B·n·m ≥ 2^20) for the split driver's phase 3 to take four quads of features
 * per invocation: a tied model on correlated, normalised data, and an untied one on signed,
 * anticorrelated data with L1 on h, between them every input path of the quads.
 */
const quadRuns: [string, RunSpec][] = [
  [
    "tied, correlated, normalised",
    testRun({
      model: reluOutputModel(256, 4),
      importance: () => 1,
      densities: [0.05],
      steps: 12,
      batch: 1024,
      data: { ...INDEPENDENT_DATA, correlation: "correlated", setSize: 2, normalize: true },
    }),
  ],
  [
    "untied, signed, anticorrelated, L1",
    testRun({
      model: absValueModel(256, 4),
      importance: (i) => 0.99 ** i,
      densities: [0.1],
      steps: 12,
      batch: 1024,
      l1: 0.01,
      data: { ...INDEPENDENT_DATA, correlation: "anticorrelated", setSize: 4, values: "signed" },
    }),
  ],
];

for (const [name, run] of quadRuns) {
  Deno.test({
    name: `trainWebGpu() equals the CPU reference within 1e-4 (four feature quads): ${name}`,
    ignore: noWebGpu,
    fn: async () => {
      assert.equal(kernelPlan(run, 64, 32768).featureQuads, 4);
      await assertGpuEqualsCpu(run, "auto");
    },
  });
}

/**
 * θ of n=200, m=20 (P + 2n = 4,600 floats) fits three instances to a 64 KiB uniform window: five
 * instances take two windows, the second one short; ⌈B/4⌉ = 5 row blocks leave the last
 * invocation of forward_backward one block. Sparse data: at density 1, f32 sums over 200 dense
 * features drift ~2e-4 from the CPU's f64 in 6 steps (the same before windows).
 */
const windowRun = testRun({
  model: reluOutputModel(200, 20),
  importance: (i) => 0.99 ** i,
  densities: [0.3, 0.2, 0.1, 0.05, 0.02],
  steps: 6,
  batch: 20,
});

Deno.test({
  name: "trainWebGpu() equals the CPU reference within 1e-4 (θ in two uniform windows)",
  ignore: noWebGpu,
  fn: async () => {
    const plan = kernelPlan(windowRun, 64, 32768);
    assert.equal(plan.mode, "split");
    assert.ok(plan.uniformParams);
    await assertGpuEqualsCpu(windowRun, "auto");
  },
});

/** The double-descent shape: one forward_backward invocation would loop past lavapipe's limit. */
const wideRun = testRun({
  model: reluOutputModel(10_000, 2),
  importance: () => 1,
  densities: [0.01, 0.001],
  steps: 4,
  batch: 24,
});

Deno.test("kernelPlan() runs n=10,000, m=2 (and n=1,000, m≤5) in chunked phases 1–2", () => {
  const plan = kernelPlan(wideRun, 64, 32768);
  assert.equal(plan.mode, "split");
  assert.ok(plan.featureChunk > 0 && plan.featureChunk < 10_000, `${plan.featureChunk}`);
  assert.ok(loopIterations(wideRun).chunk(plan.featureChunk) <= LOOP_BUDGET);
  for (const [n, m, batch] of [[10_000, 2, 4096], [1_000, 2, 4096], [1_000, 5, 4096]]) {
    const run = { ...wideRun, model: reluOutputModel(n, m), batch };
    assert.doesNotThrow(() => kernelPlan(run, 64, 32768), `n=${n}, m=${m}, B=${batch}`);
  }
});

/**
 * A large batch (1,024 row blocks, 7 loops of 9 iterations each per block): one per-feature
 * invocation over all of them would loop past lavapipe's limit, so phase 3 sums ranges of row
 * blocks separately.
 */
const rangeRun = testRun({
  model: reluOutputModel(16, 8),
  importance: (i) => 0.9 ** i,
  densities: [0.1, 0.02],
  steps: 4,
  batch: 4096,
});

Deno.test("kernelPlan() splits phase 3 into the fewest row ranges whose loops fit the budget", () => {
  const plan = kernelPlan(rangeRun, 64, 32768);
  const loops = loopIterations(rangeRun);
  const blocks = rangeRun.batch / 4;
  const quads = plan.featureQuads;
  assert.ok(loops.updateFeature(quads, blocks) > LOOP_BUDGET);
  assert.ok(plan.rowRanges > 1);
  assert.ok(loops.updateFeature(quads, Math.ceil(blocks / plan.rowRanges)) <= LOOP_BUDGET);
  assert.ok(loops.updateFeature(quads, Math.ceil(blocks / (plan.rowRanges - 1))) > LOOP_BUDGET);
  assert.equal(kernelPlan(windowRun, 64, 32768).rowRanges, 1);
});

Deno.test({
  name: "trainWebGpu() equals the CPU reference within 1e-4 (phase 3 over row ranges)",
  ignore: noWebGpu,
  fn: () => assertGpuEqualsCpu(rangeRun, "auto"),
});

Deno.test({
  name: "trainWebGpu() equals the CPU reference within 1e-4 at n=10,000, m=2 (chunked phases)",
  ignore: noWebGpu,
  fn: () => assertGpuEqualsCpu(wideRun, "auto"),
});

/**
 * Fixed datasets that the split driver reads from their stored entries (STORED_DATA): batches
 * that slice a larger dataset (B < T, a different slice each step; untied, signed values, L1),
 * and batches that hold every sample more than once (B > T).
 */
const storedRuns: [string, RunSpec][] = [
  [
    "B < T, untied, signed, L1",
    testRun({
      model: absValueModel(40, 5),
      importance: (i) => 0.95 ** i,
      densities: [0.1, 0.03],
      steps: 40,
      batch: 36,
      l1: 0.02,
      data: { ...INDEPENDENT_DATA, values: "signed", datasetSize: 100 },
    }),
  ],
  [
    "B > T, tied, normalised",
    testRun({
      model: reluOutputModel(70, 3),
      importance: () => 1,
      densities: [0.05],
      steps: 40,
      batch: 50,
      data: { ...INDEPENDENT_DATA, datasetSize: 16, normalize: true },
    }),
  ],
];

for (const [name, run] of storedRuns) {
  for (const kernel of ["split", "chunked"] as const) {
    Deno.test({
      name:
        `trainWebGpu() equals the CPU reference within 1e-4 (stored dataset, ${kernel}): ${name}`,
      ignore: noWebGpu,
      fn: async () => {
        const bounds = { rowEntries: run.model.n, featureEntries: run.data.datasetSize };
        assert.ok(kernelPlan(run, 64, 32768, kernel, bounds).storedData);
        await assertGpuEqualsCpu(run, kernel);
      },
    });
  }
}

Deno.test("kernelPlan() draws a dataset whose stored entries would loop past the budget", () => {
  const run = { ...wideRun, data: { ...INDEPENDENT_DATA, datasetSize: 20_000 }, batch: 4096 };
  assert.ok(kernelPlan(run, 64, 32768, "auto", { rowEntries: 30, featureEntries: 40 }).storedData);
  const dense = { rowEntries: 10_000, featureEntries: 20_000 };
  assert.equal(kernelPlan(run, 64, 32768, "auto", dense).storedData, false);
});
