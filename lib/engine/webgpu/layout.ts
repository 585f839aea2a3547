/**
 * @module
 * The one table of what the WebGPU host (`trainer.ts`) and the kernels (`shaders/*.wgsl`) must
 * agree on: limits, enum codes, the random stream's lane words, the `Control` and
 * `InstanceUniform` layouts, the override constants, and every kernel loop with its trip count.
 * {@link wgslPrelude} declares all of it in WGSL and is prepended to the shader sources, so the
 * shaders hold no copy; the host packs `Control` from {@link CONTROL_FIELDS} and bounds each
 * invocation's loops from {@link KERNEL_LOOPS} ({@link loopCount}).
 */
import { type Correlation, MAX_HIDDEN, type Schedule } from "../spec.ts";
import { DATASET_STEP, SET_LANE } from "../rng.ts";

/** `value` rounded up to a multiple of `alignment`. */
export function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

/**
 * Bytes of `instance_uniform`: WebGPU's guaranteed `maxUniformBufferBindingSize`, a header of
 * {@link INSTANCE_HEADER} words padded to 16 bytes, then {@link UNIFORM_VALUES} floats.
 */
export const INSTANCE_UNIFORM_BYTES = 65536;
/**
 * The u32 words at the start of `instance_uniform` (its `InstanceUniform` struct): the window's
 * first instance, the chunk index of the chunked phases, the offset of the window's feature
 * constants in `values`.
 */
export const INSTANCE_HEADER = ["first_instance", "chunk", "feature_offset"] as const;
/** Bytes before `instance_uniform.values` (an array of vec4, aligned to 16 bytes). */
export const UNIFORM_HEADER_BYTES = alignUp(4 * INSTANCE_HEADER.length, 16);
/**
 * Floats of `instance_uniform.values`: θ (P) and importance, density (2n) of each instance of a
 * window must fit.
 */
export const UNIFORM_VALUES = (INSTANCE_UNIFORM_BYTES - UNIFORM_HEADER_BYTES) / 4;

/** Code of each learning-rate schedule (WGSL `SCHEDULE_<NAME>`, the `SCHEDULE` override). */
export const SCHEDULES: Record<Schedule, number> = {
  constant: 0,
  linear: 1,
  cosine: 2,
  warmup_cosine: 3,
};
/** Code of each correlation of the data (WGSL `CORRELATION_<NAME>`, the `CORRELATION` override). */
export const CORRELATIONS: Record<Correlation, number> = {
  independent: 0,
  correlated: 1,
  anticorrelated: 2,
};

/**
 * Parameters per invocation of the split driver's update_params: 16 measured ~0.8 ms faster per
 * step than 1 at n=200, m=20, 20 instances (lavapipe runs each workgroup at a fixed cost).
 */
export const PARAMS_PER_INVOCATION = 16;

/** The u32 constants of the prelude, with their WGSL comments. */
export const CONSTANTS: Record<string, { value: number; doc: string }> = {
  MAX_HIDDEN: { value: MAX_HIDDEN, doc: "Most hidden units (lib/engine/spec.ts)." },
  MAX_FUSED_FEATURES: { value: 64, doc: "Most features the fused driver holds per row." },
  MAX_FUSED_PARAMS: {
    value: 256,
    doc: "Most parameters (plus the loss) the fused driver accumulates per invocation.",
  },
  UNIFORM_VALUES: { value: UNIFORM_VALUES, doc: "Floats of instance_uniform.values." },
  PARAMS_PER_INVOCATION: {
    value: PARAMS_PER_INVOCATION,
    doc: "Parameters per update_params invocation (on lavapipe each workgroup has a fixed cost).",
  },
  DATASET_STEP: {
    value: DATASET_STEP,
    doc: "The counter's step word for samples of a fixed dataset (lib/engine/rng.ts).",
  },
  SET_LANE: {
    value: SET_LANE,
    doc: "Marks the lane word of a feature set's shared draw (lib/engine/rng.ts).",
  },
  ...enumConstants("SCHEDULE", SCHEDULES),
  ...enumConstants("CORRELATION", CORRELATIONS),
};

