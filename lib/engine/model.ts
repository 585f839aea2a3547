/**
 * @module
 * The toy models' forward and backward passes on the CPU in f64: the reference that the WGSL
 * kernels (`shaders/common.wgsl`, `fused.wgsl`, `split.wgsl`) are tested against, phase for phase.
 */
import { type Activation, type ModelSpec, paramLayout } from "./spec.ts";

function activate(kind: Activation, value: number): number {
  return kind === "relu" && value <= 0 ? 0 : value;
}

function slope(kind: Activation, value: number): number {
  return kind === "relu" && value <= 0 ? 0 : 1;
}

/** Reads W₂(i, j), the weight from hidden unit j to output i: W₁[j, i] when tied (Wᵀ), else W₂[i, j]. */
export function outputWeightIndex(model: ModelSpec, i: number, j: number): number {
  const layout = paramLayout(model);
  return model.tied ? j * model.n + i : layout.w2 + i * model.m + j;
}

/**
 * The model's output for one input: z = W₁x, h = act_hid(z), x' = act_out(W₂h + b) (W₂ = W₁ᵀ when
 * tied), written into `out` (length n) with `hidden` (length m) as scratch.
 */
export function forward(
  model: ModelSpec,
  params: ArrayLike<number>,
  x: ArrayLike<number>,
  out: Float64Array = new Float64Array(model.n),
  hidden: Float64Array = new Float64Array(model.m),
): Float64Array {
  const { n, m } = model;
  const bias = paramLayout(model).bias;
  for (let j = 0; j < m; j++) {
    let z = 0;
    for (let i = 0; i < n; i++) z += params[j * n + i] * x[i];
    hidden[j] = activate(model.hidden, z);
  }
  for (let i = 0; i < n; i++) {
    let o = params[bias + i];
    for (let j = 0; j < m; j++) o += params[outputWeightIndex(model, i, j)] * hidden[j];
    out[i] = activate(model.output, o);
  }
  return out;
}

/**
 * The training loss on one batch and its gradient (added into `grads`), in the notebook's
 * normalisation: L = (1/(B·n)) Σ_b Σ_i I_i (x'_i − |x_i|)² + λ·(1/B) Σ_b Σ_j |h_j|.
 * Backward: g_i = 2 I_i (x'_i − |x_i|)/(B·n) · act_out'(o_i); ∂b_i = Σ_b g_i; ∂W₂(i,j) = Σ_b h_j g_i;
 * ∂W₁(j,i) = Σ_b (Σ_i' W₂(i',j) g_i' + λ/B · sign h_j) · act_hid'(z_j) · x_i (tied: both terms on W).
 */
export function lossAndGradient(
  model: ModelSpec,
  params: ArrayLike<number>,
  batch: Float64Array[],
  importance: ArrayLike<number>,
  l1: number,
  grads: Float64Array,
): number {
  const { n, m } = model;
  const bias = paramLayout(model).bias;
  const rows = batch.length;
  const errorScale = 1 / (rows * n);
  const z = new Float64Array(m);
  const h = new Float64Array(m);
  const hiddenGrad = new Float64Array(m);
  let loss = 0;
  for (const x of batch) {
    for (let j = 0; j < m; j++) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += params[j * n + i] * x[i];
      z[j] = sum;
      h[j] = activate(model.hidden, sum);
      hiddenGrad[j] = l1 * Math.sign(h[j]) / rows;
      loss += l1 * Math.abs(h[j]) / rows;
    }
    for (let i = 0; i < n; i++) {
      let o = params[bias + i];
      for (let j = 0; j < m; j++) o += params[outputWeightIndex(model, i, j)] * h[j];
      const error = activate(model.output, o) - Math.abs(x[i]);
      loss += importance[i] * error * error * errorScale;
      const g = 2 * importance[i] * error * errorScale * slope(model.output, o);
      if (g === 0) continue;
      grads[bias + i] += g;
      for (let j = 0; j < m; j++) {
        const w = outputWeightIndex(model, i, j);
        grads[w] += h[j] * g;
        hiddenGrad[j] += params[w] * g;
      }
    }
    for (let j = 0; j < m; j++) {
      const gz = hiddenGrad[j] * slope(model.hidden, z[j]);
      if (gz === 0) continue;
      for (let i = 0; i < n; i++) grads[j * n + i] += gz * x[i];
    }
  }
  return loss;
}
