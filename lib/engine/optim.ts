/**
 * @module
 * Learning-rate schedules and the AdamW / Adam update, exactly as PyTorch computes them.
 * `shaders/common.wgsl` applies the same formulas per parameter on the GPU.
 */
import type { OptimizerSpec } from "./spec.ts";

/**
 * The learning-rate multiplier at 0-based step t of T: constant 1; linear 1 − t/T; cosine
 * cos(π/2 · t/(T−1)) (the notebook's); warmup_cosine (t+1)/W for t < W, then ½(1 + cos(π(t−W)/(T−W))).
 */
export function lrScale(optimizer: OptimizerSpec, step: number, steps: number): number {
  switch (optimizer.schedule) {
    case "constant":
      return 1;
    case "linear":
      return 1 - step / steps;
    case "cosine":
      return steps > 1 ? Math.cos(0.5 * Math.PI * step / (steps - 1)) : 1;
    case "warmup_cosine": {
      const warmup = optimizer.warmupSteps;
      if (step < warmup) return (step + 1) / warmup;
      return 0.5 * (1 + Math.cos(Math.PI * (step - warmup) / (steps - warmup)));
    }
  }
}

/**
 * One optimiser step at 1-based count t with learning rate η, in place. AdamW (decoupled):
 * θ ← θ(1 − η·wd); Adam: g ← g + wd·θ. Then m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g²,
 * θ ← θ − η · (m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε). Hyperparameters are rounded to f32, as on the GPU.
 */
export function adamStep(
  optimizer: OptimizerSpec,
  params: Float64Array,
  grads: Float64Array,
  firstMoment: Float64Array,
  secondMoment: Float64Array,
  t: number,
  lr: number,
): void {
  const beta1 = Math.fround(optimizer.beta1);
  const beta2 = Math.fround(optimizer.beta2);
  const eps = Math.fround(optimizer.eps);
  const decay = Math.fround(optimizer.weightDecay);
  const correction1 = 1 - Math.pow(beta1, t);
  const correction2 = 1 - Math.pow(beta2, t);
  for (let k = 0; k < params.length; k++) {
    let g = grads[k];
    if (optimizer.kind === "adamw") params[k] *= 1 - lr * decay;
    else g += decay * params[k];
    firstMoment[k] = beta1 * firstMoment[k] + (1 - beta1) * g;
    secondMoment[k] = beta2 * secondMoment[k] + (1 - beta2) * g * g;
    const mHat = firstMoment[k] / correction1;
    const vHat = secondMoment[k] / correction2;
    params[k] -= lr * mHat / (Math.sqrt(vHat) + eps);
  }
}
