/**
 * @module
 * The WebGPU trainer: every instance of a run trains at once in `shaders/train.wgsl`, one
 * workgroup per instance, many steps per dispatch and many dispatches per submit. The host
 * awaits the GPU only to report progress and once at the end, when one staging buffer holding
 * the final parameters, every loss and every snapshot is read back.
 */
import randomSource from "../../../shaders/random.wgsl" with { type: "text" };
import trainSource from "../../../shaders/train.wgsl" with { type: "text" };
import { UserError } from "../errors.ts";
import { checkedCreate, gpuDevice } from "./device.ts";
import { initialParams } from "../init.ts";
import { MAX_HIDDEN, paramLayout, type RunSpec } from "../spec.ts";
import {
  assembleResult,
  type ProgressCallback,
  type SnapshotParams,
  type TrainResult,
} from "../result.ts";

/** Most steps one fused dispatch runs (keeps each dispatch short on a real GPU). */
const MAX_STEPS_PER_DISPATCH = 250;
/**
 * Loop iterations one invocation may run in a dispatch. lavapipe (llvmpipe) silently ends an
 * invocation after 65535 loop iterations in total (measured here); this leaves a margin.
 */
export const LOOP_BUDGET = 60_000;
/**
 * Which driver runs the kernel: chosen by {@link kernelPlan}, or forced (tests): the split one,
 * or the split one with chunked phases 1–2 of ⌈n/3⌉ + 1 features per chunk.
 */
export type KernelChoice = "auto" | "split" | "chunked";

/** Bytes of the `Control` uniform (11 words, padded to 16-byte rows). */
const CONTROL_BYTES = 48;
/** Target seconds of GPU work between progress reports. */
const PROGRESS_INTERVAL_S = 0.5;

const SCHEDULES = { constant: 0, linear: 1, cosine: 2, warmup_cosine: 3 } as const;
const CORRELATIONS = { independent: 0, correlated: 1, anticorrelated: 2 } as const;

/** The invocations per workgroup: the device's limit, at most 64 (measured best on lavapipe). */
function workgroupSize(device: GPUDevice): number {
  return Math.min(64, device.limits.maxComputeInvocationsPerWorkgroup);
}

/** The kernel entry points: the fused driver, and the three phases of the split driver. */
type EntryPoint =
  | "train_fused"
  | "forward_backward"
  | "forward_chunk"
  | "backward_chunk"
  | "update_params"
  | "update_features"
  | "finish_step";

interface Kernels {
  layout: GPUBindGroupLayout;
  pipelines: Partial<Record<EntryPoint, GPUComputePipeline>>;
}

const kernelCache = new Map<string, Kernels>();

/**
 * Bytes of `instance_uniform` in train.wgsl: WebGPU's guaranteed `maxUniformBufferBindingSize`,
 * a 16-byte header (the window's first instance, the chunk index, the feature constants' offset)
 * and {@link UNIFORM_VALUES} floats.
 */
const INSTANCE_UNIFORM_BYTES = 65536;
/**
 * Floats of `instance_uniform.values`: θ (P) and importance, density (2n) of each instance of a
 * window must fit.
 */
const UNIFORM_VALUES = 16380;

/**
 * The bind group layout shared by every entry point: a uniform, six storage buffers, and the
 * per-instance uniform at a dynamic offset.
 */
function bindGroupLayout(device: GPUDevice): GPUBindGroupLayout {
  const storageTypes: GPUBufferBindingType[] = [
    "storage",
    "storage",
    "read-only-storage",
    "storage",
    "storage",
    "storage",
  ];
  return device.createBindGroupLayout({
    entries: [
      { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: "uniform" } },
      ...storageTypes.map((type, k) => ({
        binding: k + 1,
        visibility: GPUShaderStage.COMPUTE,
        buffer: { type },
      })),
      {
        binding: 7,
        visibility: GPUShaderStage.COMPUTE,
        buffer: { type: "uniform", hasDynamicOffset: true, minBindingSize: INSTANCE_UNIFORM_BYTES },
      },
    ],
  });
}

