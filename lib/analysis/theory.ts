/**
 * @module
 * Closed-form theory from the paper, in its notation: n features, m hidden dimensions, W is m×n
 * with column W_i the direction of feature i (stored row-major, `W[j*n + i]`, as in
 * `metrics.ts`), p = density = 1 − S, I_i = importance, r = relative importance of the extra
 * feature. Feature values are U[0, 1] with probability p, else 0.
 *
 * All losses here are per sample in the paper's normalisation, L = E_x Σ_i I_i (x_i − x'_i)²,
 * unless a name says otherwise; the official notebook's loss is that divided by n.
 */
import { UserError } from "../engine/errors.ts";

function checkDensity(p: number): void {
  if (!(p >= 0 && p <= 1)) throw new UserError(`density p must be in [0, 1], got ${p}`);
}

/** The variance of one feature of density p: E[x²] − E[x]² = p/3 − p²/4 (1/12 when dense). */
export function featureVariance(p: number): number {
  checkDensity(p);
  return p / 3 - p ** 2 / 4;
}

/**
 * The loss of an antipodal pair (W_a = −W_b, unit norm, b = 0) in the ReLU output model: an error
 * (I_a + I_b)·min(x_a, x_b)² only when both features are active (probability p²), and
 * E[min²] = 1/6, so (I_a + I_b)·p²/6.
 */
export function antipodalPairLoss(p: number, importanceSum: number): number {
  checkDensity(p);
  return importanceSum * p ** 2 / 6;
}

/**
 * The exact expected per-sample loss Σ_i I_i E[(x'_i − x_i)²] of the linear model x' = WᵀWx + b
 * (W m×n row-major) for independent features of density p (E[x_j] = p/2, Var x_j = p/3 − p²/4):
 * with A = WᵀW − 1, E[(x'_i − x_i)²] = Var·Σ_j A_ij² + (p/2·Σ_j A_ij + b_i)². It bounds the
 * ReLU-output model's loss with the same W and b from above (clipping a prediction at 0 never
 * moves it away from x ≥ 0).
 */
