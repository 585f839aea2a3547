/**
 * @module
 * The CPU reference trainer: the same model, data stream, loss and optimiser as the WGSL kernel,
 * in f64 TypeScript, one instance after another. It is the oracle for the WebGPU trainer and
 * the fallback where no WebGPU adapter exists (`--backend cpu`).
 */
import { drawBatch } from "../data.ts";
import { initialParams } from "../init.ts";
import { lossAndGradient } from "../model.ts";
import { adamStep, lrScale } from "../optim.ts";
import type { RunSpec } from "../spec.ts";
import {
  assembleResult,
  type ProgressCallback,
  type SnapshotParams,
  type TrainResult,
} from "../result.ts";

/** Trains every instance of a run for `steps` AdamW/Adam steps on fresh (or fixed) batches. */
export function trainCpu(run: RunSpec, onProgress?: ProgressCallback): TrainResult {
  const started = performance.now();
  const { model, optimizer, steps, batch } = run;
  const snapshotSteps = [...new Set(run.snapshotSteps)].sort((a, b) => a - b);
  const snapshots: SnapshotParams[] = snapshotSteps.map((step) => ({ step, params: [] }));
  const params: Float64Array[] = [];
  const losses: Float32Array[] = [];
  const total = steps * run.instances.length;
  run.instances.forEach((instance, k) => {
    const theta = initialParams(model, run.init, instance);
    const grads = new Float64Array(theta.length);
    const firstMoment = new Float64Array(theta.length);
    const secondMoment = new Float64Array(theta.length);
    const curve = new Float32Array(steps);
    const record = (step: number) => {
      snapshotSteps.forEach((s, slot) => {
        if (s === step) snapshots[slot].params.push(theta.slice());
      });
    };
    record(0);
    for (let step = 0; step < steps; step++) {
      const rows = drawBatch(run.data, instance.density, instance.dataSeed, step, batch);
      grads.fill(0);
      curve[step] = lossAndGradient(model, theta, rows, instance.importance, run.l1, grads);
      const lr = Math.fround(optimizer.lr) * lrScale(optimizer, step, steps);
      adamStep(optimizer, theta, grads, firstMoment, secondMoment, step + 1, lr);
      record(step + 1);
      if (onProgress && step % 100 === 99) onProgress(k * steps + step + 1, total);
    }
    params.push(theta);
    losses.push(curve);
  });
  return assembleResult("cpu", run, params, losses, snapshots, started);
}