/** The pipelines for a run's shape and plan, compiled once per process and set of overrides. */
async function trainKernels(
  device: GPUDevice,
  run: RunSpec,
  plan: KernelPlan,
): Promise<Kernels> {
  const { model, data, optimizer } = run;
  const constants: Record<string, number> = {
    N: model.n,
    M: model.m,
    BATCH: run.batch,
    WG: plan.workgroup,
    PARTIALS: plan.mode === "fused" ? fusedPartials(run, plan.workgroup) : 1,
    ROW_BLOCKS: Number(plan.rowBlock === 4),
    TIED: Number(model.tied),
    HIDDEN_RELU: Number(model.hidden === "relu"),
    OUTPUT_RELU: Number(model.output === "relu"),
    CORRELATION: CORRELATIONS[data.correlation],
    SET_SIZE: data.setSize,
    SIGNED_VALUES: Number(data.values === "signed"),
    DATASET_SIZE: data.datasetSize,
    NORMALIZE: Number(data.normalize),
    DECOUPLED_DECAY: Number(optimizer.kind === "adamw"),
    SCHEDULE: SCHEDULES[optimizer.schedule],
    UNIFORM_PARAMS: Number(plan.uniformParams),
    FEATURE_CHUNK: plan.featureChunk,
    FEATURE_QUADS: plan.featureQuads,
    ROW_RANGES: plan.rowRanges,
    PARAMS_PER_INVOCATION,
  };
  const key = JSON.stringify({ constants, mode: plan.mode });
  const cached = kernelCache.get(key);
  if (cached) return cached;
  if (INSTANCE_UNIFORM_BYTES > device.limits.maxUniformBufferBindingSize) {
    throw new Error(`train.wgsl needs a ${INSTANCE_UNIFORM_BYTES} B uniform binding`);
  }
  const workgroupBytes = plan.mode === "fused" ? fusedWorkgroupBytes(run, plan.workgroup) : 4;
  if (workgroupBytes > device.limits.maxComputeWorkgroupStorageSize) {
    throw new Error(`train.wgsl needs ${workgroupBytes} B of workgroup storage`);
  }
  const kernels = await checkedCreate(device, () => {
    const module = device.createShaderModule({ code: randomSource + trainSource });
    const layout = bindGroupLayout(device);
    const pipelineLayout = device.createPipelineLayout({ bindGroupLayouts: [layout] });
    const phases12: EntryPoint[] = plan.featureChunk > 0
      ? ["forward_chunk", "backward_chunk"]
      : ["forward_backward"];
    const entryPoints: EntryPoint[] = plan.mode === "fused"
      ? ["train_fused"]
      : [...phases12, "update_features", "update_params", "finish_step"];
    const pipelines = Object.fromEntries(entryPoints.map((entryPoint) => [
      entryPoint,
      device.createComputePipeline({
        layout: pipelineLayout,
        compute: { module, entryPoint, constants },
      }),
    ])) as Partial<Record<EntryPoint, GPUComputePipeline>>;
    return { layout, pipelines };
  });
  kernelCache.set(key, kernels);
  return kernels;
}

/**
 * Most features (n) and parameters (P) the fused driver holds per invocation; hidden units are
 * bounded by `MAX_HIDDEN` (spec.ts). These size private arrays in train.wgsl, which must use the
 * same values (WGSL array sizes cannot be overrides).
 */
const MAX_FUSED_FEATURES = 64;
const MAX_FUSED_PARAMS = 256;
/**
 * Invocations per workgroup of the fused driver: one SIMD group of lavapipe's 8 lanes (measured
 * ~1.06× faster than 16 at n=20, m=5; the fused driver runs one workgroup per instance, so a real
 * GPU is far from full either way).
 */
const FUSED_WORKGROUP = 8;
/**
 * Loop trip counts above which lavapipe stops unrolling (measured: loops of up to 32 iterations
 * with override-constant bounds unroll). Where n·m exceeds it, the fused driver takes its rows
 * four at a time (measured faster there; slower where the loops unroll).
 */
const UNROLLED_LOOP = 32;

/** Workgroup partials of the fused driver: (P + 1)·WG, P parameters and the loss per invocation. */
function fusedPartials(run: RunSpec, workgroup: number): number {
  return (paramLayout(run.model).count + 1) * workgroup;
}

/** Workgroup storage of the fused driver in bytes: the partials and the shared step counter. */
function fusedWorkgroupBytes(run: RunSpec, workgroup: number): number {
  return (fusedPartials(run, workgroup) + 1) * 4;
}