export function linearExpectedLoss(
  W: ArrayLike<number>,
  b: ArrayLike<number>,
  importance: ArrayLike<number>,
  p: number,
  m: number,
): number {
  const n = importance.length;
  const variance = featureVariance(p);
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

/** The optimum of the linear model x' = WᵀWx + b (§4), from {@link linearOptimum}. */
export interface LinearOptimum {
  /** The m most important features (or all n when m ≥ n), most important first. */
  kept: number[];
  /** The other features, most important first. */
  dropped: number[];
  /** W, m×n row-major: row k is the basis vector of `kept[k]`, so WᵀW projects onto the kept. */
  weights: number[];
  /** b_i = 0 for a kept feature and E[x_i] = p/2 for a dropped one. */
  bias: number[];
  /** Var(x)·Σ_{dropped} I_i. */
  perSampleLoss: number;
  /** The official notebook's loss: the per-sample loss / n. */
  notebookLoss: number;
}

/**
 * The optimal linear model (§4, after Saxe et al.) for independent features of density p and
 * importances I (any order) in m dimensions: WᵀW is the orthogonal projection onto the top-m
 * features by importance, b_i = 0 on them and p/2 on the dropped ones, and the per-sample loss is
 * (p/3 − p²/4)·Σ_{dropped} I_i. Equal importances keep the lower index.
 */
export function linearOptimum(
  importances: ArrayLike<number>,
  p: number,
  m: number,
): LinearOptimum {
  const n = importances.length;
  if (!Number.isInteger(m) || m < 0) {
    throw new UserError(`m must be a non-negative integer, got ${m}`);
  }
  if (!Array.from(importances).every((importance) => importance >= 0 && isFinite(importance))) {
    throw new UserError("importances must be finite and non-negative");
  }
  const byImportance = Array.from({ length: n }, (_, i) => i)
    .sort((a, b) => importances[b] - importances[a] || a - b);
  const kept = byImportance.slice(0, m);
  const dropped = byImportance.slice(m);
  const weights = new Array<number>(m * n).fill(0);
  kept.forEach((feature, row) => weights[row * n + feature] = 1);
  const bias = new Array<number>(n).fill(0);
  for (const feature of dropped) bias[feature] = p / 2;
  const perSampleLoss = featureVariance(p) *
    dropped.reduce((sum, feature) => sum + importances[feature], 0);
  return { kept, dropped, weights, bias, perSampleLoss, notebookLoss: perSampleLoss / n };
}

/** What the optimum does with the extra (last) feature in the phase diagrams (§5). */
export type ExtraFeaturePhase = "not_learned" | "superposition" | "dedicated";

/**
 * A candidate geometry of the "toy model of the toy model" (§5.2). The features are the regular
 * ones (importance 1) followed by the extra one (importance r):
 * - `extra_ignored`: the extra feature is not represented (n=2: W = [1, 0]; n=3: W ⟂ [0, 0, 1]);
 * - `regular_dropped`: a regular feature is not represented (W = [0, 1]; W ⟂ [1, 0, 0]);
 * - `extra_antipodal`: the extra feature is antipodal to a regular one (W = [1, −1];
 *   W ⟂ [0, 1, 1]);
 * - `regular_antipodal`: n=3 only, the two regular features are antipodal and the extra one has its
 *   own dimension (W ⟂ [1, 1, 0]).
 */
export type CandidateGeometry =
  | "extra_ignored"
  | "regular_dropped"
  | "extra_antipodal"
  | "regular_antipodal";

const EXTRA_FEATURE_PHASE: Record<CandidateGeometry, ExtraFeaturePhase> = {
  extra_ignored: "not_learned",
  regular_dropped: "dedicated",
  extra_antipodal: "superposition",
  regular_antipodal: "dedicated",
};

/** One candidate solution of the ReLU output model x' = ReLU(WᵀWx + b) and its loss. */
export interface PhaseCandidate {
  geometry: CandidateGeometry;
  /** What this geometry does with the extra feature. */
  phase: ExtraFeaturePhase;
  /** W, m×n row-major, unit-norm columns (or zero for an unrepresented feature). */
  weights: number[];
  /** b: p/2 = E[x_i] on an unrepresented feature, else 0. */
  bias: number[];
  /** Per-sample loss, paper normalisation. */
  loss: number;
}

function checkPhaseDiagramShape(n: number, m: number): void {
  if (!((n === 2 && m === 1) || (n === 3 && m === 2))) {
    throw new UserError(
      `the theoretical phase diagram covers (n, m) = (2, 1) or (3, 2) only, got (${n}, ${m})`,
    );
  }
}

function checkRelativeImportance(r: number): void {
  if (!(r > 0 && isFinite(r))) {
    throw new UserError(`relative importance r must be positive and finite, got ${r}`);
  }
}

/**
 * Wattenberg's candidate solutions for (n, m) ∈ {(2, 1), (3, 2)} at density p and relative
 * importance r, in tie-breaking order (see {@link theoreticalPhase}), with per-sample losses
 * (paper normalisation): extra ignored r·(p/3 − p²/4); a regular feature dropped p/3 − p²/4; extra
 * antipodal (1 + r)·p²/6; (n=3) regular pair antipodal p²/3.
 */
export function phaseCandidates(n: number, m: number, r: number, p: number): PhaseCandidate[] {
  checkPhaseDiagramShape(n, m);
  checkRelativeImportance(r);
  const variance = featureVariance(p);
  const losses: Record<CandidateGeometry, number> = {
    extra_ignored: r * variance,
    regular_dropped: variance,
    extra_antipodal: antipodalPairLoss(p, 1 + r),
    regular_antipodal: antipodalPairLoss(p, 2),
  };
  const candidate = (geometry: CandidateGeometry, weights: number[], bias: number[]) => ({
    geometry,
    phase: EXTRA_FEATURE_PHASE[geometry],
    weights,
    bias,
    loss: losses[geometry],
  });
  const half = p / 2;
  return n === 2
    ? [
      candidate("extra_ignored", [1, 0], [0, half]),
      candidate("regular_dropped", [0, 1], [half, 0]),
      candidate("extra_antipodal", [1, -1], [0, 0]),
    ]
    : [
      candidate("extra_ignored", [1, 0, 0, 0, 1, 0], [0, 0, half]),
      candidate("regular_dropped", [0, 1, 0, 0, 0, 1], [half, 0, 0]),
      candidate("extra_antipodal", [1, 0, 0, 0, 1, -1], [0, 0, 0]),
      candidate("regular_antipodal", [1, -1, 0, 0, 0, 1], [0, 0, 0]),
    ];
}

/** Candidate losses this close (relative) count as tied, so rounding cannot pick a side. */
const TIE_TOLERANCE = 1e-12;

/** The theoretical optimum at one point of the phase diagram, from {@link theoreticalPhase}. */
export interface TheoreticalPhase {
  phase: ExtraFeaturePhase;
  geometry: CandidateGeometry;
  /** Per-sample loss, paper normalisation. */
  loss: number;
}

/**
 * The theoretical phase of the extra feature (§5.2) for (n, m) ∈ {(2, 1), (3, 2)}: the
 * minimum-loss candidate of {@link phaseCandidates}, loss per sample in the paper's normalisation.
 * On a boundary (losses equal to 1e-12 relative) the earlier candidate wins: ignoring the extra
 * feature, then dropping a regular one, then antipodal pairs. So superposition needs a strictly
 * lower loss (the boundaries are strict, p < …), and at r = 1 the extra feature does not displace
 * an equally important one. Throws a {@link UserError} for any other (n, m).
 */
export function theoreticalPhase(n: number, m: number, r: number, p: number): TheoreticalPhase {
  const candidates = phaseCandidates(n, m, r, p);
  const lowest = Math.min(...candidates.map((candidate) => candidate.loss));
  const { phase, geometry, loss } = candidates.find((candidate) =>
    candidate.loss - lowest <= TIE_TOLERANCE * lowest
  )!;
  return { phase, geometry, loss };
}

/**
 * The density below which the theoretical optimum contains an antipodal pair (§5.2, derived from
 * the candidate losses). n=2, m=1: the extra feature is superposed iff p < 4r/(2 + 5r) for
 * r ≤ 1 and p < 4/(5 + 2r) for r ≥ 1 (symmetric under r ↔ 1/r; 4/7 at the triple point r = 1).
 * n=3, m=2: for r ≤ 1 the extra feature is superposed iff p < 4r/(2 + 5r); for r ≥ 1 it is always
 * dedicated and the two regular features are antipodal iff p < 4/7, whatever r.
 */
export function superpositionBoundary(n: number, m: number, r: number): number {
  checkPhaseDiagramShape(n, m);
  checkRelativeImportance(r);
  if (r <= 1) return 4 * r / (2 + 5 * r);
  return n === 2 ? 4 / (5 + 2 * r) : 4 / 7;
}

/** A reference feature dimensionality d/k: k unit vectors forming a tight frame in d dimensions. */
export interface ReferenceDimensionality {
  polytope: string;
  /** "polygon": the digon and the 2-D k-gons (purple in the notebook); else "polytope" (blue). */
  family: "polygon" | "polytope";
  /** d, the dimensions the polytope spans. */
  dimensions: number;
  /** k, its number of vertices (features). */
  vertices: number;
  /** d/k. */
  value: number;
}

function reference(
  polytope: string,
  dimensions: number,
  vertices: number,
): ReferenceDimensionality {
  const family = dimensions <= 2 ? "polygon" : "polytope";
  return { polytope, family, dimensions, vertices, value: dimensions / vertices };
}

/**
 * The reference lines of the official notebook's feature-dimensionality plot (§6.2): 1/2, 2/3,
 * 2/5, 2/6, 2/7 for the digon and the 2-D k-gons, and 5/6, 4/5, 3/4, 3/8, 3/12, 3/20 for the 5-
 * and 4-simplex, tetrahedron, square antiprism (or cube), icosahedron and dodecahedron.
 */
export const REFERENCE_DIMENSIONALITIES: readonly ReferenceDimensionality[] = [
  reference("digon", 1, 2),
  reference("triangle", 2, 3),
  reference("pentagon", 2, 5),
  reference("hexagon", 2, 6),
  reference("heptagon", 2, 7),
  reference("5-simplex", 5, 6),
  reference("4-simplex", 4, 5),
  reference("tetrahedron", 3, 4),
  reference("square antiprism", 3, 8),
  reference("icosahedron", 3, 12),
  reference("dodecahedron", 3, 20),
];
