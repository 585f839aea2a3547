/**
 * @module
 * Low-noise expected loss of a trained ReLU-output model x' = ReLU(WᵀWx + b) for independent
 * features (x_i = 0 with probability 1 − p_i, else U[0, 1]), for any n: the score by which to
 * pick the best of k restarts where the trainer's final batch loss is mostly noise (sparse data).
 * Notation as in `metrics.ts`: W is m×n row-major, `W[j*n + i]` = component j of column W_i.
 *
 * The loss is split by the number k of active features (paper §4):
 *
 *   L = Σ_k P(|A| = k) · E[ℓ(x) | |A| = k],   ℓ(x) = Σ_i I_i (x_i − ReLU(G_i·x + b_i))², G = WᵀW,
 *
 * with P(|A| = k) the Poisson-binomial probabilities of the densities (the binomial C(n,k)p^k(1−p)^{n−k}
 * when they are equal). At low density the strata k ≤ 2 carry almost all of the loss and almost
 * all of what separates two solutions (two features active together has probability ~p², a few
 * samples in a final-loss window), so they are computed without sampling:
 * - k = 0: ℓ = Σ_i I_i ReLU(b_i)², exact;
 * - k = 1: every feature a, weighted by its exact probability p_a Π_{j≠a} (1 − p_j), with the
 *   integral over x_a ∈ [0, 1] in closed form ({@link integrateReluSquare});
 * - k = 2: every pair {a, c}, weighted exactly, with x_a on a midpoint rule of `pairNodes` nodes
 *   (error O(1/pairNodes²)) and x_c integrated in closed form;
 * - k ≥ 3: `samples` draws of the active set from its exact conditional law given |A| = k, and of
 *   the active values, with the last active feature integrated in closed form (Rao–Blackwell).
 *   The draws come from a fixed counter-based stream (`seed`), so restarts scored with the same
 *   seed see the same samples (common random numbers) and their difference is nearly noise-free.
 *   Strata whose total probability is below `tailProbability` are left out.
 */
import type { TrainResult } from "../engine/result.ts";
import { pcg4d, unitFloat } from "../engine/rng.ts";
import { biasVector, modelName, type RunSpec, weightMatrix } from "../engine/spec.ts";

/** Options of {@link stratifiedReluOutputLoss}. */
export interface StratifiedLossOptions {
  /** Midpoint nodes for the outer variable of the k = 2 strata (default 64). */
  pairNodes?: number;
  /** Monte Carlo draws per stratum k ≥ 3 (default 2048). */
  samples?: number;
  /** Seed of the k ≥ 3 draws (default 0). */
  seed?: number;
  /** Strata k ≥ 3 are skipped once P(|A| ≥ k) is below this (default 1e-9). */
  tailProbability?: number;
}

/** The loss split by stratum: `byActive[k]` = P(|A| = k) · E[ℓ | |A| = k]; `total` their sum. */
export interface StratifiedLoss {
  total: number;
  byActive: number[];
  /** P(|A| = k) for k = 0 … n. */
  probability: number[];
}

/**
 * ∫₀¹ (c·t + y − ReLU(g·t + e))² dt in closed form: the squared error of one output whose
 * pre-activation g·t + e and target c·t + y are affine in the one varying input t ~ U[0, 1].
 * The ReLU is active on the part [lo, hi] of [0, 1] where g·t + e > 0, so the integral is
 * ∫₀¹ (ct + y)² − ∫_lo^hi (ct + y)² + ∫_lo^hi ((c − g)t + y − e)².
 */
export function integrateReluSquare(c: number, y: number, g: number, e: number): number {
  let lo = 0;
  let hi = 1;
  if (g > 0) lo = Math.min(1, Math.max(0, -e / g));
  else if (g < 0) hi = Math.min(1, Math.max(0, -e / g));
  else if (!(e > 0)) hi = 0;
  const whole = squaredAffineIntegral(c, y, 0, 1);
  if (hi <= lo) return whole;
  return whole - squaredAffineIntegral(c, y, lo, hi) +
    squaredAffineIntegral(c - g, y - e, lo, hi);
}

/** ∫_lo^hi (αt + β)² dt = α²(hi³ − lo³)/3 + αβ(hi² − lo²) + β²(hi − lo). */
function squaredAffineIntegral(alpha: number, beta: number, lo: number, hi: number): number {
  return alpha * alpha * (hi ** 3 - lo ** 3) / 3 + alpha * beta * (hi * hi - lo * lo) +
    beta * beta * (hi - lo);
}

/**
 * The expected per-sample loss E_x Σ_i I_i (x_i − x'_i)² (paper normalisation; the notebook's
 * and the trainer's is this / n) of x' = ReLU(WᵀWx + b) for independent features of density p_i
 * with values U[0, 1], stratified by the number of active features (see the module doc): exact
 * for k ≤ 1, a deterministic quadrature for k = 2, and common-random-number Monte Carlo with one
 * coordinate integrated exactly for k ≥ 3. Cost about n²·(n + pairNodes) + n²·samples·(strata),
 * a few milliseconds for n = 20.
 */
