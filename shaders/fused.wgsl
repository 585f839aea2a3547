// The fused driver (`train_fused`, small models: n ≤ MAX_FUSED_FEATURES, P < MAX_FUSED_PARAMS):
// one workgroup of WG invocations per instance runs many whole steps inside one dispatch, from the
// instance's step counter up to min(counter + steps_per_dispatch, stop_at). Per step, each
// invocation runs phases 1–2 for its batch rows (row lid, lid + WG, …, or where ROW_BLOCKS four
// rows at a time as vec4 lanes, fused_block) with x, z, h in private arrays and adds each row's
// share of phase 3 into private per-parameter sums (input sparsity: zero x_i and g_i skip their
// products). It then writes its sums to the workgroup's `partials`; after a workgroupBarrier each
// invocation sums the WG partials of every WG-th parameter and updates it (AdamW), or writes the
// step's loss. A storageBarrier and a workgroupBarrier end the step, so that the next step reads
// the updated θ. Parameters and feature constants are copied into private arrays first: on
// lavapipe every storage or workgroup load runs lane by lane, a private one is a vector gather.

var<workgroup> shared_step: u32;

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
