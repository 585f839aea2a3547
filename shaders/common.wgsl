// Shared by both drivers (prepended after the generated prelude of lib/engine/webgpu/layout.ts,
// random.wgsl, adam.wgsl and data.wgsl, which holds the data draws; fused.wgsl, split.wgsl and chunked.wgsl follow). The model and its data are
// lib/engine/model.ts, data.ts and optim.ts on the CPU; these are the same math in f32:
//   - the bindings of every entry point and the parameter layout;
//   - the activations and their slopes, one value or four batch rows (vec4 lanes) at a time;
//   - the learning-rate schedule (SCHEDULE) and the AdamW (or Adam) update of one parameter;
//   - the data draws: x_i of a batch row, or of four rows at once, from the counter-based random
//     stream (random.wgsl; independent, correlated or anticorrelated sets, fresh samples or a
//     fixed dataset), the rows' normalisation, the loss and ∂L/∂o of four rows.
// A training step has three phases:
//   1. per batch row: draw sample x_b and accumulate z_b = W₁ x_b;
//   2. per batch row: h = act_hid(z), o = W₂ h + b, g = ∂L/∂o,
//      ∂L/∂z = (W₂ᵀ g + λ/B · sign h) ⊙ act_hid'(z), and the row's loss;
//   3. ∂θ = Σ_b of the rows' outer products (∂L/∂z ⊗ x, h ⊗ g, g), then the AdamW (or Adam)
//      update of θ and its moments.
// The fused driver (fused.wgsl) runs whole steps in one workgroup per instance; the split driver
// (split.wgsl, chunked.wgsl) runs one dispatch per phase. No barriers here: the helpers work on
// one invocation's values; each driver's file says where it synchronises.
// lavapipe (llvmpipe) ends any invocation after 65535 loop iterations in total, silently (a loop
// of k iterations counts k + 1; loops it unrolls count nothing); the host bounds every
// invocation's iterations per dispatch from KERNEL_LOOPS in lib/engine/webgpu/layout.ts, which
// tests/engine/webgpu/layout_test.ts checks against these files: a new loop needs its entry there.
// Parameters per instance: W₁ (M·N, W₁[j·N + i]) | W₂ (N·M, untied only) | b (N).

const PI: f32 = 3.14159265358979;

@group(0) @binding(0) var<uniform> control: Control;
@group(0) @binding(1) var<storage, read_write> params: array<f32>;
// Per instance: first moments (P) | second moments (P).
@group(0) @binding(2) var<storage, read_write> moments: array<f32>;
// Per instance: importance (N) | density (N).
@group(0) @binding(3) var<storage, read> features: array<f32>;
// Per instance: data seed, steps done.
@group(0) @binding(4) var<storage, read_write> counters: array<u32>;
// The split driver's rows, four to a vec4 (layout in split.wgsl).
@group(0) @binding(5) var<storage, read_write> scratch: array<vec4<f32>>;
// Per instance: the batch loss of every step.
@group(0) @binding(6) var<storage, read_write> losses: array<f32>;

// A window of K consecutive instances' parameters and feature constants when UNIFORM_PARAMS
// (bound at the window's dynamic offset): `first_instance` is the window's first instance,
// `feature_offset` the offset of its feature constants in `values`, which holds θ of each of the
// K instances (K·P, copied from `params` in one copy before each step's forward_backward) then
// importance (N) | density (N) of each. The chunked phases (FEATURE_CHUNK > 0, never with
// UNIFORM_PARAMS) bind it at chunk c's offset instead: `chunk` is c. On lavapipe a uniform load
// is a plain load (a gather where the offset is not provably lane-uniform), a storage load a
// per-lane loop. INSTANCE_UNIFORM_BYTES (64 KiB), WebGPU's guaranteed
// maxUniformBufferBindingSize.
@group(0) @binding(7) var<uniform> instance_uniform: InstanceUniform;
// A fixed dataset stored sparsely (STORED_DATA; the split driver, lib/engine/data.ts
// storeDataset): from word `dataset[inst]` on, instance inst's row starts (T + 1) | row entries
// (i, x_i) | feature starts (N + 1) | feature entries (t, x_i), two words an entry (x_i before
// normalisation, as f32 bits), the starts counting entries from their list's first.
@group(0) @binding(8) var<storage, read> dataset: array<u32>;

