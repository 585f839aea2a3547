/**
 * @module
 * Tests of the closed-form theory against the numbers of paper.md (oracles O11–O17 of §16.1),
 * with Monte Carlo estimates of the explicit ReLU output maps x' = ReLU(WᵀWx + b).
 */
import assert from "node:assert/strict";
import { UserError } from "../../lib/engine/errors.ts";
import { featureDimensionality, gram } from "../../lib/analysis/metrics.ts";
import {
  antipodalPairLoss,
  featureVariance,
  linearExpectedLoss,
  linearOptimum,
  phaseCandidates,
  REFERENCE_DIMENSIONALITIES,
  superpositionBoundary,
  theoreticalPhase,
} from "../../lib/analysis/theory.ts";
import { pcg4d, unitFloat } from "../../lib/engine/rng.ts";

function assertClose(actual: number, expected: number, tolerance = 1e-12): void {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `expected ${expected} ± ${tolerance}, got ${actual}`,
  );
}

function assertRelativelyClose(actual: number, expected: number, relative: number): void {
  assertClose(actual, expected, relative * Math.abs(expected));
}

/** mulberry32: a small seeded PRNG with uniform output in [0, 1). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Monte Carlo estimate of the per-sample loss E Σ_i I_i (x_i − x'_i)² of x' = ReLU(WᵀWx + b), W
 * row-major m×n, on samples with x_i ~ U[0, 1] with probability p, else 0.
 */
function monteCarloLoss(
  weights: number[],
  bias: number[],
  importances: number[],
  p: number,
  samples: number,
  seed: number,
): number {
  const n = importances.length;
  const m = weights.length / n;
  const wtw = Array.from(
    { length: n },
    (_, i) =>
      Array.from({ length: n }, (_, k) => {
        let sum = 0;
        for (let j = 0; j < m; j++) sum += weights[j * n + i] * weights[j * n + k];
        return sum;
      }),
  );
  const random = mulberry32(seed);
  const x = new Float64Array(n);
  let total = 0;
  for (let sample = 0; sample < samples; sample++) {
    for (let i = 0; i < n; i++) x[i] = random() < p ? random() : 0;
    for (let i = 0; i < n; i++) {
      let preactivation = bias[i];
      for (let k = 0; k < n; k++) preactivation += wtw[i][k] * x[k];
      total += importances[i] * (x[i] - Math.max(preactivation, 0)) ** 2;
    }
  }
  return total / samples;
}

/** The per-sample losses of the paper's candidates (§5.2), written out from paper.md. */
function paperLosses(r: number, p: number) {
  const f = p / 3 - p ** 2 / 4;
  return {
    extra_ignored: r * f,
    regular_dropped: f,
    extra_antipodal: (1 + r) * p ** 2 / 6,
    regular_antipodal: p ** 2 / 3,
  };
}

Deno.test("featureVariance() is p/3 − p²/4", () => {
  assertClose(featureVariance(1), 1 / 12);
  assertClose(featureVariance(0.1), 0.1 / 3 - 0.0025);
  assertClose(featureVariance(0), 0);
});

Deno.test("featureVariance() rejects a density outside [0, 1]", () => {
  for (const p of [-0.1, 1.5, NaN]) assert.throws(() => featureVariance(p), UserError);
});

Deno.test("linearOptimum() keeps the top-m features whatever their order (O11)", () => {
  const p = 0.3;
  const importances = [0.2, 1, 0.5, 0.9, 0.1];
  const optimum = linearOptimum(importances, p, 2);
  assert.deepEqual(optimum.kept, [1, 3]);
  assert.deepEqual(optimum.dropped, [2, 0, 4]);
  const projection = new Array(25).fill(0);
  projection[1 * 5 + 1] = 1;
  projection[3 * 5 + 3] = 1;
  assert.deepEqual(gram(optimum.weights, 2, 5), projection);
  assert.deepEqual(optimum.bias, [p / 2, 0, p / 2, 0, p / 2]);
  assertClose(optimum.perSampleLoss, (p / 3 - p ** 2 / 4) * (0.2 + 0.5 + 0.1));
  assertClose(optimum.notebookLoss, optimum.perSampleLoss / 5);
});

