/**
 * @module
 * Low-noise expected loss of a trained ReLU-output model x' = ReLU(WᵀWx + b) for features that are
 * 0 with probability 1 − p_i, else U[0, 1], independent or in correlated or anticorrelated sets
 * (paper §7.2), for any n: the score by which to pick the best of k restarts where the trainer's
 * final batch loss is mostly noise (sparse data). Notation as in `metrics.ts`: W is m×n
 * row-major, `W[j*n + i]` = component j of column W_i.
 *
 * The loss is split by the number r of active sets (features, when independent; paper §4):
 *
 *   L = Σ_r P(r) · E[ℓ(x) | r],   ℓ(x) = Σ_i I_i (x_i − ReLU(G_i·x + b_i))², G = WᵀW,
 *
 * with P(r) the Poisson-binomial probabilities of the set densities (the binomial
 * C(N,r)p^r(1−p)^{N−r} when they are equal). At low density the strata r ≤ 2 carry almost all of
 * the loss and almost all of what separates two solutions (two sets active together has
 * probability ~p², a few samples in a final-loss window), so their patterns are enumerated and
 * weighted exactly:
 * - r = 0: ℓ = Σ_i I_i ReLU(b_i)², exact;
 * - one active feature: the integral over x_a ∈ [0, 1] in closed form ({@link integrateReluSquare});
 * - two active features {a, c}: x_a on a midpoint rule of `pairNodes` nodes (error
 *   O(1/pairNodes²)) and x_c in closed form;
 * - more (a correlated set, r ≥ 3): `samples` draws of the pattern from its exact conditional law
 *   and of the active values, the last active value integrated in closed form (Rao–Blackwell).
 *   The draws come from a fixed counter-based stream (`seed`), so restarts scored with the same
 *   seed see the same samples (common random numbers) and their difference is nearly noise-free.
 *   Strata whose total probability is below `tailProbability` are left out.
 */
import { drawBatch } from "../engine/data.ts";
import { forward } from "../engine/model.ts";
import type { TrainResult } from "../engine/result.ts";
import { pcg4d, unitFloat } from "../engine/rng.ts";
import {
  biasVector,
  type DataSpec,
  modelName,
  type RunSpec,
  weightMatrix,
} from "../engine/spec.ts";

/** Options of {@link stratifiedReluOutputLoss}. */
export interface StratifiedLossOptions {
  /** Midpoint nodes for the outer variable of two active features (default 64). */
  pairNodes?: number;
  /** Monte Carlo draws per sampled pattern or stratum (default 2048). */
  samples?: number;
  /** Seed of the draws (default 0). */
  seed?: number;
  /** Strata r ≥ 3 are skipped once P(r or more sets active) is below this (default 1e-9). */
  tailProbability?: number;
  /** How features co-occur (default: independent). */
  sets?: FeatureSets;
}

/**
 * The loss split by stratum: `byActive[r]` = P(r sets active) · E[ℓ | r sets active] (sets are
 * single features when independent); `total` their sum.
 */
