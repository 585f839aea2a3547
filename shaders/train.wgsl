// Trains many independent toy models at once (lib/webgpu_trainer.ts drives it; lib/model.ts,
// lib/data.ts and lib/optim.ts are the same math on the CPU). A training step has three phases:
//   1. per batch row: draw sample x_b into X and accumulate z_b = W₁ x_b over the non-zero x_i
//      only (input sparsity), into Z;
//   2. per batch row: h = act_hid(z), o = W₂ h + b, g = ∂L/∂o into G,
//      ∂L/∂z = (W₂ᵀ g + λ/B · sign h) ⊙ act_hid'(z) into GZ, and the row's loss;
//   3. per parameter: ∂θ = Σ_b over X, Z, G, GZ, then the AdamW (or Adam) update of θ and its
//      moments.
// Two drivers share these phase functions:
//   - `train_fused`: one workgroup per instance runs many whole steps inside one dispatch, with
//     barriers between the phases (no host round trip; best for small models);
//   - `embed_rows`, `backprop_rows`, `update_params`, `finish_step`: one dispatch per phase, many
//     workgroups per instance (grid y = instance), for models whose step is too long for one
//     workgroup. `finish_step` sums the row losses and advances the step counter.
// lavapipe (llvmpipe) ends any invocation after 65535 loop iterations in total, silently; the
// host bounds every invocation's iterations per dispatch (lib/webgpu_trainer.ts, loopBudget).
// Scratch per instance, row-major by sample: X (B·N) | G (B·N) | Z (B·M) | GZ (B·M) | loss (B).
// Parameters per instance: W₁ (M·N, W₁[j·N + i]) | W₂ (N·M, untied only) | b (N).

override N: u32;
override M: u32;
override BATCH: u32;
override WG: u32 = 64u;
override TIED: bool = true;
override HIDDEN_RELU: bool = false;
override OUTPUT_RELU: bool = true;
override CORRELATION: u32 = 0u; // 0 independent, 1 correlated, 2 anticorrelated
override SET_SIZE: u32 = 1u;
override SIGNED_VALUES: bool = false;
override DATASET_SIZE: u32 = 0u; // 0: fresh samples every step
override NORMALIZE: bool = false;
override DECOUPLED_DECAY: bool = true; // AdamW; false: Adam with the decay added to the gradient
override SCHEDULE: u32 = 0u; // 0 constant, 1 linear, 2 cosine, 3 warm-up then cosine

const MAX_HIDDEN: u32 = 64u;
const PI: f32 = 3.14159265358979;

struct Control {
  stop_at: u32,
  steps_per_dispatch: u32,
  total_steps: u32,
  warmup_steps: u32,
  lr: f32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  weight_decay: f32,
  l1: f32,
  instances: u32,
}

@group(0) @binding(0) var<uniform> control: Control;
@group(0) @binding(1) var<storage, read_write> params: array<f32>;
// Per instance: first moments (P) | second moments (P).
@group(0) @binding(2) var<storage, read_write> moments: array<f32>;
// Per instance: importance (N) | density (N).
@group(0) @binding(3) var<storage, read> features: array<f32>;
// Per instance: data seed, steps done.
@group(0) @binding(4) var<storage, read_write> counters: array<u32>;
@group(0) @binding(5) var<storage, read_write> scratch: array<f32>;
// Per instance: the batch loss of every step.
@group(0) @binding(6) var<storage, read_write> losses: array<f32>;

var<workgroup> loss_partials: array<f32, WG>;
var<workgroup> shared_step: u32;

fn scratch_base(inst: u32) -> u32 {
  return inst * BATCH * (2u * (N + M) + 1u);
}

fn row_loss_index(inst: u32, row: u32) -> u32 {
  return scratch_base(inst) + 2u * BATCH * (N + M) + row;
}

fn weight_count() -> u32 {
  return select(2u, 1u, TIED) * M * N;
}

fn param_count() -> u32 {
  return weight_count() + N;
}

// Index of W₂(i, j), the weight from hidden unit j to output i (W₁[j, i] when tied).
fn w2_index(i: u32, j: u32) -> u32 {
  if (TIED) {
    return j * N + i;
  }
  return M * N + i * M + j;
}

fn act_hidden(z: f32) -> f32 {
  return select(z, max(z, 0.0), HIDDEN_RELU);
}

fn slope_hidden(z: f32) -> f32 {
  return select(1.0, select(0.0, 1.0, z > 0.0), HIDDEN_RELU);
}

fn act_output(o: f32) -> f32 {
  return select(o, max(o, 0.0), OUTPUT_RELU);
}

fn slope_output(o: f32) -> f32 {
  return select(1.0, select(0.0, 1.0, o > 0.0), OUTPUT_RELU);
}

