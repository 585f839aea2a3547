/**
 * @module
 * Learning dynamics (paper §8): a model over training, read from its snapshots W(t), and what the
 * paper measures of it. Feature dimensionalities D_i (§6.2) move between "energy levels" while the
 * loss drops; correlated feature sets first collapse onto their principal components, then split.
 * Times are compared on a logarithmic axis, where a loss curve's plateaus and drops show.
 */
import { featureCosine } from "./geometry.ts";
import { featureDimensionality, featureNorms } from "./metrics.ts";
import { median } from "./stats.ts";

/** A model over training: at each snapshot step t its loss L(t), D_i(t) and ‖W_i(t)‖. */
export interface Trajectory {
  /** Snapshot steps, increasing and positive. */
  steps: number[];
  /** The loss at each snapshot (any normalisation: only its ratios are compared). */
  loss: number[];
  /** dimensionality[t][i] = D_i at snapshot t. */
  dimensionality: number[][];
  /** norm[t][i] = ‖W_i‖ at snapshot t. */
  norm: number[][];
}

/** The trajectory of snapshots W(t) (m×n, row-major) at `steps` with losses L(t). */
export function trajectoryOf(
  steps: readonly number[],
  weights: readonly ArrayLike<number>[],
  loss: readonly number[],
  m: number,
  n: number,
): Trajectory {
  if (steps.some((step, t) => !(step > 0) || (t > 0 && step <= steps[t - 1]))) {
    throw new RangeError("trajectoryOf: steps must be positive and increasing");
  }
  return {
    steps: [...steps],
    loss: [...loss],
    dimensionality: weights.map((W) => featureDimensionality(W, m, n)),
    norm: weights.map((W) => featureNorms(W, m, n)),
  };
}

/**
 * The loss's slope on log–log axes over each snapshot interval, −Δlog L / Δlog t for t−1 → t
 * (length T − 1): near 0 on a plateau, large in a drop.
 */
export function lossSlopes({ steps, loss }: Trajectory): number[] {
  return steps.slice(1).map((step, k) =>
    (Math.log(loss[k]) - Math.log(loss[k + 1])) / (Math.log(step) - Math.log(steps[k]))
  );
}

/**
 * The first snapshot from which the loss stays within `tolerance` of its final value,
 * L(t) ≤ (1 + tolerance)·L(T): where training has converged.
 */
export function convergedFrom({ loss }: Trajectory, tolerance = 0.05): number {
  const final = loss[loss.length - 1];
  let t = loss.length - 1;
  while (t > 0 && loss[t - 1] <= (1 + tolerance) * final) t--;
  return t;
}

/**
 * How much of the geometry's motion falls in the loss's drops (§8: "each jump coincides with a
 * sudden loss drop"). Over the intervals before convergence ({@link convergedFrom}), the motion
 * of an interval is Σ_i |ΔD_i| and the drops are the intervals whose log–log slope
 * ({@link lossSlopes}) is above its median. Returns the drops' share of the motion: 1/2 when the
 * D_i move regardless of the loss, near 1 when they move only while it drops; NaN when nothing
 * moves.
 */
export function motionInLossDrops(trajectory: Trajectory): number {
  const intervals = convergedFrom(trajectory);
  const slopes = lossSlopes(trajectory).slice(0, intervals);
  const { dimensionality } = trajectory;
  const n = dimensionality[0]?.length ?? 0;
  const motion = slopes.map((_, k) => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += Math.abs(dimensionality[k + 1][i] - dimensionality[k][i]);
    return sum;
  });
  const total = motion.reduce((sum, value) => sum + value, 0);
  if (!(total > 0)) return NaN;
  const middle = median(slopes);
  return motion.reduce((sum, value, k) => sum + (slopes[k] > middle ? value : 0), 0) / total;
}

/**
 * The plateaus between the loss's drops: snapshots t, after the loss has fallen by `fallen` of
 * its start (L(t) < (1 − fallen)·L(0)) and before convergence, where the log–log slope
 * s = −Δlog L/Δlog t is at a local minimum below `fraction` of its steepest, and a drop at least
 * 1/`fraction` times as steep follows it and separates it from the previous plateau. Learning's
 * stages (§8) are the geometries at these snapshots.
 */
