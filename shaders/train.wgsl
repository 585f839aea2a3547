// Trains many independent toy models at once (lib/webgpu_trainer.ts drives it; lib/model.ts,
// lib/data.ts and lib/optim.ts are the same math on the CPU). A training step has three phases:
//   1. per batch row: draw sample x_b and accumulate z_b = W₁ x_b (the fused driver over the
//      non-zero x_i only: input sparsity);
//   2. per batch row: h = act_hid(z), o = W₂ h + b, g = ∂L/∂o,
//      ∂L/∂z = (W₂ᵀ g + λ/B · sign h) ⊙ act_hid'(z), and the row's loss;
//   3. ∂θ = Σ_b of the rows' outer products (∂L/∂z ⊗ x, h ⊗ g, g), then the AdamW (or Adam)
//      update of θ and its moments.
// Two drivers:
//   - `train_fused`: one workgroup per instance runs many whole steps inside one dispatch. Each
//     invocation runs phases 1–2 for its rows with x, z, h in private arrays and adds each row's
//     share of phase 3 into private per-parameter sums; the workgroup then sums the invocations'
//     partials (workgroup memory) and updates θ. Parameters and feature constants are copied
//     into private arrays first: on lavapipe every storage or workgroup load runs lane by lane,
//     a private one is a vector gather. Best for small models;
//   - `forward_backward`, then `update_features` and `update_params`, then `finish_step`: one
//     dispatch per phase through the scratch below, many workgroups per instance (grid y =
//     instance), for models whose step is too long for one workgroup. `forward_backward` runs
//     phases 1–2 for eight batch rows per invocation as two vec4 blocks (each parameter load
//     serves eight rows; z, h, ∂L/∂h stay private) and keeps h, ∂L/∂z, ‖x‖² and the loss; where
//     P + 2N fit a 64 KiB uniform (UNIFORM_PARAMS), the host copies the θ of as many instances as
//     fit into `instance_uniform` before the step and runs one forward_backward dispatch per
//     such window reading θ from it (measured ~1.35× faster at n=200, m=20 than lane-by-lane
//     storage loads). Where one forward_backward invocation would loop past lavapipe's limit
//     (below), `forward_chunk` then `backward_chunk` run phases 1 and 2 over FEATURE_CHUNK
//     features per dispatch, carrying z, ‖x‖², ∂L/∂h and the loss through the scratch.
//     `update_features` runs phase 3 for four or sixteen features per invocation (FEATURE_QUADS)
//     over blocks of four rows (4×4 tiles) of one of ROW_RANGES ranges of the batch (grid z),
//     drawing x again and recomputing g from h, so no B × n array is ever stored, and writes its
//     sums of ∂θ; `update_params` adds the ranges' sums and updates θ; `finish_step` sums the
//     row losses and advances the step counter.
// lavapipe (llvmpipe) ends any invocation after 65535 loop iterations in total, silently (a loop
// of k iterations counts k + 1; loops it unrolls count nothing); the host bounds every
// invocation's iterations per dispatch (lib/webgpu_trainer.ts, loopIterations and kernelPlan),
// so any new loop here needs its count there.
// Split-driver scratch per instance, in vec4 blocks of four batch rows (K = ⌈B/4⌉ blocks, the
// last padded): H (K·M) | GZ (K·M) | loss (K) | squared norm (K) | ∂θ (ROW_RANGES·⌈P/4⌉, phase
// 3's sums before update_params).
// Parameters per instance: W₁ (M·N, W₁[j·N + i]) | W₂ (N·M, untied only) | b (N).

override N: u32;
override M: u32;
override BATCH: u32;
override WG: u32 = 64u;
// Workgroup partials of the fused driver: (P + 1)·WG; 1 where only the split driver runs.
override PARTIALS: u32 = 1u;
// Fused driver: each invocation takes its rows four at a time (vec4 lanes), so that every
// parameter and gradient access serves four rows (pays off when the loops over n·m are too long
// for the compiler to unroll); else one row at a time.
override ROW_BLOCKS: bool = false;
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
// Split driver: forward_backward reads θ and the feature constants from `instance_uniform`
// (one dispatch per window of instances) instead of `params` and `features`.
override UNIFORM_PARAMS: bool = false;
// Split driver, models too long for one forward_backward invocation: features per chunk of
// forward_chunk and backward_chunk (0: unused).
override FEATURE_CHUNK: u32 = 0u;
// Split driver: quads of four features per update_features invocation, 1 or 4 (the host picks).
override FEATURE_QUADS: u32 = 4u;
// Split driver: ranges of row blocks that update_features sums separately (grid z), so that one
// invocation's loops stay under lavapipe's limit; update_params adds them up.
override ROW_RANGES: u32 = 1u;
// Split driver: parameters per update_params invocation (fewer, longer workgroups: on lavapipe
// each workgroup has a fixed cost).
override PARAMS_PER_INVOCATION: u32 = 16u;

const MAX_HIDDEN: u32 = 64u;
// Most features the fused driver holds per row.
const MAX_FUSED_FEATURES: u32 = 64u;
// Most parameters (plus the loss) the fused driver accumulates per invocation.
const MAX_FUSED_PARAMS: u32 = 256u;
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
// The split driver's rows, four to a vec4 (layout below).
@group(0) @binding(5) var<storage, read_write> scratch: array<vec4<f32>>;
// Per instance: the batch loss of every step.
@group(0) @binding(6) var<storage, read_write> losses: array<f32>;

// A window of K consecutive instances' parameters and feature constants when UNIFORM_PARAMS
// (bound at the window's dynamic offset): `index.x` is the window's first instance, `index.z`
// the offset of its feature constants in `values`, which holds θ of each of the K instances
// (K·P, copied from `params` in one copy before each step's forward_backward) then importance
// (N) | density (N) of each. The chunked phases (FEATURE_CHUNK > 0, never with UNIFORM_PARAMS)
// bind it at chunk c's offset instead: `index.y` is c. On lavapipe a uniform load is a plain
// load (a gather where the offset is not provably lane-uniform), a storage load a per-lane loop.
// 64 KiB, WebGPU's guaranteed maxUniformBufferBindingSize.
const UNIFORM_VALUES: u32 = 16380u;
struct InstanceUniform {
  index: vec4<u32>,
  values: array<vec4<f32>, 4095>,
}
@group(0) @binding(7) var<uniform> instance_uniform: InstanceUniform;