/** The constants `<PREFIX>_<NAME>` of an enum's codes. */
function enumConstants(
  prefix: string,
  codes: Record<string, number>,
): Record<string, { value: number; doc: string }> {
  return Object.fromEntries(
    Object.entries(codes).map(([name, value]) => [
      `${prefix}_${name.toUpperCase()}`,
      { value, doc: `${prefix} code of "${name}".` },
    ]),
  );
}

/** Most features (n) and parameters (P) the fused driver holds per invocation. */
export const MAX_FUSED_FEATURES = CONSTANTS.MAX_FUSED_FEATURES.value;
/** Most parameters the fused driver accumulates per invocation (P < this: P + 1 with the loss). */
export const MAX_FUSED_PARAMS = CONSTANTS.MAX_FUSED_PARAMS.value;

/** The fields of the `Control` uniform, in order, each one 4-byte word. */
export const CONTROL_FIELDS = [
  ["stop_at", "u32"],
  ["steps_per_dispatch", "u32"],
  ["total_steps", "u32"],
  ["warmup_steps", "u32"],
  ["lr", "f32"],
  ["beta1", "f32"],
  ["beta2", "f32"],
  ["eps", "f32"],
  ["weight_decay", "f32"],
  ["l1", "f32"],
  ["instances", "u32"],
] as const;
/** A field of `Control`. */
export type ControlField = typeof CONTROL_FIELDS[number][0];
/** Bytes of the `Control` uniform: its words, padded to a 16-byte row. */
export const CONTROL_BYTES = alignUp(4 * CONTROL_FIELDS.length, 16);

/** Byte offset of each `Control` field (WGSL's layout of a struct of 4-byte scalars). */
export const CONTROL_OFFSETS = Object.fromEntries(
  CONTROL_FIELDS.map(([name], k) => [name, 4 * k]),
) as Record<ControlField, number>;

/** The `Control` uniform's bytes holding `values`, each at its field's offset and type. */
export function packControl(values: Record<ControlField, number>): ArrayBuffer {
  const bytes = new ArrayBuffer(CONTROL_BYTES);
  const view = new DataView(bytes);
  for (const [name, type] of CONTROL_FIELDS) {
    if (type === "u32") view.setUint32(CONTROL_OFFSETS[name], values[name], true);
    else view.setFloat32(CONTROL_OFFSETS[name], values[name], true);
  }
  return bytes;
}

/**
 * The pipeline-overridable constants: per-run specialisation, set by the host for every pipeline
 * (`u32`, or `bool` passed as 0/1).
 */
