/**
 * @module
 * The data distributions of the paper on the CPU, drawn from the counter-based stream of
 * `rng.ts`; `shaders/common.wgsl` draws the identical numbers on the GPU.
 *
 * Sample b of training step t, feature i, uses counter (dataSeed, t, b, i): u = first word,
 * v = second word. x_i = value(v) if active else 0, with value U[0,1] ("unit") or 2v − 1
 * ("signed"). A feature set s draws (dataSeed, t, b, SET_LANE | s) once for all its members.
 * A fixed dataset of T samples replaces (t, b) by (DATASET_STEP, (t·B + b) mod T).
 */
import { DATASET_STEP, pcg4d, SET_LANE, unitFloat } from "./rng.ts";
import type { DataSpec } from "./spec.ts";

/** The counter words (step, sample) of batch row b at step t: fresh data, or row (t·B + b) mod T of a dataset. */
export function sampleCounter(
  data: DataSpec,
  step: number,
  row: number,
  batch: number,
): [number, number] {
  const size = data.datasetSize;
  if (size === 0) return [step, row];
  return [DATASET_STEP, ((((step % size) * (batch % size)) % size) + row) % size];
}

/**
 * Draws one sample into `x` (length n): x_i = 0 unless active (see the module doc), else U[0,1] or U[−1,1];
 * then x ← x/‖x‖ when `data.normalize` (a zero sample stays zero). Densities compare in f32, as on the GPU.
 */
export function drawSample(
  x: Float64Array,
  data: DataSpec,
  density: ArrayLike<number>,
  dataSeed: number,
  counterStep: number,
  counterSample: number,
): void {
  const n = x.length;
  const k = data.setSize;
  let setDraw: [number, number, number, number] = [0, 0, 0, 0];
  let squaredNorm = 0;
  for (let i = 0; i < n; i++) {
    if (i % k === 0 && data.correlation !== "independent") {
      setDraw = pcg4d(dataSeed, counterStep, counterSample, (SET_LANE | (i / k)) >>> 0);
    }
    const own = pcg4d(dataSeed, counterStep, counterSample, i);
    const p = Math.fround(density[i]);
    let active: boolean;
    if (data.correlation === "independent") active = unitFloat(own[0]) < p;
    else if (data.correlation === "correlated") active = unitFloat(setDraw[0]) < p;
    else {
      const chosen = Math.floor(((setDraw[1] >>> 8) * k) / 16777216);
      active = i % k === chosen && unitFloat(setDraw[0]) < p;
    }
    const u = unitFloat(own[1]);
    const value = active ? (data.values === "signed" ? 2 * u - 1 : u) : 0;
    x[i] = value;
    squaredNorm += value * value;
  }
  if (data.normalize && squaredNorm > 0) {
    const scale = 1 / Math.sqrt(squaredNorm);
    for (let i = 0; i < n; i++) x[i] *= scale;
  }
}

/** Draws batch rows 0..B−1 of step t into a B×n row-major matrix. */
export function drawBatch(
  data: DataSpec,
  density: ArrayLike<number>,
  dataSeed: number,
  step: number,
  batch: number,
): Float64Array[] {
  const rows: Float64Array[] = [];
  for (let row = 0; row < batch; row++) {
    const x = new Float64Array(density.length);
    const [counterStep, counterSample] = sampleCounter(data, step, row, batch);
    drawSample(x, data, density, dataSeed, counterStep, counterSample);
    rows.push(x);
  }
  return rows;
}

/**
 * A fixed dataset of T samples stored sparsely for the WebGPU kernels (`STORED_DATA`,
 * shaders/common.wgsl), so that their input side costs O(nnz·m) per row rather than O(n·m) and
 * no x is drawn while training: the words [row starts (T + 1) | row entries | feature starts
 * (n + 1) | feature entries], the entries of sample t being (i, x_i) for its non-zero x_i in
 * order of i, and those of feature i (t, x_i) in order of t; each list's starts count entries
 * from its first, and x_i (before normalisation, exact in f32) is stored as its f32 bits.
 */
export interface StoredDataset {
  words: Uint32Array<ArrayBuffer>;
  /** Most entries of one sample (the longest row). */
  rowEntries: number;
  /** Most entries of one feature (the longest column). */
  featureEntries: number;
}

/**
 * The T = `data.datasetSize` samples x_t of a dataset (drawSample at counter (DATASET_STEP, t),
 * unnormalised) as a {@link StoredDataset}.
 */
export function storeDataset(
  data: DataSpec,
  density: ArrayLike<number>,
  dataSeed: number,
): StoredDataset {
  const size = data.datasetSize;
  const n = density.length;
  const raw: DataSpec = { ...data, normalize: false };
  const x = new Float64Array(n);
  const rows: { feature: number; value: number }[][] = [];
  const columns: { sample: number; value: number }[][] = Array.from({ length: n }, () => []);
  for (let sample = 0; sample < size; sample++) {
    drawSample(x, raw, density, dataSeed, DATASET_STEP, sample);
    const row: { feature: number; value: number }[] = [];
    x.forEach((value, feature) => {
      if (value === 0) return;
      row.push({ feature, value });
      columns[feature].push({ sample, value });
    });
    rows.push(row);
  }
  const entries = rows.reduce((total, row) => total + row.length, 0);
  const words = new Uint32Array(size + 1 + n + 1 + 4 * entries);
  const values = new Float32Array(words.buffer);
  let offset = 0;
  const writeLists = <T>(
    lists: T[][],
    index: (entry: T) => number,
    value: (entry: T) => number,
  ) => {
    const entriesStart = offset + lists.length + 1;
    let count = 0;
    lists.forEach((list, k) => {
      words[offset + k] = count;
      for (const entry of list) {
        words[entriesStart + 2 * count] = index(entry);
        values[entriesStart + 2 * count + 1] = value(entry);
        count++;
      }
    });
    words[offset + lists.length] = count;
    offset = entriesStart + 2 * count;
  };
  writeLists(rows, (entry) => entry.feature, (entry) => entry.value);
  writeLists(columns, (entry) => entry.sample, (entry) => entry.value);
  return {
    words,
    rowEntries: Math.max(0, ...rows.map((row) => row.length)),
    featureEntries: Math.max(0, ...columns.map((column) => column.length)),
  };
}