/**
 * Upper bounds on one invocation's loop iterations, counting every loop of `train.wgsl` as if no
 * input were zero and as if no loop were unrolled, a loop of k iterations as k + 1 (lavapipe
 * counts the exit test too): per batch row or four-row block of the fused driver
 * (4nm + 8n + 5m + 7), per pair of four-row blocks in the split driver's phases 1–2
 * (3nm + 5n + 5m + 7), or in its chunked phases 1–2 with F features per chunk
 * (forward F(m + 2) + 2m + 3, backward F(2m + 3) + 2m + 3: `chunk(F)`, the larger), per Q
 * quads of four features over a range of R row blocks in its phase 3
 * (R((6Q + 1)(m + 1) + 1) + 5Q(m + 2) + 1: `updateFeature(Q, R)`), per invocation of
 * update_params with S ranges to sum (U(S + 2) + 1, U = {@link PARAMS_PER_INVOCATION}:
 * `updateParam(S)`), and per instance in finish_step (K + 1), K = ⌈B/4⌉ row blocks.
 */
export function loopIterations(
  run: RunSpec,
): {
  fusedRow: number;
  splitPair: number;
  chunk: (features: number) => number;
  updateFeature: (quads: number, rangeBlocks: number) => number;
  updateParam: (ranges: number) => number;
  finish: number;
} {
  const { n, m } = run.model;
  const blocks = Math.ceil(run.batch / 4);
  return {
    fusedRow: 4 * n * m + 8 * n + 5 * m + 7,
    splitPair: 3 * n * m + 5 * n + 5 * m + 7,
    chunk: (features) => features * (2 * m + 3) + 2 * m + 3,
    updateFeature: (quads, rangeBlocks) =>
      rangeBlocks * ((6 * quads + 1) * (m + 1) + 1) + 5 * quads * (m + 2) + 1,
    updateParam: (ranges) => PARAMS_PER_INVOCATION * (ranges + 2) + 1,
    finish: blocks + 1,
  };
}

/** How the kernel runs: the driver, whole steps per dispatch and invocations per workgroup. */
export interface KernelPlan {
  mode: "fused" | "split";
  /** Rows the fused driver takes at a time per invocation: 1, or 4 where n·m > UNROLLED_LOOP. */
  rowBlock: 1 | 4;
  /**
   * Split driver: features per chunk of the chunked phases 1–2 (forward_chunk, backward_chunk,
   * ⌈n/F⌉ dispatches each per step), where one forward_backward invocation would loop more than
   * {@link LOOP_BUDGET} times; 0 where forward_backward runs.
   */
  featureChunk: number;
  /**
   * Split driver: forward_backward reads θ and the feature constants from a uniform copy of a
   * window of ⌊{@link UNIFORM_VALUES}/(P + 2n)⌋ instances (one dispatch per window), where
   * P + 2n ≤ {@link UNIFORM_VALUES}.
   */
  uniformParams: boolean;
  /**
   * Split driver: quads of four features per invocation of phase 3: 4 for long steps (B·n·m ≥
   * {@link QUAD_STEP_WORK}), where each row block's loads then serve 64 products; else 1.
   */
  featureQuads: 1 | 4;
  /**
   * Split driver, per-feature phase 3: ranges of row blocks summed by separate invocations (grid
   * z), the fewest whose loops fit the {@link LOOP_BUDGET}; 1 otherwise.
   */
  rowRanges: number;
  stepsPerDispatch: number;
  workgroup: number;
}

/**
 * How the kernel runs a step. Fused, `stepsPerDispatch` whole steps per workgroup per dispatch
 * with {@link FUSED_WORKGROUP} invocations, when n, m and P fit its per-invocation arrays, its
 * (P + 1)·WG partials fit `workgroupStorage` bytes and one dispatch's loop iterations fit the
 * {@link LOOP_BUDGET}: (n + 1) + 1 per dispatch, and per step 1 + 2(P + 2) (zeroing, partial
 * writes) + 1 + ⌈B/(WG·rowBlock)⌉(1 + fused row) + 1 + ⌈(P + 1)/WG⌉(WG + 2) (partial
 * sums), unless `kernel` forces the split driver. Else split, one dispatch per phase with
 * `workgroup` invocations: phases 1–2 in one forward_backward dispatch where its loops fit the
 * budget (reading θ from a uniform window of instances, one dispatch per window, where P + 2n
 * fit it), else in ⌈n/F⌉ forward_chunk then ⌈n/F⌉ backward_chunk dispatches with the largest F
 * whose loops fit; phase 3 per four or sixteen features over the fewest ranges of row blocks
 * whose loops fit, then update_params.
 * Throws a UserError where even F = 1, one row block of phase 3, update_params or finish_step
 * does not fit.
 */