var<workgroup> shared_step: u32;

// Blocks of four batch rows (the last one padded).
fn row_blocks() -> u32 {
  return (BATCH + 3u) / 4u;
}

fn scratch_base(inst: u32) -> u32 {
  return inst * (row_blocks() * (2u * M + 2u) + ROW_RANGES * ((param_count() + 3u) / 4u));
}

// h_j = act_hid(z_j) of rows 4·block … 4·block + 3 (z_j between the chunked phases).
fn h_index(inst: u32, block: u32, j: u32) -> u32 {
  return scratch_base(inst) + block * M + j;
}

// ∂L/∂z_j of rows 4·block … 4·block + 3 (0 in padding rows; the chunked phases carry their
// partial W₂ᵀ g there).
fn gz_index(inst: u32, block: u32, j: u32) -> u32 {
  return scratch_base(inst) + (row_blocks() + block) * M + j;
}

// The loss of rows 4·block … 4·block + 3 (0 in padding rows).
fn loss_index(inst: u32, block: u32) -> u32 {
  return scratch_base(inst) + 2u * row_blocks() * M + block;
}

// ‖x‖² of rows 4·block … 4·block + 3 before normalisation (written where NORMALIZE, and by the
// chunked phases).
fn norm_index(inst: u32, block: u32) -> u32 {
  return loss_index(inst, row_blocks()) + block;
}

// ∂L/∂θ_k summed over the row blocks of range `range` (vec4 k/4, component k % 4), written by
// update_features, read by update_params.
fn gradient_index(inst: u32, range: u32, k: u32) -> u32 {
  return norm_index(inst, row_blocks()) + range * ((param_count() + 3u) / 4u) + k / 4u;
}

fn store_gradient(inst: u32, range: u32, k: u32, value: f32) {
  scratch[gradient_index(inst, range, k)][k % 4u] = value;
}