// The words [x, y) of the entries (i, x_i) of dataset sample `sample`, in order of i.
fn sample_entries(inst: u32, sample: u32) -> vec2<u32> {
  let base = dataset[inst];
  let first = base + DATASET_SIZE + 1u;
  return first + 2u * vec2<u32>(dataset[base + sample], dataset[base + sample + 1u]);
}

// The words [x, y) of the entries (t, x_i) of feature i, in order of t.
fn feature_entries(inst: u32, i: u32) -> vec2<u32> {
  let starts = sample_entries(inst, DATASET_SIZE).x;
  let first = starts + N + 1u;
  return first + 2u * vec2<u32>(dataset[starts + i], dataset[starts + i + 1u]);
}

// x_i of the entry at word k.
fn entry_value(k: u32) -> f32 {
  return bitcast<f32>(dataset[k + 1u]);
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
    case SCHEDULE_LINEAR: {
      return 1.0 - t / total;
    }
    case SCHEDULE_COSINE: {
      if (control.total_steps > 1u) {
        return cos(0.5 * PI * t / (total - 1.0));
      }
      return 1.0;
    }
    case SCHEDULE_WARMUP_COSINE: {
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

// 1/‖x‖ of four rows from their ‖x‖² where NORMALIZE (1 for x = 0), else 1.
fn norm_scale(squared_norm: vec4<f32>) -> vec4<f32> {
  if (NORMALIZE) {
    return select(vec4<f32>(1.0), 1.0 / sqrt(squared_norm), squared_norm > vec4<f32>(0.0));
  }
  return vec4<f32>(1.0);
}

// 1 in rows row0 … row0 + 3 that are in the batch, 0 in the padding of the last block.
fn valid_rows(row0: u32) -> vec4<f32> {
  let rows = vec4<u32>(row0) + vec4<u32>(0u, 1u, 2u, 3u);
  return select(vec4<f32>(0.0), vec4<f32>(1.0), rows < vec4<u32>(BATCH));
}

// g_i = ∂L/∂o_i of four rows from o_i, x_i and I_i: 2 I_i (act_out(o_i) − |x_i|)/(B·n) ·
// act_out'(o_i), times `valid`.
fn output_gradient(o: vec4<f32>, x: vec4<f32>, importance: f32, valid: vec4<f32>) -> vec4<f32> {
  let error = act_output4(o) - abs(x);
  return 2.0 * importance * error * (1.0 / (f32(BATCH) * f32(N))) * slope_output4(o) * valid;
}

// The loss terms I_i (act_out(o_i) − |x_i|)²/(B·n) of four rows.
fn output_loss(o: vec4<f32>, x: vec4<f32>, importance: f32) -> vec4<f32> {
  let error = act_output4(o) - abs(x);
  return importance * error * error * (1.0 / (f32(BATCH) * f32(N)));
}

// Phase 3: AdamW (or Adam) on parameter k at 1-based count t with learning rate lr (adam.wgsl).
fn adam_update(inst: u32, k: u32, grad: f32, t: f32, lr: f32) {
  let index = inst * param_count() + k;
  let first = inst * 2u * param_count() + k;
  let second = first + param_count();
  adam_update_at(index, first, second, grad, t, lr);
}

fn act_hidden4(z: vec4<f32>) -> vec4<f32> {
  return select(z, max(z, vec4<f32>(0.0)), HIDDEN_RELU);
}

fn slope_hidden4(z: vec4<f32>) -> vec4<f32> {
  let on = select(vec4<f32>(0.0), vec4<f32>(1.0), z > vec4<f32>(0.0));
  return select(vec4<f32>(1.0), on, HIDDEN_RELU);
}

fn act_output4(o: vec4<f32>) -> vec4<f32> {
  return select(o, max(o, vec4<f32>(0.0)), OUTPUT_RELU);
}

fn slope_output4(o: vec4<f32>) -> vec4<f32> {
  let on = select(vec4<f32>(0.0), vec4<f32>(1.0), o > vec4<f32>(0.0));
  return select(vec4<f32>(1.0), on, OUTPUT_RELU);
}

fn sum4(v: vec4<f32>) -> f32 {
  return (v.x + v.y) + (v.z + v.w);
}