export function kernelPlan(
  run: RunSpec,
  workgroup: number,
  workgroupStorage: number,
  kernel: KernelChoice = "auto",
): KernelPlan {
  const loops = loopIterations(run);
  const params = paramLayout(run.model).count;
  const fused = Math.min(FUSED_WORKGROUP, workgroup);
  const fits = run.model.n <= MAX_FUSED_FEATURES && run.model.m <= MAX_HIDDEN &&
    params < MAX_FUSED_PARAMS && fusedWorkgroupBytes(run, fused) <= workgroupStorage;
  const rowBlock = run.model.n * run.model.m > UNROLLED_LOOP ? 4 : 1;
  const perStep = 1 + 2 * (params + 2) + 1 +
    Math.ceil(run.batch / (fused * rowBlock)) * (1 + loops.fusedRow) +
    1 + Math.ceil((params + 1) / fused) * (fused + 2);
  const fusedSteps = Math.floor((LOOP_BUDGET - run.model.n - 2) / perStep);
  const steps = Math.min(MAX_STEPS_PER_DISPATCH, fusedSteps);
  if (kernel === "auto" && fits && steps >= 1) {
    return {
      mode: "fused",
      rowBlock,
      featureChunk: 0,
      uniformParams: false,
      featureQuads: 1,
      rowRanges: 1,
      stepsPerDispatch: steps,
      workgroup: fused,
    };
  }
  const { n, m } = run.model;
  const longestChunk = Math.floor((LOOP_BUDGET - 2 * m - 3) / (2 * m + 3));
  const featureChunk = kernel === "chunked"
    ? Math.min(longestChunk, Math.ceil(n / 3) + 1)
    : loops.splitPair <= LOOP_BUDGET
    ? 0
    : longestChunk;
  const featureQuads = run.batch * n * m >= QUAD_STEP_WORK ? 4 : 1;
  const blocks = Math.ceil(run.batch / 4);
  let rowRanges = 1;
  while (
    rowRanges < blocks &&
    loops.updateFeature(featureQuads, Math.ceil(blocks / rowRanges)) > LOOP_BUDGET
  ) {
    rowRanges++;
  }
  const longest = Math.max(
    featureChunk > 0 ? loops.chunk(featureChunk) : loops.splitPair,
    loops.updateFeature(featureQuads, Math.ceil(blocks / rowRanges)),
    loops.updateParam(rowRanges),
    loops.finish,
  );
  if (longestChunk < 1 || longest > LOOP_BUDGET) {
    throw new UserError(
      `model too large for the WebGPU kernels: one invocation would loop ${longest} times, over ` +
        `the ${LOOP_BUDGET} that lavapipe allows; lower m or batch, or use --backend cpu`,
    );
  }
  const uniformParams = featureChunk === 0 && params + 2 * n <= UNIFORM_VALUES;
  return {
    mode: "split",
    rowBlock,
    featureChunk,
    uniformParams,
    featureQuads,
    rowRanges,
    stepsPerDispatch: 1,
    workgroup,
  };
}

/**
 * Multiply-adds per instance-step (B·n·m) from which the per-feature phase 3 takes four quads of
 * features per invocation. Measured on lavapipe at n=200, m=20: ~1.1–1.3× faster steps than one
 * quad, but ~13 s rather than ~4 s to compile the kernels (once: Mesa caches them on disk), so
 * only runs whose steps are long get them.
 */
const QUAD_STEP_WORK = 2 ** 20;

/**
 * Parameters per invocation of the split driver's update_params: 16 measured ~0.8 ms faster per
 * step than 1 at n=200, m=20, 20 instances (lavapipe runs each workgroup at a fixed cost).
 */
const PARAMS_PER_INVOCATION = 16;

