/**
 * @module
 * What a trainer returns: every instance's parameters, loss curve and snapshots, its final loss
 * (the mean of the last batches) and the best-of-k selection. Both trainers build it with
 * {@link assembleResult}; nothing here depends on a trainer.
 */
import type { RunSpec } from "./spec.ts";

/** Which trainer runs: WGSL kernels through WebGPU, or the f64 CPU reference. */
export type Backend = "webgpu" | "cpu";

/** Called now and then with the optimisation steps done and the total (summed over instances for the CPU). */
export type ProgressCallback = (done: number, total: number) => void;

/** Parameters and loss of every instance after `step` optimisation steps. */
export interface Snapshot {
  step: number;
  /** Per instance, laid out as `paramLayout(model)`. */
  params: Float64Array[];
  /** Per instance: the batch loss of these parameters (at the last step: the final loss estimate). */
  loss: number[];
}

/** What a trainer returns. */
export interface TrainResult {
  backend: Backend;
  /** Final parameters per instance, laid out as `paramLayout(model)`. */
  params: Float64Array[];
  /** Per instance, the batch loss at every step t = 0..steps−1 (parameters after t updates). */
  losses: Float32Array[];
  /** Per instance, the mean batch loss over the last {@link finalLossWindow} steps. */
  finalLoss: number[];
  /** Per instance, false where its final loss or a parameter is NaN or ±∞ (it diverged). */
  finite: boolean[];
  /** Per instance, true for the lowest final loss among the finite restarts of its configuration. */
  selected: boolean[];
  snapshots: Snapshot[];
  seconds: number;
}

/** Steps averaged into the final loss: min(100, ⌈steps/10⌉). */
export function finalLossWindow(steps: number): number {
  return Math.min(100, Math.ceil(steps / 10));
}

/** Mean of the last {@link finalLossWindow} entries of a loss curve. */
export function finalLoss(curve: ArrayLike<number>): number {
  const window = finalLossWindow(curve.length);
  let sum = 0;
  for (let t = curve.length - window; t < curve.length; t++) sum += curve[t];
  return sum / window;
}

/**
 * True where an instance's final loss and every parameter are finite. A NaN or ±∞ anywhere
 * means the training diverged; such an instance is never selected or drawn.
 */
export function instanceIsFinite(loss: number, params: ArrayLike<number>): boolean {
  if (!Number.isFinite(loss)) return false;
  for (let k = 0; k < params.length; k++) if (!Number.isFinite(params[k])) return false;
  return true;
}

/**
 * Best-of-k: marks, within each configuration, the instance with the lowest loss among those
 * whose `finite[k]` is true (default: whose loss is finite). A configuration whose restarts all
 * went non-finite has no selected instance.
 */
export function selectBest(
  configs: readonly number[],
  losses: readonly number[],
  finite: readonly boolean[] = losses.map(Number.isFinite),
): boolean[] {
  const best = new Map<number, number>();
  configs.forEach((config, k) => {
    if (!finite[k]) return;
    const current = best.get(config);
    if (current === undefined || losses[k] < losses[current]) best.set(config, k);
  });
  return configs.map((config, k) => best.get(config) === k);
}

/**
 * The selected instance of each configuration, in configuration order: result index k with
 * `selected[k]` for config c = 0, 1, …; −1 where a configuration has none (all non-finite).
 */
export function selectedInstances(run: RunSpec, selected: readonly boolean[]): number[] {
  const configs = 1 + Math.max(...run.instances.map((instance) => instance.config));
  const chosen = Array<number>(configs).fill(-1);
  run.instances.forEach((instance, k) => {
    if (selected[k]) chosen[instance.config] = k;
  });
  return chosen;
}

/** Parameters of every instance after `step` steps, before losses are attached. */
export interface SnapshotParams {
  step: number;
  params: Float64Array[];
}

/** What a result's shape depends on: the steps and each instance's configuration. */
export interface TrainedShape {
  steps: number;
  instances: readonly { config: number }[];
}

/**
 * Builds a trainer's result: final loss per instance (mean of the last window), each snapshot's
 * loss (the batch loss at its step; the final loss at the last step), best-of-k selection.
 */
export function assembleResult(
  backend: Backend,
  run: TrainedShape,
  params: Float64Array[],
  losses: Float32Array[],
  snapshotParams: SnapshotParams[],
  started: number,
): TrainResult {
  const final = losses.map(finalLoss);
  const finite = final.map((loss, k) => instanceIsFinite(loss, params[k]));
  const snapshots = snapshotParams.map(({ step, params }) => ({
    step,
    params,
    loss: losses.map((curve, k) => step < run.steps ? curve[step] : final[k]),
  }));
  return {
    backend,
    params,
    losses,
    finalLoss: final,
    finite,
    selected: selectBest(run.instances.map((instance) => instance.config), final, finite),
    snapshots,
    seconds: (performance.now() - started) / 1000,
  };
}
