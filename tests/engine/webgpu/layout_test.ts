import assert from "node:assert/strict";
import { MAX_HIDDEN } from "../../../lib/engine/spec.ts";
import { gpuDevice } from "../../../lib/engine/webgpu/device.ts";
import {
  CONSTANTS,
  CONTROL_BYTES,
  CONTROL_FIELDS,
  CONTROL_OFFSETS,
  type ControlField,
  INSTANCE_HEADER,
  INSTANCE_UNIFORM_BYTES,
  KERNEL_LOOPS,
  loopCount,
  type LoopItem,
  type LoopShape,
  OVERRIDES,
  packControl,
  PARAMS_PER_INVOCATION,
  UNIFORM_HEADER_BYTES,
  UNIFORM_VALUES,
  wgslPrelude,
} from "../../../lib/engine/webgpu/layout.ts";
import { noWebGpu } from "../../helpers.ts";

const SHADER_FILES = ["random", "adam", "data", "common", "fused", "split", "chunked"];

/** Every shader file's WGSL without its comments. */
const shaderCode = SHADER_FILES.map((name) =>
  Deno.readTextFileSync(new URL(`../../../shaders/${name}.wgsl`, import.meta.url))
    .replace(/\/\/.*$/gm, "")
).join("\n");

const prelude = wgslPrelude();

Deno.test("wgslPrelude() declares every constant, override and uniform field of the table", () => {
  assert.equal(CONSTANTS.MAX_HIDDEN.value, MAX_HIDDEN);
  for (const [name, { value }] of Object.entries(CONSTANTS)) {
    assert.ok(prelude.includes(`\nconst ${name}: u32 = ${value}u;\n`), name);
  }
  for (const [name, { type }] of Object.entries(OVERRIDES)) {
    assert.ok(prelude.includes(`\noverride ${name}: ${type};\n`), name);
  }
  const control = CONTROL_FIELDS.map(([name, type]) => `  ${name}: ${type},\n`).join("");
  assert.ok(prelude.includes(`struct Control {\n${control}}`));
  const header = INSTANCE_HEADER.map((name) => `  ${name}: u32,\n`).join("");
  const values = `  values: array<vec4<f32>, ${UNIFORM_VALUES / 4}>,\n`;
  assert.ok(prelude.includes(`struct InstanceUniform {\n${header}${values}}`));
  assert.equal(UNIFORM_HEADER_BYTES + 4 * UNIFORM_VALUES, INSTANCE_UNIFORM_BYTES);
  assert.equal(UNIFORM_VALUES % 4, 0);
});

Deno.test("the shader files hold no copy of the table: no constant, override or struct of it", () => {
  const names = [...Object.keys(CONSTANTS), ...Object.keys(OVERRIDES)];
  for (const name of names) {
    assert.doesNotMatch(shaderCode, new RegExp(`\\b(const|override)\\s+${name}\\b`), name);
  }
  assert.doesNotMatch(shaderCode, /\bstruct\s+(Control|InstanceUniform)\b/);
  // Enum overrides are compared with the table's named codes, never with numbers.
  assert.doesNotMatch(shaderCode, /\b(SCHEDULE|CORRELATION)\s*[!=<>]=?\s*\d/);
  assert.doesNotMatch(shaderCode, /\bcase\s+\d/);
  for (const value of [UNIFORM_VALUES, UNIFORM_VALUES / 4, INSTANCE_UNIFORM_BYTES]) {
    assert.doesNotMatch(shaderCode, new RegExp(`\\b${value}u?\\b`), `${value}`);
  }
});

/** Distinct values for every Control field: u32 fields count up, f32 fields are fractions. */
const controlValues = Object.fromEntries(
  CONTROL_FIELDS.map(([name, type], k) => [name, type === "u32" ? 1000 + k : 0.25 + k]),
) as Record<ControlField, number>;