/** `value` rounded up to a multiple of `alignment`. */
function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

function storage(
  device: GPUDevice,
  data: Float32Array<ArrayBuffer> | Uint32Array<ArrayBuffer>,
): GPUBuffer {
  const buffer = device.createBuffer({
    size: Math.max(16, data.byteLength),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
  });
  device.queue.writeBuffer(buffer, 0, data);
  return buffer;
}

/**
 * Bytes of scratch one instance needs: for the split driver H and GZ (B·m each), the row losses
 * (B), the rows' ‖x‖² (B) and phase 3's gradient sums (P per range of row blocks), in f32 with
 * B and P rounded up to multiples of 4 (vec4 blocks); none for the fused driver, which keeps rows
 * private. x and g are drawn and recomputed where needed, never stored.
 */
function scratchBytes(run: RunSpec, plan: KernelPlan): number {
  const rows = 4 * Math.ceil(run.batch / 4);
  const params = 4 * Math.ceil(paramLayout(run.model).count / 4);
  return plan.mode === "split" ? (rows * (2 * run.model.m + 2) + plan.rowRanges * params) * 4 : 0;
}

/**
 * Trains a run on the GPU. Instances are split into groups whose scratch fits one storage
 * binding (`maxStorageBufferBindingSize`), trained one group after another.
 */
export async function trainWebGpu(
  run: RunSpec,
  onProgress?: ProgressCallback,
  kernel: KernelChoice = "auto",
): Promise<TrainResult> {
  const started = performance.now();
  const device = await gpuDevice();
  const plan = kernelPlan(
    run,
    workgroupSize(device),
    device.limits.maxComputeWorkgroupStorageSize,
    kernel,
  );
  const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
  const scratch = scratchBytes(run, plan);
  const perGroup = scratch === 0 ? run.instances.length : Math.floor(limit / scratch);
  if (perGroup < 1) {
    throw new UserError(
      `batch × m is too large for this device: one instance needs ${scratch} B ` +
        `of scratch, the device allows ${limit} B; lower batch or m`,
    );
  }
  const parts: GroupResult[] = [];
  for (let first = 0; first < run.instances.length; first += perGroup) {
    const instances = run.instances.slice(first, first + perGroup);
    const done = first * run.steps;
    const total = run.instances.length * run.steps;
    const report = onProgress &&
      ((steps: number) => onProgress(done + steps * instances.length, total));
    parts.push(await trainGroup(device, { ...run, instances }, plan, report));
  }
  const snapshots = parts[0].snapshots.map(({ step }, slot) => ({
    step,
    params: parts.flatMap((part) => part.snapshots[slot].params),
  }));
  return assembleResult(
    "webgpu",
    run,
    parts.flatMap((part) => part.params),
    parts.flatMap((part) => part.losses),
    snapshots,
    started,
  );
}

interface GroupResult {
  params: Float64Array[];
  losses: Float32Array[];
  snapshots: SnapshotParams[];
}