export function stratifiedReluOutputLoss(
  W: ArrayLike<number>,
  bias: ArrayLike<number>,
  m: number,
  importance: ArrayLike<number>,
  density: ArrayLike<number>,
  options: StratifiedLossOptions = {},
): StratifiedLoss {
  const n = importance.length;
  if (W.length !== m * n || bias.length !== n || density.length !== n) {
    throw new RangeError(
      "stratifiedReluOutputLoss: W, bias, importance or density has a wrong size",
    );
  }
  const pairNodes = options.pairNodes ?? 64;
  const samples = options.samples ?? 2048;
  const seed = (options.seed ?? 0) >>> 0;
  const tailProbability = options.tailProbability ?? 1e-9;
  const G = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      let sum = 0;
      for (let j = 0; j < m; j++) sum += W[j * n + i] * W[j * n + k];
      G[i * n + k] = sum;
    }
  }
  // below[i][r] = P(exactly r of the features i … n−1 are active), i = n … 0.
  const below = Array.from({ length: n + 1 }, () => new Float64Array(n + 1));
  below[n][0] = 1;
  for (let i = n - 1; i >= 0; i--) {
    for (let r = 0; r <= n - i; r++) {
      below[i][r] = (1 - density[i]) * below[i + 1][r] +
        (r > 0 ? density[i] * below[i + 1][r - 1] : 0);
    }
  }
  const probability = Array.from(below[0]);
  const byActive = new Array<number>(n + 1).fill(0);
  // Probability of exactly the set `active` (as a product, safe when some p_i is 0 or 1).
  const setProbability = (active: readonly number[]) => {
    let product = 1;
    for (let i = 0; i < n; i++) product *= active.includes(i) ? density[i] : 1 - density[i];
    return product;
  };
  // Loss with fixed inputs `x` (pre-activations `pre`, targets x) except input `a` ~ U[0, 1].
  const pre = new Float64Array(n);
  const x = new Float64Array(n);
  const integrateOver = (a: number) => {
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const c = i === a ? 1 : 0;
      loss += importance[i] * integrateReluSquare(c, i === a ? 0 : x[i], G[i * n + a], pre[i]);
    }
    return loss;
  };
  // k = 0.
  for (let i = 0; i < n; i++) byActive[0] += importance[i] * Math.max(bias[i], 0) ** 2;
  byActive[0] *= probability[0];
  // k = 1.
  x.fill(0);
  pre.set(Array.from(bias));
  for (let a = 0; a < n; a++) {
    const weight = setProbability([a]);
    if (weight > 0) byActive[1] += weight * integrateOver(a);
  }
  // k = 2.
  for (let a = 0; a < n; a++) {
    for (let c = a + 1; c < n; c++) {
      const weight = setProbability([a, c]);
      if (weight === 0) continue;
      let sum = 0;
      for (let node = 0; node < pairNodes; node++) {
        const t = (node + 0.5) / pairNodes;
        x[a] = t;
        for (let i = 0; i < n; i++) pre[i] = bias[i] + G[i * n + a] * t;
        sum += integrateOver(c);
      }
      x[a] = 0;
      byActive[2] += weight * sum / pairNodes;
    }
  }
  // k ≥ 3: draws from the conditional law of A given |A| = k.
  let tail = 1 - probability[0] - probability[1] - probability[2];
  const active: number[] = [];
  for (let k = 3; k <= n; k++) {
    if (tail < tailProbability) break;
    tail -= probability[k];
    if (!(probability[k] > 0)) continue;
    let sum = 0;
    for (let s = 0; s < samples; s++) {
      let lane = 0;
      const draw = () => unitFloat(pcg4d(seed, k, s, lane++)[0]);
      active.length = 0;
      let needed = k;
      for (let i = 0; i < n && needed > 0; i++) {
        const on = density[i] * below[i + 1][needed - 1] / below[i][needed];
        if (draw() < on) {
          active.push(i);
          needed--;
        }
      }
      x.fill(0);
      for (const i of active.slice(0, -1)) x[i] = draw();
      for (let i = 0; i < n; i++) {
        let value = bias[i];
        for (const j of active) value += G[i * n + j] * x[j];
        pre[i] = value;
      }
      sum += integrateOver(active[active.length - 1]);
    }
    byActive[k] = probability[k] * sum / samples;
  }
  return { total: byActive.reduce((a, b) => a + b, 0), byActive, probability };
}

/**
 * Per instance of a trained ReLU-output run: its expected per-sample loss
 * E Σ_i I_i (x_i − x'_i)² ({@link stratifiedReluOutputLoss}, paper normalisation), the score by
 * which restarts are compared where the last batches' loss is mostly noise. NaN for an instance
 * whose weights are not finite.
 */
export function reluOutputExpectedLosses(run: RunSpec, result: TrainResult): number[] {
  if (modelName(run.model) !== "relu_output") {
    throw new Error(
      `reluOutputExpectedLosses needs the ReLU output model (got ${modelName(run.model)})`,
    );
  }
  return run.instances.map((instance, k) =>
    result.finite[k]
      ? stratifiedReluOutputLoss(
        weightMatrix(run.model, result.params[k]),
        biasVector(run.model, result.params[k]),
        run.model.m,
        instance.importance,
        instance.density,
      ).total
      : NaN
  );
}
