/**
 * @module
 * Sparse autoencoders on a toy model's hidden activations (paper.md §14.2): the run
 * specification, the parameter layout, and the f64 math both trainers share or are tested
 * against. The toy model is frozen: its W (m×n) maps a sample x of its data to h = W x ∈ Rᵐ, and
 * an SAE of d latents learns z = ReLU(W_enc h + b_enc), ĥ = W_decᵀ z + b_dec with the loss
 * L = (1/B) Σ_b [(1/m)‖ĥ_b − h_b‖² + λ‖z_b‖₁] (ARENA's normalisation). After every step each
 * decoder row is rescaled to unit norm; at chosen steps latents that fired on no batch row for a
 * window of steps are resampled (Bricken et al. 2023's recipe, {@link resampleDeadLatents}).
 */
import { drawSample } from "./data.ts";
import { UserError } from "./errors.ts";
import { pcg4d, RESAMPLE_STEP, SET_LANE, standardNormal, unitFloat } from "./rng.ts";
import {
  type DataSpec,
  INDEPENDENT_DATA,
  type OptimizerSpec,
  requireInteger,
  requireNumber,
} from "./spec.ts";

/** The shapes of an SAE run and its dead-latent resampling. */
export interface SaeSpec {
  /** Features n of the toy model, whose data the SAE sees through W. */
  toyFeatures: number;
  /** Hidden dimensions m of the toy model: the SAE's input and output width. */
  toyHidden: number;
  /** Latents d of the dictionary. */
  latents: number;
  resample: ResampleSpec;
}

/** When and how dead latents are resampled. */
export interface ResampleSpec {
  /** Resample after these step counts (each in 1 … steps − 1). */
  steps: number[];
  /** A latent is dead when it fired on no batch row in the last `window` steps. */
  window: number;
  /** Fresh inputs drawn to choose new directions from. */
  candidates: number;
  /** A resampled encoder row's norm, as a multiple of the alive rows' mean norm. */
  encoderScale: number;
}

/** One SAE trained on one toy model. */
export interface SaeInstance {
  /** Index of the configuration this instance restarts (best-of-k groups). */
  config: number;
  /** Seed of the initial weights. */
  seed: number;
  /** Seed of the toy data stream. */
  dataSeed: number;
  /** The toy's feature densities p_i, length n. */
  density: number[];
  /** The toy model's W, m×n row-major (W[j·n + i]), as `weightMatrix` returns it. */
  toyWeights: number[];
  /** λ of the L1 penalty on the latents. */
  l1: number;
}

/** A run of SAEs: many instances of one dictionary size, trained together. */
export interface SaeRun {
  sae: SaeSpec;
  /** The toy's data: independent features, U[0,1] values, fresh every step. */
  data: DataSpec;
  optimizer: OptimizerSpec;
  batch: number;
  steps: number;
  instances: SaeInstance[];
  /** Always empty: SAE runs record no snapshots. */
  snapshotSteps: number[];
}

/** Where each parameter block starts in an SAE's flat vector [W_enc | b_enc | W_dec | b_dec]. */
export interface SaeLayout {
  /** W_enc, d×m row-major: W_enc[l·m + j]. */
  encoder: number;
  /** b_enc, length d. */
  encoderBias: number;
  /** W_dec, d×m row-major: row l is latent l's decoder direction, W_dec[l·m + j]. */
  decoder: number;
  /** b_dec, length m. */
  decoderBias: number;
  /** 2·d·m + d + m. */
  count: number;
}

/** The parameter layout [W_enc (d·m) | b_enc (d) | W_dec (d·m) | b_dec (m)]. */
export function saeLayout(spec: Pick<SaeSpec, "latents" | "toyHidden">): SaeLayout {
  const dm = spec.latents * spec.toyHidden;
  return {
    encoder: 0,
    encoderBias: dm,
    decoder: dm + spec.latents,
    decoderBias: 2 * dm + spec.latents,
    count: 2 * dm + spec.latents + spec.toyHidden,
  };
}

/** The SAE's decoder directions: row l of W_dec (d×m, row-major), latent l's output vector. */
export function decoderRows(spec: SaeSpec, params: ArrayLike<number>): Float64Array[] {
  const { decoder } = saeLayout(spec);
  const m = spec.toyHidden;
  return Array.from(
    { length: spec.latents },
    (_, l) => Float64Array.from({ length: m }, (_, j) => params[decoder + l * m + j]),
  );
}