async function trainGroup(
  device: GPUDevice,
  run: RunSpec,
  plan: KernelPlan,
  onProgress?: (steps: number) => void,
): Promise<GroupResult> {
  const { model, optimizer, steps } = run;
  const count = run.instances.length;
  const layout = paramLayout(model);
  const kernels = await trainKernels(device, run, plan);

  const params = new Float32Array(count * layout.count);
  const features = new Float32Array(count * 2 * model.n);
  const counters = new Uint32Array(count * 2);
  run.instances.forEach((instance, k) => {
    params.set(initialParams(model, run.init, instance), k * layout.count);
    features.set(instance.importance, k * 2 * model.n);
    features.set(instance.density, k * 2 * model.n + model.n);
    counters[2 * k] = instance.dataSeed;
  });
  const control = new ArrayBuffer(CONTROL_BYTES);
  const controlWords = new Uint32Array(control);
  const controlFloats = new Float32Array(control);
  controlWords.set([0, plan.stepsPerDispatch, steps, optimizer.warmupSteps]);
  controlFloats.set([
    optimizer.lr,
    optimizer.beta1,
    optimizer.beta2,
    optimizer.eps,
    optimizer.weightDecay,
    run.l1,
  ], 4);
  controlWords[10] = count;

  const controlBuffer = device.createBuffer({
    size: CONTROL_BYTES,
    usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
  });
  const paramBuffer = storage(device, params);
  const momentBuffer = storage(device, new Float32Array(2 * params.length));
  const featureBuffer = storage(device, features);
  const counterBuffer = storage(device, counters);
  const scratchBuffer = device.createBuffer({
    size: Math.max(16, count * scratchBytes(run, plan)),
    usage: GPUBufferUsage.STORAGE,
  });
  const lossBuffer = storage(device, new Float32Array(count * steps));
  // Per window w of `perWindow` instances at offset w·stride: its first instance and the offset
  // of its feature constants, then θ of each instance (one copy before every step) and their
  // feature constants; with chunked phases 1–2, per chunk c at c·stride: the chunk index; else
  // one unused binding's worth.
  const alignment = device.limits.minUniformBufferOffsetAlignment;
  const chunks = plan.featureChunk > 0 ? Math.ceil(model.n / plan.featureChunk) : 0;
  const instanceValues = layout.count + 2 * model.n;
  const perWindow = plan.uniformParams ? Math.floor(UNIFORM_VALUES / instanceValues) : 0;
  const windows = plan.uniformParams ? Math.ceil(count / perWindow) : 0;
  const uniformStride = alignUp(16 + 4 * perWindow * instanceValues, alignment);
  const uniformEntries = Math.max(windows, chunks, 1);
  const uniformData = new ArrayBuffer(
    (uniformEntries - 1) * uniformStride + INSTANCE_UNIFORM_BYTES,
  );
  for (let c = 0; c < chunks; c++) {
    new Uint32Array(uniformData, c * uniformStride, 2)[1] = c;
  }
  for (let w = 0; w < windows; w++) {
    new Uint32Array(uniformData, w * uniformStride, 3).set([
      w * perWindow,
      0,
      perWindow * layout.count,
    ]);
    const first = w * perWindow;
    const last = Math.min(count, first + perWindow);
    new Float32Array(uniformData, w * uniformStride + 16 + 4 * perWindow * layout.count)
      .set(features.subarray(first * 2 * model.n, last * 2 * model.n));
  }
  const instanceBuffer = device.createBuffer({
    size: uniformData.byteLength,
    usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
  });
  device.queue.writeBuffer(instanceBuffer, 0, uniformData);
  const buffers = [
    controlBuffer,
    paramBuffer,
    momentBuffer,
    featureBuffer,
    counterBuffer,
    scratchBuffer,
    lossBuffer,
  ];
  const bindGroup = device.createBindGroup({
    layout: kernels.layout,
    entries: [
      ...buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
      { binding: 7, resource: { buffer: instanceBuffer, size: INSTANCE_UNIFORM_BYTES } },
    ],
  });

  // Staging layout: final params | losses | one params copy per snapshot.
  const snapshotSteps = [...new Set(run.snapshotSteps)].sort((a, b) => a - b);
  const paramBytes = params.byteLength;
  const lossBytes = count * steps * 4;
  const staging = device.createBuffer({
    size: paramBytes + lossBytes + snapshotSteps.length * paramBytes,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  const snapshotOffset = (slot: number) => paramBytes + lossBytes + slot * paramBytes;

  const stops = [...new Set([...snapshotSteps.filter((s) => s > 0), steps])].sort((a, b) => a - b);
  let encoder = device.createCommandEncoder();
  snapshotSteps.forEach((step, slot) => {
    if (step === 0) {
      encoder.copyBufferToBuffer(paramBuffer, 0, staging, snapshotOffset(slot), paramBytes);
    }
  });
  let current = 0;
  let stepsPerSubmit = 4 * plan.stepsPerDispatch;
  const { workgroup } = plan;
  const encodeSteps = (encoder: GPUCommandEncoder, from: number, to: number) => {
    if (plan.mode === "fused") {
      const pass = encoder.beginComputePass();
      pass.setBindGroup(0, bindGroup, [0]);
      pass.setPipeline(kernels.pipelines.train_fused!);
      for (let step = from; step < to; step += plan.stepsPerDispatch) {
        pass.dispatchWorkgroups(count);
      }
      pass.end();
      return;
    }
    const rowBlocks = Math.ceil(run.batch / 4);
    const rowGroups = Math.ceil(rowBlocks / workgroup);
    const pairGroups = Math.ceil(Math.ceil(rowBlocks / 2) / workgroup);
    const paramGroups = Math.ceil(layout.count / (PARAMS_PER_INVOCATION * workgroup));
    const featureGroups = Math.ceil(model.n / (4 * plan.featureQuads * workgroup));
    let pass: GPUComputePassEncoder | undefined;
    for (let step = from; step < to; step++) {
      if (plan.uniformParams) {
        pass?.end();
        for (let w = 0; w < windows; w++) {
          const first = w * perWindow;
          const size = Math.min(perWindow, count - first);
          encoder.copyBufferToBuffer(
            paramBuffer,
            first * layout.count * 4,
            instanceBuffer,
            w * uniformStride + 16,
            size * layout.count * 4,
          );
        }
        pass = encoder.beginComputePass();
        pass.setPipeline(kernels.pipelines.forward_backward!);
        for (let w = 0; w < windows; w++) {
          pass.setBindGroup(0, bindGroup, [w * uniformStride]);
          pass.dispatchWorkgroups(pairGroups, Math.min(perWindow, count - w * perWindow));
        }
        pass.setBindGroup(0, bindGroup, [0]);
      } else {
        if (!pass) {
          pass = encoder.beginComputePass();
          pass.setBindGroup(0, bindGroup, [0]);
        }
        if (chunks > 0) {
          for (const entryPoint of ["forward_chunk", "backward_chunk"] as const) {
            pass.setPipeline(kernels.pipelines[entryPoint]!);
            for (let c = 0; c < chunks; c++) {
              pass.setBindGroup(0, bindGroup, [c * uniformStride]);
              pass.dispatchWorkgroups(rowGroups, count);
            }
          }
          pass.setBindGroup(0, bindGroup, [0]);
        } else {
          pass.setPipeline(kernels.pipelines.forward_backward!);
          pass.dispatchWorkgroups(pairGroups, count);
        }
      }
      pass.setPipeline(kernels.pipelines.update_features!);
      pass.dispatchWorkgroups(featureGroups, count, plan.rowRanges);
      pass.setPipeline(kernels.pipelines.update_params!);
      pass.dispatchWorkgroups(paramGroups, count);
      pass.setPipeline(kernels.pipelines.finish_step!);
      pass.dispatchWorkgroups(Math.ceil(count / workgroup));
    }
    pass?.end();
  };
  for (const stop of stops) {
    controlWords[0] = stop;
    device.queue.writeBuffer(controlBuffer, 0, control);
    while (current < stop) {
      const chunkEnd = onProgress ? Math.min(stop, current + stepsPerSubmit) : stop;
      encodeSteps(encoder, current, chunkEnd);
      if (chunkEnd === stop) {
        const slot = snapshotSteps.indexOf(stop);
        if (slot >= 0) {
          encoder.copyBufferToBuffer(paramBuffer, 0, staging, snapshotOffset(slot), paramBytes);
        }
      }
      device.queue.submit([encoder.finish()]);
      encoder = device.createCommandEncoder();
      if (onProgress) {
        const submitted = performance.now();
        await device.queue.onSubmittedWorkDone();
        const seconds = (performance.now() - submitted) / 1000;
        onProgress(chunkEnd);
        if (seconds < PROGRESS_INTERVAL_S) stepsPerSubmit *= 2;
      }
      current = chunkEnd;
    }
  }
  encoder.copyBufferToBuffer(paramBuffer, 0, staging, 0, paramBytes);
  encoder.copyBufferToBuffer(lossBuffer, 0, staging, paramBytes, lossBytes);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const mapped = staging.getMappedRange();
  const perInstance = (offset: number) =>
    Array.from(
      { length: count },
      (_, k) =>
        Float64Array.from(new Float32Array(mapped, offset + k * layout.count * 4, layout.count)),
    );
  const result: GroupResult = {
    params: perInstance(0),
    losses: Array.from(
      { length: count },
      (_, k) => new Float32Array(mapped, paramBytes + k * steps * 4, steps).slice(),
    ),
    snapshots: snapshotSteps.map((step, slot) => ({
      step,
      params: perInstance(snapshotOffset(slot)),
    })),
  };
  staging.unmap();
  for (const buffer of [...buffers, instanceBuffer, staging]) buffer.destroy();
  return result;
}