export const OVERRIDES = {
  N: { type: "u32", doc: "Features." },
  M: { type: "u32", doc: "Hidden units." },
  BATCH: { type: "u32", doc: "Batch rows per step." },
  WG: { type: "u32", doc: "Invocations per workgroup." },
  PARTIALS: {
    type: "u32",
    doc: "Workgroup partials of the fused driver: (P + 1)·WG; 1 where only the split driver runs.",
  },
  ROW_BLOCKS: {
    type: "bool",
    doc: "Fused driver: each invocation takes its rows four at a time (vec4 lanes), so that " +
      "every parameter and gradient access serves four rows (pays off when the loops over n·m " +
      "are too long for the compiler to unroll); else one row at a time.",
  },
  TIED: { type: "bool", doc: "W₂ = W₁ᵀ (else untied, P = 2nm + n)." },
  HIDDEN_RELU: { type: "bool", doc: "act_hid = ReLU (else identity)." },
  OUTPUT_RELU: { type: "bool", doc: "act_out = ReLU (else identity)." },
  CORRELATION: { type: "u32", doc: "CORRELATION_INDEPENDENT, _CORRELATED or _ANTICORRELATED." },
  SET_SIZE: { type: "u32", doc: "Features per correlated or anticorrelated set." },
  SIGNED_VALUES: { type: "bool", doc: "Active features are U[−1, 1] (else U[0, 1])." },
  DATASET_SIZE: { type: "u32", doc: "Samples of a fixed dataset; 0: fresh samples every step." },
  NORMALIZE: { type: "bool", doc: "Samples are rescaled to unit norm." },
  DECOUPLED_DECAY: {
    type: "bool",
    doc: "AdamW; false: Adam with the decay added to the gradient.",
  },
  SCHEDULE: { type: "u32", doc: "SCHEDULE_CONSTANT, _LINEAR, _COSINE or _WARMUP_COSINE." },
  UNIFORM_PARAMS: {
    type: "bool",
    doc: "Split driver: forward_backward reads θ and the feature constants from " +
      "instance_uniform (one dispatch per window of instances) instead of params and features.",
  },
  STORED_DATA: {
    type: "bool",
    doc: "Split driver: the fixed dataset's samples are read from `dataset` (entries of " +
      "non-zero x_i only), not drawn.",
  },
  FEATURE_CHUNK: {
    type: "u32",
    doc: "Split driver, models too long for one forward_backward invocation: features per " +
      "chunk of forward_chunk and backward_chunk (0: unused).",
  },
  FEATURE_QUADS: {
    type: "u32",
    doc: "Split driver: quads of four features per update_features invocation, 1 or 4.",
  },
  ROW_RANGES: {
    type: "u32",
    doc: "Split driver: ranges of row blocks that update_features sums separately (grid z), " +
      "so that one invocation's loops stay under lavapipe's limit; update_params adds them up.",
  },
} as const;
/** An override constant's name. */
export type OverrideName = keyof typeof OVERRIDES;

/** `text` as WGSL line comments of at most 100 columns. */
function comment(text: string): string {
  const lines: string[] = [];
  let line = "//";
  for (const word of text.split(" ")) {
    if (line.length + 1 + word.length > 100) {
      lines.push(line);
      line = "//";
    }
    line += ` ${word}`;
  }
  return [...lines, line].join("\n") + "\n";
}

/**
 * The WGSL declarations of the table, prepended to the shader sources: the constants, the
 * `Control` and `InstanceUniform` structs and the override constants.
 */
export function wgslPrelude(): string {
  const constants = Object.entries(CONSTANTS).map(([name, { value, doc }]) =>
    comment(doc) + `const ${name}: u32 = ${value}u;\n`
  );
  const control = CONTROL_FIELDS.map(([name, type]) => `  ${name}: ${type},\n`).join("");
  const header = INSTANCE_HEADER.map((name) => `  ${name}: u32,\n`).join("");
  const overrides = Object.entries(OVERRIDES).map(([name, { type, doc }]) =>
    comment(doc) + `override ${name}: ${type};\n`
  );
  return "// Generated by lib/engine/webgpu/layout.ts (wgslPrelude): do not copy these here.\n" +
    constants.join("") +
    "// The run's step bounds and optimiser settings, packed by the host (packControl).\n" +
    `struct Control {\n${control}}\n` +
    "// A window of instances' θ and feature constants, or a chunk index (split.wgsl).\n" +
    `struct InstanceUniform {\n${header}  values: array<vec4<f32>, ${UNIFORM_VALUES / 4}>,\n}\n` +
    overrides.join("");
}

/** The sizes that the kernels' loop trip counts depend on. */
export interface LoopShape {
  n: number;
  m: number;
  batch: number;
  /** Parameters per instance (P). */
  params: number;
  /** Invocations per workgroup. */
  workgroup: number;
  /** Fused driver: whole steps per dispatch, and rows per invocation at a time (1 or 4). */
  steps: number;
  rowBlock: 1 | 4;
  /** Split driver: FEATURE_CHUNK, FEATURE_QUADS, ROW_RANGES and row blocks per range. */
  featureChunk: number;
  quads: number;
  ranges: number;
  rangeBlocks: number;
  /**
   * Split driver, a stored dataset (STORED_DATA): whether it is read, the most entries of one
   * sample and of one feature (lib/engine/data.ts, StoredDataset), and the most batch rows that
   * hold one sample (⌈B/T⌉).
   */
  stored: boolean;
  rowEntries: number;
  featureEntries: number;
  rowRepeats: number;
}

