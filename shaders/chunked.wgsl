// The split driver's chunked phases 1–2 (FEATURE_CHUNK > 0), for models too wide for one
// forward_backward invocation to loop over every feature within lavapipe's limit (such as
// n = 10,000): per step, ⌈N/F⌉ `forward_chunk` dispatches, then ⌈N/F⌉ `backward_chunk`
// dispatches, each over F = FEATURE_CHUNK features (the chunk index in instance_uniform.chunk,
// bound at chunk c's dynamic offset), carrying z, ‖x‖², ∂L/∂h and the loss from chunk to chunk
// through split.wgsl's scratch; then split.wgsl's phase 3 as usual. One invocation per block of
// four rows; the dispatch boundaries are the only barriers.

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
  if (STORED_DATA) {
    squared_norm += stored_input(inst, p_base, step, row0, first, last, &z);
  } else {
    for (var i = first; i < last; i++) {
      let value = draw_block(key, &draws, i, features[inst * 2u * N + N + i]);
      squared_norm += value * value;
      for (var j = 0u; j < M; j++) {
        z[j] += params[p_base + j * N + i] * value;
      }
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
    var x = vec4<f32>(0.0);
    if (!STORED_DATA) {
      x = draw_block(key, &draws, i, features[inst * 2u * N + N + i]) * scale;
    }
    loss += output_loss(o, x, importance);
    let g = output_gradient(o, x, importance, valid);
    for (var j = 0u; j < M; j++) {
      hidden_grad[j] += params[p_base + w2_index(i, j)] * g;
    }
  }
  if (STORED_DATA) {
    let bases = vec2<u32>(p_base, inst * 2u * N);
    loss += stored_output(inst, bases, step, row0, first, last, scale, valid, &h, &hidden_grad);
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
    forward_chunk_block(id.y, step, id.x, instance_uniform.chunk);
  }
}

@compute @workgroup_size(WG)
fn backward_chunk(@builtin(global_invocation_id) id: vec3<u32>) {
  let step = current_step(id.y);
  if (id.x < row_blocks() && step < control.stop_at) {
    backward_chunk_block(id.y, step, id.x, instance_uniform.chunk);
  }
}