/**
 * Loop iterations of one invocation of `sae_rows` (shaders/sae.wgsl) as lavapipe counts them (a
 * loop of k iterations counts k + 1 plus its body k times), every feature taken active: h = 0
 * m + 1, the draw n·(m + 2) + 1, the encoder d·(m + 2) + 1, the decoder m·(d + 2) + 1, ∂z d·(m + 2) + 1.
 */
export function saeRowLoops(spec: SaeSpec): number {
  const { toyFeatures: n, toyHidden: m, latents: d } = spec;
  return m + 1 + n * (m + 2) + 1 + 2 * (d * (m + 2) + 1) + m * (d + 2) + 1;
}

/** Most loop iterations one kernel invocation may run (lavapipe stops one at 65,535). */
export const SAE_LOOP_BUDGET = 60_000;

/** Checks an SAE run; throws a {@link UserError} naming the first bad field and its range. */
export function validateSaeRun(run: SaeRun): void {
  const { sae, optimizer } = run;
  requireInteger("sae.toyFeatures", sae.toyFeatures, 1, 10_000);
  requireInteger("sae.toyHidden", sae.toyHidden, 1, 256);
  requireInteger("sae.latents", sae.latents, 1, 4096);
  if (saeRowLoops(sae) > SAE_LOOP_BUDGET) {
    throw new UserError(
      `sae: n·(m + 2) + 3·d·m + … must stay within ${SAE_LOOP_BUDGET} loop iterations ` +
        `(got ${saeRowLoops(sae)} for n = ${sae.toyFeatures}, m = ${sae.toyHidden}, ` +
        `d = ${sae.latents})`,
    );
  }
  if (JSON.stringify(run.data) !== JSON.stringify(INDEPENDENT_DATA)) {
    throw new UserError("sae.data must be independent U[0,1] features, fresh every step");
  }
  requireInteger("batch", run.batch, 1, SAE_LOOP_BUDGET - 1);
  requireInteger("steps", run.steps, 1, 1_000_000);
  requireNumber("optimizer.lr", optimizer.lr, 0, 10);
  requireNumber("optimizer.weightDecay", optimizer.weightDecay, 0, 100);
  sae.resample.steps.forEach((step) =>
    requireInteger("sae.resample.steps[]", step, 1, run.steps - 1)
  );
  requireInteger("sae.resample.window", sae.resample.window, 1, 10_000_000);
  requireInteger("sae.resample.candidates", sae.resample.candidates, 1, 1 << 20);
  requireNumber("sae.resample.encoderScale", sae.resample.encoderScale, 0, 100);
  if (run.snapshotSteps.length > 0) throw new UserError("snapshotSteps must be empty for an SAE");
  if (run.instances.length === 0) throw new UserError("instances must not be empty");
  run.instances.forEach((instance, k) => {
    if (instance.density.length !== sae.toyFeatures) {
      throw new UserError(`instances[${k}].density must have n = ${sae.toyFeatures} entries`);
    }
    if (instance.toyWeights.length !== sae.toyFeatures * sae.toyHidden) {
      throw new UserError(`instances[${k}].toyWeights must have m·n entries`);
    }
    instance.toyWeights.forEach((w, i) => {
      if (!Number.isFinite(w)) throw new UserError(`instances[${k}].toyWeights[${i}] is ${w}`);
    });
    instance.density.forEach((v, i) => requireNumber(`instances[${k}].density[${i}]`, v, 0, 1));
    requireNumber(`instances[${k}].l1`, instance.l1, 0, 1e6);
    requireInteger(`instances[${k}].seed`, instance.seed, 0, 0xffffffff);
    requireInteger(`instances[${k}].dataSeed`, instance.dataSeed, 0, 0xffffffff);
  });
}

/**
 * Initial SAE parameters: decoder row l = g/‖g‖ with g_j ~ N(0,1) drawn at counter l·m + j of the
 * instance's seed, the encoder row l equal to it (W_enc = W_dec), b_enc = b_dec = 0.
 */
export function saeInitialParams(spec: SaeSpec, instance: SaeInstance): Float64Array {
  const layout = saeLayout(spec);
  const m = spec.toyHidden;
  const params = new Float64Array(layout.count);
  for (let l = 0; l < spec.latents; l++) {
    const row = Array.from({ length: m }, (_, j) => standardNormal(instance.seed, l * m + j));
    const norm = Math.hypot(...row);
    row.forEach((g, j) => {
      params[layout.decoder + l * m + j] = g / norm;
      params[layout.encoder + l * m + j] = g / norm;
    });
  }
  return params;
}

