import assert from "node:assert/strict";
import {
  integrateReluSquare,
  sampledLosses,
  stratifiedReluOutputLoss,
} from "../../lib/analysis/loss.ts";
import { linearOptimum } from "../../lib/analysis/theory.ts";
import { drawBatch } from "../../lib/engine/data.ts";
import {
  absValueModel,
  INDEPENDENT_DATA,
  notebookRun,
  paramLayout,
  reluOutputModel,
} from "../../lib/engine/spec.ts";
import { assertClose, constructedTrained } from "../helpers.ts";

/** A small deterministic generator for test matrices. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

/**
 * A reproducible model: W (m×n) with entries U[−width/2, width/2] and biases (u − shift)·scale,
 * u ~ U[0, 1].
 */
function randomModel(
  seed: number,
  n: number,
  m: number,
  { width, shift, scale }: { width: number; shift: number; scale: number },
): { W: number[]; bias: number[] } {
  const random = lcg(seed);
  const W = Array.from({ length: m * n }, () => (random() - 0.5) * width);
  const bias = Array.from({ length: n }, () => (random() - shift) * scale);
  return { W, bias };
}

Deno.test("integrateReluSquare is ∫₀¹ (ct + y − ReLU(gt + e))² dt", () => {
  const cases = [
    [1, 0, 1, 0],
    [1, 0, 0.8, -0.3],
    [0, 0.4, -1.2, 0.5],
    [0, 0, 0.7, -0.9],
    [1, 0, -0.5, 0.2],
    [0, 0.3, 0, 0.2],
    [0, 0.3, 0, -0.2],
    [1, 0, 2, -3],
    [0, 0, 0.5, 0.1],
  ];
  for (const [c, y, g, e] of cases) {
    const nodes = 200_000;
    let sum = 0;
    for (let k = 0; k < nodes; k++) {
      const t = (k + 0.5) / nodes;
      sum += (c * t + y - Math.max(g * t + e, 0)) ** 2;
    }
    assertClose(integrateReluSquare(c, y, g, e), sum / nodes, 1e-9, `${[c, y, g, e]}`);
  }
});

Deno.test("stratifiedReluOutputLoss: the antipodal pair's p²/3 (O17) and exact strata", () => {
  const { total, byActive, probability } = stratifiedReluOutputLoss([1, -1], [0, 0], 1, [1, 1], [
    0.1,
    0.1,
  ]);
  assertClose(total, 0.01 / 3, 1e-7);
  assertClose(byActive[0] + byActive[1], 0, 1e-15, "no loss with one feature active");
  assert.deepEqual(probability.map((q) => +q.toFixed(12)), [0.81, 0.18, 0.01]);
});

Deno.test("stratifiedReluOutputLoss equals a brute force over all 2ⁿ active sets (n = 8)", () => {
  const n = 8;
  const m = 3;
  const { W, bias } = randomModel(7, n, m, { width: 1.5, shift: 0.6, scale: 0.5 });
  const importance = Array.from({ length: n }, (_, i) => 0.7 ** i);
  // Low density: the exact strata k ≤ 2 carry nearly all the loss; tight agreement.
  for (const p of [0.05, 0.01, 0.001]) {
    const density = Array(n).fill(p);
    const reference = patternMidpointLoss(
      W,
      bias,
      m,
      importance,
      independentPatterns(density),
      1 << 14,
    );
    const loss = stratifiedReluOutputLoss(W, bias, m, importance, density).total;
    assertClose(loss, reference, (p > 0.01 ? 1e-3 : 1e-4) * reference, `p = ${p}`);
  }
  // Unequal densities, including a feature always on and one never on.
  const density = [1, 0, 0.5, 0.1, 0.02, 0.3, 0.05, 0.01];
  const reference = patternMidpointLoss(
    W,
    bias,
    m,
    importance,
    independentPatterns(density),
    1 << 16,
  );
  const loss = stratifiedReluOutputLoss(W, bias, m, importance, density, { samples: 8192 }).total;
  assertClose(loss, reference, 0.01 * reference, "mixed densities");
});

Deno.test("stratifiedReluOutputLoss: the linear optimum (top 5 of 20, b = p/2 on the rest)", () => {
  const n = 20;
  const m = 5;
  const importance = Array.from({ length: n }, (_, i) => 0.7 ** i);
  for (const p of [1, 0.3, 0.03, 0.001]) {
    const optimum = linearOptimum(importance, p, m);
    const W = Array.from({ length: m * n }, (_, k) => (k % n === Math.floor(k / n) ? 1 : 0));
    const loss = stratifiedReluOutputLoss(W, optimum.bias, m, importance, Array(n).fill(p));
    assertClose(loss.total, optimum.perSampleLoss, 0.01 * optimum.perSampleLoss, `p = ${p}`);
    assertClose(loss.probability.reduce((a, b) => a + b, 0), 1, 1e-12, "Σ P(k)");
  }
});

