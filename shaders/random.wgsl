// The counter-based random stream shared with lib/engine/rng.ts (see that module): PCG4D
// (Jarzynski & Olano 2020) on a 4-word counter, and uniforms from the top 24 bits. Its lane words
// DATASET_STEP and SET_LANE are in the generated prelude (lib/engine/webgpu/layout.ts).

fn pcg4d(counter: vec4<u32>) -> vec4<u32> {
  var v = counter * 1664525u + vec4<u32>(1013904223u);
  v.x += v.y * v.w;
  v.y += v.z * v.x;
  v.z += v.x * v.y;
  v.w += v.y * v.z;
  v = v ^ (v >> vec4<u32>(16u));
  v.x += v.y * v.w;
  v.y += v.z * v.x;
  v.z += v.x * v.y;
  v.w += v.y * v.z;
  return v;
}

fn unit_float(word: u32) -> f32 {
  return f32(word >> 8u) * (1.0 / 16777216.0);
}