/** h = W x: the toy model's hidden vector of sample x (W m×n row-major), into `h`. */
export function toyHidden(
  toyWeights: ArrayLike<number>,
  x: ArrayLike<number>,
  h: Float64Array,
): Float64Array {
  const m = h.length;
  const n = x.length;
  for (let j = 0; j < m; j++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += toyWeights[j * n + i] * x[i];
    h[j] = sum;
  }
  return h;
}

/**
 * The hidden vectors h_b = W x_b of `count` toy samples drawn at counter words (step, first + b),
 * the toy's data stream at training step `step` (or at {@link RESAMPLE_STEP}).
 */
export function toyHiddenBatch(
  spec: SaeSpec,
  instance: SaeInstance,
  step: number,
  first: number,
  count: number,
): Float64Array[] {
  const x = new Float64Array(spec.toyFeatures);
  return Array.from({ length: count }, (_, b) => {
    drawSample(x, INDEPENDENT_DATA, instance.density, instance.dataSeed, step, first + b);
    return toyHidden(instance.toyWeights, x, new Float64Array(spec.toyHidden));
  });
}

/**
 * The SAE on one input: z = ReLU(W_enc h + b_enc) into `latents` (length d) and ĥ = W_decᵀ z + b_dec
 * into `out` (length m).
 */
export function saeForward(
  spec: SaeSpec,
  params: ArrayLike<number>,
  h: ArrayLike<number>,
  latents: Float64Array,
  out: Float64Array,
): void {
  const layout = saeLayout(spec);
  const { toyHidden: m, latents: d } = spec;
  for (let l = 0; l < d; l++) {
    let a = params[layout.encoderBias + l];
    for (let j = 0; j < m; j++) a += params[layout.encoder + l * m + j] * h[j];
    latents[l] = a > 0 ? a : 0;
  }
  for (let j = 0; j < m; j++) {
    let sum = params[layout.decoderBias + j];
    for (let l = 0; l < d; l++) sum += params[layout.decoder + l * m + j] * latents[l];
    out[j] = sum;
  }
}

/**
 * The batch loss L = (1/B) Σ_b [(1/m)‖ĥ_b − h_b‖² + λ‖z_b‖₁] and its gradient, added into `grads`:
 * g = 2(ĥ − h)/(m·B); ∂b_dec = Σ_b g; ∂W_dec[l,j] = Σ_b z_l g_j; δ_l = (Σ_j W_dec[l,j] g_j + λ/B)·[z_l > 0];
 * ∂W_enc[l,j] = Σ_b δ_l h_j; ∂b_enc[l] = Σ_b δ_l. `fired[l]` is set where z_l > 0 on some row.
 */
export function saeLossAndGradient(
  spec: SaeSpec,
  params: ArrayLike<number>,
  rows: Float64Array[],
  l1: number,
  grads: Float64Array,
  fired: Uint8Array,
): number {
  const layout = saeLayout(spec);
  const { toyHidden: m, latents: d } = spec;
  const batch = rows.length;
  const z = new Float64Array(d);
  const out = new Float64Array(m);
  const g = new Float64Array(m);
  let loss = 0;
  for (const h of rows) {
    saeForward(spec, params, h, z, out);
    let squared = 0;
    let sparsity = 0;
    for (let j = 0; j < m; j++) {
      const error = out[j] - h[j];
      squared += error * error;
      g[j] = 2 * error / (m * batch);
      grads[layout.decoderBias + j] += g[j];
    }
    for (let l = 0; l < d; l++) {
      sparsity += z[l];
      if (z[l] <= 0) continue;
      fired[l] = 1;
      let delta = l1 / batch;
      for (let j = 0; j < m; j++) {
        delta += params[layout.decoder + l * m + j] * g[j];
        grads[layout.decoder + l * m + j] += z[l] * g[j];
      }
      for (let j = 0; j < m; j++) grads[layout.encoder + l * m + j] += delta * h[j];
      grads[layout.encoderBias + l] += delta;
    }
    loss += squared / m + l1 * sparsity;
  }
  return loss / batch;
}

/** Rescales every decoder row to unit norm, W_dec[l] ← W_dec[l]/‖W_dec[l]‖ (a zero row stays zero). */
export function normalizeDecoder(spec: SaeSpec, params: Float64Array): void {
  const { decoder } = saeLayout(spec);
  const m = spec.toyHidden;
  for (let l = 0; l < spec.latents; l++) {
    let squared = 0;
    for (let j = 0; j < m; j++) squared += params[decoder + l * m + j] ** 2;
    if (squared <= 0) continue;
    const scale = 1 / Math.sqrt(squared);
    for (let j = 0; j < m; j++) params[decoder + l * m + j] *= scale;
  }
}