// Row blocks per range of update_features (the last range may be shorter).
fn range_blocks() -> u32 {
  return (row_blocks() + ROW_RANGES - 1u) / ROW_RANGES;
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

// The counter words (step, sample) of batch row `row` at step `step`: fresh data, or row
// (step·B + row) mod T of a dataset of T samples (lib/data.ts, sampleCounter).
fn sample_counter(step: u32, row: u32) -> vec2<u32> {
  if (DATASET_SIZE > 0u) {
    let size = max(DATASET_SIZE, 1u); // never 0 here; keeps the override remainder well-defined
    let offset = ((step % size) * (BATCH % size)) % size;
    return vec2<u32>(DATASET_STEP, (offset + row) % size);
  }
  return vec2<u32>(step, row);
}

// x_i of the sample at `counter` before normalisation (lib/data.ts, drawSample), for i = 0, 1, …
// in order: `set_draw` carries the draw of i's feature set from its first member on.
fn feature_value(
  key: u32,
  counter: vec2<u32>,
  i: u32,
  density: f32,
  set_draw: ptr<function, vec4<u32>>,
) -> f32 {
  if (CORRELATION != 0u && i % SET_SIZE == 0u) {
    *set_draw = pcg4d(vec4<u32>(key, counter.x, counter.y, SET_LANE | (i / SET_SIZE)));
  }
  let own = pcg4d(vec4<u32>(key, counter.x, counter.y, i));
  var is_active: bool;
  if (CORRELATION == 0u) {
    is_active = unit_float(own.x) < density;
  } else if (CORRELATION == 1u) {
    is_active = unit_float((*set_draw).x) < density;
  } else {
    let chosen = (((*set_draw).y >> 8u) * SET_SIZE) >> 24u;
    is_active = i % SET_SIZE == chosen && unit_float((*set_draw).x) < density;
  }
  let u = unit_float(own.y);
  if (is_active) {
    return select(u, 2.0 * u - 1.0, SIGNED_VALUES);
  }
  return 0.0;
}

// The random-stream state of batch rows row0 … row0 + 3 at one step (feature_value): each row's
// counter words and the draw of its current feature set.
struct BlockDraws {
  c0: vec2<u32>,
  c1: vec2<u32>,
  c2: vec2<u32>,
  c3: vec2<u32>,
  s0: vec4<u32>,
  s1: vec4<u32>,
  s2: vec4<u32>,
  s3: vec4<u32>,
}

// The state for drawing x_first, x_first+1, … of rows row0 … row0 + 3 at step `step`: where
// `first` is inside a feature set, that set's draw (feature_value redraws at a set's first
// member).
fn block_draws(key: u32, step: u32, row0: u32, first: u32) -> BlockDraws {
  var draws: BlockDraws;
  draws.c0 = sample_counter(step, row0);
  draws.c1 = sample_counter(step, row0 + 1u);
  draws.c2 = sample_counter(step, row0 + 2u);
  draws.c3 = sample_counter(step, row0 + 3u);
  if (CORRELATION != 0u) {
    let set_word = SET_LANE | (first / SET_SIZE);
    draws.s0 = pcg4d(vec4<u32>(key, draws.c0.x, draws.c0.y, set_word));
    draws.s1 = pcg4d(vec4<u32>(key, draws.c1.x, draws.c1.y, set_word));
    draws.s2 = pcg4d(vec4<u32>(key, draws.c2.x, draws.c2.y, set_word));
    draws.s3 = pcg4d(vec4<u32>(key, draws.c3.x, draws.c3.y, set_word));
  }
  return draws;
}

// x_i of rows row0 … row0 + 3 before normalisation, for i in order from block_draws' `first`.
fn draw_block(key: u32, draws: ptr<function, BlockDraws>, i: u32, density: f32) -> vec4<f32> {
  var s0 = (*draws).s0;
  var s1 = (*draws).s1;
  var s2 = (*draws).s2;
  var s3 = (*draws).s3;
  let x = vec4<f32>(
    feature_value(key, (*draws).c0, i, density, &s0),
    feature_value(key, (*draws).c1, i, density, &s1),
    feature_value(key, (*draws).c2, i, density, &s2),
    feature_value(key, (*draws).c3, i, density, &s3),
  );
  (*draws).s0 = s0;
  (*draws).s1 = s1;
  (*draws).s2 = s2;
  (*draws).s3 = s3;
  return x;
}

// x_i of rows row0 … row0 + 3 before normalisation, drawn on its own.
fn draw_feature(key: u32, step: u32, row0: u32, i: u32, density: f32) -> vec4<f32> {
  var draws = block_draws(key, step, row0, i);
  return draw_block(key, &draws, i, density);
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


// The fused driver's gradient partials: invocation `lid` writes its rows' summed ∂L/∂θ_k to
// partials[k·WG + lid], and its rows' loss at k = P; then each k sums its WG partials. Sized by
// the host (PARTIALS = (P + 1)·WG, checked against the workgroup storage limit).
var<workgroup> partials: array<f32, PARTIALS>;

// One fused row's vectors: x, z = W₁ x, h and ∂L/∂h, then ∂L/∂z, g = ∂L/∂o; and the instance's
// importance and density (held by the caller, reused across rows).
struct RowArrays {
  x: array<f32, MAX_FUSED_FEATURES>,
  z: array<f32, MAX_HIDDEN>,
  h: array<f32, MAX_HIDDEN>,
  hidden_grad: array<f32, MAX_HIDDEN>,
  g: array<f32, MAX_FUSED_FEATURES>,
  importance: array<f32, MAX_FUSED_FEATURES>,
  density: array<f32, MAX_FUSED_FEATURES>,
}


// One batch row of the fused driver, phases 1–2 and the row's share of phase 3: draws x, then
// z = W₁ x, h, o, g = ∂L/∂o and ∂L/∂z from the parameters `wl`, and adds the row's ∂L/∂θ into
// `grad` (grad[P] += the row's loss). A tied weight's two terms, ∂L/∂z_j x_i + h_j g_i, are added
// in one read-modify-write: on lavapipe a private-array store is a masked lane-by-lane store
// (one write instead of two measured ~1.2× faster at n=20, m=5).
fn fused_row(
  key: u32,
  step: u32,
  row: u32,
  grad: ptr<function, array<f32, MAX_FUSED_PARAMS>>,
  rows: ptr<function, RowArrays>,
  wl: ptr<function, array<f32, MAX_FUSED_PARAMS>>,
) {
  let counter = sample_counter(step, row);
  for (var j = 0u; j < M; j++) {
    (*rows).z[j] = 0.0;
  }
  var set_draw = vec4<u32>(0u);
  var squared_norm = 0.0;
  for (var i = 0u; i < N; i++) {
    let value = feature_value(key, counter, i, (*rows).density[i], &set_draw);
    (*rows).x[i] = value;
    squared_norm += value * value;
    if (value != 0.0) {
      for (var j = 0u; j < M; j++) {
        (*rows).z[j] += (*wl)[j * N + i] * value;
      }
    }
  }
  var scale = 1.0;
  if (NORMALIZE && squared_norm > 0.0) {
    scale = 1.0 / sqrt(squared_norm);
    for (var i = 0u; i < N; i++) {
      (*rows).x[i] *= scale;
    }
  }
  let l1_scale = control.l1 / f32(BATCH);
  let error_scale = 1.0 / (f32(BATCH) * f32(N));
  var loss = 0.0;
  for (var j = 0u; j < M; j++) {
    (*rows).z[j] *= scale;
    (*rows).h[j] = act_hidden((*rows).z[j]);
    (*rows).hidden_grad[j] = l1_scale * sign((*rows).h[j]);
    loss += l1_scale * abs((*rows).h[j]);
  }
  for (var i = 0u; i < N; i++) {
    var o = (*wl)[weight_count() + i];
    for (var j = 0u; j < M; j++) {
      o += (*wl)[w2_index(i, j)] * (*rows).h[j];
    }
    let importance = (*rows).importance[i];
    let error = act_output(o) - abs((*rows).x[i]);
    loss += importance * error * error * error_scale;
    let g = 2.0 * importance * error * error_scale * slope_output(o);
    (*rows).g[i] = g;
    if (g != 0.0) {
      (*grad)[weight_count() + i] += g;
      for (var j = 0u; j < M; j++) {
        (*rows).hidden_grad[j] += (*wl)[w2_index(i, j)] * g;
        if (!TIED) {
          (*grad)[w2_index(i, j)] += (*rows).h[j] * g;
        }
      }
    }
  }
  (*grad)[param_count()] += loss;
  for (var j = 0u; j < M; j++) {
    (*rows).hidden_grad[j] *= slope_hidden((*rows).z[j]);
  }
  for (var j = 0u; j < M; j++) {
    let gz = (*rows).hidden_grad[j];
    if (TIED) {
      let h = (*rows).h[j];
      for (var i = 0u; i < N; i++) {
        (*grad)[j * N + i] += gz * (*rows).x[i] + h * (*rows).g[i];
      }
    } else if (gz != 0.0) {
      for (var i = 0u; i < N; i++) {
        if ((*rows).x[i] != 0.0) {
          (*grad)[j * N + i] += gz * (*rows).x[i];
        }
      }
    }
  }
}


// Four-row blocks of the fused driver: the per-row vectors of rows row0 … row0 + 3 as vec4 lanes
// (x, z, h, ∂L/∂h then ∂L/∂z, g, as in RowArrays).
struct BlockArrays {
  x: array<vec4<f32>, MAX_FUSED_FEATURES>,
  z: array<vec4<f32>, MAX_HIDDEN>,
  h: array<vec4<f32>, MAX_HIDDEN>,
  hidden_grad: array<vec4<f32>, MAX_HIDDEN>,
  g: array<vec4<f32>, MAX_FUSED_FEATURES>,
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

// The fused driver's rows row0 … row0 + 3 at once (rows ≥ B count nothing): the same math as
// fused_row, each row's terms summed into `grad` four at a time. The branches on an all-zero x_i
// or g_i skip work only where a whole SIMD group's rows are zero (lavapipe runs both sides of a
// divergent branch): kept where measured faster (x in z = W₁ x, g in the output loop), not in
// the tied gradient, where x_i and g_i are rarely both zero.
fn fused_block(
  key: u32,
  step: u32,
  row0: u32,
  grad: ptr<function, array<f32, MAX_FUSED_PARAMS>>,
  consts: ptr<function, RowArrays>,
  rows: ptr<function, BlockArrays>,
  wl: ptr<function, array<f32, MAX_FUSED_PARAMS>>,
) {
  var draws = block_draws(key, step, row0, 0u);
  for (var j = 0u; j < M; j++) {
    (*rows).z[j] = vec4<f32>(0.0);
  }
  var squared_norm = vec4<f32>(0.0);
  for (var i = 0u; i < N; i++) {
    let value = draw_block(key, &draws, i, (*consts).density[i]);
    (*rows).x[i] = value;
    squared_norm += value * value;
    if (any(value != vec4<f32>(0.0))) {
      for (var j = 0u; j < M; j++) {
        (*rows).z[j] += (*wl)[j * N + i] * value;
      }
    }
  }
  let scale = norm_scale(squared_norm);
  if (NORMALIZE) {
    for (var i = 0u; i < N; i++) {
      (*rows).x[i] *= scale;
    }
  }
  let valid = valid_rows(row0);
  let l1_scale = control.l1 / f32(BATCH);
  var loss = vec4<f32>(0.0);
  for (var j = 0u; j < M; j++) {
    (*rows).z[j] *= scale;
    (*rows).h[j] = act_hidden4((*rows).z[j]);
    (*rows).hidden_grad[j] = l1_scale * sign((*rows).h[j]) * valid;
    loss += l1_scale * abs((*rows).h[j]);
  }
  for (var i = 0u; i < N; i++) {
    var o = vec4<f32>((*wl)[weight_count() + i]);
    for (var j = 0u; j < M; j++) {
      o += (*wl)[w2_index(i, j)] * (*rows).h[j];
    }
    let importance = (*consts).importance[i];
    loss += output_loss(o, (*rows).x[i], importance);
    let g = output_gradient(o, (*rows).x[i], importance, valid);
    (*rows).g[i] = g;
    if (any(g != vec4<f32>(0.0))) {
      (*grad)[weight_count() + i] += sum4(g);
      for (var j = 0u; j < M; j++) {
        (*rows).hidden_grad[j] += (*wl)[w2_index(i, j)] * g;
        if (!TIED) {
          (*grad)[w2_index(i, j)] += sum4((*rows).h[j] * g);
        }
      }
    }
  }
  (*grad)[param_count()] += sum4(loss * valid);
  for (var j = 0u; j < M; j++) {
    (*rows).hidden_grad[j] *= slope_hidden4((*rows).z[j]);
  }
  for (var i = 0u; i < N; i++) {
    let value = (*rows).x[i];
    let g = (*rows).g[i];
    if (TIED) {
      for (var j = 0u; j < M; j++) {
        (*grad)[j * N + i] += sum4((*rows).hidden_grad[j] * value + (*rows).h[j] * g);
      }
    } else if (any(value != vec4<f32>(0.0))) {
      for (var j = 0u; j < M; j++) {
        (*grad)[j * N + i] += sum4((*rows).hidden_grad[j] * value);
      }
    }
  }
}

// The fused driver: workgroup `inst` runs steps [counter, min(counter + steps_per_dispatch,
// stop_at)) of instance `inst`, WG invocations sharing its batch rows.
@compute @workgroup_size(WG)
fn train_fused(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let inst = group.x;
  if (lid == 0u) {
    shared_step = counters[inst * 2u + 1u];
  }
  let start = workgroupUniformLoad(&shared_step);
  let end = min(start + control.steps_per_dispatch, control.stop_at);
  var grad: array<f32, MAX_FUSED_PARAMS>;
  var rows: RowArrays;
  var wl: array<f32, MAX_FUSED_PARAMS>;
  var block: BlockArrays;
  let key = counters[inst * 2u];
  for (var i = 0u; i < N; i++) {
    rows.importance[i] = features[inst * 2u * N + i];
    rows.density[i] = features[inst * 2u * N + N + i];
  }
  for (var step = start; step < end; step++) {
    grad[param_count()] = 0.0;
    for (var k = 0u; k < param_count(); k++) {
      grad[k] = 0.0;
      wl[k] = params[inst * param_count() + k];
    }
    if (ROW_BLOCKS) {
      for (var row = 4u * lid; row < BATCH; row += 4u * WG) {
        fused_block(key, step, row, &grad, &rows, &block, &wl);
      }
    } else {
      for (var row = lid; row < BATCH; row += WG) {
        fused_row(key, step, row, &grad, &rows, &wl);
      }
    }
    for (var k = 0u; k <= param_count(); k++) {
      partials[k * WG + lid] = grad[k];
    }
    workgroupBarrier();
    let lr = control.lr * lr_scale(step);
    for (var k = lid; k <= param_count(); k += WG) {
      var total = 0.0;
      for (var w = 0u; w < WG; w++) {
        total += partials[k * WG + w];
      }
      if (k < param_count()) {
        adam_update(inst, k, total, f32(step + 1u), lr);
      } else {
        losses[inst * control.total_steps + step] = total;
      }
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

// θ_k (k counted from the instance's first parameter in `params`, or from 0 in the uniform).
fn split_param(k: u32) -> f32 {
  if (UNIFORM_PARAMS) {
    return instance_uniform.values[k / 4u][k % 4u];
  }
  return params[k];
}

// Feature constant k: importance then density, from `features` or after θ in the uniform.
fn split_feature(k: u32) -> f32 {
  if (UNIFORM_PARAMS) {
    return instance_uniform.values[k / 4u][k % 4u];
  }
  return features[k];
}

// Phases 1–2 for the eight batch rows of row blocks 2·pair and 2·pair + 1, each block's four
// rows as vec4 lanes (rows ≥ B count nothing, a block ≥ ⌈B/4⌉ writes nothing; the same math as
// fused_block): z = W₁ x, h into H, then o = W₂ h + b, g = ∂L/∂o, ∂L/∂z into GZ and the rows'
// losses (and ‖x‖² where NORMALIZE). Each W₁ entry is loaded once and serves eight rows: on
// lavapipe every parameter load is an emulated gather, and two blocks per invocation measured
// ~1.1× faster at n=200, m=20 than one. Every loop over j is kept small enough for the compiler to
// unroll (with larger loop bodies it stops, and z, h, ∂L/∂h then live in memory instead of
// registers: four blocks per invocation measured 4× slower than two in a microbenchmark). x is drawn twice (for z, then for the error) and g is not kept: phase 3
// draws x and recomputes g itself, so the scratch holds B·m values per instance rather than
// B·(n + m). h and ∂L/∂z are written in last loops that do nothing else: a storage write inside
// a loop with other work also keeps lavapipe from unrolling it (moving the write of h there
// measured ~1.8× faster at n=200, m=20). No zero x or g is skipped here: on lavapipe a branch
// skips work only where a whole SIMD group agrees, which blocks of dense-enough data rarely do.
fn split_block(inst: u32, window_slot: u32, step: u32, pair: u32) {
  let block_a = 2u * pair;
  let block_b = block_a + 1u;
  let row_a = 4u * block_a;
  let row_b = 4u * block_b;
  let p_base = select(inst, window_slot, UNIFORM_PARAMS) * param_count();
  let f_base = select(0u, instance_uniform.index.z, UNIFORM_PARAMS) +
    select(inst, window_slot, UNIFORM_PARAMS) * 2u * N;
  let key = counters[inst * 2u];
  var draws_a = block_draws(key, step, row_a, 0u);
  var draws_b = block_draws(key, step, row_b, 0u);
  var z_a: array<vec4<f32>, MAX_HIDDEN>;
  var z_b: array<vec4<f32>, MAX_HIDDEN>;
  var squared_norm_a = vec4<f32>(0.0);
  var squared_norm_b = vec4<f32>(0.0);
  for (var i = 0u; i < N; i++) {
    let density = split_feature(f_base + N + i);
    let x_a = draw_block(key, &draws_a, i, density);
    let x_b = draw_block(key, &draws_b, i, density);
    squared_norm_a += x_a * x_a;
    squared_norm_b += x_b * x_b;
    for (var j = 0u; j < M; j++) {
      let w = split_param(p_base + j * N + i);
      z_a[j] += w * x_a;
      z_b[j] += w * x_b;
    }
  }
  let scale_a = norm_scale(squared_norm_a);
  let scale_b = norm_scale(squared_norm_b);
  let has_b = block_b < row_blocks();
  if (NORMALIZE) {
    scratch[norm_index(inst, block_a)] = squared_norm_a;
    if (has_b) {
      scratch[norm_index(inst, block_b)] = squared_norm_b;
    }
  }
  let valid_a = valid_rows(row_a);
  let valid_b = valid_rows(row_b);
  let l1_scale = control.l1 / f32(BATCH);
  var h_a: array<vec4<f32>, MAX_HIDDEN>;
  var h_b: array<vec4<f32>, MAX_HIDDEN>;
  var hidden_grad_a: array<vec4<f32>, MAX_HIDDEN>;
  var hidden_grad_b: array<vec4<f32>, MAX_HIDDEN>;
  for (var j = 0u; j < M; j++) {
    z_a[j] *= scale_a;
    z_b[j] *= scale_b;
    h_a[j] = act_hidden4(z_a[j]);
    h_b[j] = act_hidden4(z_b[j]);
  }
  var loss_a = vec4<f32>(0.0);
  var loss_b = vec4<f32>(0.0);
  for (var j = 0u; j < M; j++) {
    hidden_grad_a[j] = l1_scale * sign(h_a[j]) * valid_a;
    loss_a += l1_scale * abs(h_a[j]);
  }
  for (var j = 0u; j < M; j++) {
    hidden_grad_b[j] = l1_scale * sign(h_b[j]) * valid_b;
    loss_b += l1_scale * abs(h_b[j]);
  }
  draws_a = block_draws(key, step, row_a, 0u);
  draws_b = block_draws(key, step, row_b, 0u);
  for (var i = 0u; i < N; i++) {
    var o_a = vec4<f32>(split_param(p_base + weight_count() + i));
    var o_b = o_a;
    for (var j = 0u; j < M; j++) {
      let w = split_param(p_base + w2_index(i, j));
      o_a += w * h_a[j];
      o_b += w * h_b[j];
    }
    let importance = split_feature(f_base + i);
    let density = split_feature(f_base + N + i);
    let x_a = draw_block(key, &draws_a, i, density) * scale_a;
    let x_b = draw_block(key, &draws_b, i, density) * scale_b;
    loss_a += output_loss(o_a, x_a, importance);
    loss_b += output_loss(o_b, x_b, importance);
    let g_a = output_gradient(o_a, x_a, importance, valid_a);
    let g_b = output_gradient(o_b, x_b, importance, valid_b);
    for (var j = 0u; j < M; j++) {
      let w = split_param(p_base + w2_index(i, j));
      hidden_grad_a[j] += w * g_a;
      hidden_grad_b[j] += w * g_b;
    }
  }
  for (var j = 0u; j < M; j++) {
    scratch[h_index(inst, block_a, j)] = h_a[j];
    scratch[gz_index(inst, block_a, j)] = hidden_grad_a[j] * slope_hidden4(z_a[j]);
  }
  scratch[loss_index(inst, block_a)] = loss_a * valid_a;
  if (has_b) {
    for (var j = 0u; j < M; j++) {
      scratch[h_index(inst, block_b, j)] = h_b[j];
      scratch[gz_index(inst, block_b, j)] = hidden_grad_b[j] * slope_hidden4(z_b[j]);
    }
    scratch[loss_index(inst, block_b)] = loss_b * valid_b;
  }
}

// Row-block pairs of a batch (the last one half empty where ⌈B/4⌉ is odd).
fn block_pairs() -> u32 {
  return (row_blocks() + 1u) / 2u;
}

@compute @workgroup_size(WG)
fn forward_backward(@builtin(global_invocation_id) id: vec3<u32>) {
  let inst = select(0u, instance_uniform.index.x, UNIFORM_PARAMS) + id.y;
  let step = current_step(inst);
  if (id.x < block_pairs() && step < control.stop_at) {
    split_block(inst, id.y, step, id.x);
  }
}

// Phase 1 of split_block over features [c·F, min((c + 1)·F, N)), F = FEATURE_CHUNK, for models
// whose whole feature loop is too long for one invocation: adds the chunk's W₁ x into z, carried
// from chunk to chunk in H, and ‖x‖² in the norm slot. Same order of operations as split_block,
// so the same f32 results.
fn forward_chunk_block(inst: u32, step: u32, block: u32, c: u32) {
  let row0 = 4u * block;
  let p_base = inst * param_count();
  let first = c * FEATURE_CHUNK;
  let last = min(first + FEATURE_CHUNK, N);
  let key = counters[inst * 2u];
  var draws = block_draws(key, step, row0, first);
  var z: array<vec4<f32>, MAX_HIDDEN>;
  var squared_norm = vec4<f32>(0.0);
  if (c == 0u) {
    for (var j = 0u; j < M; j++) {
      z[j] = vec4<f32>(0.0);
    }
  } else {
    for (var j = 0u; j < M; j++) {
      z[j] = scratch[h_index(inst, block, j)];
    }
    squared_norm = scratch[norm_index(inst, block)];
  }
  for (var i = first; i < last; i++) {
    let value = draw_block(key, &draws, i, features[inst * 2u * N + N + i]);
    squared_norm += value * value;
    for (var j = 0u; j < M; j++) {
      z[j] += params[p_base + j * N + i] * value;
    }
  }
  for (var j = 0u; j < M; j++) {
    scratch[h_index(inst, block, j)] = z[j];
  }
  scratch[norm_index(inst, block)] = squared_norm;
}

// Phase 2 of split_block over features [c·F, min((c + 1)·F, N)): chunk 0 turns z (in H) into
// h; each chunk draws its x again and adds its terms of W₂ᵀ g and of the loss (carried in GZ and
// the loss slot); the last chunk leaves ∂L/∂z in GZ and the rows' losses. act_hid'(z) is taken
// from h (h > 0 exactly where z > 0).
fn backward_chunk_block(inst: u32, step: u32, block: u32, c: u32) {
  let row0 = 4u * block;
  let p_base = inst * param_count();
  let first = c * FEATURE_CHUNK;
  let last = min(first + FEATURE_CHUNK, N);
  let key = counters[inst * 2u];
  let scale = norm_scale(scratch[norm_index(inst, block)]);
  let valid = valid_rows(row0);
  let l1_scale = control.l1 / f32(BATCH);
  var h: array<vec4<f32>, MAX_HIDDEN>;
  var hidden_grad: array<vec4<f32>, MAX_HIDDEN>;
  var loss = vec4<f32>(0.0);
  if (c == 0u) {
    for (var j = 0u; j < M; j++) {
      h[j] = act_hidden4(scratch[h_index(inst, block, j)] * scale);
      hidden_grad[j] = l1_scale * sign(h[j]) * valid;
      loss += l1_scale * abs(h[j]);
    }
    for (var j = 0u; j < M; j++) {
      scratch[h_index(inst, block, j)] = h[j];
    }
  } else {
    for (var j = 0u; j < M; j++) {
      h[j] = scratch[h_index(inst, block, j)];
      hidden_grad[j] = scratch[gz_index(inst, block, j)];
    }
    loss = scratch[loss_index(inst, block)];
  }
  var draws = block_draws(key, step, row0, first);
  for (var i = first; i < last; i++) {
    var o = vec4<f32>(params[p_base + weight_count() + i]);
    for (var j = 0u; j < M; j++) {
      o += params[p_base + w2_index(i, j)] * h[j];
    }
    let importance = features[inst * 2u * N + i];
    let x = draw_block(key, &draws, i, features[inst * 2u * N + N + i]) * scale;
    loss += output_loss(o, x, importance);
    let g = output_gradient(o, x, importance, valid);
    for (var j = 0u; j < M; j++) {
      hidden_grad[j] += params[p_base + w2_index(i, j)] * g;
    }
  }
  if (last == N) {
    for (var j = 0u; j < M; j++) {
      scratch[gz_index(inst, block, j)] = hidden_grad[j] * slope_hidden4(h[j]);
    }
    scratch[loss_index(inst, block)] = loss * valid;
  } else {
    for (var j = 0u; j < M; j++) {
      scratch[gz_index(inst, block, j)] = hidden_grad[j];
    }
    scratch[loss_index(inst, block)] = loss;
  }
}

@compute @workgroup_size(WG)
fn forward_chunk(@builtin(global_invocation_id) id: vec3<u32>) {
  let step = current_step(id.y);
  if (id.x < row_blocks() && step < control.stop_at) {
    forward_chunk_block(id.y, step, id.x, instance_uniform.index.y);
  }
}

@compute @workgroup_size(WG)
fn backward_chunk(@builtin(global_invocation_id) id: vec3<u32>) {
  let step = current_step(id.y);
  if (id.x < row_blocks() && step < control.stop_at) {
    backward_chunk_block(id.y, step, id.x, instance_uniform.index.y);
  }
}

// Phase 3's update of PARAMS_PER_INVOCATION parameters k: θ_k from its gradient, the sum of
// update_features' ROW_RANGES range sums (all read before any θ changes: update_features reads
// W₂ and b).
@compute @workgroup_size(WG)
fn update_params(@builtin(global_invocation_id) id: vec3<u32>) {
  let step = current_step(id.y);
  for (var slot = 0u; slot < PARAMS_PER_INVOCATION; slot++) {
    let k = id.x * PARAMS_PER_INVOCATION + slot;
    if (k < param_count() && step < control.stop_at) {
      var grad = 0.0;
      for (var range = 0u; range < ROW_RANGES; range++) {
        grad += scratch[gradient_index(id.y, range, k)][k % 4u];
      }
      adam_update(id.y, k, grad, f32(step + 1u), control.lr * lr_scale(step));
    }
  }
}

// Four of phase 3's features as vec4 lanes (indices clamped to N − 1), their parameters and
// their gradients summed over a range of row blocks; `x` and `og` hold the current row block's x
// and o, then g (columns: features, rows: batch rows).
struct FeatureQuad {
  index: vec4<u32>,
  bias: vec4<f32>,
  importance: vec4<f32>,
  density: vec4<f32>,
  w_out: array<vec4<f32>, MAX_HIDDEN>, // W₂[i, j]
  grad_in: array<vec4<f32>, MAX_HIDDEN>, // ∂L/∂W₁[j, i] (tied: all of ∂L/∂W[j, i])
  grad_out: array<vec4<f32>, MAX_HIDDEN>, // ∂L/∂W₂[i, j] (untied only)
  grad_bias: vec4<f32>,
  x: mat4x4<f32>,
  og: mat4x4<f32>,
}

// Features first … first + 3 of instance `inst`: their parameters and constants, zero sums.
fn quad_start(quad: ptr<function, FeatureQuad>, inst: u32, first: u32) {
  let last = N - 1u;
  let i = min(vec4<u32>(first) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(last));
  let p_base = inst * param_count();
  let f_base = inst * 2u * N;
  let bias_base = p_base + weight_count();
  (*quad).index = i;
  (*quad).bias = vec4<f32>(params[bias_base + i.x], params[bias_base + i.y], params[bias_base + i.z], params[bias_base + i.w]);
  (*quad).importance = vec4<f32>(features[f_base + i.x], features[f_base + i.y], features[f_base + i.z], features[f_base + i.w]);
  (*quad).density = vec4<f32>(features[f_base + N + i.x], features[f_base + N + i.y], features[f_base + N + i.z], features[f_base + N + i.w]);
  for (var j = 0u; j < M; j++) {
    (*quad).w_out[j] = vec4<f32>(
      params[p_base + w2_index(i.x, j)],
      params[p_base + w2_index(i.y, j)],
      params[p_base + w2_index(i.z, j)],
      params[p_base + w2_index(i.w, j)],
    );
  }
}

// The row block at row0: x (drawn again, times the rows' normalisation `scale`) and o = b.
fn quad_block(quad: ptr<function, FeatureQuad>, key: u32, step: u32, row0: u32, scale: vec4<f32>) {
  let i = (*quad).index;
  let density = (*quad).density;
  (*quad).x = mat4x4<f32>(
    draw_feature(key, step, row0, i.x, density.x) * scale,
    draw_feature(key, step, row0, i.y, density.y) * scale,
    draw_feature(key, step, row0, i.z, density.z) * scale,
    draw_feature(key, step, row0, i.w, density.w) * scale,
  );
  let bias = (*quad).bias;
  (*quad).og = mat4x4<f32>(vec4<f32>(bias.x), vec4<f32>(bias.y), vec4<f32>(bias.z), vec4<f32>(bias.w));
}

// o += W₂[i, j] h_j for the block's rows, of the quad's features 2·half and 2·half + 1.
fn quad_output(quad: ptr<function, FeatureQuad>, h: vec4<f32>, j: u32, half: u32) {
  let w = (*quad).w_out[j];
  if (half == 0u) {
    (*quad).og[0] += h * w.x;
    (*quad).og[1] += h * w.y;
  } else {
    (*quad).og[2] += h * w.z;
    (*quad).og[3] += h * w.w;
  }
}

// o → g = ∂L/∂o; ∂L/∂b += Σ_rows g.
fn quad_gradient(quad: ptr<function, FeatureQuad>, valid: vec4<f32>) {
  let o = (*quad).og;
  let x = (*quad).x;
  let importance = (*quad).importance;
  let g = mat4x4<f32>(
    output_gradient(o[0], x[0], importance.x, valid),
    output_gradient(o[1], x[1], importance.y, valid),
    output_gradient(o[2], x[2], importance.z, valid),
    output_gradient(o[3], x[3], importance.w, valid),
  );
  (*quad).og = g;
  (*quad).grad_bias += vec4<f32>(1.0) * g;
}

// ∂L/∂W₁[j, i] += Σ_rows ∂L/∂z_j x_i of the quad's features 2·half and 2·half + 1.
fn quad_input_gradient(quad: ptr<function, FeatureQuad>, gz: vec4<f32>, j: u32, half: u32) {
  let c = 2u * half;
  (*quad).grad_in[j][c] += dot(gz, (*quad).x[c]);
  (*quad).grad_in[j][c + 1u] += dot(gz, (*quad).x[c + 1u]);
}

// ∂L/∂W₂[i, j] += Σ_rows h_j g_i of the quad's features 2·half and 2·half + 1 (tied: into
// ∂L/∂W[j, i]).
fn quad_output_gradient(quad: ptr<function, FeatureQuad>, h: vec4<f32>, j: u32, half: u32) {
  let c = 2u * half;
  let h_g = vec2<f32>(dot(h, (*quad).og[c]), dot(h, (*quad).og[c + 1u]));
  if (TIED) {
    (*quad).grad_in[j][c] += h_g.x;
    (*quad).grad_in[j][c + 1u] += h_g.y;
  } else {
    (*quad).grad_out[j][c] += h_g.x;
    (*quad).grad_out[j][c + 1u] += h_g.y;
  }
}

// One row block's share of the quad's gradients, from the block's h and ∂L/∂z (HB, GZB). Every
// loop over j does one small thing, for one half of the quad, so that lavapipe unrolls it (NIR
// unrolls a loop of ≤ 32 iterations only while iterations × body stays under ~830
// instructions): then the quad's arrays and HB, GZB are registers, not memory (phase 3 measured
// ~2× faster than with one loop doing all of it, in a microbenchmark at n=200, m=20; whole steps
// ~1.3× faster).
fn quad_rows(
  quad: ptr<function, FeatureQuad>,
  key: u32,
  step: u32,
  row0: u32,
  scale: vec4<f32>,
  hb: ptr<function, array<vec4<f32>, MAX_HIDDEN>>,
  gzb: ptr<function, array<vec4<f32>, MAX_HIDDEN>>,
) {
  quad_block(quad, key, step, row0, scale);
  for (var j = 0u; j < M; j++) {
    quad_output(quad, (*hb)[j], j, 0u);
  }
  for (var j = 0u; j < M; j++) {
    quad_output(quad, (*hb)[j], j, 1u);
  }
  quad_gradient(quad, valid_rows(row0));
  for (var j = 0u; j < M; j++) {
    quad_input_gradient(quad, (*gzb)[j], j, 0u);
  }
  for (var j = 0u; j < M; j++) {
    quad_input_gradient(quad, (*gzb)[j], j, 1u);
  }
  for (var j = 0u; j < M; j++) {
    quad_output_gradient(quad, (*hb)[j], j, 0u);
  }
  for (var j = 0u; j < M; j++) {
    quad_output_gradient(quad, (*hb)[j], j, 1u);
  }
}

// The quad's gradient sums into ∂θ slot `range` (features ≥ N are skipped).
fn quad_store(quad: ptr<function, FeatureQuad>, inst: u32, range: u32, first: u32) {
  for (var c = 0u; c < 4u; c++) {
    let feature = first + c;
    if (feature < N) {
      for (var j = 0u; j < M; j++) {
        store_gradient(inst, range, j * N + feature, (*quad).grad_in[j][c]);
        if (!TIED) {
          store_gradient(inst, range, w2_index(feature, j), (*quad).grad_out[j][c]);
        }
      }
      store_gradient(inst, range, weight_count() + feature, (*quad).grad_bias[c]);
    }
  }
}

// Phase 3 for features i0 … i0 + 4·FEATURE_QUADS − 1 over the row blocks of range `range`: ∂L/∂θ
// for every parameter that touches them (W₁[·, i], W₂[i, ·] and b_i), summed over the range's
// row blocks into ∂θ slot `range` (update_params sums the slots and updates θ). Per row block,
// x is drawn again and g recomputed from H (o_i = b_i + Σ_j W₂[i, j] h_j); each load of the
// block's h_j or ∂L/∂z_j serves 16 products per quad (on lavapipe every storage load is a
// lane-by-lane loop: four quads measured ~1.1–1.3× faster steps than one at n=200, m=20).
fn update_feature_block(inst: u32, i0: u32, range: u32, step: u32) {
  var qa: FeatureQuad;
  var qb: FeatureQuad;
  var qc: FeatureQuad;
  var qd: FeatureQuad;
  quad_start(&qa, inst, i0);
  if (FEATURE_QUADS == 4u) {
    quad_start(&qb, inst, i0 + 4u);
    quad_start(&qc, inst, i0 + 8u);
    quad_start(&qd, inst, i0 + 12u);
  }
  let key = counters[inst * 2u];
  var hb: array<vec4<f32>, MAX_HIDDEN>;
  var gzb: array<vec4<f32>, MAX_HIDDEN>;
  let first_block = range * range_blocks();
  let last_block = min(first_block + range_blocks(), row_blocks());
  for (var b = first_block; b < last_block; b++) {
    var scale = vec4<f32>(1.0);
    if (NORMALIZE) {
      scale = norm_scale(scratch[norm_index(inst, b)]);
    }
    for (var j = 0u; j < M; j++) {
      hb[j] = scratch[h_index(inst, b, j)];
      gzb[j] = scratch[gz_index(inst, b, j)];
    }
    quad_rows(&qa, key, step, 4u * b, scale, &hb, &gzb);
    if (FEATURE_QUADS == 4u) {
      quad_rows(&qb, key, step, 4u * b, scale, &hb, &gzb);
      quad_rows(&qc, key, step, 4u * b, scale, &hb, &gzb);
      quad_rows(&qd, key, step, 4u * b, scale, &hb, &gzb);
    }
  }
  quad_store(&qa, inst, range, i0);
  if (FEATURE_QUADS == 4u) {
    quad_store(&qb, inst, range, i0 + 4u);
    quad_store(&qc, inst, range, i0 + 8u);
    quad_store(&qd, inst, range, i0 + 12u);
  }
}

@compute @workgroup_size(WG)
fn update_features(@builtin(global_invocation_id) id: vec3<u32>) {
  let step = current_step(id.y);
  if (4u * FEATURE_QUADS * id.x < N && step < control.stop_at) {
    update_feature_block(id.y, 4u * FEATURE_QUADS * id.x, id.z, step);
  }
}

@compute @workgroup_size(WG)
fn finish_step(@builtin(global_invocation_id) id: vec3<u32>) {
  let inst = id.x;
  let step = current_step(inst);
  if (inst < control.instances && step < control.stop_at) {
    var total = 0.0;
    for (var block = 0u; block < row_blocks(); block++) {
      total += sum4(scratch[loss_index(inst, block)]);
    }
    losses[inst * control.total_steps + step] = total;
    counters[inst * 2u + 1u] = step + 1u;
  }
}