type Trips = (shape: LoopShape) => number;

/**
 * One item of a kernel function's loop skeleton: a `for` loop (its header as in the WGSL, its
 * trip count, the loops and calls inside), a call of a function with loops (`times` consecutive
 * calls), or branches of which one runs: chosen by an override (`pick`) or by the data (none:
 * the longest counts).
 */
export type LoopItem =
  | { for: string; trips: Trips; body: LoopItem[] }
  | { call: string; times: Trips }
  | { branches: LoopItem[][]; pick?: (shape: LoopShape) => number };

function loop(header: string, trips: Trips, ...body: LoopItem[]): LoopItem {
  return { for: header, trips, body };
}

function call(name: string, times: Trips = () => 1): LoopItem {
  return { call: name, times };
}

function either(...branches: LoopItem[][]): LoopItem {
  return { branches };
}

function overHidden(...body: LoopItem[]): LoopItem {
  return loop("var j = 0u; j < M; j++", (s) => s.m, ...body);
}

function overFeatures(...body: LoopItem[]): LoopItem {
  return loop("var i = 0u; i < N; i++", (s) => s.n, ...body);
}

/** Items that run only where the stored dataset is read (STORED_DATA). */
function whenStored(...items: LoopItem[]): LoopItem {
  return storedOr(items, []);
}

/** `stored` where the stored dataset is read (STORED_DATA), else `drawn`. */
function storedOr(stored: LoopItem[], drawn: LoopItem[]): LoopItem {
  return { branches: [stored, drawn], pick: (s) => s.stored ? 0 : 1 };
}

/** The loop over the stored entries of one sample or one feature (at most `trips`). */
function overEntries(trips: Trips, ...body: LoopItem[]): LoopItem {
  return loop("var k = entries.x; k < entries.y; k += 2u", trips, ...body);
}

/** The loop over the four rows of a block, each over its stored entries. */
function overRowEntries(...body: LoopItem[]): LoopItem {
  return loop(
    "var lane = 0u; lane < 4u; lane++",
    () => 4,
    overEntries((s) => s.rowEntries, ...body),
  );
}

const rowBlocks: Trips = (s) => Math.ceil(s.batch / 4);
const quads: Trips = (s) => s.quads;

/**
 * Every loop of the kernels, per WGSL function that has one (directly or through a call), in
 * source order; branches count as if all could run, except where {@link LoopItem} says which
 * one. tests/engine/webgpu/layout_test.ts checks this against the shaders, so a loop added there
 * must be added here, and the host's loop budget ({@link loopCount}) counts it.
 */
