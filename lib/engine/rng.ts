/**
 * @module
 * The counter-based random stream shared by the CPU reference trainer and the
 * WGSL kernels (`shaders/random.wgsl` holds the same functions). Every random
 * number is a pure function of a 4-word counter (key, step, sample, lane), so
 * the CPU and the GPU draw identical data in any order, with no state to carry.
 *
 * The hash is PCG4D (Jarzynski & Olano, "Hash Functions for GPU Rendering", 2020),
 * all arithmetic modulo 2³², and a uniform in [0, 1) keeps its top 24 bits, so the
 * value is exact in both f32 and f64.
 */

/** Counter word `step` used for the fixed dataset of a finite-data run (never a training step). */
export const DATASET_STEP = 0xfffffffe;
/** Counter word `step` used for the inputs that choose an SAE's resampled latents (lib/engine/sae.ts). */
export const RESAMPLE_STEP = 0xfffffffd;
/** Counter word `step` used for the initial weights. */
export const INIT_STEP = 0xffffffff;
/** Lane tag marking a draw that belongs to a feature set rather than to one feature. */
export const SET_LANE = 0x80000000;

/** PCG4D: v ← 1664525·v + 1013904223; two rounds of cross-multiplication around v ^= v ≫ 16. */
export function pcg4d(
  a: number,
  b: number,
  c: number,
  d: number,
): [number, number, number, number] {
  let x = (Math.imul(a, 1664525) + 1013904223) >>> 0;
  let y = (Math.imul(b, 1664525) + 1013904223) >>> 0;
  let z = (Math.imul(c, 1664525) + 1013904223) >>> 0;
  let w = (Math.imul(d, 1664525) + 1013904223) >>> 0;
  x = (x + Math.imul(y, w)) >>> 0;
  y = (y + Math.imul(z, x)) >>> 0;
  z = (z + Math.imul(x, y)) >>> 0;
  w = (w + Math.imul(y, z)) >>> 0;
  x = (x ^ (x >>> 16)) >>> 0;
  y = (y ^ (y >>> 16)) >>> 0;
  z = (z ^ (z >>> 16)) >>> 0;
  w = (w ^ (w >>> 16)) >>> 0;
  x = (x + Math.imul(y, w)) >>> 0;
  y = (y + Math.imul(z, x)) >>> 0;
  z = (z + Math.imul(x, y)) >>> 0;
  w = (w + Math.imul(y, z)) >>> 0;
  return [x, y, z, w];
}

/** A uniform in [0, 1) from the top 24 bits of a word: u = ⌊w / 2⁸⌋ · 2⁻²⁴. */
export function unitFloat(word: number): number {
  return (word >>> 8) * (1 / 16777216);
}

/** A standard normal N(0, 1) by Box–Muller from the counter (key, INIT_STEP, index, 0). */
export function standardNormal(key: number, index: number): number {
  const [a, b] = pcg4d(key, INIT_STEP, index, 0);
  const radius = Math.sqrt(-2 * Math.log(1 - unitFloat(a)));
  return radius * Math.cos(2 * Math.PI * unitFloat(b));
}

/** The seed of instance `index` of a run seeded `runSeed`: the first word of PCG4D(runSeed, index, 0, 0). */
export function instanceSeed(runSeed: number, index: number): number {
  return pcg4d(runSeed >>> 0, index >>> 0, 0x5eed, 0)[0];
}