Deno.test("packControl() puts every field at its table offset, as a 16-byte-padded struct", () => {
  const view = new DataView(packControl(controlValues));
  assert.equal(view.byteLength, CONTROL_BYTES);
  assert.equal(CONTROL_BYTES % 16, 0);
  assert.ok(CONTROL_BYTES >= 4 * CONTROL_FIELDS.length);
  CONTROL_FIELDS.forEach(([name, type], k) => {
    assert.equal(CONTROL_OFFSETS[name], 4 * k, name);
    const read = type === "u32"
      ? view.getUint32(CONTROL_OFFSETS[name], true)
      : view.getFloat32(CONTROL_OFFSETS[name], true);
    assert.equal(read, controlValues[name], name);
  });
});

Deno.test({
  name: "a Control packed by the host reads back field by field in a kernel using the prelude",
  ignore: noWebGpu,
  fn: async () => {
    const device = await gpuDevice();
    const reads = CONTROL_FIELDS.map(([name, type], k) =>
      `  out[${k}] = ${type === "u32" ? `control.${name}` : `bitcast<u32>(control.${name})`};\n`
    ).join("");
    const module = device.createShaderModule({
      code: prelude +
        "@group(0) @binding(0) var<uniform> control: Control;\n" +
        "@group(0) @binding(1) var<storage, read_write> out: array<u32>;\n" +
        `@compute @workgroup_size(1)\nfn main() {\n${reads}}\n`,
    });
    const pipeline = device.createComputePipeline({
      layout: "auto",
      compute: { module, entryPoint: "main" },
    });
    const size = 4 * CONTROL_FIELDS.length;
    const control = device.createBuffer({
      size: CONTROL_BYTES,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    const out = device.createBuffer({
      size,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
    });
    const staging = device.createBuffer({
      size,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    try {
      device.queue.writeBuffer(control, 0, packControl(controlValues));
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(
        0,
        device.createBindGroup({
          layout: pipeline.getBindGroupLayout(0),
          entries: [
            { binding: 0, resource: { buffer: control } },
            { binding: 1, resource: { buffer: out } },
          ],
        }),
      );
      pass.dispatchWorkgroups(1);
      pass.end();
      encoder.copyBufferToBuffer(out, 0, staging, 0, size);
      device.queue.submit([encoder.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      const words = new DataView(staging.getMappedRange().slice(0));
      staging.unmap();
      CONTROL_FIELDS.forEach(([name, type], k) => {
        const read = type === "u32" ? words.getUint32(4 * k, true) : words.getFloat32(4 * k, true);
        assert.equal(read, controlValues[name], name);
      });
    } finally {
      for (const buffer of [control, out, staging]) buffer.destroy();
    }
  },
});

/** A function's loops and calls of functions with loops, in source order. */
type Skeleton = ({ for: string; body: Skeleton } | { call: string })[];

/** Each function's body in `code` (comments stripped), by name. */
function functionBodies(code: string): Map<string, string> {
  const bodies = new Map<string, string>();
  for (const match of code.matchAll(/\bfn\s+(\w+)\s*\(/g)) {
    const open = code.indexOf("{", match.index);
    let depth = 0;
    let k = open;
    do {
      if (code[k] === "{") depth++;
      else if (code[k] === "}") depth--;
      k++;
    } while (depth > 0);
    bodies.set(match[1], code.slice(open + 1, k - 1));
  }
  return bodies;
}

/** The loops (headers with whitespace collapsed) and calls of `functions` in a body. */
function parseSkeleton(body: string, functions: Set<string>): Skeleton {
  const root: Skeleton = [];
  const frames: { items: Skeleton }[] = [{ items: root }];
  const tokens = /\bfor\s*\(|\b(\w+)\s*\(|[{}]/g;
  let match;
  while ((match = tokens.exec(body))) {
    const items = frames[frames.length - 1].items;
    if (match[0] === "{") frames.push({ items });
    else if (match[0] === "}") frames.pop();
    else if (match[1] === undefined) {
      let depth = 1;
      let k = tokens.lastIndex;
      while (depth > 0) {
        if (body[k] === "(") depth++;
        else if (body[k] === ")") depth--;
        k++;
      }
      const header = body.slice(tokens.lastIndex, k - 1).replace(/\s+/g, " ").trim();
      const loop = { for: header, body: [] as Skeleton };
      items.push(loop);
      tokens.lastIndex = body.indexOf("{", k) + 1;
      frames.push({ items: loop.body });
    } else if (functions.has(match[1])) items.push({ call: match[1] });
  }
  return root;
}

/** `skeleton` without calls of functions that have no loops, consecutive calls as one. */
function prune(skeleton: Skeleton, hasLoops: (name: string) => boolean): Skeleton {
  const pruned: Skeleton = [];
  for (const item of skeleton) {
    if ("for" in item) pruned.push({ for: item.for, body: prune(item.body, hasLoops) });
    else if (hasLoops(item.call)) {
      const last = pruned[pruned.length - 1];
      if (!(last && "call" in last && last.call === item.call)) pruned.push(item);
    }
  }
  return pruned;
}

/** The table's items as a source skeleton: every branch in order, repeated calls as one. */
function tableSkeleton(items: LoopItem[]): Skeleton {
  return items.flatMap((item): Skeleton =>
    "for" in item
      ? [{ for: item.for, body: tableSkeleton(item.body) }]
      : "call" in item
      ? [{ call: item.call }]
      : item.branches.flatMap(tableSkeleton)
  );
}

Deno.test("KERNEL_LOOPS lists every loop of the shaders, nested and in order, per function", () => {
  const bodies = functionBodies(shaderCode);
  const names = new Set(bodies.keys());
  const raw = new Map([...bodies].map(([name, body]) => [name, parseSkeleton(body, names)]));
  const hasLoops = (name: string): boolean =>
    raw.get(name)!.some((item) => "for" in item || hasLoops(item.call));
  const fromSource = Object.fromEntries(
    [...raw].filter(([name]) => hasLoops(name)).map((
      [name, skeleton],
    ) => [name, prune(skeleton, hasLoops)]),
  );
  const fromTable = Object.fromEntries(
    Object.entries(KERNEL_LOOPS).map(([name, items]) => [name, tableSkeleton(items)]),
  );
  assert.deepEqual(fromTable, fromSource);
});

Deno.test("loopCount() counts a loop of k iterations as k + 1 plus its body k times", () => {
  const shape: LoopShape = {
    n: 200,
    m: 20,
    batch: 1024,
    params: 4200,
    workgroup: 64,
    steps: 1,
    rowBlock: 4,
    featureChunk: 100,
    quads: 4,
    ranges: 3,
    rangeBlocks: 256,
    stored: false,
    rowEntries: 0,
    featureEntries: 0,
    rowRepeats: 1,
  };
  const { n, m } = shape;
  assert.equal(loopCount("finish_step", shape), 1024 / 4 + 1);
  assert.equal(loopCount("update_params", shape), PARAMS_PER_INVOCATION * (3 + 2) + 1);
  assert.equal(loopCount("forward_backward", shape), 3 * n * m + 5 * n + 5 * m + 7);
  assert.equal(
    loopCount("update_features", shape),
    256 * ((6 * 4 + 2) * (m + 1) + 1) + 5 * 4 * (m + 2) + 1,
  );
  // A stored dataset replaces the first feature loop by each row's entries (r at most), and
  // adds a pass over them after the second.
  const r = 12;
  const storedShape = { ...shape, stored: true, rowEntries: r };
  const storedInput = 5 + 4 * (r + 1 + r * (m + 1));
  const storedOutput = 5 + 4 * (r + 1 + r * (2 * m + 2));
  assert.equal(
    loopCount("forward_backward", storedShape),
    2 * storedInput + 2 * storedOutput + 5 * (m + 1) + n + 1 + n * 2 * (m + 1),
  );
  // Data-dependent branches count the longer one: chunk 0 of backward_chunk has two loops.
  assert.equal(loopCount("backward_chunk", shape), 100 * (2 * m + 3) + 3 * m + 4);
  // The override ROW_BLOCKS picks the fused driver's row loop.
  const rows = loopCount("train_fused", { ...shape, n: 20, m: 5, params: 120, workgroup: 8 });
  const fusedBlock = 4 * 20 * 5 + 8 * 20 + 3 * 5 + 7;
  const perStep = 121 + (32 + 1 + 32 * fusedBlock) + 122 + (16 + 1 + 16 * 9);
  assert.equal(rows, 21 + 2 + perStep);
});