Deno.test("stratifiedReluOutputLoss is deterministic and checks its sizes", () => {
  const random = lcg(3);
  const W = Array.from({ length: 5 * 20 }, () => random() - 0.5);
  const bias = Array.from({ length: 20 }, () => -0.1 * random());
  const importance = Array(20).fill(1);
  const density = Array(20).fill(0.2);
  const a = stratifiedReluOutputLoss(W, bias, 5, importance, density).total;
  assert.equal(stratifiedReluOutputLoss(W, bias, 5, importance, density).total, a);
  assert.notEqual(stratifiedReluOutputLoss(W, bias, 5, importance, density, { seed: 1 }).total, a);
  assert.throws(() => stratifiedReluOutputLoss([1], [0, 0], 1, [1, 1], [1, 1]), RangeError);
});

Deno.test("stratifiedReluOutputLoss over correlated and anticorrelated sets equals a brute force", () => {
  const n = 6;
  const m = 2;
  const { W, bias } = randomModel(11, n, m, { width: 2, shift: 0.7, scale: 0.4 });
  const importance = Array(n).fill(1);
  const cases = [
    { correlation: "correlated", setSize: 2, p: 0.05, tolerance: 1e-3 },
    { correlation: "correlated", setSize: 2, p: 0.3, tolerance: 5e-3 },
    { correlation: "correlated", setSize: 3, p: 0.2, tolerance: 5e-3 },
    { correlation: "anticorrelated", setSize: 2, p: 0.3, tolerance: 1e-3 },
    { correlation: "anticorrelated", setSize: 3, p: 0.6, tolerance: 5e-3 },
  ] as const;
  for (const { correlation, setSize, p, tolerance } of cases) {
    const patterns = setPatterns(correlation, n / setSize, setSize, p);
    const reference = patternMidpointLoss(W, bias, m, importance, patterns, 1 << 18);
    const loss = stratifiedReluOutputLoss(W, bias, m, importance, Array(n).fill(p), {
      sets: { correlation, setSize },
      samples: 8192,
    });
    const label = `${correlation} sets of ${setSize}, p = ${p}`;
    assertClose(loss.total, reference, tolerance * reference, label);
    assertClose(loss.probability.reduce((a, b) => a + b, 0), 1, 1e-12, `Σ P(r), ${label}`);
  }
  assert.throws(
    () =>
      stratifiedReluOutputLoss(W, bias, m, importance, [0.1, 0.2, 0.1, 0.1, 0.1, 0.1], {
        sets: { correlation: "correlated", setSize: 2 },
      }),
    RangeError,
  );
});

Deno.test("stratifiedReluOutputLoss agrees with the trainer's data generator on its sets", () => {
  const n = 6;
  const m = 2;
  const { W, bias } = randomModel(5, n, m, { width: 2, shift: 0.7, scale: 0.4 });
  const importance = Array.from({ length: n }, (_, i) => 0.9 ** i);
  for (const correlation of ["correlated", "anticorrelated"] as const) {
    const data = { ...INDEPENDENT_DATA, correlation, setSize: 3 };
    const density = Array(n).fill(0.4);
    const losses: number[] = [];
    for (let step = 0; step < 32; step++) {
      for (const x of drawBatch(data, density, 9, step, 4096)) {
        let loss = 0;
        for (let i = 0; i < n; i++) {
          let out = bias[i];
          for (let k = 0; k < n; k++) {
            let g = 0;
            for (let j = 0; j < m; j++) g += W[j * n + i] * W[j * n + k];
            out += g * x[k];
          }
          loss += importance[i] * (x[i] - Math.max(out, 0)) ** 2;
        }
        losses.push(loss);
      }
    }
    const mean = losses.reduce((a, b) => a + b, 0) / losses.length;
    const spread = Math.sqrt(
      losses.reduce((a, b) => a + (b - mean) ** 2, 0) / (losses.length - 1) / losses.length,
    );
    const loss = stratifiedReluOutputLoss(W, bias, m, importance, density, {
      sets: data,
      samples: 8192,
    }).total;
    assertClose(loss, mean, 4 * spread, `${correlation}: 4σ of the sampled mean`);
  }
});

/** An active set of features and its probability: one term of a brute-force expectation. */
interface Pattern {
  active: number[];
  probability: number;
}

/** Every one of the 2ⁿ sets of independent features, with its exact probability (n ≤ 12). */
function independentPatterns(density: ArrayLike<number>): Pattern[] {
  const n = density.length;
  if (n > 12) throw new RangeError(`independentPatterns needs n <= 12 (got ${n})`);
  return Array.from({ length: 1 << n }, (_, mask) => {
    const active = Array.from({ length: n }, (_, i) => i).filter((i) => mask & (1 << i));
    let probability = 1;
    for (let i = 0; i < n; i++) probability *= mask & (1 << i) ? density[i] : 1 - density[i];
    return { active, probability };
  });
}