Deno.test("linearOptimum() gives O12's notebook losses", () => {
  const decaying = (n: number, base: number) => Array.from({ length: n }, (_, i) => base ** i);
  const cases: [number[], number, number, number][] = [
    [decaying(20, 0.7), 5, 1, 0.0023232],
    [decaying(20, 0.7), 5, 0.1, 0.00085959],
    [decaying(20, 0.7), 5, 0.01, 9.223e-5],
    [decaying(5, 0.9), 2, 1, 0.036585],
  ];
  for (const [importances, m, p, expected] of cases) {
    assertRelativelyClose(linearOptimum(importances, p, m).notebookLoss, expected, 1e-4);
  }
});

Deno.test("linearOptimum() keeps every feature and has zero loss when m ≥ n", () => {
  const optimum = linearOptimum([0.5, 1], 0.5, 3);
  assert.deepEqual(optimum.kept, [1, 0]);
  assert.deepEqual(optimum.dropped, []);
  assert.deepEqual(optimum.bias, [0, 0]);
  assert.equal(optimum.perSampleLoss, 0);
});

Deno.test("linearOptimum() loss matches a Monte Carlo estimate of its W and b", () => {
  // The optimum's outputs are x_i or p/2, never negative, so the output ReLU does not act.
  const importances = [1, 0.9, 0.81, 0.729, 0.6561];
  const p = 0.5;
  const optimum = linearOptimum(importances, p, 2);
  const estimate = monteCarloLoss(optimum.weights, optimum.bias, importances, p, 1e6, 7);
  assertRelativelyClose(estimate, (p / 3 - p ** 2 / 4) * (0.81 + 0.729 + 0.6561), 0.01);
});

Deno.test("linearOptimum() rejects a negative or fractional m", () => {
  assert.throws(() => linearOptimum([1, 1], 0.5, -1), UserError);
  assert.throws(() => linearOptimum([1, 1], 0.5, 1.5), UserError);
});

Deno.test("antipodalPairLoss() is (I_a + I_b)·p²/6", () => {
  assertClose(antipodalPairLoss(0.1, 2), 0.01 / 3);
  assertClose(antipodalPairLoss(0.5, 1.5), 1.5 * 0.25 / 6);
});

Deno.test("phaseCandidates() gives the paper's closed-form losses (O13)", () => {
  for (const [n, m] of [[2, 1], [3, 2]]) {
    for (const r of [0.3, 1, 4]) {
      for (const p of [0.02, 0.4, 1]) {
        const expected = paperLosses(r, p);
        const candidates = phaseCandidates(n, m, r, p);
        assert.equal(candidates.length, n === 2 ? 3 : 4);
        for (const { geometry, loss } of candidates) assertClose(loss, expected[geometry]);
      }
    }
  }
});

Deno.test("phaseCandidates() losses match Monte Carlo estimates of their ReLU maps (O13)", () => {
  // 2e6 samples at p = 0.5: the antipodal estimates have a relative σ ≈ 0.2%, the others less.
  const p = 0.5;
  let seed = 1;
  for (const [n, m, r] of [[2, 1, 0.5], [2, 1, 2], [3, 2, 0.5], [3, 2, 2]]) {
    const importances = n === 2 ? [1, r] : [1, 1, r];
    const expected = paperLosses(r, p);
    for (const { geometry, weights, bias } of phaseCandidates(n, m, r, p)) {
      const estimate = monteCarloLoss(weights, bias, importances, p, 2e6, seed++);
      assertRelativelyClose(estimate, expected[geometry], 0.01);
    }
  }
});

Deno.test("antipodalPairLoss() matches Monte Carlo of W = [1, −1], b = 0 at p = 0.1 (O17)", () => {
  // Only the 1% of samples with both features active err, so the relative σ per sample is ≈ 15.5:
  // 4e7 samples give σ ≈ 0.25%, a quarter of the 1% tolerance.
  const estimate = monteCarloLoss([1, -1], [0, 0], [1, 1], 0.1, 4e7, 17);
  assertRelativelyClose(estimate, 0.003333, 0.01);
  assertRelativelyClose(estimate, antipodalPairLoss(0.1, 2), 0.01);
});

Deno.test("superpositionBoundary() reproduces the n=2, m=1 table of O14", () => {
  const table: [number, number][] = [[0.1, 0.16], [0.2, 0.2667], [0.5, 0.4444], [0.8, 0.5333]];
  for (const [r, boundary] of table) {
    assertClose(superpositionBoundary(2, 1, r), boundary, 5e-5);
    assertClose(superpositionBoundary(2, 1, 1 / r), boundary, 5e-5);
  }
});