fn lr_scale(step: u32) -> f32 {
  let t = f32(step);
  let total = f32(control.total_steps);
  switch SCHEDULE {
    case 1u: {
      return 1.0 - t / total;
    }
    case 2u: {
      if (control.total_steps > 1u) {
        return cos(0.5 * PI * t / (total - 1.0));
      }
      return 1.0;
    }
    case 3u: {
      let warmup = f32(control.warmup_steps);
      if (step < control.warmup_steps) {
        return (t + 1.0) / warmup;
      }
      return 0.5 * (1.0 + cos(PI * (t - warmup) / (total - warmup)));
    }
    default: {
      return 1.0;
    }
  }
}

// Phase 1 for batch row `row`: draws the sample into X and writes z = W₁ x into Z.
fn draw_and_embed(inst: u32, step: u32, row: u32) {
  let p_base = inst * param_count();
  let f_base = inst * 2u * N;
  let s_base = scratch_base(inst);
  let x_base = s_base + row * N;
  let z_base = s_base + 2u * BATCH * N + row * M;
  let key = counters[inst * 2u];
  var counter = vec2<u32>(step, row);
  if (DATASET_SIZE > 0u) {
    let size = max(DATASET_SIZE, 1u); // never 0 here; keeps the override remainder well-defined
    let offset = ((step % size) * (BATCH % size)) % size;
    counter = vec2<u32>(DATASET_STEP, (offset + row) % size);
  }
  var z: array<f32, MAX_HIDDEN>;
  var set_draw = vec4<u32>(0u);
  var squared_norm = 0.0;
  for (var i = 0u; i < N; i++) {
    if (CORRELATION != 0u && i % SET_SIZE == 0u) {
      set_draw = pcg4d(vec4<u32>(key, counter.x, counter.y, SET_LANE | (i / SET_SIZE)));
    }
    let own = pcg4d(vec4<u32>(key, counter.x, counter.y, i));
    let density = features[f_base + N + i];
    var is_active: bool;
    if (CORRELATION == 0u) {
      is_active = unit_float(own.x) < density;
    } else if (CORRELATION == 1u) {
      is_active = unit_float(set_draw.x) < density;
    } else {
      let chosen = ((set_draw.y >> 8u) * SET_SIZE) >> 24u;
      is_active = i % SET_SIZE == chosen && unit_float(set_draw.x) < density;
    }
    let u = unit_float(own.y);
    var value = 0.0;
    if (is_active) {
      value = select(u, 2.0 * u - 1.0, SIGNED_VALUES);
    }
    scratch[x_base + i] = value;
    squared_norm += value * value;
    if (value != 0.0) {
      for (var j = 0u; j < M; j++) {
        z[j] += params[p_base + j * N + i] * value;
      }
    }
  }
  var scale = 1.0;
  if (NORMALIZE && squared_norm > 0.0) {
    scale = 1.0 / sqrt(squared_norm);
    for (var i = 0u; i < N; i++) {
      scratch[x_base + i] *= scale;
    }
  }
  for (var j = 0u; j < M; j++) {
    scratch[z_base + j] = z[j] * scale;
  }
}

// Phase 2 for batch row `row`: writes ∂L/∂o into G and ∂L/∂z into GZ; returns the row's loss.
fn output_and_backprop(inst: u32, row: u32) -> f32 {
  let p_base = inst * param_count();
  let f_base = inst * 2u * N;
  let s_base = scratch_base(inst);
  let x_base = s_base + row * N;
  let g_base = s_base + BATCH * N + row * N;
  let z_base = s_base + 2u * BATCH * N + row * M;
  let gz_base = s_base + 2u * BATCH * N + BATCH * M + row * M;
  let l1_scale = control.l1 / f32(BATCH);
  let error_scale = 1.0 / (f32(BATCH) * f32(N));
  var h: array<f32, MAX_HIDDEN>;
  var hidden_grad: array<f32, MAX_HIDDEN>;
  var loss = 0.0;
  for (var j = 0u; j < M; j++) {
    h[j] = act_hidden(scratch[z_base + j]);
    hidden_grad[j] = l1_scale * sign(h[j]);
    loss += l1_scale * abs(h[j]);
  }
  for (var i = 0u; i < N; i++) {
    var o = params[p_base + weight_count() + i];
    for (var j = 0u; j < M; j++) {
      o += params[p_base + w2_index(i, j)] * h[j];
    }
    let importance = features[f_base + i];
    let error = act_output(o) - abs(scratch[x_base + i]);
    loss += importance * error * error * error_scale;
    let g = 2.0 * importance * error * error_scale * slope_output(o);
    scratch[g_base + i] = g;
    if (g != 0.0) {
      for (var j = 0u; j < M; j++) {
        hidden_grad[j] += params[p_base + w2_index(i, j)] * g;
      }
    }
  }
  for (var j = 0u; j < M; j++) {
    scratch[gz_base + j] = hidden_grad[j] * slope_hidden(scratch[z_base + j]);
  }
  return loss;
}

