/**
 * @module
 * Training entry point: runs a {@link RunSpec} on the WebGPU trainer or the CPU reference trainer
 * and returns every instance's parameters, loss curve, snapshots, and best-of-k selection.
 */
import type { RunSpec } from "./spec.ts";
import { validateRun } from "./spec.ts";
import type { Backend, ProgressCallback, TrainResult } from "./result.ts";
import type { KernelChoice } from "./webgpu/trainer.ts";

/** Options of {@link train}. */
export interface TrainOptions {
  backend: Backend;
  onProgress?: ProgressCallback;
  /** WebGPU only: force a driver (tests compare them all with the CPU); default "auto". */
  kernel?: KernelChoice;
}

/** Validates a run and trains it on the chosen backend. */
export async function train(run: RunSpec, options: TrainOptions): Promise<TrainResult> {
  validateRun(run);
  if (options.backend === "cpu") {
    const { trainCpu } = await import("./cpu/trainer.ts");
    return trainCpu(run, options.onProgress);
  }
  const { trainWebGpu } = await import("./webgpu/trainer.ts");
  return trainWebGpu(run, options.onProgress, options.kernel);
}
