// The data draws of the toy models' kernels (common.wgsl and its drivers) and the SAE kernels
// (sae.wgsl): x_i of a batch row, or of four rows at once, from the counter-based random stream
// (random.wgsl; independent, correlated or anticorrelated sets, fresh samples or a fixed
// dataset), as lib/engine/data.ts draws them on the CPU. The overrides and constants they read
// come from the generated prelude (lib/engine/webgpu/layout.ts).

// The counter words (step, sample) of batch row `row` at step `step`: fresh data, or row
// (step·B + row) mod T of a dataset of T samples (lib/engine/data.ts, sampleCounter).
fn sample_counter(step: u32, row: u32) -> vec2<u32> {
  if (DATASET_SIZE > 0u) {
    return vec2<u32>(DATASET_STEP, (dataset_offset(step) + row) % DATASET_SIZE);
  }
  return vec2<u32>(step, row);
}

// The sample of a dataset in batch row 0 at step `step`: (step·B) mod T.
fn dataset_offset(step: u32) -> u32 {
  let size = max(DATASET_SIZE, 1u); // keeps the override remainder well-defined where it is 0
  return ((step % size) * (BATCH % size)) % size;
}

// The first batch row that holds dataset sample `sample` at step `step` (sample_counter's
// inverse); rows every T after it hold it too, and none where it is ≥ B.
fn first_row(step: u32, sample: u32) -> u32 {
  return (sample + DATASET_SIZE - dataset_offset(step)) % max(DATASET_SIZE, 1u);
}

// x_i of the sample at `counter` before normalisation (lib/engine/data.ts, drawSample), for i = 0, 1, …
// in order: `set_draw` carries the draw of i's feature set from its first member on.
fn feature_value(
  key: u32,
  counter: vec2<u32>,
  i: u32,
  density: f32,
  set_draw: ptr<function, vec4<u32>>,
) -> f32 {
  if (CORRELATION != CORRELATION_INDEPENDENT && i % SET_SIZE == 0u) {
    *set_draw = pcg4d(vec4<u32>(key, counter.x, counter.y, SET_LANE | (i / SET_SIZE)));
  }
  let own = pcg4d(vec4<u32>(key, counter.x, counter.y, i));
  var is_active: bool;
  if (CORRELATION == CORRELATION_INDEPENDENT) {
    is_active = unit_float(own.x) < density;
  } else if (CORRELATION == CORRELATION_CORRELATED) {
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
  if (CORRELATION != CORRELATION_INDEPENDENT) {
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