export interface StratifiedLoss {
  total: number;
  byActive: number[];
  /** P(r sets active) for r = 0 … n/setSize. */
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
 * How features co-occur, as in a run's `DataSpec`: consecutive sets of `setSize` features that are
 * independent, correlated (all members active together) or anticorrelated (at most one active).
 */
export type FeatureSets = Pick<DataSpec, "correlation" | "setSize">;

/** One way a feature set can be active: the members then non-zero, and its probability. */
interface SetOutcome {
  members: number[];
  probability: number;
}

/**
 * The ways set s (features s·k … s·k + k − 1, all of density p_s) can be active: correlated, every
 * member, with probability p_s; anticorrelated, one member, p_s/k each; independent (k = 1), the
 * feature, p_s.
 */
function setOutcomes(sets: FeatureSets, p: number, s: number): SetOutcome[] {
  const k = sets.setSize;
  const members = Array.from({ length: k }, (_, j) => s * k + j);
  if (sets.correlation === "anticorrelated") {
    return members.map((i) => ({ members: [i], probability: p / k }));
  }
  return [{ members, probability: p }];
}

/**
 * The expected per-sample loss E_x Σ_i I_i (x_i − x'_i)² (paper normalisation; the notebook's
 * and the trainer's is this / n) of x' = ReLU(WᵀWx + b) for features of density p_i with values
 * U[0, 1], in sets as `options.sets` says (independent by default; within a correlated or
 * anticorrelated set the densities must be equal). The loss is stratified by the number r of
 * active sets (features, when independent; see the module doc):
 * - r = 0: exact;
 * - r ≤ 2: every active pattern A (which sets, which members) weighted by its exact probability;
 *   given A, one active value is integrated in closed form, a second (|A| = 2) on a midpoint rule
 *   of `pairNodes` nodes, and more (|A| ≥ 3) by `samples` common-random-number draws;
 * - r ≥ 3: `samples` draws of the pattern from its exact conditional law given r, and of the
 *   values, the last active value integrated in closed form.
 * Cost about n²·(n + pairNodes) + n²·samples·(strata), a few milliseconds for n = 20.
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
  const sets = options.sets ?? { correlation: "independent", setSize: 1 };
  const k = sets.setSize;
  if (W.length !== m * n || bias.length !== n || density.length !== n || n % k !== 0) {
    throw new RangeError(
      "stratifiedReluOutputLoss: W, bias, importance or density has a wrong size",
    );
  }
  const setCount = n / k;
  const setDensity = Array.from({ length: setCount }, (_, s) => density[s * k]);
  for (let i = 0; i < n; i++) {
    if (density[i] !== setDensity[Math.floor(i / k)]) {
      throw new RangeError("stratifiedReluOutputLoss: densities differ within a feature set");
    }
  }
  const pairNodes = options.pairNodes ?? 64;
  const samples = options.samples ?? 2048;
  const seed = (options.seed ?? 0) >>> 0;
  const tailProbability = options.tailProbability ?? 1e-9;
  const G = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < n; c++) {
      let sum = 0;
      for (let j = 0; j < m; j++) sum += W[j * n + i] * W[j * n + c];
      G[i * n + c] = sum;
    }
  }
  // below[s][r] = P(exactly r of the sets s … setCount−1 are active), s = setCount … 0.
  const below = Array.from({ length: setCount + 1 }, () => new Float64Array(setCount + 1));
  below[setCount][0] = 1;
  for (let s = setCount - 1; s >= 0; s--) {
    for (let r = 0; r <= setCount - s; r++) {
      below[s][r] = (1 - setDensity[s]) * below[s + 1][r] +
        (r > 0 ? setDensity[s] * below[s + 1][r - 1] : 0);
    }
  }
  const probability = Array.from(below[0]);
  const byActive = new Array<number>(setCount + 1).fill(0);
  const outcomes = setDensity.map((p, s) => setOutcomes(sets, p, s));
  // Probability that no set but `active` is active (a product, safe when some p_s is 0 or 1).
  const othersInactive = (active: readonly number[]) => {
    let product = 1;
    for (let s = 0; s < setCount; s++) if (!active.includes(s)) product *= 1 - setDensity[s];
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
  // Sets x on the features `fixed` (zero elsewhere) and the pre-activations b + G x.
  const setInputs = (fixed: readonly number[], values: (i: number) => number) => {
    x.fill(0);
    for (const i of fixed) x[i] = values(i);
    for (let i = 0; i < n; i++) {
      let value = bias[i];
      for (const j of fixed) value += G[i * n + j] * x[j];
      pre[i] = value;
    }
  };
  // E[ℓ | active features] by draws from stream `key`: all values but the last drawn.
  const sampled = (key: number, activeOf: (draw: () => number) => readonly number[]) => {
    let sum = 0;
    for (let sample = 0; sample < samples; sample++) {
      let lane = 0;
      const draw = () => unitFloat(pcg4d(seed, key, sample, lane++)[0]);
      const active = activeOf(draw);
      setInputs(active.slice(0, -1), draw);
      sum += integrateOver(active[active.length - 1]);
    }
    return sum / samples;
  };
  // E[ℓ | exactly the features A active], A non-empty; `key` names its draws when |A| ≥ 3.
  const patternLoss = (A: readonly number[], key: number) => {
    if (A.length === 1) {
      setInputs([], () => 0);
      return integrateOver(A[0]);
    }
    if (A.length > 2) return sampled(key, () => A);
    let sum = 0;
    for (let node = 0; node < pairNodes; node++) {
      setInputs([A[0]], () => (node + 0.5) / pairNodes);
      sum += integrateOver(A[1]);
    }
    return sum / pairNodes;
  };
  // r = 0.
  for (let i = 0; i < n; i++) byActive[0] += importance[i] * Math.max(bias[i], 0) ** 2;
  byActive[0] *= probability[0];
  // r = 1, 2: every pattern, exactly weighted.
  let patternKey = PATTERN_STREAMS;
  for (let s = 0; s < setCount; s++) {
    for (const one of outcomes[s]) {
      const weight = one.probability * othersInactive([s]);
      if (weight > 0) byActive[1] += weight * patternLoss(one.members, patternKey++);
    }
    for (let t = s + 1; t < setCount; t++) {
      for (const one of outcomes[s]) {
        for (const two of outcomes[t]) {
          const weight = one.probability * two.probability * othersInactive([s, t]);
          if (weight === 0) continue;
          byActive[2] += weight * patternLoss([...one.members, ...two.members], patternKey++);
        }
      }
    }
  }
  // r ≥ 3: draws from the conditional law of the pattern given r.
  let tail = 1 - probability[0] - probability[1] - probability[2];
  for (let r = 3; r <= setCount; r++) {
    if (tail < tailProbability) break;
    tail -= probability[r];
    if (!(probability[r] > 0)) continue;
    byActive[r] = probability[r] * sampled(r, (draw) => {
      const active: number[] = [];
      let needed = r;
      for (let s = 0; s < setCount && needed > 0; s++) {
        if (draw() < setDensity[s] * below[s + 1][needed - 1] / below[s][needed]) {
          const choices = outcomes[s];
          active.push(
            ...choices[Math.min(choices.length - 1, Math.floor(draw() * choices.length))].members,
          );
          needed--;
        }
      }
      return active;
    });
  }
  return { total: byActive.reduce((a, b) => a + b, 0), byActive, probability };
}

/** First draw stream of the exactly weighted patterns (streams 3 … n are the strata r ≥ 3). */
const PATTERN_STREAMS = 1 << 20;

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
        { sets: run.data },
      ).total
      : NaN
  );
}

