/**
 * @module
 * Adversarial vulnerability of the ReLU output model x' = ReLU(WᵀW x + b) (paper §9). Gradient
 * attacks fail on it (its ReLUs are off most of the time), so the paper attacks analytically: an
 * L2 perturbation of the input along δ = λ (WᵀW)_i / ‖(WᵀW)_i‖₂, the most harmful over features i,
 * with λ = 0.1 × the mean input norm. The target stays the clean input x.
 */
import { gram } from "./metrics.ts";

/** The paper's attack budget: λ = this × the mean input norm E‖x‖. */
export const ATTACK_BUDGET = 0.1;

/** An analytic attack's outcome on samples X (losses per sample, paper normalisation). */
export interface AttackOutcome {
  /** L = mean_x Σ_j I_j (x_j − x'_j)² on the clean inputs. */
  loss: number;
  /** L′ = the same on inputs x + δ (target x), at the most harmful feature. */
  attackedLoss: number;
  /** The feature i whose direction (WᵀW)_i does most harm; −1 if WᵀW = 0. */
  feature: number;
  /** The attack's norm λ = budget × mean ‖x‖. */
  lambda: number;
}

/**
 * The paper's analytic attack (§9) on x' = ReLU(WᵀW x + b) over the samples X: λ = budget·mean‖x‖,
 * and for each feature i with (WᵀW)_i ≠ 0 the input x + λ û_i with û_i = (WᵀW)_i / ‖(WᵀW)_i‖₂,
 * whose output moves by λ WᵀW û_i. Returns L, the largest L′_i over i, that i and λ.
 */
export function analyticAttack(
  W: ArrayLike<number>,
  bias: ArrayLike<number>,
  m: number,
  importance: ArrayLike<number>,
  samples: readonly ArrayLike<number>[],
  budget = ATTACK_BUDGET,
): AttackOutcome {
  const n = importance.length;
  const G = gram(W, m, n);
  const norms = samples.map((x) => Math.hypot(...Array.from(x)));
  const lambda = budget * norms.reduce((sum, norm) => sum + norm, 0) / samples.length;
  // Clean pre-activations h = WᵀW x + b per sample (x is sparse: only its active entries count).
  const clean = samples.map((x) => {
    const h = Float64Array.from(bias);
    for (let a = 0; a < n; a++) {
      if (x[a] === 0) continue;
      for (let j = 0; j < n; j++) h[j] += G[j * n + a] * x[a];
    }
    return h;
  });
  const lossWithShift = (shift: ArrayLike<number> | null) => {
    let total = 0;
    samples.forEach((x, s) => {
      const h = clean[s];
      for (let j = 0; j < n; j++) {
        const output = Math.max(0, h[j] + (shift ? shift[j] : 0));
        total += importance[j] * (x[j] - output) ** 2;
      }
    });
    return total / samples.length;
  };
  const loss = lossWithShift(null);
  let attackedLoss = loss;
  let feature = -1;
  for (let i = 0; i < n; i++) {
    const column = Array.from({ length: n }, (_, a) => G[a * n + i]);
    const length = Math.hypot(...column);
    if (!(length > 0)) continue;
    // Output shift λ WᵀW û_i = λ G (G e_i) / ‖G e_i‖.
    const shift = Array.from({ length: n }, (_, j) => {
      let sum = 0;
      for (let a = 0; a < n; a++) sum += G[j * n + a] * column[a];
      return lambda * sum / length;
    });
    const attacked = lossWithShift(shift);
    if (attacked > attackedLoss || feature < 0) {
      attackedLoss = attacked;
      feature = i;
    }
  }
  return { loss, attackedLoss, feature, lambda };
}

/**
 * Vulnerability relative to a model without superposition, (L′ − L)/(L′₀ − L₀) (§9). Without
 * superposition (WᵀW)_i = e_i for a represented feature (orthonormal dedicated directions), so the
 * attack adds λ to output i alone and L′₀ − L₀ = λ² I_i, at most λ² max_i I_i: that is the
 * reference. 1 for such a model (and about 1 for any orthogonal projection WᵀW = P: the output
 * moves by λ P û_i, of norm λ); NaN when λ = 0.
 */
export function relativeVulnerability(
  outcome: AttackOutcome,
  importance: ArrayLike<number>,
): number {
  const reference = outcome.lambda ** 2 * Math.max(...Array.from(importance));
  return reference > 0 ? (outcome.attackedLoss - outcome.loss) / reference : NaN;
}
