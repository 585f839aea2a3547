/**
 * @module
 * The fate of the extra feature in the phase diagrams (paper §5): given a trained W (m×n,
 * row-major `W[j*n + i]`, column W_i the direction of feature i, as in `metrics.ts`), is the extra
 * feature (the last one) not learned, learned in superposition, or learned with a dedicated
 * dimension? And, over the best-of-k restarts of one grid point, what is the point's phase?
 *
 * The paper colours each point by ‖W_i‖ (saturation) and Σ_{j≠i} (Ŵ_i·W_j) (blue = orthogonal,
 * red = superposition); here the same two quantities are thresholded, with the squared overlap of
 * `metrics.superposition`:
 * - not learned: ‖W_i‖ < {@link LEARNED_NORM} (0.5; a learned feature has ‖W_i‖ ≈ 1, an
 *   unlearned one ≈ 0);
 * - superposition: learned, and Σ_{j≠i} (Ŵ_i·W_j)² ≥ {@link SUPERPOSED_OVERLAP} (0.25, i.e. the
 *   other features' projections onto Ŵ_i have a combined length of at least 0.5; an antipodal
 *   partner of unit norm gives 1);
 * - dedicated: learned, and Σ_{j≠i} (Ŵ_i·W_j)² < 0.25 (nearly orthogonal to every other feature).
 *
 * Also {@link expectedReluOutputLoss}: a low-noise estimate of a trained instance's expected loss,
 * to pick the best restart where the trainer's final batch loss is mostly noise (sparse data).
 */
import { featureNorms, superposition } from "./metrics.ts";
import type { ExtraFeaturePhase } from "./theory.ts";

export type { ExtraFeaturePhase } from "./theory.ts";

/** The phases in the order of their colours' legend. */
export const PHASES: readonly ExtraFeaturePhase[] = ["not_learned", "superposition", "dedicated"];

/** A feature with ‖W_i‖ below this is not learned. */
export const LEARNED_NORM = 0.5;

/** A learned feature with Σ_{j≠i} (Ŵ_i·W_j)² at or above this is in superposition. */
export const SUPERPOSED_OVERLAP = 0.25;

/** The two quantities the paper colours a phase-diagram point by, for one feature. */
export interface FeatureFate {
  /** ‖W_i‖. */
  norm: number;
  /** Σ_{j≠i} (Ŵ_i·W_j)² (0 for a zero column). */
  overlap: number;
  phase: ExtraFeaturePhase;
}

/** The phase of a feature with norm ‖W_i‖ and overlap Σ_{j≠i} (Ŵ_i·W_j)² (thresholds above). */
export function phaseOf(norm: number, overlap: number): ExtraFeaturePhase {
  if (!(norm >= LEARNED_NORM)) return "not_learned";
  return overlap >= SUPERPOSED_OVERLAP ? "superposition" : "dedicated";
}

/**
 * The fate of feature `feature` (default the extra one, n − 1) of the m×n matrix W: its norm,
 * its overlap with the others, and its phase by the thresholds of this module.
 */
export function featureFate(
  W: ArrayLike<number>,
  m: number,
  n: number,
  feature = n - 1,
): FeatureFate {
  if (!Number.isInteger(feature) || feature < 0 || feature >= n) {
    throw new RangeError(`feature must be an integer in [0, ${n - 1}] (got ${feature})`);
  }
  const norm = featureNorms(W, m, n)[feature];
  const overlap = superposition(W, m, n)[feature];
  return { norm, overlap, phase: phaseOf(norm, overlap) };
}

/** One restart of a grid point: its phase and its final loss. */
export interface RestartOutcome {
  phase: ExtraFeaturePhase;
  loss: number;
}

/** A grid point's phase over its restarts, from {@link aggregatePhase}. */
export interface AggregatePhase {
  phase: ExtraFeaturePhase;
  /** How many of the kept restarts have that phase. */
  votes: number;
  /** The restarts kept (all but the highest-loss one, when there are at least two). */
  kept: number;
  /** Mean final loss of the kept restarts. */
  meanLoss: number;
  /** The phase of the lowest-loss restart (best-of-k). */
  bestPhase: ExtraFeaturePhase;
  /** The lowest final loss. */
  bestLoss: number;
}

/**
 * The paper's aggregation ("we train ten models for each point and average over the results,
 * discarding the model with the highest loss"): drop the highest-loss restart (when there are at
 * least two), classify each kept one, and take the majority phase. A tie goes to the tied phase
 * whose best restart has the lowest loss.
 */
export function aggregatePhase(restarts: readonly RestartOutcome[]): AggregatePhase {
  if (restarts.length === 0) throw new RangeError("aggregatePhase needs at least one restart");
  const byLoss = [...restarts].sort((a, b) => a.loss - b.loss);
  const kept = restarts.length >= 2 ? byLoss.slice(0, -1) : byLoss;
  const tally = new Map<ExtraFeaturePhase, { votes: number; best: number }>();
  for (const { phase, loss } of kept) {
    const entry = tally.get(phase) ?? { votes: 0, best: Infinity };
    tally.set(phase, { votes: entry.votes + 1, best: Math.min(entry.best, loss) });
  }
  const [phase, { votes }] =
    [...tally].sort(([, a], [, b]) => b.votes - a.votes || a.best - b.best)[0];
  const meanLoss = kept.reduce((sum, outcome) => sum + outcome.loss, 0) / kept.length;
  return {
    phase,
    votes,
    kept: kept.length,
    meanLoss,
    bestPhase: byLoss[0].phase,
    bestLoss: byLoss[0].loss,
  };
}
