import assert from "node:assert/strict";
import { drawSample, storeDataset } from "../../lib/engine/data.ts";
import { DATASET_STEP } from "../../lib/engine/rng.ts";
import { type DataSpec, INDEPENDENT_DATA } from "../../lib/engine/spec.ts";
import { assertClose } from "../helpers.ts";

/** Draws `count` samples of step 0 with density p for every feature. */
function samples(data: DataSpec, n: number, p: number, count: number, seed = 1): Float64Array[] {
  const density = Array(n).fill(p);
  return Array.from({ length: count }, (_, b) => {
    const x = new Float64Array(n);
    drawSample(x, data, density, seed, 0, b);
    return x;
  });
}

Deno.test("drawSample() independent features: P(x≠0) = p, values U[0,1], E[x] = p/2, E[x²] = p/3 (O1)", () => {
  const p = 0.3;
  const values = samples(INDEPENDENT_DATA, 10, p, 100_000).flatMap((x) => Array.from(x));
  const count = values.length;
  const nonZero = values.filter((v) => v !== 0);
  const sigma = Math.sqrt(p * (1 - p) / count);
  assertClose(nonZero.length / count, p, 4 * sigma, "density");
  const mean = nonZero.reduce((a, v) => a + v, 0) / nonZero.length;
  const variance = nonZero.reduce((a, v) => a + (v - mean) ** 2, 0) / nonZero.length;
  assertClose(mean, 0.5, 0.005, "mean of non-zeros");
  assertClose(variance, 1 / 12, 0.002, "variance of non-zeros");
  assert.ok(nonZero.every((v) => v > 0 && v < 1));
  assertClose(values.reduce((a, v) => a + v, 0) / count, p / 2, 0.003, "E[x]");
  assertClose(values.reduce((a, v) => a + v * v, 0) / count, p / 3, 0.003, "E[x²]");
});

Deno.test("drawSample() correlated sets are zero together, marginal density p (O2)", () => {
  const data: DataSpec = { ...INDEPENDENT_DATA, correlation: "correlated", setSize: 2 };
  const p = 0.2;
  const xs = samples(data, 4, p, 100_000);
  for (const x of xs) {
    assert.equal(x[0] === 0, x[1] === 0);
    assert.equal(x[2] === 0, x[3] === 0);
  }
  for (let i = 0; i < 4; i++) {
    assertClose(xs.filter((x) => x[i] !== 0).length / xs.length, p, 0.002, `feature ${i}`);
  }
  const bothSets = xs.filter((x) => x[0] !== 0 && x[2] !== 0).length / xs.length;
  assertClose(bothSets, p * p, 0.002, "sets are independent of each other");
});

Deno.test("drawSample() anticorrelated sets: never two active, set active w.p. p, marginal p/k (O3)", () => {
  const data: DataSpec = { ...INDEPENDENT_DATA, correlation: "anticorrelated", setSize: 3 };
  const p = 0.3;
  const xs = samples(data, 6, p, 100_000);
  for (const x of xs) {
    assert.ok(Array.from(x.slice(0, 3)).filter((v) => v !== 0).length <= 1);
    assert.ok(Array.from(x.slice(3, 6)).filter((v) => v !== 0).length <= 1);
  }
  const setActive = xs.filter((x) => x[0] + x[1] + x[2] !== 0).length / xs.length;
  assertClose(setActive, p, 0.005, "set active");
  for (let i = 0; i < 6; i++) {
    assertClose(xs.filter((x) => x[i] !== 0).length / xs.length, p / 3, 0.003, `feature ${i}`);
  }
});

Deno.test("drawSample() signed values are U[−1,1] for the absolute-value task (O4)", () => {
  const data: DataSpec = { ...INDEPENDENT_DATA, values: "signed" };
  const nonZero = samples(data, 10, 0.5, 40_000).flatMap((x) => Array.from(x)).filter((v) =>
    v !== 0
  );
  const mean = nonZero.reduce((a, v) => a + v, 0) / nonZero.length;
  const meanSquare = nonZero.reduce((a, v) => a + v * v, 0) / nonZero.length;
  assertClose(mean, 0, 0.005, "mean");
  assertClose(meanSquare, 1 / 3, 0.005, "E[x²] of U[−1,1]");
  assert.ok(nonZero.some((v) => v < -0.99) && nonZero.some((v) => v > 0.99));
});

Deno.test("drawSample() normalised samples have unit norm; a zero sample stays zero", () => {
  const data: DataSpec = { ...INDEPENDENT_DATA, normalize: true, datasetSize: 100 };
  const xs = samples(data, 20, 0.1, 2_000);
  let zeros = 0;
  for (const x of xs) {
    const norm = Math.hypot(...x);
    if (norm === 0) zeros++;
    else assertClose(norm, 1, 1e-12, "norm");
  }
  assertClose(zeros / xs.length, 0.9 ** 20, 0.03, "all-zero samples");
});

Deno.test("drawSample() is a pure function of the counter; seeds give different streams", () => {
  const a = samples(INDEPENDENT_DATA, 8, 0.5, 50, 11);
  const b = samples(INDEPENDENT_DATA, 8, 0.5, 50, 11);
  const c = samples(INDEPENDENT_DATA, 8, 0.5, 50, 12);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

Deno.test("storeDataset() lists each sample's non-zero x_i by sample and by feature", () => {
  const data: DataSpec = { ...INDEPENDENT_DATA, values: "signed", datasetSize: 60 };
  const n = 25;
  const density = Array.from({ length: n }, (_, i) => 0.02 + 0.01 * i);
  const stored = storeDataset(data, density, 7);
  const values = new Float32Array(stored.words.buffer);
  const byRow = Array.from({ length: 60 }, () => new Float64Array(n));
  const byFeature = Array.from({ length: 60 }, () => new Float64Array(n));
  const rowEntries = 61;
  const entries = stored.words[60];
  for (let t = 0; t < 60; t++) {
    for (let e = stored.words[t]; e < stored.words[t + 1]; e++) {
      byRow[t][stored.words[rowEntries + 2 * e]] = values[rowEntries + 2 * e + 1];
    }
  }
  const starts = rowEntries + 2 * entries;
  const featureEntries = starts + n + 1;
  assert.equal(stored.words[starts + n], entries);
  for (let i = 0; i < n; i++) {
    for (let e = stored.words[starts + i]; e < stored.words[starts + i + 1]; e++) {
      byFeature[stored.words[featureEntries + 2 * e]][i] = values[featureEntries + 2 * e + 1];
    }
  }
  assert.equal(stored.words.length, featureEntries + 2 * entries);
  let longestRow = 0;
  const perFeature = new Array(n).fill(0);
  for (let t = 0; t < 60; t++) {
    const x = new Float64Array(n);
    drawSample(x, data, density, 7, DATASET_STEP, t);
    assert.deepEqual(byRow[t], x, `sample ${t}`);
    assert.deepEqual(byFeature[t], x, `sample ${t} by feature`);
    const active = x.filter((v) => v !== 0).length;
    longestRow = Math.max(longestRow, active);
    x.forEach((v, i) => perFeature[i] += v !== 0 ? 1 : 0);
  }
  assert.ok(entries > 20, `${entries} entries`);
  assert.equal(stored.rowEntries, longestRow);
  assert.equal(stored.featureEntries, Math.max(...perFeature));
});
