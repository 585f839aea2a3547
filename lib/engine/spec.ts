/**
 * @module
 * Model and run specifications: one description of every toy model in the paper,
 * the data it sees, how it is optimised, and the instances trained side by side.
 * Both trainers (WebGPU and CPU) take a {@link RunSpec}; {@link validateRun} checks
 * it and names the field and its accepted range when something is off.
 */
import { UserError } from "./errors.ts";
import { instanceSeed } from "./rng.ts";

/** A pointwise activation: identity or ReLU. */
export type Activation = "identity" | "relu";

/**
 * A toy model with n features and m hidden dimensions.
 * Tied: x' = act_out(Wᵀ act_hid(W x) + b), W m×n (linear, ReLU-output, privileged-basis models).
 * Untied: y' = act_out(W₂ act_hid(W₁ x) + b), W₁ m×n, W₂ n×m (computation in superposition).
 * The target is |x| (the identity for non-negative data), as in the notebook's `batch.abs()`.
 */
export interface ModelSpec {
  n: number;
  m: number;
  tied: boolean;
  hidden: Activation;
  output: Activation;
}

/** Linear model: x' = WᵀW x + b. */
export function linearModel(n: number, m: number): ModelSpec {
  return { n, m, tied: true, hidden: "identity", output: "identity" };
}

/** ReLU-output model: x' = ReLU(WᵀW x + b). */
export function reluOutputModel(n: number, m: number): ModelSpec {
  return { n, m, tied: true, hidden: "identity", output: "relu" };
}

/** Privileged-basis model: h = ReLU(W x), x' = ReLU(Wᵀ h + b). */
export function reluHiddenModel(n: number, m: number): ModelSpec {
  return { n, m, tied: true, hidden: "relu", output: "relu" };
}

/** Absolute-value model: h = ReLU(W₁ x), y' = ReLU(W₂ h + b), trained on the target |x|. */
export function absValueModel(n: number, m: number): ModelSpec {
  return { n, m, tied: false, hidden: "relu", output: "relu" };
}

/**
 * How features co-occur. Features form consecutive sets of `setSize`; one draw u per set decides:
 * independent (setSize 1): x_i ≠ 0 iff u_i < p_i; correlated: every member i is active iff u < p_i
 * (equal densities: the whole set is zero together); anticorrelated (paper's convention): one member
 * chosen as ⌊v·setSize⌋ from the set draw v, active iff u < p_i, the others zero (marginal density p_i/setSize).
 */
export type Correlation = "independent" | "correlated" | "anticorrelated";

/** The data distribution of a run. */
export interface DataSpec {
  correlation: Correlation;
  /** Features per set (consecutive indices); 1 for independent features. */
  setSize: number;
  /** Non-zero values: "unit" U[0,1], or "signed" U[−1,1] (the absolute-value task). */
  values: "unit" | "signed";
  /** 0: a fresh batch every step (infinite data). T > 0: a fixed dataset of T samples. */
  datasetSize: number;
  /** Rescale every sample to unit norm, x ← x/‖x‖ (the double-descent follow-up). */
  normalize: boolean;
}

/** Learning-rate multiplier over training: constant, linear 1 − t/T, the notebook's cosine, or warm-up then cosine. */
export type Schedule = "constant" | "linear" | "cosine" | "warmup_cosine";

/** AdamW (decoupled weight decay) or Adam (weight decay added to the gradient), as in PyTorch. */
export interface OptimizerSpec {
  kind: "adamw" | "adam";
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  schedule: Schedule;
  /** Warm-up steps for "warmup_cosine". */
  warmupSteps: number;
}

/**
 * Initial weights. "notebook": xavier-normal on the notebook's 3-D tensor (instances, n, m), whose
 * fan quirk gives std = √(2/(m·(n + fanInstances))); "xavier": std = √(2/(n + m)).
 * Biases start at zero. An instance's `initialParams` overrides either.
 */
export type InitSpec = { kind: "notebook"; fanInstances: number } | { kind: "xavier" };

