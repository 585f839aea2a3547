/**
 * @module
 * The SAE reference trainer: the math of `lib/engine/sae.ts` in f64, one instance after another,
 * in the order the WGSL kernels (`shaders/sae.wgsl`) follow. It is their oracle and the fallback
 * where no WebGPU adapter exists.
 */
import { adamStep, lrScale } from "../optim.ts";
import { assembleResult, type ProgressCallback, type TrainResult } from "../result.ts";
import {
  initialSaeState,
  normalizeDecoder,
  resampleDeadLatents,
  resampleRounds,
  saeLossAndGradient,
  type SaeRun,
  toyHiddenBatch,
} from "../sae.ts";

/**
 * Trains every SAE of a run: at step t the batch h_b = W x_b (b < B) of the toy's stream at t, the
 * loss and gradient, the latents' firing record, the optimiser step at count t + 1, the decoder
 * rows' renormalisation, and after the resampling steps the dead latents' resampling.
 */
export function trainSaeCpu(run: SaeRun, onProgress?: ProgressCallback): TrainResult {
  const started = performance.now();
  const { sae, optimizer, steps, batch } = run;
  const rounds = resampleRounds(sae);
  const params: Float64Array[] = [];
  const losses: Float32Array[] = [];
  const total = steps * run.instances.length;
  run.instances.forEach((instance, k) => {
    const state = initialSaeState(sae, instance);
    const grads = new Float64Array(state.params.length);
    const fired = new Uint8Array(sae.latents);
    const curve = new Float32Array(steps);
    for (let step = 0; step < steps; step++) {
      const rows = toyHiddenBatch(sae, instance, step, 0, batch);
      grads.fill(0);
      fired.fill(0);
      curve[step] = saeLossAndGradient(sae, state.params, rows, instance.l1, grads, fired);
      fired.forEach((on, l) => state.sinceFired[l] = on ? 0 : state.sinceFired[l] + 1);
      const lr = Math.fround(optimizer.lr) * lrScale(optimizer, step, steps);
      adamStep(
        optimizer,
        state.params,
        grads,
        state.firstMoment,
        state.secondMoment,
        step + 1,
        lr,
      );
      normalizeDecoder(sae, state.params);
      const round = rounds.get(step + 1);
      if (round !== undefined) resampleDeadLatents(sae, instance, state, round);
      if (onProgress && step % 100 === 99) onProgress(k * steps + step + 1, total);
    }
    params.push(state.params);
    losses.push(curve);
  });
  return assembleResult("cpu", run, params, losses, [], started);
}
