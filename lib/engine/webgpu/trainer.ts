/**
 * @module
 * The WebGPU trainer: every instance of a run trains at once in the kernels of `shaders/`, one
 * workgroup per instance (fused driver) or one dispatch per phase (split driver), many steps per
 * submit. The host awaits the GPU only to report progress and once at the end, when one staging
 * buffer holding the final parameters, every loss and every snapshot is read back. What the host
 * and the kernels share (limits, codes, uniform layouts, loops) is in `layout.ts`.
 */
import randomSource from "../../../shaders/random.wgsl" with { type: "text" };
import adamSource from "../../../shaders/adam.wgsl" with { type: "text" };
import commonSource from "../../../shaders/common.wgsl" with { type: "text" };
import dataSource from "../../../shaders/data.wgsl" with { type: "text" };
import fusedSource from "../../../shaders/fused.wgsl" with { type: "text" };
import splitSource from "../../../shaders/split.wgsl" with { type: "text" };
import chunkedSource from "../../../shaders/chunked.wgsl" with { type: "text" };
import { UserError } from "../errors.ts";
import { checkedCreate, gpuDevice } from "./device.ts";
import {
  alignUp,
  CONTROL_BYTES,
  type ControlField,
  CORRELATIONS,
  INSTANCE_HEADER,
  INSTANCE_UNIFORM_BYTES,
  loopCount,
  type LoopShape,
  MAX_FUSED_FEATURES,
  MAX_FUSED_PARAMS,
  type OverrideName,
  packControl,
  PARAMS_PER_INVOCATION,
  SCHEDULES,
  UNIFORM_HEADER_BYTES,
  UNIFORM_VALUES,
  wgslPrelude,
} from "./layout.ts";
import { initialParams } from "../init.ts";
import { MAX_HIDDEN, paramLayout, type RunSpec } from "../spec.ts";
import { storeDataset, type StoredDataset } from "../data.ts";
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

/** Target seconds of GPU work between progress reports. */
export const PROGRESS_INTERVAL_S = 0.5;

/** The invocations per workgroup: the device's limit, at most 64 (measured best on lavapipe). */
export function workgroupSize(device: GPUDevice): number {
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
 * The bind group layout shared by every entry point: a uniform, six storage buffers, the
 * per-instance uniform at a dynamic offset and the stored datasets.
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
      { binding: 8, visibility: GPUShaderStage.COMPUTE, buffer: { type: "read-only-storage" } },
    ],
  });
}

/**
 * The WGSL of a plan's module: the generated prelude, the random stream, the optimiser and the
 * shared helpers,
 * then its driver's file (with the chunked phases only where the plan runs them).
 */
export function kernelSource(plan: Pick<KernelPlan, "mode" | "featureChunk">): string {
  const driver = plan.mode === "fused"
    ? [fusedSource]
    : plan.featureChunk > 0
    ? [splitSource, chunkedSource]
    : [splitSource];
  return [wgslPrelude(), randomSource, adamSource, dataSource, commonSource, ...driver].join("\n");
}

/** The override constants of a run's pipelines, one per entry of `OVERRIDES` (layout.ts). */
function overrides(run: RunSpec, plan: KernelPlan): Record<OverrideName, number> {
  const { model, data, optimizer } = run;
  return {
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
    STORED_DATA: Number(plan.storedData),
    FEATURE_CHUNK: plan.featureChunk,
    FEATURE_QUADS: plan.featureQuads,
    ROW_RANGES: plan.rowRanges,
  };
}