/** One independently trained model: its own importance and density vectors and seeds. */
export interface InstanceSpec {
  /** I_i, length n. */
  importance: number[];
  /** p_i = 1 − S_i, length n. */
  density: number[];
  /** Seed of the initial weights. */
  seed: number;
  /** Seed of the data stream (fresh batches, or the fixed dataset). */
  dataSeed: number;
  /** Index of the configuration this instance restarts (best-of-k groups). */
  config: number;
  /** Optional initial parameters, laid out as {@link paramLayout}. */
  initialParams?: ArrayLike<number>;
}

/** A run: many instances of one model shape, trained together. */
export interface RunSpec {
  model: ModelSpec;
  data: DataSpec;
  optimizer: OptimizerSpec;
  init: InitSpec;
  batch: number;
  steps: number;
  /** λ of the L1 penalty λ·(1/B)Σ_b ‖h_b‖₁ on hidden activations (0: none). */
  l1: number;
  instances: InstanceSpec[];
  /** Steps after which W, b and the loss are recorded (0 = the initial weights). */
  snapshotSteps: number[];
}

/** The notebook's optimiser: AdamW, lr 1e-3, β = (0.9, 0.999), ε = 1e-8, weight decay 0.01, constant. */
export const NOTEBOOK_OPTIMIZER: OptimizerSpec = {
  kind: "adamw",
  lr: 1e-3,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0.01,
  schedule: "constant",
  warmupSteps: 0,
};

/** Independent features with values in U[0,1], fresh every step. */
export const INDEPENDENT_DATA: DataSpec = {
  correlation: "independent",
  setSize: 1,
  values: "unit",
  datasetSize: 0,
  normalize: false,
};

/** Where each parameter block starts in an instance's flat parameter vector [W₁ | W₂ | b]. */
export interface ParamLayout {
  /** W (or W₁), m×n row-major: W[j·n + i]. */
  w1: number;
  /** W₂, n×m row-major (untied only; when tied it starts where b does and holds nothing). */
  w2: number;
  /** b, length n. */
  bias: number;
  /** Parameters per instance: m·n (tied) or 2·m·n (untied), plus n. */
  count: number;
}

/** The parameter layout of a model: [W₁ (m·n) | W₂ (n·m, untied only) | b (n)]. */
export function paramLayout(model: ModelSpec): ParamLayout {
  const mn = model.m * model.n;
  const w2 = mn;
  const bias = model.tied ? mn : 2 * mn;
  return { w1: 0, w2, bias, count: bias + model.n };
}

/** W (or W₁) of an instance: the first m·n parameters, row-major m×n (W[j·n + i] = (W_i)_j). */
export function weightMatrix(model: ModelSpec, params: ArrayLike<number>): Float64Array {
  const { w1 } = paramLayout(model);
  return Float64Array.from({ length: model.m * model.n }, (_, k) => params[w1 + k]);
}

/**
 * The output weights of an instance as the n×m matrix W₂ (row-major W₂[i·m + j], neuron j to
 * output i): W₂ itself when untied, Wᵀ when tied.
 */
export function outputMatrix(model: ModelSpec, params: ArrayLike<number>): Float64Array {
  const { n, m } = model;
  const { w1, w2 } = paramLayout(model);
  return Float64Array.from(
    { length: n * m },
    (_, k) => model.tied ? params[w1 + (k % m) * n + Math.floor(k / m)] : params[w2 + k],
  );
}

/** The bias b ∈ Rⁿ of an instance. */
export function biasVector(model: ModelSpec, params: ArrayLike<number>): Float64Array {
  const { bias } = paramLayout(model);
  return Float64Array.from({ length: model.n }, (_, i) => params[bias + i]);
}

/** The model names written in the `model` column. */
export type ModelName = "linear" | "relu_output" | "relu_hidden" | "abs";

/**
 * The name of a model, derived from its shape in one place:
 * x' = WᵀW x + b → "linear"; x' = ReLU(WᵀW x + b) → "relu_output";
 * x' = ReLU(Wᵀ ReLU(W x) + b) → "relu_hidden"; untied y' = ReLU(W₂ ReLU(W₁ x) + b) → "abs".
 * Throws for a combination no section uses (e.g. a tied ReLU hidden layer with a linear output).
 */
