// Sparse autoencoders on frozen toy models (lib/engine/sae.ts holds the math in f64; the
// generated prelude, random.wgsl, adam.wgsl and data.wgsl come first). One training step is three dispatches, each over (item, instance):
//   1. sae_rows, per block of four batch rows b (vec4 lanes, so that every parameter load serves
//      four rows): x_b from the toy's data stream, h = W x_b,
//      z = ReLU(W_enc h + b_enc), ĥ = W_decᵀ z + b_dec, g = 2(ĥ − h)/(m·B),
//      δ_l = (Σ_j W_dec[l,j] g_j + λ/B)·[z_l > 0] and the row's loss, into `rows`;
//   2. sae_update, per parameter: its gradient summed over the rows, then AdamW; the owner of
//      b_enc[l] also records whether latent l fired on any row (since_fired);
//   3. sae_finish, per latent l: W_dec[l] ← W_dec[l]/‖W_dec[l]‖; latent 0 also records the batch
//      loss and counts the step.
// Per instance, parameters [W_enc (D·M) | b_enc (D) | W_dec (D·M) | b_dec (M)] (saeLayout).
// lavapipe ends an invocation after 65,535 loop iterations: sae_rows runs saeRowLoops(spec) at
// most and the others ⌈BATCH/4⌉ + 1 or M + 1, which validateSaeRun bounds.

// Latents of the dictionary. The toy's features N, its hidden dimensions M (the SAE's input
// width), BATCH, WG, DECOUPLED_DECAY and the data overrides come from the generated prelude.
override D: u32;

struct SaeControl {
  lr: f32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  weight_decay: f32,
  instances: u32,
  steps: u32,
}

@group(0) @binding(0) var<uniform> control: SaeControl;
@group(0) @binding(1) var<storage, read_write> params: array<f32>;
// Per instance: first moments (P) | second moments (P).
@group(0) @binding(2) var<storage, read_write> moments: array<f32>;
// Per instance: the toy's W (M·N, W[j·N + i]) | density (N) | λ.
@group(0) @binding(3) var<storage, read> toy: array<f32>;
// Per instance: data seed, steps done.
@group(0) @binding(4) var<storage, read_write> counters: array<u32>;
// Per instance and block of four batch rows, a vec4 (one lane per row) of each of
// h (M) | z (D) | g (M) | δ (D) | loss; padding rows hold zeros from z on.
@group(0) @binding(5) var<storage, read_write> rows: array<vec4<f32>>;
// Per instance: the batch loss of every step.
@group(0) @binding(6) var<storage, read_write> losses: array<f32>;
// Per instance and latent: steps since it last fired on a batch row.
@group(0) @binding(7) var<storage, read_write> since_fired: array<u32>;
// The learning-rate multiplier of every step (lrScale, computed by the host).
@group(0) @binding(8) var<storage, read> lr_scales: array<f32>;

fn param_count() -> u32 {
  return 2u * D * M + D + M;
}

fn toy_stride() -> u32 {
  return M * N + N + 1u;
}

// Blocks of four batch rows (vec4 lanes); the last one is padded.
fn row_blocks() -> u32 {
  return (BATCH + 3u) / 4u;
}

// vec4s per row block in `rows`: h (M) | z (D) | g (M) | δ (D) | loss.
fn block_stride() -> u32 {
  return 2u * (M + D) + 1u;
}

fn block_base(inst: u32, block: u32) -> u32 {
  return (inst * row_blocks() + block) * block_stride();
}

fn sum4(v: vec4<f32>) -> f32 {
  return (v.x + v.y) + (v.z + v.w);
}

