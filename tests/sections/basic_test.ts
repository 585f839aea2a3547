import assert from "node:assert/strict";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { DOMParser } from "linkedom";
import { featureNorms, superposition } from "../../lib/analysis/metrics.ts";
import {
  biasVector,
  FEATURE_COLUMNS,
  INSTANCE_COLUMNS,
  SCALE_TRAINING,
  selectedInstances,
  WEIGHT_COLUMNS,
  weightMatrix,
} from "../../lib/sections/section.ts";
import type { RunSpec } from "../../lib/engine/spec.ts";
import { linearOptimum } from "../../lib/analysis/theory.ts";
import type { TrainResult } from "../../lib/engine/result.ts";
import { train } from "../../lib/engine/train.ts";
import {
  BASIC_DENSITIES,
  BASIC_SPARSITIES,
  basicImportance,
  basicRun,
  sweepDensities,
  sweepFigure,
  sweepImportance,
  sweepRun,
} from "../../lib/sections/basic.ts";
import { assertClose, assertRejectsFlags, noWebGpu } from "../helpers.ts";

const script = new URL("../../lib/sections/basic.ts", import.meta.url).pathname;

/** Runs scripts/basic.ts with `args`; returns its exit code and output. */
async function runScript(args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

/** Reads a CSV written by the section: its header and its rows, numbers cast. */
async function readCsv(path: string) {
  const text = await Deno.readTextFile(path);
  const header = text.slice(0, text.indexOf("\n")).split(",");
  return { header, rows: parse(text, { cast: true, columns: true }) as Record<string, unknown>[] };
}

Deno.test("basic.ts --scale bogus exits 2 with one line and writes nothing", async () => {
  await assertRejectsFlags(
    script,
    ["--scale", "bogus"],
    'error: --scale must be quick or paper (got "bogus")',
  );
});

Deno.test("the basic section's sparsities, densities and importances are the paper's", () => {
  assert.deepEqual(
    BASIC_DENSITIES.map((p, k) => Math.abs(1 - p - BASIC_SPARSITIES[k]) < 1e-12),
    Array(7).fill(true),
  );
  assert.deepEqual(BASIC_SPARSITIES, [0, 0.7, 0.9, 0.97, 0.99, 0.997, 0.999]);
  const importance = basicImportance();
  assert.equal(importance.length, 20);
  assert.equal(importance[0], 1);
  assertClose(importance[19], 0.7 ** 19, 1e-15, "I_19");
  const sweep = sweepImportance();
  assert.equal(sweep.length, 100);
  assert.equal(sweep[0], 1);
  assertClose(sweep[99], 0.01, 1e-12, "sweep I_99");
  assertClose(sweep[1] / sweep[0], 100 ** (-1 / 99), 1e-12, "sweep ratio");
  const densities = sweepDensities();
  assert.equal(densities.length, 20);
  assertClose(densities[19], 0.05, 1e-12, "sweep p_19");
});

Deno.test("basic.ts writes the contract's CSVs and basic.svg (CPU, a few steps)", async () => {
  const out = await Deno.makeTempDir();
  try {
    const { code, stdout, stderr } = await runScript([
      "--out",
      out,
      "--steps",
      "20",
      "--backend",
      "cpu",
      "--seed",
      "5",
    ]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^basic: wrote .*basic \(\d+\.\d s training\)\n$/);
    const dir = join(out, "basic");
    const files = [...Deno.readDirSync(dir)].map((entry) => entry.name).sort();
    assert.deepEqual(files, ["basic.svg", "features.csv", "instances.csv", "weights.csv"]);
    const instances = await readCsv(join(dir, "instances.csv"));
    const features = await readCsv(join(dir, "features.csv"));
    const weights = await readCsv(join(dir, "weights.csv"));
    assert.deepEqual(instances.header, [...INSTANCE_COLUMNS]);
    assert.deepEqual(features.header, [...FEATURE_COLUMNS]);
    assert.deepEqual(weights.header, [...WEIGHT_COLUMNS]);

    const restarts = 4; // BASIC_RESTARTS.quick
    const perExperiment = 7 * restarts;
    assert.equal(instances.rows.length, 2 * perExperiment);
    assert.equal(features.rows.length, 2 * perExperiment * 20);
    assert.equal(weights.rows.length, 2 * perExperiment * (5 * 20 + 20));
    for (const [experiment, model] of [["linear", "linear"], ["relu", "relu_output"]]) {
      const rows = instances.rows.filter((row) => row.experiment === experiment);
      assert.equal(rows.length, perExperiment, experiment);
      for (const row of rows) {
        assert.equal(row.model, model);
        assert.equal(row.importance, row.density, "the sweep's parameter is the density");
      }
      for (const density of BASIC_DENSITIES) {
        const group = rows.filter((row) => row.density === density);
        assert.equal(group.length, restarts, `${experiment} p = ${density}`);
        assert.equal(group.filter((row) => row.selected === 1).length, 1);
      }
    }
    // features.csv: importance is I_i = 0.7^i.
    const feature7 = features.rows.find((row) => row.instance === 3 && row.feature === 7);
    assertClose(feature7?.importance as number, 0.7 ** 7, 1e-8, "I_7");

    const svg = await Deno.readTextFile(join(dir, "basic.svg"));
    const document = new DOMParser().parseFromString(svg, "image/svg+xml");
    const count = (selector: string) => document.querySelectorAll(selector).length;
    assert.equal(count("rect.gram-cell"), 2 * 7 * 20 * 20);
    assert.equal(count("rect.bias-cell"), 2 * 7 * 20);
    assert.equal(count("rect.norm-bar"), 2 * 7 * 20);
    assert.equal(count("g.panel"), 4 * 7);
    const ids = [...document.querySelectorAll("linearGradient")].map((node) => node.id);
    assert.equal(new Set(ids).size, 4, "each legend keeps its own gradient");
    assert.match(svg, /linear model/);
    assert.match(svg, /ReLU output model/);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("the sweep (n=100, m=20, 20 densities) and its figure: every other density", async () => {
  const run = sweepRun({ steps: 3, restarts: 1, seed: 1, batch: 8 });
  assert.equal(run.model.n, 100);
  assert.equal(run.model.m, 20);
  assert.equal(run.instances.length, 20);
  const result = await train(run, { backend: "cpu" });
  const document = new DOMParser().parseFromString(sweepFigure(run, result), "image/svg+xml");
  assert.equal(document.querySelectorAll("g.panel").length, 10);
  assert.equal(document.querySelectorAll("rect.norm-bar").length, 10 * 100);
  const titles = [...document.querySelectorAll("text")].map((node) => node.textContent);
  assert.ok(titles.includes("1−S = 1"));
  assert.ok(!titles.includes("1−S = 0.05"), "the last density is odd-indexed, so not drawn");
});

// ---------------------------------------------------------------- trained models (WebGPU)

/** Densities of the trained tests: S = 0, 0.7, 0.9, 0.99, 0.999. */
const TEST_DENSITIES = [1, 0.3, 0.1, 0.01, 0.001];

interface Trained {
  run: RunSpec;
  result: TrainResult;
}

/** The selected instance's W, b, ‖W_i‖ and superposition at each test density. */
function selectedModels({ run, result }: Trained) {
  const { m, n } = run.model;
  return selectedInstances(run, result).map((k) => {
    const W = weightMatrix(run.model, result.params[k]);
    return {
      density: run.instances[k].density[0],
      W,
      bias: biasVector(run.model, result.params[k]),
      norms: featureNorms(W, m, n),
      superposition: superposition(W, m, n),
      finalLoss: result.finalLoss[k],
    };
  });
}

let trainedRuns: Promise<{ linear: Trained; relu: Trained }> | undefined;

/**
 * Both models trained once at the quick scale's settings (3000 steps, batch 256, lr 1e-2 with
 * cosine decay, best of 4) and shared by the tests below: n = 20, m = 5, I = 0.7^i at
 * {@link TEST_DENSITIES}.
 */
function trained(): Promise<{ linear: Trained; relu: Trained }> {
  trainedRuns ??= (async () => {
    const options = {
      steps: 3000,
      restarts: 4,
      seed: 0,
      densities: TEST_DENSITIES,
      batch: 256,
      optimizer: SCALE_TRAINING.quick.optimizer,
    };
    const linearRun = basicRun("linear", options);
    const reluRun = basicRun("relu", options);
    const linear = { run: linearRun, result: await train(linearRun, { backend: "webgpu" }) };
    const relu = { run: reluRun, result: await train(reluRun, { backend: "webgpu" }) };
    return { linear, relu };
  })();
  return trainedRuns;
}

/**
 * The exact expected per-sample loss Σ_i I_i E[(x'_i − x_i)²] of the linear model x' = WᵀWx + b
 * for independent features of density p (E[x_j] = p/2, Var x_j = p/3 − p²/4): with A = WᵀW − 1,
 * E[(x'_i − x_i)²] = Var·Σ_j A_ij² + (p/2·Σ_j A_ij + b_i)². It bounds the ReLU output model's loss
 * with the same W and b from above (clipping a prediction at 0 never moves it away from x ≥ 0).
 */
function linearExpectedLoss(
  W: ArrayLike<number>,
  b: ArrayLike<number>,
  importance: readonly number[],
  p: number,
  m: number,
): number {
  const n = importance.length;
  const variance = p / 3 - p ** 2 / 4;
  let loss = 0;
  for (let i = 0; i < n; i++) {
    let squares = 0;
    let sum = 0;
    for (let j = 0; j < n; j++) {
      let a = i === j ? -1 : 0;
      for (let r = 0; r < m; r++) a += W[r * n + i] * W[r * n + j];
      squares += a * a;
      sum += a;
    }
    loss += importance[i] * (variance * squares + (p / 2 * sum + b[i]) ** 2);
  }
  return loss;
}

/** Features with ‖W_i‖ > 0.5: the ones the model represents. */
function represented(norms: readonly number[]): number[] {
  return norms.flatMap((norm, i) => norm > 0.5 ? [i] : []);
}

/** Asserts ‖W_i‖ ≈ 1 for the top m = 5 features and ≈ 0 for the others. */
function assertTopFive(norms: readonly number[], what: string): void {
  norms.forEach((norm, i) => assertClose(norm, i < 5 ? 1 : 0, 0.05, `${what}: ‖W_${i}‖`));
}

Deno.test({
  name: "linear model: exactly the top-5 features, b and loss at the closed-form optimum (O11)",
  ignore: noWebGpu,
  fn: async () => {
    const { linear } = await trained();
    const importance = basicImportance();
    const models = selectedModels(linear);
    assert.deepEqual(models.map((model) => model.density), TEST_DENSITIES);
    for (const { density: p, W, bias, norms } of models) {
      const what = `linear, p = ${p}`;
      assertTopFive(norms, what);
      const optimum = linearOptimum(importance, p, 5);
      bias.forEach((b, i) => assertClose(b, optimum.bias[i], 0.02, `${what}: b_${i}`));
      const ratio = linearExpectedLoss(W, bias, importance, p, 5) / optimum.perSampleLoss;
      assert.ok(ratio >= 1 - 1e-9 && ratio < 1.03, `${what}: loss / optimum = ${ratio}`);
    }
    // The trainer's own (batch-estimated) loss agrees when dense, where it is least noisy:
    // O12's notebook loss 0.0023232.
    assertClose(models[0].finalLoss, 0.0023232, 0.03 * 0.0023232, "dense notebook loss");
  },
});

Deno.test({
  name: "ReLU output model, dense: the same top-5 features at the linear optimum loss",
  ignore: noWebGpu,
  fn: async () => {
    const { relu } = await trained();
    const importance = basicImportance();
    const dense = selectedModels(relu)[0];
    assert.equal(dense.density, 1);
    assertTopFive(dense.norms, "ReLU dense");
    const optimum = linearOptimum(importance, 1, 5);
    // Upper bound: the linear model's exact loss with these W, b; estimate: the trainer's loss.
    const bound = linearExpectedLoss(dense.W, dense.bias, importance, 1, 5);
    assert.ok(bound / optimum.perSampleLoss < 1.03, `bound / optimum = ${bound}`);
    assertClose(dense.finalLoss, optimum.notebookLoss, 0.03 * optimum.notebookLoss, "loss");
  },
});

Deno.test({
  name: "ReLU output model: more features with sparsity, superposition from the least important",
  ignore: noWebGpu,
  fn: async () => {
    const { relu } = await trained();
    const models = selectedModels(relu);
    const counts = models.map((model) => represented(model.norms).length);
    // Dense: 5. Then strictly more at S = 0.7, 0.9 and 0.99 (the paper's figure, §3.2 claim 3).
    assert.equal(counts[0], 5, `counts ${counts}`);
    for (let k = 1; k <= 3; k++) assert.ok(counts[k] > counts[k - 1], `counts ${counts}`);
    assert.ok(counts[3] >= 10, `counts ${counts}`);
    for (const [k, model] of models.entries()) {
      const features = represented(model.norms);
      const superposed = features.filter((i) => model.superposition[i] > 0.3);
      const orthogonal = features.filter((i) => model.superposition[i] < 0.1);
      const what = `p = ${model.density}: orthogonal ${orthogonal}, superposed ${superposed}`;
      if (k === 0) {
        assert.deepEqual(superposed, [], what);
      } else if (k <= 2) {
        // S = 0.7, 0.9: the most important features keep their own dimensions and every
        // superposed feature is less important than all of them.
        assert.ok(orthogonal.includes(0) && superposed.length > 0, what);
        assert.ok(Math.max(...orthogonal) < Math.min(...superposed), what);
      }
    }
    // Fewer features stay orthogonal as S grows: superposition reaches the important ones.
    const orthogonalCounts = models.map((model) =>
      represented(model.norms).filter((i) => model.superposition[i] < 0.1).length
    );
    assert.equal(orthogonalCounts[0], 5);
    assert.ok(orthogonalCounts[2] < orthogonalCounts[1], `orthogonal ${orthogonalCounts}`);
    assert.ok(orthogonalCounts[1] < orthogonalCounts[0], `orthogonal ${orthogonalCounts}`);
  },
});

Deno.test({
  name: "ReLU output model: negative biases at high sparsity, none when dense (§3.2, §4)",
  ignore: noWebGpu,
  fn: async () => {
    const { relu } = await trained();
    const models = selectedModels(relu);
    const mean = (values: number[]) =>
      values.reduce((sum, value) => sum + value, 0) / values.length;
    const show = (bias: ArrayLike<number>) => Array.from(bias, (b) => b.toFixed(2)).join(" ");
    // Dense: b = 0 on the kept features and E[x_i] = 1/2 on the dropped ones (as the linear model).
    const dense = models[0];
    dense.bias.forEach((b, i) => assertClose(b, i < 5 ? 0 : 0.5, 0.02, `dense b_${i}`));
    // S = 0.99: the represented features, and the biases as a whole, are pushed negative.
    const sparse = models[3];
    const features = represented(sparse.norms);
    const onRepresented = mean(features.map((i) => sparse.bias[i]));
    assert.ok(onRepresented < -0.05, `S = 0.99: mean b on represented = ${onRepresented}`);
    assert.ok(mean(Array.from(sparse.bias)) < -0.05, `S = 0.99: b = ${show(sparse.bias)}`);
    // S = 0.99 and 0.999: no positive bias at all (positive bias is pure loss when sparse).
    for (const model of models.slice(3)) {
      const what = `p = ${model.density}: b = ${show(model.bias)}`;
      assert.ok(Math.max(...model.bias) < 0.01, what);
      assert.ok(mean(Array.from(model.bias)) < -0.02, what);
    }
  },
});