/** An SAE's trainable state between steps: θ, Adam's moments and each latent's steps since it fired. */
export interface SaeState {
  params: Float64Array;
  firstMoment: Float64Array;
  secondMoment: Float64Array;
  /** Per latent: consecutive steps (up to now) on which it fired on no batch row. */
  sinceFired: Uint32Array;
}

/**
 * Resampling round `round` of one instance, in place (the same on both trainers). Dead latents
 * (sinceFired ≥ window) get new directions: draw `candidates` inputs h_c at counter
 * (RESAMPLE_STEP, round·candidates + c), score each by its reconstruction loss ℓ_c = (1/m)‖ĥ_c − h_c‖²,
 * and for dead latent l pick c with probability ℓ_c² / Σ ℓ² (u from counter (RESAMPLE_STEP, round,
 * SET_LANE | l)); then W_dec[l] = v = (h_c − b_dec)/‖h_c − b_dec‖, W_enc[l] = s·r̄·v with r̄ the mean
 * norm of the alive encoder rows (1 if none), s = encoderScale, b_enc[l] = 0, their Adam moments
 * 0 and sinceFired[l] = 0. Returns the latents resampled.
 */
export function resampleDeadLatents(
  spec: SaeSpec,
  instance: SaeInstance,
  state: SaeState,
  round: number,
): number[] {
  const { resample, toyHidden: m, latents: d } = spec;
  const layout = saeLayout(spec);
  const dead = Array.from({ length: d }, (_, l) => l).filter((l) =>
    state.sinceFired[l] >= resample.window
  );
  if (dead.length === 0) return [];
  const inputs = toyHiddenBatch(
    spec,
    instance,
    RESAMPLE_STEP,
    round * resample.candidates,
    resample.candidates,
  );
  const z = new Float64Array(d);
  const out = new Float64Array(m);
  const weights = inputs.map((h) => {
    saeForward(spec, state.params, h, z, out);
    let squared = 0;
    for (let j = 0; j < m; j++) squared += (out[j] - h[j]) ** 2;
    return (squared / m) ** 2;
  });
  const total = weights.reduce((sum, w) => sum + w, 0);
  if (!(total > 0)) return [];
  const alive = Array.from({ length: d }, (_, l) => l).filter((l) => !dead.includes(l));
  const rowNorm = (l: number) =>
    Math.hypot(...Array.from({ length: m }, (_, j) => state.params[layout.encoder + l * m + j]));
  const meanAlive = alive.length > 0
    ? alive.reduce((sum, l) => sum + rowNorm(l), 0) / alive.length
    : 1;
  const resampled: number[] = [];
  for (const l of dead) {
    const target = unitFloat(pcg4d(instance.dataSeed, RESAMPLE_STEP, round, SET_LANE | l)[0]) *
      total;
    let c = 0;
    for (let sum = weights[0]; sum <= target && c < inputs.length - 1; sum += weights[++c]);
    const v = Array.from(
      { length: m },
      (_, j) => inputs[c][j] - state.params[layout.decoderBias + j],
    );
    const norm = Math.hypot(...v);
    if (!(norm > 0)) continue;
    const blocks: [number, number][] = [
      [layout.encoder + l * m, m],
      [layout.encoderBias + l, 1],
      [layout.decoder + l * m, m],
    ];
    for (const [start, length] of blocks) {
      state.firstMoment.fill(0, start, start + length);
      state.secondMoment.fill(0, start, start + length);
    }
    for (let j = 0; j < m; j++) {
      state.params[layout.decoder + l * m + j] = v[j] / norm;
      state.params[layout.encoder + l * m + j] = resample.encoderScale * meanAlive * v[j] / norm;
    }
    state.params[layout.encoderBias + l] = 0;
    state.sinceFired[l] = 0;
    resampled.push(l);
  }
  return resampled;
}

/** A fresh state for an instance: {@link saeInitialParams}, zero moments, every latent just alive. */
export function initialSaeState(spec: SaeSpec, instance: SaeInstance): SaeState {
  const params = saeInitialParams(spec, instance);
  return {
    params,
    firstMoment: new Float64Array(params.length),
    secondMoment: new Float64Array(params.length),
    sinceFired: new Uint32Array(spec.latents),
  };
}

/** The resampling rounds of a run: the step count after which each happens → its round 0, 1, …. */
export function resampleRounds(spec: SaeSpec): Map<number, number> {
  const steps = [...new Set(spec.resample.steps)].sort((a, b) => a - b);
  return new Map(steps.map((step, round) => [step, round]));
}