export function lossPlateaus(
  trajectory: Trajectory,
  { fraction = 0.5, fallen = 0.1 } = {},
): number[] {
  const { loss } = trajectory;
  const slopes = lossSlopes(trajectory).slice(0, convergedFrom(trajectory));
  const steepest = Math.max(...slopes);
  const steepestIn = (from: number, to: number) => Math.max(-Infinity, ...slopes.slice(from, to));
  const plateaus: number[] = [];
  slopes.forEach((slope, k) => {
    const local = (k === 0 || slope < slopes[k - 1]) &&
      (k === slopes.length - 1 || slope <= slopes[k + 1]);
    const started = loss[k + 1] < (1 - fallen) * loss[0];
    const previous = plateaus.length > 0 ? plateaus[plateaus.length - 1] - 1 : -1;
    const separated = previous < 0 ||
      steepestIn(previous + 1, k) * fraction > Math.max(slope, slopes[previous]);
    const dropFollows = steepestIn(k + 1, slopes.length) * fraction > slope;
    if (local && started && separated && dropFollows && slope < fraction * steepest) {
      plateaus.push(k + 1);
    }
  });
  return plateaus;
}

/** A stretch of snapshots `from` … `to` (indices, inclusive) in which `feature` holds a level. */
export interface LevelStage {
  feature: number;
  from: number;
  to: number;
}

/**
 * The longest intermediate stage in which one feature holds a dedicated dimension (§8's energy
 * levels: D_i = 1 before it settles elsewhere): the longest run of snapshots, by the ratio of
 * its last step to its first (its span on a log axis), with D_i ≥ `level`, after the loss has
 * fallen below (1 − `fallen`)·L(0) and before convergence ({@link convergedFrom}), of a feature
 * that ends below `level` (gives the dimension up); undefined when there is none.
 */
export function dedicatedStage(
  trajectory: Trajectory,
  { level = 0.9, fallen = 0.5 } = {},
): LevelStage | undefined {
  const { steps, loss, dimensionality } = trajectory;
  const end = convergedFrom(trajectory);
  const n = dimensionality[0]?.length ?? 0;
  let longest: LevelStage | undefined;
  const span = (stage: LevelStage) => steps[stage.to] / steps[stage.from];
  for (let feature = 0; feature < n; feature++) {
    if (dimensionality[steps.length - 1][feature] >= level) continue;
    let from = -1;
    for (let t = 0; t <= end; t++) {
      const holds = t < end && loss[t] < (1 - fallen) * loss[0] &&
        dimensionality[t][feature] >= level;
      if (holds && from < 0) from = t;
      if (!holds && from >= 0) {
        const stage = { feature, from, to: t - 1 };
        if (!longest || span(stage) > span(longest)) longest = stage;
        from = -1;
      }
    }
  }
  return longest;
}

/**
 * The mean cosine cos(W_i, W_j) over pairs of features within a set, and over pairs across sets
 * (consecutive sets of `setSize`): 1 within when each set has collapsed onto its principal
 * component; 0 within and −1/(n − setSize) across for sets of orthogonal features whose
 * antipodes come from the other sets (the octahedron of two sets of three).
 */
export function setCosines(
  W: ArrayLike<number>,
  m: number,
  n: number,
  setSize: number,
): { within: number; across: number } {
  const sums = { within: { sum: 0, count: 0 }, across: { sum: 0, count: 0 } };
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const kind = Math.floor(i / setSize) === Math.floor(j / setSize) ? sums.within : sums.across;
      kind.sum += featureCosine(W, m, n, i, j);
      kind.count++;
    }
  }
  const mean = ({ sum, count }: { sum: number; count: number }) => count > 0 ? sum / count : 0;
  return { within: mean(sums.within), across: mean(sums.across) };
}

/**
 * Whether the features form antipodal pairs across sets and are otherwise orthogonal (the
 * paper's octahedron for two sets of three in m = 3): every W_i has exactly one W_j of another
 * set with cos < −1 + tolerance, and |cos| < tolerance with every other feature.
 */
export function antipodalAcrossSets(
  W: ArrayLike<number>,
  m: number,
  n: number,
  setSize: number,
  tolerance = 0.1,
): boolean {
  const set = (i: number) => Math.floor(i / setSize);
  for (let i = 0; i < n; i++) {
    let antipodes = 0;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const cos = featureCosine(W, m, n, i, j);
      if (cos < -1 + tolerance && set(j) !== set(i)) antipodes++;
      else if (Math.abs(cos) >= tolerance) return false;
    }
    if (antipodes !== 1) return false;
  }
  return true;
}