Deno.test("superpositionBoundary() is symmetric under r ↔ 1/r for n=2, m=1", () => {
  for (const r of [0.01, 0.05, 0.3, 0.7, 0.95]) {
    assertClose(superpositionBoundary(2, 1, r), superpositionBoundary(2, 1, 1 / r));
  }
});

Deno.test("superpositionBoundary() meets at the triple point r = 1, p = 4/7", () => {
  assertClose(superpositionBoundary(2, 1, 1), 4 / 7);
  assertClose(superpositionBoundary(2, 1, 1 + 1e-12), 4 / 7);
  assertClose(superpositionBoundary(3, 2, 1), 4 / 7);
  assertClose(superpositionBoundary(3, 2, 1 - 1e-12), 4 / 7);
});

Deno.test("theoreticalPhase() is superposition exactly below superpositionBoundary()", () => {
  for (const [n, m] of [[2, 1], [3, 2]]) {
    for (const r of [0.1, 0.3, 0.8, 1, 1.5, 4, 10]) {
      const boundary = superpositionBoundary(n, m, r);
      const above = r <= 1 ? "not_learned" : "dedicated";
      const below = n === 2 || r <= 1 ? "superposition" : "dedicated";
      assert.equal(theoreticalPhase(n, m, r, boundary * (1 - 1e-6)).phase, below);
      assert.equal(theoreticalPhase(n, m, r, boundary).phase, above, "a tie is not superposition");
      assert.equal(theoreticalPhase(n, m, r, boundary * (1 + 1e-6)).phase, above);
    }
  }
});

Deno.test("theoreticalPhase() classifies points well inside each region (O15)", () => {
  const cases: [number, number, number, number, string, string][] = [
    [2, 1, 0.2, 0.05, "superposition", "extra_antipodal"],
    [2, 1, 0.2, 0.8, "not_learned", "extra_ignored"],
    [2, 1, 5, 0.05, "superposition", "extra_antipodal"],
    [2, 1, 5, 0.9, "dedicated", "regular_dropped"],
    [3, 2, 0.2, 0.05, "superposition", "extra_antipodal"],
    [3, 2, 0.2, 0.8, "not_learned", "extra_ignored"],
    [3, 2, 5, 0.1, "dedicated", "regular_antipodal"],
    [3, 2, 5, 0.9, "dedicated", "regular_dropped"],
  ];
  for (const [n, m, r, p, phase, geometry] of cases) {
    const result = theoreticalPhase(n, m, r, p);
    assert.equal(result.phase, phase, `n=${n} m=${m} r=${r} p=${p}`);
    assert.equal(result.geometry, geometry, `n=${n} m=${m} r=${r} p=${p}`);
    assertClose(result.loss, paperLosses(r, p)[result.geometry]);
  }
});

Deno.test("theoreticalPhase() has the n=3, m=2 pair boundary at p = 4/7 for all r > 1", () => {
  for (const r of [1.01, 1.5, 2, 5, 10, 100]) {
    assert.equal(theoreticalPhase(3, 2, r, (4 / 7) * (1 - 1e-6)).geometry, "regular_antipodal");
    assert.equal(theoreticalPhase(3, 2, r, (4 / 7) * (1 + 1e-6)).geometry, "regular_dropped");
  }
});

Deno.test("theoreticalPhase() has the dense boundary at r = 1, a tie leaving the extra out", () => {
  for (const [n, m] of [[2, 1], [3, 2]]) {
    assert.equal(theoreticalPhase(n, m, 0.99, 0.9).phase, "not_learned");
    assert.equal(theoreticalPhase(n, m, 1, 0.9).phase, "not_learned");
    assert.equal(theoreticalPhase(n, m, 1.01, 0.9).phase, "dedicated");
  }
});

