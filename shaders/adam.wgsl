// The AdamW (or Adam) update of one parameter (lib/engine/optim.ts, adamStep), shared by the toy
// models' kernels (common.wgsl) and the SAE kernels (sae.wgsl).

struct AdamState {
  theta: f32,
  m: f32,
  v: f32,
}

// One step at 1-based count t with learning rate lr: decoupled (AdamW) θ ← θ(1 − lr·wd), else
// g ← g + wd·θ; m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − lr·m̂/(√v̂ + ε).
fn adam_step(
  state: AdamState,
  grad_in: f32,
  t: f32,
  lr: f32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  weight_decay: f32,
  decoupled: bool,
) -> AdamState {
  var theta = state.theta;
  var grad = grad_in;
  if (decoupled) {
    theta *= 1.0 - lr * weight_decay;
  } else {
    grad += weight_decay * theta;
  }
  let m = beta1 * state.m + (1.0 - beta1) * grad;
  let v = beta2 * state.v + (1.0 - beta2) * grad * grad;
  let m_hat = m / (1.0 - pow(beta1, t));
  let v_hat = v / (1.0 - pow(beta2, t));
  return AdamState(theta - lr * m_hat / (sqrt(v_hat) + eps), m, v);
}