/** The pipelines for a run's shape and plan, compiled once per process and set of overrides. */
async function trainKernels(
  device: GPUDevice,
  run: RunSpec,
  plan: KernelPlan,
): Promise<Kernels> {
  const constants = overrides(run, plan);
  const key = JSON.stringify({ constants, mode: plan.mode });
  const cached = kernelCache.get(key);
  if (cached) return cached;
  if (INSTANCE_UNIFORM_BYTES > device.limits.maxUniformBufferBindingSize) {
    throw new Error(`the kernels need a ${INSTANCE_UNIFORM_BYTES} B uniform binding`);
  }
  const workgroupBytes = plan.mode === "fused" ? fusedWorkgroupBytes(run, plan.workgroup) : 4;
  if (workgroupBytes > device.limits.maxComputeWorkgroupStorageSize) {
    throw new Error(`the kernels need ${workgroupBytes} B of workgroup storage`);
  }
  const kernels = await checkedCreate(device, () => {
    const module = device.createShaderModule({ code: kernelSource(plan) });
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
 * Upper bounds on one invocation's loop iterations per dispatch of each entry point, from the
 * kernels' loop table (`KERNEL_LOOPS`, layout.ts; a loop of k iterations counts k + 1, as if no
 * input were zero and no loop unrolled): a fused dispatch of `steps` steps taking rows
 * `rowBlock` at a time with `workgroup` invocations, forward_backward (one pair of four-row
 * blocks), the chunked phases with F features per chunk (`chunk(F)`, the longer of the two),
 * update_features with Q quads of features over R row blocks (`updateFeature(Q, R)`),
 * update_params with S ranges to sum (`updateParam(S)`) and finish_step; reading the `stored`
 * dataset of these bounds where given (STORED_DATA).
 */
export function loopIterations(
  run: RunSpec,
  stored: DatasetBounds | null = null,
): {
  fusedDispatch: (steps: number, rowBlock: 1 | 4, workgroup: number) => number;
  splitPair: number;
  chunk: (features: number) => number;
  updateFeature: (quads: number, rangeBlocks: number) => number;
  updateParam: (ranges: number) => number;
  finish: number;
} {
  const base: LoopShape = {
    n: run.model.n,
    m: run.model.m,
    batch: run.batch,
    params: paramLayout(run.model).count,
    workgroup: 1,
    steps: 1,
    rowBlock: 1,
    featureChunk: 1,
    quads: 1,
    ranges: 1,
    rangeBlocks: 1,
    stored: stored !== null,
    rowEntries: stored?.rowEntries ?? 0,
    featureEntries: stored?.featureEntries ?? 0,
    rowRepeats: Math.ceil(run.batch / Math.max(1, run.data.datasetSize)),
  };
  const count = (name: string, shape: Partial<LoopShape> = {}) =>
    loopCount(name, { ...base, ...shape });
  return {
    fusedDispatch: (steps, rowBlock, workgroup) =>
      count("train_fused", { steps, rowBlock, workgroup }),
    splitPair: count("forward_backward"),
    chunk: (featureChunk) =>
      Math.max(count("forward_chunk", { featureChunk }), count("backward_chunk", { featureChunk })),
    updateFeature: (quads, rangeBlocks) => count("update_features", { quads, rangeBlocks }),
    updateParam: (ranges) => count("update_params", { ranges }),
    finish: count("finish_step"),
  };
}

/**
 * The largest x ≥ 0 with `iterations(x)` ≤ {@link LOOP_BUDGET}, for `iterations` linear in x
 * (a loop count as a function of one loop's trip count); negative where even x = 0 is over.
 */
function largestFitting(iterations: (x: number) => number): number {
  const fixed = iterations(0);
  return Math.floor((LOOP_BUDGET - fixed) / (iterations(1) - fixed));
}
/** The loop bounds of a run's stored datasets: the most entries of one sample and one feature. */
export type DatasetBounds = Pick<StoredDataset, "rowEntries" | "featureEntries">;

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
   * Split driver, a fixed dataset: its samples are read from their stored entries
   * (lib/engine/data.ts, storeDataset) rather than drawn, where those loops fit the
   * {@link LOOP_BUDGET}.
   */
  storedData: boolean;
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
 * (P + 1)·WG partials fit `workgroupStorage` bytes and one dispatch's loop iterations
 * ({@link loopIterations}) fit the {@link LOOP_BUDGET}, unless `kernel` forces the split
 * driver. Else split, one dispatch per phase with `workgroup` invocations: phases 1–2 in one
 * forward_backward dispatch where its loops fit the budget (reading θ from a uniform window of
 * instances, one dispatch per window, where P + 2n fit it), else in ⌈n/F⌉ forward_chunk then
 * ⌈n/F⌉ backward_chunk dispatches with the largest F whose loops fit; phase 3 per four or
 * sixteen features over the fewest ranges of row blocks whose loops fit, then update_params; a
 * fixed dataset with `stored` bounds is read from its stored entries where those loops fit.
 * Throws a UserError where even F = 1, one row block of phase 3, update_params or finish_step
 * does not fit.
 */
export function kernelPlan(
  run: RunSpec,
  workgroup: number,
  workgroupStorage: number,
  kernel: KernelChoice = "auto",
  stored: DatasetBounds | null = null,
): KernelPlan {
  const loops = loopIterations(run);
  const params = paramLayout(run.model).count;
  const fused = Math.min(FUSED_WORKGROUP, workgroup);
  const fits = run.model.n <= MAX_FUSED_FEATURES && run.model.m <= MAX_HIDDEN &&
    params < MAX_FUSED_PARAMS && fusedWorkgroupBytes(run, fused) <= workgroupStorage;
  const rowBlock = run.model.n * run.model.m > UNROLLED_LOOP ? 4 : 1;
  const fusedSteps = largestFitting((steps) => loops.fusedDispatch(steps, rowBlock, fused));
  const steps = Math.min(MAX_STEPS_PER_DISPATCH, fusedSteps);
  if (kernel === "auto" && fits && steps >= 1) {
    return {
      mode: "fused",
      rowBlock,
      featureChunk: 0,
      uniformParams: false,
      featureQuads: 1,
      storedData: false,
      rowRanges: 1,
      stepsPerDispatch: steps,
      workgroup: fused,
    };
  }
  const storedPlan = stored && splitPlan(run, loopIterations(run, stored), workgroup, kernel);
  if (storedPlan && !("longest" in storedPlan)) {
    return { ...storedPlan, rowBlock, storedData: true };
  }
  const plan = splitPlan(run, loops, workgroup, kernel);
  if ("longest" in plan) {
    throw new UserError(
      `model too large for the WebGPU kernels: one invocation would loop ${plan.longest} ` +
        `times, over the ${LOOP_BUDGET} that lavapipe allows; lower m or batch, or use --backend cpu`,
    );
  }
  return { ...plan, rowBlock, storedData: false };
}

/**
 * The split driver's plan (see {@link kernelPlan}) for these loop bounds, or the longest loop
 * count of one invocation where even F = 1 or one row block per range is over the budget.
 */
function splitPlan(
  run: RunSpec,
  loops: ReturnType<typeof loopIterations>,
  workgroup: number,
  kernel: KernelChoice,
): Omit<KernelPlan, "rowBlock" | "storedData"> | { longest: number } {
  const { n, m } = run.model;
  const longestChunk = largestFitting(loops.chunk);
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
  if (longestChunk < 1 || longest > LOOP_BUDGET) return { longest };
  const params = paramLayout(run.model).count;
  const uniformParams = featureChunk === 0 && params + 2 * n <= UNIFORM_VALUES;
  return {
    mode: "split",
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

/** Creates buffers on `device` and destroys every one it created on `destroyAll()`. */
export function bufferTracker(device: GPUDevice) {
  const created: GPUBuffer[] = [];
  return {
    create(descriptor: GPUBufferDescriptor): GPUBuffer {
      const buffer = device.createBuffer(descriptor);
      created.push(buffer);
      return buffer;
    },
    destroyAll(): void {
      for (const buffer of created.splice(0)) buffer.destroy();
    },
  };
}

/** A storage buffer holding `data`, created through `create`. */
export function storage(
  device: GPUDevice,
  create: (descriptor: GPUBufferDescriptor) => GPUBuffer,
  data: Float32Array<ArrayBuffer> | Uint32Array<ArrayBuffer>,
): GPUBuffer {
  const buffer = create({
    size: Math.max(16, data.byteLength),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
  });
  if (data.length > 0) device.queue.writeBuffer(buffer, 0, data); // Deno panics on an empty write
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
  const datasets = run.data.datasetSize > 0
    ? run.instances.map((instance) => storeDataset(run.data, instance.density, instance.dataSeed))
    : [];
  const bounds = datasets.length > 0
    ? {
      rowEntries: Math.max(...datasets.map((dataset) => dataset.rowEntries)),
      featureEntries: Math.max(...datasets.map((dataset) => dataset.featureEntries)),
    }
    : null;
  const plan = kernelPlan(
    run,
    workgroupSize(device),
    device.limits.maxComputeWorkgroupStorageSize,
    kernel,
    bounds,
  );
  const stored = plan.storedData ? datasets : [];
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
    const groupData = stored.slice(first, first + perGroup);
    parts.push(await trainGroup(device, { ...run, instances }, plan, groupData, report));
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

/**
 * Where `instance_uniform` is bound: per window w of `perWindow` instances at w·stride (θ in
 * uniform windows: `windows` of them), or per chunk c at c·stride (chunked phases 1–2: `chunks`
 * of them); else one binding at 0.
 */
interface UniformWindows {
  perWindow: number;
  windows: number;
  chunks: number;
  stride: number;
}

/** The uniform windows or chunks of a group of `count` instances. */
function uniformWindows(
  run: RunSpec,
  plan: KernelPlan,
  count: number,
  alignment: number,
): UniformWindows {
  const instanceValues = paramLayout(run.model).count + 2 * run.model.n;
  const perWindow = plan.uniformParams ? Math.floor(UNIFORM_VALUES / instanceValues) : 0;
  return {
    perWindow,
    windows: plan.uniformParams ? Math.ceil(count / perWindow) : 0,
    chunks: plan.featureChunk > 0 ? Math.ceil(run.model.n / plan.featureChunk) : 0,
    stride: alignUp(UNIFORM_HEADER_BYTES + 4 * perWindow * instanceValues, alignment),
  };
}

/**
 * The initial contents of `instance_uniform`: per window its header (first instance, offset of
 * its feature constants) and its instances' feature constants after room for their θ (copied in
 * before every step); per chunk its header (chunk index).
 */
function instanceUniformData(
  run: RunSpec,
  windows: UniformWindows,
  features: Float32Array,
): ArrayBuffer {
  const count = run.instances.length;
  const params = paramLayout(run.model).count;
  const { perWindow, stride } = windows;
  const entries = Math.max(windows.windows, windows.chunks, 1);
  const data = new ArrayBuffer((entries - 1) * stride + INSTANCE_UNIFORM_BYTES);
  const header = (entry: number) => new Uint32Array(data, entry * stride, INSTANCE_HEADER.length);
  const word = (name: typeof INSTANCE_HEADER[number]) => INSTANCE_HEADER.indexOf(name);
  for (let c = 0; c < windows.chunks; c++) header(c)[word("chunk")] = c;
  for (let w = 0; w < windows.windows; w++) {
    const first = w * perWindow;
    const last = Math.min(count, first + perWindow);
    header(w)[word("first_instance")] = first;
    header(w)[word("feature_offset")] = perWindow * params;
    new Float32Array(data, w * stride + UNIFORM_HEADER_BYTES + 4 * perWindow * params)
      .set(features.subarray(first * 2 * run.model.n, last * 2 * run.model.n));
  }
  return data;
}

/** The GPU buffers of one group of instances, bound in this order (bindings 0–6, then 7). */
interface GroupBuffers {
  control: GPUBuffer;
  params: GPUBuffer;
  moments: GPUBuffer;
  features: GPUBuffer;
  counters: GPUBuffer;
  scratch: GPUBuffer;
  losses: GPUBuffer;
  instance: GPUBuffer;
  /** Final parameters | losses | one parameter copy per snapshot, read back at the end. */
  staging: GPUBuffer;
}

/** The values of `Control` for a group of `count` instances, before the first stop. */
function controlValues(run: RunSpec, plan: KernelPlan, count: number) {
  const { optimizer } = run;
  return {
    stop_at: 0,
    steps_per_dispatch: plan.stepsPerDispatch,
    total_steps: run.steps,
    warmup_steps: optimizer.warmupSteps,
    lr: optimizer.lr,
    beta1: optimizer.beta1,
    beta2: optimizer.beta2,
    eps: optimizer.eps,
    weight_decay: optimizer.weightDecay,
    l1: run.l1,
    instances: count,
  } satisfies Record<ControlField, number>;
}

/**
 * Creates (through `create`) and fills the buffers of a group: initial parameters, zero
 * moments, feature constants, data seeds with zero step counters, scratch, losses, the uniform
 * windows or chunks, and the staging buffer for `snapshots` snapshots.
 */
function createGroupBuffers(
  device: GPUDevice,
  create: (descriptor: GPUBufferDescriptor) => GPUBuffer,
  run: RunSpec,
  plan: KernelPlan,
  windows: UniformWindows,
  snapshots: number,
): GroupBuffers {
  const { model } = run;
  const count = run.instances.length;
  const paramCount = paramLayout(model).count;
  const params = new Float32Array(count * paramCount);
  const features = new Float32Array(count * 2 * model.n);
  const counters = new Uint32Array(count * 2);
  run.instances.forEach((instance, k) => {
    params.set(initialParams(model, run.init, instance), k * paramCount);
    features.set(instance.importance, k * 2 * model.n);
    features.set(instance.density, k * 2 * model.n + model.n);
    counters[2 * k] = instance.dataSeed;
  });
  const uniform = (size: number) =>
    create({ size, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  const uniformData = instanceUniformData(run, windows, features);
  const buffers: GroupBuffers = {
    control: uniform(CONTROL_BYTES),
    params: storage(device, create, params),
    moments: storage(device, create, new Float32Array(2 * params.length)),
    features: storage(device, create, features),
    counters: storage(device, create, counters),
    scratch: create({
      size: Math.max(16, count * scratchBytes(run, plan)),
      usage: GPUBufferUsage.STORAGE,
    }),
    losses: storage(device, create, new Float32Array(count * run.steps)),
    instance: uniform(uniformData.byteLength),
    staging: create({
      size: (1 + snapshots) * params.byteLength + count * run.steps * 4,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    }),
  };
  device.queue.writeBuffer(buffers.instance, 0, uniformData);
  return buffers;
}

/** One group's training: its run and plan, kernels, buffers and what the encoding needs. */
interface GroupRun {
  device: GPUDevice;
  run: RunSpec;
  plan: KernelPlan;
  kernels: Kernels;
  buffers: GroupBuffers;
  bindGroup: GPUBindGroup;
  windows: UniformWindows;
  /** The snapshot steps, sorted, without repeats. */
  snapshotSteps: number[];
}

/** Bytes of one copy of the group's parameters, and of its losses. */
function groupBytes(group: GroupRun): { params: number; losses: number } {
  const count = group.run.instances.length;
  return {
    params: count * paramLayout(group.run.model).count * 4,
    losses: count * group.run.steps * 4,
  };
}

/** Byte offset in the staging buffer of snapshot `slot`'s parameters. */
function snapshotOffset(group: GroupRun, slot: number): number {
  const bytes = groupBytes(group);
  return bytes.params + bytes.losses + slot * bytes.params;
}

/** Encodes steps [from, to) of the group: fused dispatches, or per step each split phase. */
function encodeSteps(group: GroupRun, encoder: GPUCommandEncoder, from: number, to: number) {
  const { run, plan, kernels, buffers, bindGroup, windows } = group;
  const { pipelines } = kernels;
  const count = run.instances.length;
  if (plan.mode === "fused") {
    const pass = encoder.beginComputePass();
    pass.setBindGroup(0, bindGroup, [0]);
    pass.setPipeline(pipelines.train_fused!);
    for (let step = from; step < to; step += plan.stepsPerDispatch) {
      pass.dispatchWorkgroups(count);
    }
    pass.end();
    return;
  }
  const { workgroup } = plan;
  const params = paramLayout(run.model).count;
  const rowBlocks = Math.ceil(run.batch / 4);
  const rowGroups = Math.ceil(rowBlocks / workgroup);
  const pairGroups = Math.ceil(Math.ceil(rowBlocks / 2) / workgroup);
  const paramGroups = Math.ceil(params / (PARAMS_PER_INVOCATION * workgroup));
  const featureGroups = Math.ceil(run.model.n / (4 * plan.featureQuads * workgroup));
  const { perWindow, stride } = windows;
  let pass: GPUComputePassEncoder | undefined;
  for (let step = from; step < to; step++) {
    if (plan.uniformParams) {
      pass?.end();
      for (let w = 0; w < windows.windows; w++) {
        const first = w * perWindow;
        const size = Math.min(perWindow, count - first);
        encoder.copyBufferToBuffer(
          buffers.params,
          first * params * 4,
          buffers.instance,
          w * stride + UNIFORM_HEADER_BYTES,
          size * params * 4,
        );
      }
      pass = encoder.beginComputePass();
      pass.setPipeline(pipelines.forward_backward!);
      for (let w = 0; w < windows.windows; w++) {
        pass.setBindGroup(0, bindGroup, [w * stride]);
        pass.dispatchWorkgroups(pairGroups, Math.min(perWindow, count - w * perWindow));
      }
      pass.setBindGroup(0, bindGroup, [0]);
    } else {
      if (!pass) {
        pass = encoder.beginComputePass();
        pass.setBindGroup(0, bindGroup, [0]);
      }
      if (windows.chunks > 0) {
        for (const entryPoint of ["forward_chunk", "backward_chunk"] as const) {
          pass.setPipeline(pipelines[entryPoint]!);
          for (let c = 0; c < windows.chunks; c++) {
            pass.setBindGroup(0, bindGroup, [c * stride]);
            pass.dispatchWorkgroups(rowGroups, count);
          }
        }
        pass.setBindGroup(0, bindGroup, [0]);
      } else {
        pass.setPipeline(pipelines.forward_backward!);
        pass.dispatchWorkgroups(pairGroups, count);
      }
    }
    pass.setPipeline(pipelines.update_features!);
    pass.dispatchWorkgroups(featureGroups, count, plan.rowRanges);
    pass.setPipeline(pipelines.update_params!);
    pass.dispatchWorkgroups(paramGroups, count);
    pass.setPipeline(pipelines.finish_step!);
    pass.dispatchWorkgroups(Math.ceil(count / workgroup));
  }
  pass?.end();
}

/**
 * Submits every step of the group, stopping at each snapshot step to copy the parameters to the
 * staging buffer, then the copies of the final parameters and the losses. With `onProgress`,
 * submits in chunks of steps that double while the GPU takes under
 * {@link PROGRESS_INTERVAL_S} for one, waiting on each to report.
 */
async function submitSteps(group: GroupRun, onProgress?: (steps: number) => void) {
  const { device, run, plan, buffers, snapshotSteps } = group;
  const bytes = groupBytes(group);
  const control = controlValues(run, plan, run.instances.length);
  const stops = [...new Set([...snapshotSteps.filter((s) => s > 0), run.steps])]
    .sort((a, b) => a - b);
  let encoder = device.createCommandEncoder();
  snapshotSteps.forEach((step, slot) => {
    if (step === 0) {
      encoder.copyBufferToBuffer(
        buffers.params,
        0,
        buffers.staging,
        snapshotOffset(group, slot),
        bytes.params,
      );
    }
  });
  let current = 0;
  let stepsPerSubmit = 4 * plan.stepsPerDispatch;
  for (const stop of stops) {
    device.queue.writeBuffer(buffers.control, 0, packControl({ ...control, stop_at: stop }));
    while (current < stop) {
      const chunkEnd = onProgress ? Math.min(stop, current + stepsPerSubmit) : stop;
      encodeSteps(group, encoder, current, chunkEnd);
      const slot = snapshotSteps.indexOf(stop);
      if (chunkEnd === stop && slot >= 0) {
        encoder.copyBufferToBuffer(
          buffers.params,
          0,
          buffers.staging,
          snapshotOffset(group, slot),
          bytes.params,
        );
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
  encoder.copyBufferToBuffer(buffers.params, 0, buffers.staging, 0, bytes.params);
  encoder.copyBufferToBuffer(buffers.losses, 0, buffers.staging, bytes.params, bytes.losses);
  device.queue.submit([encoder.finish()]);
}

/** Maps the staging buffer and copies out each instance's parameters, losses and snapshots. */
async function readBack(group: GroupRun): Promise<GroupResult> {
  const { run, buffers, snapshotSteps } = group;
  const count = run.instances.length;
  const paramCount = paramLayout(run.model).count;
  const bytes = groupBytes(group);
  await buffers.staging.mapAsync(GPUMapMode.READ);
  try {
    const mapped = buffers.staging.getMappedRange();
    const perInstance = (offset: number) =>
      Array.from(
        { length: count },
        (_, k) =>
          Float64Array.from(new Float32Array(mapped, offset + k * paramCount * 4, paramCount)),
      );
    return {
      params: perInstance(0),
      losses: Array.from(
        { length: count },
        (_, k) => new Float32Array(mapped, bytes.params + k * run.steps * 4, run.steps).slice(),
      ),
      snapshots: snapshotSteps.map((step, slot) => ({
        step,
        params: perInstance(snapshotOffset(group, slot)),
      })),
    };
  } finally {
    buffers.staging.unmap();
  }
}

/**
 * The `dataset` binding of a group (common.wgsl): word k the start of instance k's stored
 * dataset, then each instance's words (none without stored datasets).
 */
function datasetWords(datasets: StoredDataset[]): Uint32Array<ArrayBuffer> {
  const sizes = datasets.map((dataset) => dataset.words.length);
  const words = new Uint32Array(datasets.length + sizes.reduce((total, size) => total + size, 0));
  let offset = datasets.length;
  datasets.forEach((dataset, k) => {
    words[k] = offset;
    words.set(dataset.words, offset);
    offset += sizes[k];
  });
  return words;
}

/** Trains one group of instances; every buffer it creates is destroyed when it returns or throws. */
async function trainGroup(
  device: GPUDevice,
  run: RunSpec,
  plan: KernelPlan,
  datasets: StoredDataset[],
  onProgress?: (steps: number) => void,
): Promise<GroupResult> {
  const kernels = await trainKernels(device, run, plan);
  const { create, destroyAll } = bufferTracker(device);
  try {
    const count = run.instances.length;
    const windows = uniformWindows(run, plan, count, device.limits.minUniformBufferOffsetAlignment);
    const snapshotSteps = [...new Set(run.snapshotSteps)].sort((a, b) => a - b);
    const buffers = createGroupBuffers(device, create, run, plan, windows, snapshotSteps.length);
    const dataset = storage(device, create, datasetWords(datasets));
    const bound = [
      buffers.control,
      buffers.params,
      buffers.moments,
      buffers.features,
      buffers.counters,
      buffers.scratch,
      buffers.losses,
    ];
    const bindGroup = device.createBindGroup({
      layout: kernels.layout,
      entries: [
        ...bound.map((buffer, binding) => ({ binding, resource: { buffer } })),
        { binding: 7, resource: { buffer: buffers.instance, size: INSTANCE_UNIFORM_BYTES } },
        { binding: 8, resource: { buffer: dataset } },
      ],
    });
    const group = { device, run, plan, kernels, buffers, bindGroup, windows, snapshotSteps };
    await submitSteps(group, onProgress);
    return await readBack(group);
  } finally {
    destroyAll();
  }
}