export const KERNEL_LOOPS: Record<string, LoopItem[]> = {
  fused_row: [
    overHidden(),
    overFeatures(overHidden()),
    overFeatures(),
    overHidden(),
    overFeatures(overHidden(), overHidden()),
    overHidden(),
    overHidden(either([overFeatures()], [overFeatures()])),
  ],
  fused_block: [
    overHidden(),
    overFeatures(overHidden()),
    overFeatures(),
    overHidden(),
    overFeatures(overHidden(), overHidden()),
    overHidden(),
    overFeatures(either([overHidden()], [overHidden()])),
  ],
  train_fused: [
    overFeatures(),
    loop(
      "var step = start; step < end; step++",
      (s) => s.steps,
      loop("var k = 0u; k < param_count(); k++", (s) => s.params),
      {
        branches: [
          [loop(
            "var row = 4u * lid; row < BATCH; row += 4u * WG",
            (s) => Math.ceil(s.batch / (4 * s.workgroup)),
            call("fused_block"),
          )],
          [loop(
            "var row = lid; row < BATCH; row += WG",
            (s) => Math.ceil(s.batch / s.workgroup),
            call("fused_row"),
          )],
        ],
        pick: (s) => s.rowBlock === 4 ? 0 : 1,
      },
      loop("var k = 0u; k <= param_count(); k++", (s) => s.params + 1),
      loop(
        "var k = lid; k <= param_count(); k += WG",
        (s) => Math.ceil((s.params + 1) / s.workgroup),
        loop("var w = 0u; w < WG; w++", (s) => s.workgroup),
      ),
    ),
  ],
  split_block: [
    storedOr([call("stored_input", () => 2)], [overFeatures(overHidden())]),
    overHidden(),
    overHidden(),
    overHidden(),
    overFeatures(overHidden(), overHidden()),
    whenStored(call("stored_output", () => 2)),
    overHidden(),
    overHidden(),
  ],
  stored_input: [overRowEntries(overHidden())],
  stored_output: [overRowEntries(overHidden(), overHidden())],
  forward_backward: [call("split_block")],
  forward_chunk_block: [
    either([overHidden()], [overHidden()]),
    storedOr(
      [call("stored_input")],
      [loop("var i = first; i < last; i++", (s) => s.featureChunk, overHidden())],
    ),
    overHidden(),
  ],
  backward_chunk_block: [
    either([overHidden(), overHidden()], [overHidden()]),
    loop("var i = first; i < last; i++", (s) => s.featureChunk, overHidden(), overHidden()),
    whenStored(call("stored_output")),
    either([overHidden()], [overHidden()]),
  ],
  forward_chunk: [call("forward_chunk_block")],
  backward_chunk: [call("backward_chunk_block")],
  update_params: [
    loop(
      "var slot = 0u; slot < PARAMS_PER_INVOCATION; slot++",
      () => PARAMS_PER_INVOCATION,
      loop("var range = 0u; range < ROW_RANGES; range++", (s) => s.ranges),
    ),
  ],
  quad_start: [overHidden()],
  quad_rows: [
    overHidden(),
    overHidden(),
    storedOr([], [overHidden(), overHidden()]),
    overHidden(),
    overHidden(),
  ],
  quad_stored: [
    loop(
      "var c = 0u; c < 4u; c++",
      () => 4,
      overEntries(
        (s) => s.featureEntries,
        loop(
          "var row = first_row(step, dataset[k]); row < end; row += DATASET_SIZE",
          (s) => s.rowRepeats,
          overHidden(),
          overHidden(),
        ),
      ),
    ),
  ],
  quad_store: [loop("var c = 0u; c < 4u; c++", () => 4, overHidden())],
  update_feature_block: [
    call("quad_start", quads),
    loop(
      "var b = first_block; b < last_block; b++",
      (s) => s.rangeBlocks,
      overHidden(),
      storedOr([], [overHidden()]),
      call("quad_rows", quads),
    ),
    whenStored(call("quad_stored", quads)),
    call("quad_store", quads),
  ],
  update_features: [call("update_feature_block")],
  finish_step: [loop("var block = 0u; block < row_blocks(); block++", rowBlocks)],
};

/**
 * Upper bound on the loop iterations of one invocation of WGSL function `name` for `shape`,
 * from {@link KERNEL_LOOPS}, as lavapipe counts them with no loop unrolled: a loop of k
 * iterations counts k + 1 (the exit test too) plus its body k times.
 */
export function loopCount(name: string, shape: LoopShape): number {
  return itemsCount(KERNEL_LOOPS[name], shape);
}

function itemsCount(items: LoopItem[], shape: LoopShape): number {
  let total = 0;
  for (const item of items) {
    if ("for" in item) {
      const trips = item.trips(shape);
      total += trips + 1 + trips * itemsCount(item.body, shape);
    } else if ("call" in item) {
      total += item.times(shape) * loopCount(item.call, shape);
    } else if (item.pick) {
      total += itemsCount(item.branches[item.pick(shape)], shape);
    } else {
      total += Math.max(...item.branches.map((branch) => itemsCount(branch, shape)));
    }
  }
  return total;
}