/**
 * Every pattern of sets of size k, each active with probability p: correlated, the whole set;
 * anticorrelated, one member chosen uniformly (the paper's convention, O3).
 */
function setPatterns(
  correlation: "correlated" | "anticorrelated",
  setCount: number,
  k: number,
  p: number,
): Pattern[] {
  let patterns: Pattern[] = [{ active: [], probability: 1 }];
  for (let s = 0; s < setCount; s++) {
    const members = Array.from({ length: k }, (_, j) => s * k + j);
    const choices = correlation === "correlated"
      ? [{ add: members, probability: p }]
      : members.map((i) => ({ add: [i], probability: p / k }));
    patterns = patterns.flatMap((pattern) => [
      { active: pattern.active, probability: pattern.probability * (1 - p) },
      ...choices.map((choice) => ({
        active: [...pattern.active, ...choice.add],
        probability: pattern.probability * choice.probability,
      })),
    ]);
  }
  return patterns;
}

/**
 * The test's oracle, a brute force independent of the strata: every pattern weighted by its
 * probability, the loss given its active features on the product midpoint rule over [0, 1]^|A|
 * with ⌊points^{1/|A|}⌋ nodes per active feature.
 */
function patternMidpointLoss(
  W: ArrayLike<number>,
  bias: ArrayLike<number>,
  m: number,
  importance: ArrayLike<number>,
  patterns: readonly Pattern[],
  points = 4096,
): number {
  const n = importance.length;
  const gram = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      let sum = 0;
      for (let j = 0; j < m; j++) sum += W[j * n + i] * W[j * n + k];
      gram[i * n + k] = sum;
    }
  }
  const x = new Float64Array(n);
  const sampleLoss = () => {
    let loss = 0;
    for (let i = 0; i < n; i++) {
      let out = bias[i];
      for (let k = 0; k < n; k++) out += gram[i * n + k] * x[k];
      loss += importance[i] * (x[i] - Math.max(out, 0)) ** 2;
    }
    return loss;
  };
  let total = 0;
  for (const { active, probability } of patterns) {
    if (probability === 0) continue;
    const nodes = Math.max(1, Math.floor(points ** (1 / Math.max(1, active.length)) + 1e-9));
    const count = nodes ** active.length;
    x.fill(0);
    let sum = 0;
    for (let node = 0; node < count; node++) {
      let rest = node;
      for (const i of active) {
        x[i] = (rest % nodes + 0.5) / nodes;
        rest = Math.floor(rest / nodes);
      }
      sum += sampleLoss();
    }
    total += probability * sum / count;
  }
  return total;
}

Deno.test("sampledLosses: Σ I_i p/3 for a model that outputs 0, and the stratified loss of a ReLU-output model", () => {
  const importance = [1, 0.7, 0.49, 0.343, 0.2401];
  const density = 0.2;
  const samples = 40_000;
  const points = [{ importance, density: Array(5).fill(density) }];
  // W = 0, b = 0 outputs 0: the loss is Σ_i I_i E x_i² = Σ_i I_i p/3, for U[0,1] and U[−1,1] alike.
  for (const values of ["unit", "signed"] as const) {
    const run = notebookRun(absValueModel(5, 2), points, {
      steps: 1,
      data: { ...INDEPENDENT_DATA, values },
    });
    const zero = new Float64Array(paramLayout(run.model).count);
    const [loss] = sampledLosses(run, constructedTrained(run, [zero]).result, samples, 7);
    const expected = importance.reduce((sum, value) => sum + value * density / 3, 0);
    assertClose(loss, expected, 0.03 * expected, values);
  }
  // A pentagon with a negative bias: the Monte Carlo agrees with the stratified estimator.
  const run = notebookRun(reluOutputModel(5, 2), points, { steps: 1, restarts: 2 });
  const angles = importance.map((_, i) => 2 * Math.PI * i / 5);
  const params = [...angles.map(Math.cos), ...angles.map(Math.sin), ...Array(5).fill(-0.2)];
  const trained = constructedTrained(run, [params, params]);
  const [first, second] = sampledLosses(run, trained.result, samples, 7);
  assert.equal(first, second, "restarts of one configuration see the same samples");
  const W = params.slice(0, 10);
  const stratified = stratifiedReluOutputLoss(
    W,
    params.slice(10),
    2,
    importance,
    points[0].density,
  );
  assertClose(first, stratified.total, 0.03 * stratified.total);
  const diverged = { ...trained.result, finite: [true, false] };
  assert.ok(Number.isNaN(sampledLosses(run, diverged, 16, 7)[1]));
});
