/**
 * @module
 * Geometry metrics of a learned weight matrix, in the paper's notation: n features, m hidden
 * dimensions, W is m×n and its column W_i is the direction of feature i, Ŵ_i = W_i/‖W_i‖.
 *
 * Every function takes W row-major as `W[j*n + i]` = component j of W_i, in any numeric array
 * (a `Float32Array` read back from the GPU works). All arithmetic is f64.
 */

/** Columns shorter than this count as not represented: dimensionality and superposition 0. */
export const MIN_NORM = 1e-12;

/** The ε in the official notebook's `render_features` normalisation Ŵ_i = W_i/(ε + ‖W_i‖). */
const NOTEBOOK_EPSILON = 1e-5;

/** The columns W_0 … W_{n−1} of the row-major m×n matrix W. */
function columns(W: ArrayLike<number>, m: number, n: number): Float64Array[] {
  if (W.length !== m * n) {
    throw new RangeError(`W has ${W.length} entries, expected m*n = ${m}*${n} = ${m * n}`);
  }
  return Array.from({ length: n }, (_, i) => {
    const column = new Float64Array(m);
    for (let j = 0; j < m; j++) column[j] = W[j * n + i];
    return column;
  });
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let k = 0; k < a.length; k++) sum += a[k] * b[k];
  return sum;
}

/** For each vector v_i: Σ_{j≠i} (v_i·v_j)², the squared overlaps with all the others. */
function squaredOverlapsWithOthers(vectors: ArrayLike<number>[]): Float64Array {
  const sums = new Float64Array(vectors.length);
  for (let i = 0; i < vectors.length; i++) {
    for (let j = i + 1; j < vectors.length; j++) {
      const overlap = dot(vectors[i], vectors[j]) ** 2;
      sums[i] += overlap;
      sums[j] += overlap;
    }
  }
  return sums;
}

/** ‖W_i‖ for each feature i: about 1 when the feature is represented, 0 when it is not. */
export function featureNorms(W: ArrayLike<number>, m: number, n: number): number[] {
  return columns(W, m, n).map((column) => Math.sqrt(dot(column, column)));
}

/**
 * The paper's superposition colour (§3.1): Σ_{j≠i} (Ŵ_i·W_j)² for each feature i. It is 0 when
 * W_i is orthogonal to every other feature, and ≥ 1 when other features together can activate
 * W_i as strongly as feature i itself. A column shorter than {@link MIN_NORM} gives 0.
 */
export function superposition(W: ArrayLike<number>, m: number, n: number): number[] {
  const features = columns(W, m, n);
  const overlaps = squaredOverlapsWithOthers(features);
  return features.map((column, i) => {
    const squaredNorm = dot(column, column);
    return Math.sqrt(squaredNorm) < MIN_NORM ? 0 : overlaps[i] / squaredNorm;
  });
}

/**
 * The official notebook's `render_features` colour: ‖row i of Ŵ Wᵀ with its diagonal zeroed‖₂ =
 * √(Σ_{j≠i} (Ŵ_i·W_j)²), with the notebook's Ŵ_i = W_i/(1e-5 + ‖W_i‖). It is therefore
 * √{@link superposition} · ‖W_i‖/(1e-5 + ‖W_i‖): the square root of the paper's colour, up to the
 * ε, and 0 for a zero column.
 */
export function polysemanticity(W: ArrayLike<number>, m: number, n: number): number[] {
  const features = columns(W, m, n);
  const overlaps = squaredOverlapsWithOthers(features);
  return features.map((column, i) =>
    Math.sqrt(overlaps[i]) / (NOTEBOOK_EPSILON + Math.sqrt(dot(column, column)))
  );
}

/**
 * Dimensions per feature (§6.2): D* = m/‖W‖_F², where ‖W‖_F² = Σ_i ‖W_i‖² counts the learned
 * features. Infinity when W = 0 (nothing learned).
 */
export function dimensionsPerFeature(W: ArrayLike<number>, m: number, n: number): number {
  return m / columns(W, m, n).reduce((sum, column) => sum + dot(column, column), 0);
}

/**
 * The dimensionality of each vector v_i among v_0 … v_{k−1} (§6.2, and the data-point version of
 * Henighan et al. §14.1): D_i = ‖v_i‖² / Σ_j (v̂_i·v_j)² = ‖v_i‖⁴ / (‖v_i‖⁴ + Σ_{j≠i} (v_i·v_j)²),
 * the j = i term included. It is the fraction of a dimension that v_i gets: 1 alone in its
 * direction, 1/k when k vectors are (anti)parallel and orthogonal to the rest, d/k for each vector
 * of a unit-norm tight frame of k vectors in d dimensions. Exactly 0 for a vector shorter than
 * {@link MIN_NORM}, never NaN.
 */
export function vectorDimensionality(vectors: ArrayLike<number>[]): number[] {
  const length = vectors[0]?.length ?? 0;
  if (vectors.some((vector) => vector.length !== length)) {
    throw new RangeError("vectorDimensionality needs vectors of one length");
  }
  const overlaps = squaredOverlapsWithOthers(vectors);
  return vectors.map((vector, i) => {
    const squaredNorm = dot(vector, vector);
    if (Math.sqrt(squaredNorm) < MIN_NORM) return 0;
    return squaredNorm ** 2 / (squaredNorm ** 2 + overlaps[i]);
  });
}

/**
 * Feature dimensionality (§6.2): D_i = ‖W_i‖² / Σ_j (Ŵ_i·W_j)² over the columns of W; see
 * {@link vectorDimensionality}. 0 for a feature that is not learned.
 */
export function featureDimensionality(W: ArrayLike<number>, m: number, n: number): number[] {
  return vectorDimensionality(columns(W, m, n));
}

/** The hidden vectors h = W x (length m) of the given inputs x (length n each). */
export function hiddenVectors(
  W: ArrayLike<number>,
  m: number,
  n: number,
  inputs: ArrayLike<number>[],
): number[][] {
  const features = columns(W, m, n);
  return inputs.map((x) => {
    if (x.length !== n) throw new RangeError(`an input has length ${x.length}, expected n = ${n}`);
    const hidden = new Array<number>(m).fill(0);
    features.forEach((column, i) => {
      for (let j = 0; j < m; j++) hidden[j] += column[j] * x[i];
    });
    return hidden;
  });
}

/**
 * Data-point dimensionality (Henighan et al., §14.1): D_{X_i} = ‖h_i‖² / Σ_j (ĥ_i·h_j)² with
 * h_i = W X_i over the given data points X_i; see {@link vectorDimensionality}.
 */
export function dataPointDimensionality(
  W: ArrayLike<number>,
  m: number,
  n: number,
  points: ArrayLike<number>[],
): number[] {
  return vectorDimensionality(hiddenVectors(W, m, n, points));
}

/** The Gram matrix WᵀW, n×n row-major: entry (i, j) = W_i·W_j. */
export function gram(W: ArrayLike<number>, m: number, n: number): number[] {
  const features = columns(W, m, n);
  return features.flatMap((a) => features.map((b) => dot(a, b)));
}
