// The split driver (models too large for the fused one): per step, one dispatch per phase through
// the scratch below, many workgroups per instance (grid y = instance). Dispatches of one pass run
// in order, each seeing the previous one's storage writes, so the dispatch boundaries are the
// only barriers; an instance whose step counter has reached `control.stop_at` does nothing.
//   1. `forward_backward`: phases 1–2 for eight batch rows per invocation as two vec4 blocks
//      (each parameter load serves eight rows; z, h, ∂L/∂h stay private); keeps h, ∂L/∂z, ‖x‖²
//      and the loss. Where P + 2N fit a 64 KiB uniform (UNIFORM_PARAMS), the host copies the θ of
//      as many instances as fit into `instance_uniform` before the step and runs one dispatch
//      per such window reading θ from it (measured ~1.35× faster at n=200, m=20 than
//      lane-by-lane storage loads). Models whose feature loop is too long for one invocation run
//      chunked.wgsl's phases instead.
//   2. `update_features`: phase 3 for four or sixteen features per invocation (FEATURE_QUADS)
//      over blocks of four rows (4×4 tiles) of one of ROW_RANGES ranges of the batch (grid z),
//      drawing x again and recomputing g from h, so no B × n array is ever stored; writes its
//      sums of ∂θ.
//   3. `update_params`: adds the ranges' sums and updates θ (AdamW, PARAMS_PER_INVOCATION
//      parameters per invocation).
//   4. `finish_step`: sums the row losses and advances the step counter.
// A fixed dataset stored sparsely (STORED_DATA, the `dataset` binding of common.wgsl) is read,
// not drawn: phases 1–2 sum z = W₁ x over each row's entries and run the output loop with x = 0,
// then add each entry's difference (stored_input, stored_output); phase 3's row blocks take x = 0
// and each feature's list of entries adds the rest (quad_stored).
// Scratch per instance, in vec4 blocks of four batch rows (K = ⌈B/4⌉ blocks, the last padded):
// H (K·M) | GZ (K·M) | loss (K) | squared norm (K) | ∂θ (ROW_RANGES·⌈P/4⌉, phase 3's sums before
// update_params).

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
  let f_base = select(0u, instance_uniform.feature_offset, UNIFORM_PARAMS) +
    select(inst, window_slot, UNIFORM_PARAMS) * 2u * N;
  let key = counters[inst * 2u];
  var draws_a = block_draws(key, step, row_a, 0u);
  var draws_b = block_draws(key, step, row_b, 0u);
  var z_a: array<vec4<f32>, MAX_HIDDEN>;
  var z_b: array<vec4<f32>, MAX_HIDDEN>;
  var squared_norm_a = vec4<f32>(0.0);
  var squared_norm_b = vec4<f32>(0.0);
  if (STORED_DATA) {
    squared_norm_a = stored_input(inst, p_base, step, row_a, 0u, N, &z_a);
    squared_norm_b = stored_input(inst, p_base, step, row_b, 0u, N, &z_b);
  } else {
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
    var x_a = vec4<f32>(0.0);
    var x_b = vec4<f32>(0.0);
    if (!STORED_DATA) {
      x_a = draw_block(key, &draws_a, i, density) * scale_a;
      x_b = draw_block(key, &draws_b, i, density) * scale_b;
    }
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
  if (STORED_DATA) {
    let bases = vec2<u32>(p_base, f_base);
    loss_a += stored_output(inst, bases, step, row_a, 0u, N, scale_a, valid_a, &h_a, &hidden_grad_a);
    loss_b += stored_output(inst, bases, step, row_b, 0u, N, scale_b, valid_b, &h_b, &hidden_grad_b);
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

// 1 in lane `lane` of a vector, 0 in the others. The stored-entry loops add and read one lane
// at a time through it: a vector indexed by a variable would keep lavapipe from holding z, h and
// ∂L/∂h (or a quad's sums) in registers (measured 2.4× slower at n=1000, m=2).
fn lane_mask(lane: u32) -> vec4<f32> {
  return select(vec4<f32>(0.0), vec4<f32>(1.0), vec4<u32>(0u, 1u, 2u, 3u) == vec4<u32>(lane));
}

// Phase 1 from the stored dataset (STORED_DATA) for the four rows of the block at row0 and the
// features in [first, last): z += W₁ x over each row's non-zero x_i only; returns their ‖x‖².
fn stored_input(
  inst: u32,
  p_base: u32,
  step: u32,
  row0: u32,
  first: u32,
  last: u32,
  z: ptr<function, array<vec4<f32>, MAX_HIDDEN>>,
) -> vec4<f32> {
  var squared_norm = vec4<f32>(0.0);
  for (var lane = 0u; lane < 4u; lane++) {
    let mask = lane_mask(lane);
    let entries = sample_entries(inst, sample_counter(step, row0 + lane).y);
    for (var k = entries.x; k < entries.y; k += 2u) {
      let i = dataset[k];
      if (i >= first && i < last) {
        let value = entry_value(k);
        squared_norm += mask * (value * value);
        for (var j = 0u; j < M; j++) {
          (*z)[j] += mask * (split_param(p_base + j * N + i) * value);
        }
      }
    }
  }
  return squared_norm;
}

// The difference x_i makes to g_i = ∂L/∂o_i of one row at output o_i (x_i its scaled value).
fn stored_gradient(o: f32, x: f32, importance: f32, valid: f32) -> f32 {
  let with_x = output_gradient(vec4<f32>(o), vec4<f32>(x), importance, vec4<f32>(valid));
  return (with_x - output_gradient(vec4<f32>(o), vec4<f32>(0.0), importance, vec4<f32>(valid))).x;
}

// Phase 2's terms of the stored entries (STORED_DATA) of the block at row0, features in
// [first, last): the output loop took x = 0, so each entry (i, x_i) of a row adds the difference
// its x_i makes to the row's loss and, through W₂[i, ·], to ∂L/∂h. `bases` are the offsets of
// the instance's θ and feature constants (split_param, split_feature); returns the loss terms.
fn stored_output(
  inst: u32,
  bases: vec2<u32>,
  step: u32,
  row0: u32,
  first: u32,
  last: u32,
  scale: vec4<f32>,
  valid: vec4<f32>,
  h: ptr<function, array<vec4<f32>, MAX_HIDDEN>>,
  hidden_grad: ptr<function, array<vec4<f32>, MAX_HIDDEN>>,
) -> vec4<f32> {
  var loss = vec4<f32>(0.0);
  for (var lane = 0u; lane < 4u; lane++) {
    let mask = lane_mask(lane);
    let entries = sample_entries(inst, sample_counter(step, row0 + lane).y);
    for (var k = entries.x; k < entries.y; k += 2u) {
      let i = dataset[k];
      if (i >= first && i < last) {
        var o = split_param(bases.x + weight_count() + i);
        for (var j = 0u; j < M; j++) {
          o += split_param(bases.x + w2_index(i, j)) * dot((*h)[j], mask);
        }
        let x = entry_value(k) * dot(scale, mask);
        let importance = split_feature(bases.y + i);
        let o4 = vec4<f32>(o);
        loss += mask * (output_loss(o4, vec4<f32>(x), importance) -
          output_loss(o4, vec4<f32>(0.0), importance)).x;
        let g = stored_gradient(o, x, importance, dot(valid, mask));
        for (var j = 0u; j < M; j++) {
          (*hidden_grad)[j] += mask * (split_param(bases.x + w2_index(i, j)) * g);
        }
      }
    }
  }
  return loss;
}

// Row-block pairs of a batch (the last one half empty where ⌈B/4⌉ is odd).
fn block_pairs() -> u32 {
  return (row_blocks() + 1u) / 2u;
}

@compute @workgroup_size(WG)
fn forward_backward(@builtin(global_invocation_id) id: vec3<u32>) {
  let inst = select(0u, instance_uniform.first_instance, UNIFORM_PARAMS) + id.y;
  let step = current_step(inst);
  if (id.x < block_pairs() && step < control.stop_at) {
    split_block(inst, id.y, step, id.x);
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
  if (STORED_DATA) {
    (*quad).x = mat4x4<f32>(); // the stored entries come after the row blocks (quad_stored)
  } else {
    (*quad).x = mat4x4<f32>(
      draw_feature(key, step, row0, i.x, density.x) * scale,
      draw_feature(key, step, row0, i.y, density.y) * scale,
      draw_feature(key, step, row0, i.z, density.z) * scale,
      draw_feature(key, step, row0, i.w, density.w) * scale,
    );
  }
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
  if (!STORED_DATA) {
    for (var j = 0u; j < M; j++) {
      quad_input_gradient(quad, (*gzb)[j], j, 0u);
    }
    for (var j = 0u; j < M; j++) {
      quad_input_gradient(quad, (*gzb)[j], j, 1u);
    }
  }
  for (var j = 0u; j < M; j++) {
    quad_output_gradient(quad, (*hb)[j], j, 0u);
  }
  for (var j = 0u; j < M; j++) {
    quad_output_gradient(quad, (*hb)[j], j, 1u);
  }
}

// Phase 3's terms of the stored entries (STORED_DATA) of the quad's features in the batch rows
// of row blocks [blocks.x, blocks.y): the row blocks took x = 0, so each entry (t, x_i) adds, in
// every row that holds sample t, ∂L/∂z_j x_i to ∂W₁[j, i] and the difference x_i makes to g_i
// to ∂b_i and, times h_j, to ∂W₂[i, j] (the row's h, ∂L/∂z and ‖x‖² from the scratch).
fn quad_stored(quad: ptr<function, FeatureQuad>, inst: u32, step: u32, blocks: vec2<u32>) {
  let end = min(4u * blocks.y, BATCH);
  for (var c = 0u; c < 4u; c++) {
    let mask = lane_mask(c);
    let i = dot((*quad).index, vec4<u32>(mask));
    let bias = dot((*quad).bias, mask);
    let importance = dot((*quad).importance, mask);
    let entries = feature_entries(inst, i);
    for (var k = entries.x; k < entries.y; k += 2u) {
      for (var row = first_row(step, dataset[k]); row < end; row += DATASET_SIZE) {
        if (row >= 4u * blocks.x) {
          let block = row / 4u;
          let lane = row % 4u;
          var scale = 1.0;
          if (NORMALIZE) {
            scale = norm_scale(scratch[norm_index(inst, block)])[lane];
          }
          let x = entry_value(k) * scale;
          var o = bias;
          for (var j = 0u; j < M; j++) {
            o += dot((*quad).w_out[j], mask) * scratch[h_index(inst, block, j)][lane];
          }
          let g = stored_gradient(o, x, importance, 1.0);
          (*quad).grad_bias += mask * g;
          for (var j = 0u; j < M; j++) {
            let h = scratch[h_index(inst, block, j)][lane];
            (*quad).grad_in[j] += mask * (scratch[gz_index(inst, block, j)][lane] * x);
            if (TIED) {
              (*quad).grad_in[j] += mask * (h * g);
            } else {
              (*quad).grad_out[j] += mask * (h * g);
            }
          }
        }
      }
    }
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
    // A stored dataset's row blocks take x = 0: their ∂L/∂z and ‖x‖² are not needed here.
    var scale = vec4<f32>(1.0);
    if (NORMALIZE && !STORED_DATA) {
      scale = norm_scale(scratch[norm_index(inst, b)]);
    }
    for (var j = 0u; j < M; j++) {
      hb[j] = scratch[h_index(inst, b, j)];
    }
    if (!STORED_DATA) {
      for (var j = 0u; j < M; j++) {
        gzb[j] = scratch[gz_index(inst, b, j)];
      }
    }
    quad_rows(&qa, key, step, 4u * b, scale, &hb, &gzb);
    if (FEATURE_QUADS == 4u) {
      quad_rows(&qb, key, step, 4u * b, scale, &hb, &gzb);
      quad_rows(&qc, key, step, 4u * b, scale, &hb, &gzb);
      quad_rows(&qd, key, step, 4u * b, scale, &hb, &gzb);
    }
  }
  if (STORED_DATA) {
    let blocks = vec2<u32>(first_block, last_block);
    quad_stored(&qa, inst, step, blocks);
    if (FEATURE_QUADS == 4u) {
      quad_stored(&qb, inst, step, blocks);
      quad_stored(&qc, inst, step, blocks);
      quad_stored(&qd, inst, step, blocks);
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