Deno.test("theoreticalPhase() loss has a kink at a boundary and none away from it (O16)", () => {
  const h = 1e-6;
  const slopes = (n: number, m: number, r: number, p: number) => {
    const loss = (density: number) => theoreticalPhase(n, m, r, density).loss;
    return { left: (loss(p) - loss(p - h)) / h, right: (loss(p + h) - loss(p)) / h };
  };
  // n=2, m=1, r=1/2 at p = 4/9: (1+r)p²/6 on the left, slope (1+r)p/3 = 2/9; r(p/3 − p²/4)
  // on the right, slope r(1/3 − p/2) = 1/18.
  const atBoundary = slopes(2, 1, 0.5, 4 / 9);
  assertClose(atBoundary.left, 2 / 9, 1e-5);
  assertClose(atBoundary.right, 1 / 18, 1e-5);
  // n=3, m=2, r=3 at p = 4/7: p²/3 on the left, slope 2p/3 = 8/21; p/3 − p²/4 on the right,
  // slope 1/3 − p/2 = 1/21.
  const atPairBoundary = slopes(3, 2, 3, 4 / 7);
  assertClose(atPairBoundary.left, 8 / 21, 1e-5);
  assertClose(atPairBoundary.right, 1 / 21, 1e-5);
  for (const p of [0.2, 0.8]) {
    const away = slopes(2, 1, 0.5, p);
    assertClose(away.left, away.right, 1e-5);
  }
});

Deno.test("theoreticalPhase() rejects other shapes and a non-positive relative importance", () => {
  assert.throws(() => theoreticalPhase(5, 2, 1, 0.5), UserError);
  assert.throws(() => theoreticalPhase(2, 2, 1, 0.5), UserError);
  assert.throws(() => superpositionBoundary(4, 3, 1), UserError);
  assert.throws(() => theoreticalPhase(2, 1, 0, 0.5), UserError);
  assert.throws(() => theoreticalPhase(2, 1, 1, 2), UserError);
});

Deno.test("REFERENCE_DIMENSIONALITIES lists the notebook's reference lines", () => {
  const values = (family: string) =>
    REFERENCE_DIMENSIONALITIES.filter((reference) => reference.family === family)
      .map((reference) => reference.value);
  assert.deepEqual(values("polygon"), [1 / 2, 2 / 3, 2 / 5, 2 / 6, 2 / 7]);
  assert.deepEqual(values("polytope"), [5 / 6, 4 / 5, 3 / 4, 3 / 8, 3 / 12, 3 / 20]);
});

Deno.test("REFERENCE_DIMENSIONALITIES polygons match featureDimensionality() of k-gons", () => {
  for (const reference of REFERENCE_DIMENSIONALITIES.filter((entry) => entry.dimensions === 2)) {
    const k = reference.vertices;
    const W = [
      ...Array.from({ length: k }, (_, i) => Math.cos(2 * Math.PI * i / k)),
      ...Array.from({ length: k }, (_, i) => Math.sin(2 * Math.PI * i / k)),
    ];
    for (const value of featureDimensionality(W, 2, k)) assertClose(value, reference.value, 1e-9);
  }
});

Deno.test("linearExpectedLoss() is the optimum's loss at the optimum, and a Monte Carlo mean elsewhere", () => {
  const importance = [1, 0.7, 0.49, 0.343];
  const p = 0.3;
  const optimum = linearOptimum(importance, p, 2);
  const atOptimum = linearExpectedLoss(optimum.weights, optimum.bias, importance, p, 2);
  assert.ok(Math.abs(atOptimum / optimum.perSampleLoss - 1) < 1e-12);
  // Any other W, b: the mean of Σ_i I_i (x'_i − x_i)² over many samples with a fixed generator.
  const W = [0.9, -0.2, 0.3, 0.1, 0.1, 0.8, -0.4, 0.5];
  const b = [0.05, -0.1, 0.2, 0];
  let counter = 0;
  const uniform = () => unitFloat(pcg4d(7, counter++, 0, 0)[0]);
  const samples = 200_000;
  let sum = 0;
  for (let s = 0; s < samples; s++) {
    const x = importance.map(() => uniform() < p ? uniform() : 0);
    const h = [0, 1].map((r) => x.reduce((acc, xi, i) => acc + W[r * 4 + i] * xi, 0));
    for (let i = 0; i < 4; i++) {
      const out = h[0] * W[i] + h[1] * W[4 + i] + b[i];
      sum += importance[i] * (out - x[i]) ** 2;
    }
  }
  const expected = linearExpectedLoss(W, b, importance, p, 2);
  assert.ok(Math.abs(sum / samples / expected - 1) < 0.02, `${sum / samples} vs ${expected}`);
});