// Phase 3 for parameter k: the batch-summed gradient ∂L/∂θ_k.
fn gradient(inst: u32, k: u32) -> f32 {
  let s_base = scratch_base(inst);
  let g_base = s_base + BATCH * N;
  let z_base = s_base + 2u * BATCH * N;
  let gz_base = z_base + BATCH * M;
  var grad = 0.0;
  if (k < M * N) {
    let j = k / N;
    let i = k % N;
    for (var b = 0u; b < BATCH; b++) {
      grad += scratch[gz_base + b * M + j] * scratch[s_base + b * N + i];
      if (TIED) {
        grad += act_hidden(scratch[z_base + b * M + j]) * scratch[g_base + b * N + i];
      }
    }
  } else if (k < weight_count()) {
    let i = (k - M * N) / M;
    let j = (k - M * N) % M;
    for (var b = 0u; b < BATCH; b++) {
      grad += act_hidden(scratch[z_base + b * M + j]) * scratch[g_base + b * N + i];
    }
  } else {
    let i = k - weight_count();
    for (var b = 0u; b < BATCH; b++) {
      grad += scratch[g_base + b * N + i];
    }
  }
  return grad;
}

// Phase 3: AdamW (or Adam) on parameter k at 1-based count t with learning rate lr.
fn adam_update(inst: u32, k: u32, grad_in: f32, t: f32, lr: f32) {
  let index = inst * param_count() + k;
  let first = inst * 2u * param_count() + k;
  let second = first + param_count();
  var theta = params[index];
  var grad = grad_in;
  if (DECOUPLED_DECAY) {
    theta *= 1.0 - lr * control.weight_decay;
  } else {
    grad += control.weight_decay * theta;
  }
  let m = control.beta1 * moments[first] + (1.0 - control.beta1) * grad;
  let v = control.beta2 * moments[second] + (1.0 - control.beta2) * grad * grad;
  moments[first] = m;
  moments[second] = v;
  let m_hat = m / (1.0 - pow(control.beta1, t));
  let v_hat = v / (1.0 - pow(control.beta2, t));
  params[index] = theta - lr * m_hat / (sqrt(v_hat) + control.eps);
}

// Phase 3 for parameter k at step `step`: gradient and optimiser update.
fn update(inst: u32, k: u32, step: u32) {
  adam_update(inst, k, gradient(inst, k), f32(step + 1u), control.lr * lr_scale(step));
}

@compute @workgroup_size(WG)
fn train_fused(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let inst = group.x;
  if (lid == 0u) {
    shared_step = counters[inst * 2u + 1u];
  }
  let start = workgroupUniformLoad(&shared_step);
  let end = min(start + control.steps_per_dispatch, control.stop_at);
  for (var step = start; step < end; step++) {
    for (var row = lid; row < BATCH; row += WG) {
      draw_and_embed(inst, step, row);
    }
    storageBarrier();
    var loss = 0.0;
    for (var row = lid; row < BATCH; row += WG) {
      loss += output_and_backprop(inst, row);
    }
    loss_partials[lid] = loss;
    storageBarrier();
    workgroupBarrier();
    if (lid == 0u) {
      var total = 0.0;
      for (var k = 0u; k < WG; k++) {
        total += loss_partials[k];
      }
      losses[inst * control.total_steps + step] = total;
    }
    for (var k = lid; k < param_count(); k += WG) {
      update(inst, k, step);
    }
    storageBarrier();
    workgroupBarrier();
  }
  if (lid == 0u) {
    counters[inst * 2u + 1u] = end;
  }
}

// The split driver: each entry point runs one phase of the current step of every instance
// whose step counter is below `control.stop_at`.
fn current_step(inst: u32) -> u32 {
  return counters[inst * 2u + 1u];
}

@compute @workgroup_size(WG)
fn embed_rows(@builtin(global_invocation_id) id: vec3<u32>) {
  let step = current_step(id.y);
  if (id.x < BATCH && step < control.stop_at) {
    draw_and_embed(id.y, step, id.x);
  }
}

@compute @workgroup_size(WG)
fn backprop_rows(@builtin(global_invocation_id) id: vec3<u32>) {
  if (id.x < BATCH && current_step(id.y) < control.stop_at) {
    scratch[row_loss_index(id.y, id.x)] = output_and_backprop(id.y, id.x);
  }
}

@compute @workgroup_size(WG)
fn update_params(@builtin(global_invocation_id) id: vec3<u32>) {
  let step = current_step(id.y);
  if (id.x < param_count() && step < control.stop_at) {
    update(id.y, id.x, step);
  }
}

@compute @workgroup_size(WG)
fn finish_step(@builtin(global_invocation_id) id: vec3<u32>) {
  let inst = id.x;
  let step = current_step(inst);
  if (inst < control.instances && step < control.stop_at) {
    var total = 0.0;
    for (var row = 0u; row < BATCH; row++) {
      total += scratch[row_loss_index(inst, row)];
    }
    losses[inst * control.total_steps + step] = total;
    counters[inst * 2u + 1u] = step + 1u;
  }
}