export function modelName(model: ModelSpec): ModelName {
  if (!model.tied) return "abs";
  if (model.hidden === "identity" && model.output === "identity") return "linear";
  if (model.hidden === "identity" && model.output === "relu") return "relu_output";
  if (model.hidden === "relu" && model.output === "relu") return "relu_hidden";
  throw new Error(`no name for model ${JSON.stringify(model)}`);
}

/**
 * The notebook's geometric sweeps: base^−t for t = linspace(from, to, count), by default from 1
 * down to 1/base (`20 ** -linspace(0, 1, k)` densities, `100 ** -linspace(0, 1, n)` importances;
 * ARENA's correlated densities `400 ** -linspace(0.5, 1, 5)`).
 */
export function powerSweep(base: number, count: number, from = 0, to = 1): number[] {
  return Array.from(
    { length: count },
    (_, t) => base ** -(count === 1 ? from : from + (to - from) * t / (count - 1)),
  );
}

/** `count` log-spaced values from `from` to `to` inclusive (the phase and perturbation grids). */
export function logSpace(from: number, to: number, count: number): number[] {
  if (count === 1) return [from];
  const [a, b] = [Math.log10(from), Math.log10(to)];
  return Array.from({ length: count }, (_, t) => 10 ** (a + (b - a) * t / (count - 1)));
}

/** Geometric importance I_i = ratio^i for i = 0 … n−1 (the paper's 0.9^i, 0.7^i, 0.75^i, 0.8^i). */
export function geometricImportance(ratio: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => ratio ** i);
}

/** Configuration of one point of a sweep: the importance and density vectors it trains with. */
export interface SweepPoint {
  importance: number[];
  density: number[];
}

/**
 * One point per density p of `densities`, in order: importance I (copied per point) and the
 * uniform density vector p_i = p for i = 0 … n−1, n = |I|.
 */
export function densitySweep(
  importance: readonly number[],
  densities: readonly number[],
): SweepPoint[] {
  return densities.map((p) => ({
    importance: [...importance],
    density: Array<number>(importance.length).fill(p),
  }));
}

/**
 * Instances for a sweep with best-of-k: each point gets `restarts` instances with distinct seeds,
 * seed_k = instanceSeed(runSeed, k), sharing the point's index as `config`.
 */
export function sweepInstances(
  points: SweepPoint[],
  restarts: number,
  runSeed: number,
): InstanceSpec[] {
  const instances: InstanceSpec[] = [];
  for (let restart = 0; restart < restarts; restart++) {
    points.forEach((point, config) => {
      const seed = instanceSeed(runSeed, instances.length);
      instances.push({ ...point, seed, dataSeed: seed, config });
    });
  }
  return instances;
}

/** The notebook's batch size. */
export const NOTEBOOK_BATCH = 1024;

/** How a sweep trains; every field left out takes the notebook's setting. */
export interface SweepTraining {
  steps: number;
  /** Best-of-k restarts per point (default 1). */
  restarts?: number;
  /** Run seed (default 0). */
  seed?: number;
  /** Default {@link NOTEBOOK_BATCH}. */
  batch?: number;
  /** Default {@link NOTEBOOK_OPTIMIZER}. */
  optimizer?: OptimizerSpec;
  /** Default {@link INDEPENDENT_DATA}. */
  data?: DataSpec;
  /** λ of the L1 penalty on h (default 0). */
  l1?: number;
  snapshotSteps?: number[];
}

/**
 * A run of `model` over sweep points, `restarts` instances each ({@link sweepInstances}), with
 * the notebook's defaults and its xavier init, whose fan counts the points (its `n_instances`).
 */
export function notebookRun(
  model: ModelSpec,
  points: SweepPoint[],
  training: SweepTraining,
): RunSpec {
  return {
    model,
    data: training.data ?? INDEPENDENT_DATA,
    optimizer: training.optimizer ?? NOTEBOOK_OPTIMIZER,
    init: { kind: "notebook", fanInstances: points.length },
    batch: training.batch ?? NOTEBOOK_BATCH,
    steps: training.steps,
    l1: training.l1 ?? 0,
    instances: sweepInstances(points, training.restarts ?? 1, training.seed ?? 0),
    snapshotSteps: training.snapshotSteps ?? [],
  };
}