@compute @workgroup_size(WG)
fn sae_rows(@builtin(global_invocation_id) id: vec3<u32>) {
  let block = id.x;
  let inst = id.y;
  if (block >= row_blocks() || inst >= control.instances) {
    return;
  }
  let toy_base = inst * toy_stride();
  let theta = inst * param_count();
  let base = block_base(inst, block);
  let key = counters[2u * inst];
  let step = counters[2u * inst + 1u];
  let l1 = toy[toy_base + M * N + N];
  let row0 = 4u * block;
  let rows_in = vec4<u32>(row0) + vec4<u32>(0u, 1u, 2u, 3u);
  let valid = select(vec4<f32>(0.0), vec4<f32>(1.0), rows_in < vec4<u32>(BATCH));
  for (var j = 0u; j < M; j++) {
    rows[base + j] = vec4<f32>(0.0);
  }
  for (var i = 0u; i < N; i++) {
    let x = draw_feature(key, step, row0, i, toy[toy_base + M * N + i]);
    if (any(x != vec4<f32>(0.0))) {
      for (var j = 0u; j < M; j++) {
        rows[base + j] += toy[toy_base + j * N + i] * x;
      }
    }
  }
  let z_base = base + M;
  let g_base = z_base + D;
  let delta_base = g_base + M;
  var sparsity = vec4<f32>(0.0);
  for (var l = 0u; l < D; l++) {
    var a = vec4<f32>(params[theta + D * M + l]);
    for (var j = 0u; j < M; j++) {
      a += params[theta + l * M + j] * rows[base + j];
    }
    let z = max(a, vec4<f32>(0.0)) * valid;
    rows[z_base + l] = z;
    sparsity += z;
  }
  let decoder = theta + D * M + D;
  var squared = vec4<f32>(0.0);
  for (var j = 0u; j < M; j++) {
    var out = vec4<f32>(params[decoder + D * M + j]);
    for (var l = 0u; l < D; l++) {
      out += params[decoder + l * M + j] * rows[z_base + l];
    }
    let error = (out - rows[base + j]) * valid;
    squared += error * error;
    rows[g_base + j] = 2.0 * error / (f32(M) * f32(BATCH));
  }
  for (var l = 0u; l < D; l++) {
    var delta = vec4<f32>(l1 / f32(BATCH));
    for (var j = 0u; j < M; j++) {
      delta += params[decoder + l * M + j] * rows[g_base + j];
    }
    rows[delta_base + l] = select(vec4<f32>(0.0), delta, rows[z_base + l] > vec4<f32>(0.0));
  }
  rows[delta_base + D] = squared / f32(M) + l1 * sparsity;
}

@compute @workgroup_size(WG)
fn sae_update(@builtin(global_invocation_id) id: vec3<u32>) {
  let k = id.x;
  let inst = id.y;
  if (k >= param_count() || inst >= control.instances) {
    return;
  }
  // Which fields of a row block the gradient of parameter k multiplies: ∂W_enc[l,j] = Σ δ_l h_j,
  // ∂b_enc[l] = Σ δ_l, ∂W_dec[l,j] = Σ z_l g_j, ∂b_dec[j] = Σ g_j (NONE: a factor of 1).
  let none = 0xffffffffu;
  var first: u32;
  var second = none;
  let dm = D * M;
  let z_offset = M;
  let g_offset = M + D;
  let delta_offset = 2u * M + D;
  var latent = none;
  if (k < dm) {
    first = delta_offset + k / M;
    second = k % M;
  } else if (k < dm + D) {
    latent = k - dm;
    first = delta_offset + latent;
  } else if (k < 2u * dm + D) {
    let r = k - dm - D;
    first = z_offset + r / M;
    second = g_offset + r % M;
  } else {
    first = g_offset + (k - 2u * dm - D);
  }
  var grad = vec4<f32>(0.0);
  var fired = false;
  for (var block = 0u; block < row_blocks(); block++) {
    let base = block_base(inst, block);
    var term = rows[base + first];
    if (second != none) {
      term *= rows[base + second];
    }
    grad += term;
    if (latent != none) {
      fired = fired || any(rows[base + z_offset + latent] > vec4<f32>(0.0));
    }
  }
  if (latent != none) {
    let slot = inst * D + latent;
    since_fired[slot] = select(since_fired[slot] + 1u, 0u, fired);
  }
  let step = counters[2u * inst + 1u];
  let moment = inst * 2u * param_count() + k;
  adam_update_at(
    inst * param_count() + k,
    moment,
    moment + param_count(),
    sum4(grad),
    f32(step + 1u),
    control.lr * lr_scales[step],
  );
}

@compute @workgroup_size(WG)
fn sae_finish(@builtin(global_invocation_id) id: vec3<u32>) {
  let l = id.x;
  let inst = id.y;
  if (l >= D || inst >= control.instances) {
    return;
  }
  let decoder = inst * param_count() + D * M + D + l * M;
  var squared = 0.0;
  for (var j = 0u; j < M; j++) {
    squared += params[decoder + j] * params[decoder + j];
  }
  if (squared > 0.0) {
    let scale = 1.0 / sqrt(squared);
    for (var j = 0u; j < M; j++) {
      params[decoder + j] *= scale;
    }
  }
  if (l == 0u) {
    let step = counters[2u * inst + 1u];
    var loss = 0.0;
    for (var block = 0u; block < row_blocks(); block++) {
      loss += sum4(rows[block_base(inst, block) + block_stride() - 1u]);
    }
    losses[inst * control.steps + step] = loss / f32(BATCH);
    counters[2u * inst + 1u] = step + 1u;
  }
}