/**
 * Per instance of any trained run: its per-sample loss E Σ_i I_i (|x_i| − x'_i)² (paper
 * normalisation) estimated on `samples` inputs drawn from its data at density p (stream `seed`,
 * step 0), the same inputs for every restart of a configuration (common random numbers), so
 * best-of-k compares restarts on equal terms. An input with no active feature costs
 * Σ_i I_i x'_i(0)², computed once per instance. NaN for an instance whose weights are not finite.
 */
export function sampledLosses(
  run: RunSpec,
  result: TrainResult,
  samples: number,
  seed: number,
): number[] {
  const { model } = run;
  const out = new Float64Array(model.n);
  const hidden = new Float64Array(model.m);
  const inputs = new Map<number, { active: Float64Array[]; empty: number }>();
  const errorOf = (params: ArrayLike<number>, x: ArrayLike<number>, importance: number[]) => {
    forward(model, params, x, out, hidden);
    let error = 0;
    for (let i = 0; i < x.length; i++) error += importance[i] * (Math.abs(x[i]) - out[i]) ** 2;
    return error;
  };
  return run.instances.map((instance, k) => {
    if (!result.finite[k]) return NaN;
    if (!inputs.has(instance.config)) {
      const drawn = drawBatch(run.data, instance.density, seed, 0, samples);
      const active = drawn.filter((x) => x.some((value) => value !== 0));
      inputs.set(instance.config, { active, empty: samples - active.length });
    }
    const { active, empty } = inputs.get(instance.config)!;
    const params = result.params[k];
    let total = empty * errorOf(params, new Float64Array(model.n), instance.importance);
    for (const x of active) total += errorOf(params, x, instance.importance);
    return total / samples;
  });
}