/** Largest hidden dimension m the kernels support (per-invocation accumulators). */
export const MAX_HIDDEN = 64;

/** Throws a {@link UserError} naming `field` unless `value` is an integer in [min, max]. */
export function requireInteger(field: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UserError(`${field} must be an integer in [${min}, ${max}] (got ${value})`);
  }
}

/** Throws a {@link UserError} naming `field` unless `value` is a finite number in [min, max]. */
export function requireNumber(field: string, value: number, min: number, max: number): void {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new UserError(`${field} must be a number in [${min}, ${max}] (got ${value})`);
  }
}

function requireOneOf<T extends string>(field: string, value: T, accepted: readonly T[]): void {
  if (!accepted.includes(value)) {
    throw new UserError(`${field} must be one of ${accepted.join(", ")} (got ${value})`);
  }
}

/** Checks every field of a run; throws a {@link UserError} naming the first bad field and its range. */
export function validateRun(run: RunSpec): void {
  const { model, data, optimizer } = run;
  requireInteger("model.n", model.n, 1, 100_000);
  requireInteger("model.m", model.m, 1, MAX_HIDDEN);
  requireOneOf("model.hidden", model.hidden, ["identity", "relu"]);
  requireOneOf("model.output", model.output, ["identity", "relu"]);
  requireOneOf("data.correlation", data.correlation, [
    "independent",
    "correlated",
    "anticorrelated",
  ]);
  requireInteger("data.setSize", data.setSize, 1, Math.min(255, model.n));
  if (model.n % data.setSize !== 0) {
    throw new UserError(`data.setSize must divide model.n = ${model.n} (got ${data.setSize})`);
  }
  if (data.correlation === "independent" && data.setSize !== 1) {
    throw new UserError(`data.setSize must be 1 for independent features (got ${data.setSize})`);
  }
  requireOneOf("data.values", data.values, ["unit", "signed"]);
  requireInteger("data.datasetSize", data.datasetSize, 0, 65_536);
  requireOneOf("optimizer.kind", optimizer.kind, ["adamw", "adam"]);
  requireNumber("optimizer.lr", optimizer.lr, 0, 10);
  requireNumber("optimizer.beta1", optimizer.beta1, 0, 0.999999);
  requireNumber("optimizer.beta2", optimizer.beta2, 0, 0.999999);
  requireNumber("optimizer.eps", optimizer.eps, 0, 1);
  requireNumber("optimizer.weightDecay", optimizer.weightDecay, 0, 100);
  requireOneOf("optimizer.schedule", optimizer.schedule, [
    "constant",
    "linear",
    "cosine",
    "warmup_cosine",
  ]);
  requireInteger("optimizer.warmupSteps", optimizer.warmupSteps, 0, run.steps);
  if (run.init.kind === "notebook") {
    requireInteger("init.fanInstances", run.init.fanInstances, 1, 1_000_000);
  }
  requireInteger("batch", run.batch, 1, 65_536);
  requireInteger("steps", run.steps, 1, 10_000_000);
  requireNumber("l1", run.l1, 0, 1e6);
  if (run.instances.length === 0) throw new UserError("instances must not be empty");
  const count = paramLayout(model).count;
  run.instances.forEach((instance, k) => {
    if (instance.importance.length !== model.n) {
      throw new UserError(`instances[${k}].importance must have n = ${model.n} entries`);
    }
    if (instance.density.length !== model.n) {
      throw new UserError(`instances[${k}].density must have n = ${model.n} entries`);
    }
    instance.importance.forEach((v, i) =>
      requireNumber(`instances[${k}].importance[${i}]`, v, 0, 1e6)
    );
    instance.density.forEach((v, i) => requireNumber(`instances[${k}].density[${i}]`, v, 0, 1));
    requireInteger(`instances[${k}].seed`, instance.seed, 0, 0xffffffff);
    requireInteger(`instances[${k}].dataSeed`, instance.dataSeed, 0, 0xffffffff);
    if (instance.initialParams && instance.initialParams.length !== count) {
      throw new UserError(`instances[${k}].initialParams must have ${count} entries`);
    }
  });
  for (const step of run.snapshotSteps) requireInteger("snapshotSteps[]", step, 0, run.steps);
}
