/**
 * @module
 * Geometry of the feature directions W_i (columns of the m×n matrix W, row-major W[j·n + i]):
 * which features are represented, cosines between them, and the angles of 2-D arrangements
 * (antipodal pairs, regular polygons).
 */
import { featureNorms } from "./metrics.ts";
import { LEARNED_NORM } from "./phase.ts";

/** The features a model represents: those with ‖W_i‖ > {@link LEARNED_NORM}. */
export function representedFeatures(W: ArrayLike<number>, m: number, n: number): number[] {
  return featureNorms(W, m, n).flatMap((norm, i) => norm > LEARNED_NORM ? [i] : []);
}

/** cos∠(W_i, W_j) = W_i·W_j / (‖W_i‖‖W_j‖); 0 where either is zero. */
export function featureCosine(
  W: ArrayLike<number>,
  m: number,
  n: number,
  i: number,
  j: number,
): number {
  let dot = 0;
  let a = 0;
  let b = 0;
  for (let r = 0; r < m; r++) {
    dot += W[r * n + i] * W[r * n + j];
    a += W[r * n + i] ** 2;
    b += W[r * n + j] ** 2;
  }
  return a > 0 && b > 0 ? dot / Math.sqrt(a * b) : 0;
}

/**
 * The gaps, in degrees, between the angles atan2(W_{1i}, W_{0i}) of `features` of a model with
 * m = 2, taken in angular order around the circle (they sum to 360°). A regular k-gon has k gaps
 * of 360°/k.
 */
export function angleGaps(W: ArrayLike<number>, n: number, features: readonly number[]): number[] {
  const angles = features.map((i) => Math.atan2(W[n + i], W[i]) * 180 / Math.PI)
    .sort((a, b) => a - b);
  return angles.map((angle, k) =>
    k + 1 < angles.length ? angles[k + 1] - angle : 360 + angles[0] - angle
  );
}

/**
 * The 2-D directions W_i (m = 2) in the paper's canonical orientation: rotated so that the first
 * non-zero column points along +x, and reflected so that the next column off that axis lies
 * above it. Rotations and reflections leave the loss unchanged, so solutions of restarts and
 * densities can be compared by eye.
 */
export function canonicalDirections(W: ArrayLike<number>, n: number): [number, number][] {
  const columns = Array.from({ length: n }, (_, i): [number, number] => [W[i], W[n + i]]);
  const reference = columns.find(([x, y]) => Math.hypot(x, y) > 1e-9);
  if (reference === undefined) return columns;
  const angle = Math.atan2(reference[1], reference[0]);
  const [c, s] = [Math.cos(angle), Math.sin(angle)];
  const rotated = columns.map(([x, y]): [number, number] => [c * x + s * y, -s * x + c * y]);
  const scale = Math.max(...rotated.map(([x, y]) => Math.hypot(x, y)));
  const off = rotated.find(([, y]) => Math.abs(y) > 1e-6 * scale);
  return off !== undefined && off[1] < 0 ? rotated.map(([x, y]) => [x, -y]) : rotated;
}
