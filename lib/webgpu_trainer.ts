/**
 * @module
 * The WebGPU trainer: every instance of a run trains at once in `shaders/train.wgsl`, one
 * workgroup per instance, many steps per dispatch and many dispatches per submit. The host
 * awaits the GPU only to report progress and once at the end, when one staging buffer holding
 * the final parameters, every loss and every snapshot is read back.
 */
import randomSource from "../shaders/random.wgsl" with { type: "text" };
import trainSource from "../shaders/train.wgsl" with { type: "text" };
import { UserError } from "./errors.ts";
import { checkedCreate, gpuDevice } from "./gpu.ts";
import { initialParams } from "./init.ts";
import { paramLayout, type RunSpec } from "./spec.ts";
import {
  finalLoss,
  type ProgressCallback,
  selectBest,
  type Snapshot,
  type TrainResult,
} from "./train.ts";

/** Most steps one fused dispatch runs (keeps each dispatch short on a real GPU). */
const MAX_STEPS_PER_DISPATCH = 250;
/**
 * Loop iterations one invocation may run in a dispatch. lavapipe (llvmpipe) silently ends an
 * invocation after 65535 loop iterations in total (measured here); this leaves a margin.
 */
export const LOOP_BUDGET = 60_000;
/** Which driver runs the kernel: chosen by {@link kernelPlan}, or the split one forced (tests). */
export type KernelChoice = "auto" | "split";

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

/** The kernel entry points: the fused driver, and the four phases of the split driver. */
type EntryPoint = "train_fused" | "embed_rows" | "backprop_rows" | "update_params" | "finish_step";

interface Kernels {
  layout: GPUBindGroupLayout;
  pipelines: Record<EntryPoint, GPUComputePipeline>;
}

const kernelCache = new Map<string, Kernels>();

/** The bind group layout shared by every entry point: a uniform, then six storage buffers. */
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
    ],
  });
}

/** The pipelines for a run's shape, compiled once per process and set of override constants. */
async function trainKernels(device: GPUDevice, run: RunSpec): Promise<Kernels> {
  const { model, data, optimizer } = run;
  const constants: Record<string, number> = {
    N: model.n,
    M: model.m,
    BATCH: run.batch,
    WG: workgroupSize(device),
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
  };
  const key = JSON.stringify(constants);
  const cached = kernelCache.get(key);
  if (cached) return cached;
  const workgroupBytes = (constants.WG + 1) * 4;
  if (workgroupBytes > device.limits.maxComputeWorkgroupStorageSize) {
    throw new Error(`train.wgsl needs ${workgroupBytes} B of workgroup storage`);
  }
  const kernels = await checkedCreate(device, () => {
    const module = device.createShaderModule({ code: randomSource + trainSource });
    const layout = bindGroupLayout(device);
    const pipelineLayout = device.createPipelineLayout({ bindGroupLayouts: [layout] });
    const entryPoints: EntryPoint[] = [
      "train_fused",
      "embed_rows",
      "backprop_rows",
      "update_params",
      "finish_step",
    ];
    const pipelines = Object.fromEntries(entryPoints.map((entryPoint) => [
      entryPoint,
      device.createComputePipeline({
        layout: pipelineLayout,
        compute: { module, entryPoint, constants },
      }),
    ])) as Record<EntryPoint, GPUComputePipeline>;
    return { layout, pipelines };
  });
  kernelCache.set(key, kernels);
  return kernels;
}

/**
 * Upper bounds on one invocation's loop iterations, counting every loop of `train.wgsl` as if no
 * input were zero: per batch row in phase 1 (1 + n + n·m + n + m) and phase 2 (1 + 2m + n(1 + 2m)),
 * per parameter in phase 3 (1 + B).
 */
export function loopIterations(
  run: RunSpec,
): { embedRow: number; backpropRow: number; update: number } {
  const { n, m } = run.model;
  return {
    embedRow: 1 + n + n * m + n + m,
    backpropRow: 1 + 2 * m + n * (1 + 2 * m),
    update: 1 + run.batch,
  };
}

/**
 * How the kernel runs a step: fused, `stepsPerDispatch` whole steps per workgroup per dispatch,
 * when one step's iterations (⌈B/WG⌉ rows of phases 1–2, ⌈P/WG⌉ parameters, the loss sum) fit
 * the {@link LOOP_BUDGET}; else split, one dispatch per phase.
 */
export function kernelPlan(
  run: RunSpec,
  workgroup: number,
): { mode: "fused" | "split"; stepsPerDispatch: number } {
  const loops = loopIterations(run);
  const perStep = 1 + Math.ceil(run.batch / workgroup) * (loops.embedRow + loops.backpropRow) +
    Math.ceil(paramLayout(run.model).count / workgroup) * loops.update + workgroup;
  const steps = Math.min(MAX_STEPS_PER_DISPATCH, Math.floor(LOOP_BUDGET / perStep));
  if (steps >= 1) return { mode: "fused", stepsPerDispatch: steps };
  const longest = Math.max(loops.embedRow, loops.backpropRow, loops.update);
  if (longest > LOOP_BUDGET) {
    throw new UserError(
      `model too large for the WebGPU kernels: one invocation would loop ${longest} times, over ` +
        `the ${LOOP_BUDGET} that lavapipe allows; lower n, m or batch, or use --backend cpu`,
    );
  }
  return { mode: "split", stepsPerDispatch: 1 };
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

/** Bytes of scratch one instance needs: X and G (B·n each), Z and GZ (B·m each), row losses (B), f32. */
function scratchBytes(run: RunSpec): number {
  return run.batch * (2 * (run.model.n + run.model.m) + 1) * 4;
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
  const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
  const perGroup = Math.floor(limit / scratchBytes(run));
  if (perGroup < 1) {
    throw new UserError(
      `batch × (n + m) is too large for this device: one instance needs ${scratchBytes(run)} B ` +
        `of scratch, the device allows ${limit} B; lower batch or n`,
    );
  }
  const parts: GroupResult[] = [];
  for (let first = 0; first < run.instances.length; first += perGroup) {
    const instances = run.instances.slice(first, first + perGroup);
    const done = first * run.steps;
    const total = run.instances.length * run.steps;
    const report = onProgress &&
      ((steps: number) => onProgress(done + steps * instances.length, total));
    parts.push(await trainGroup(device, { ...run, instances }, kernel, report));
  }
  const params = parts.flatMap((part) => part.params);
  const losses = parts.flatMap((part) => part.losses);
  const final = losses.map(finalLoss);
  const snapshots: Snapshot[] = parts[0].snapshots.map((snapshot, slot) => {
    const all = parts.flatMap((part) => part.snapshots[slot].params);
    const loss = losses.map((curve, k) =>
      snapshot.step < run.steps ? curve[snapshot.step] : final[k]
    );
    return { step: snapshot.step, params: all, loss };
  });
  return {
    backend: "webgpu",
    params,
    losses,
    finalLoss: final,
    selected: selectBest(run.instances.map((instance) => instance.config), final),
    snapshots,
    seconds: (performance.now() - started) / 1000,
  };
}

interface GroupResult {
  params: Float64Array[];
  losses: Float32Array[];
  snapshots: { step: number; params: Float64Array[] }[];
}

async function trainGroup(
  device: GPUDevice,
  run: RunSpec,
  kernel: KernelChoice,
  onProgress?: (steps: number) => void,
): Promise<GroupResult> {
  const { model, optimizer, steps } = run;
  const count = run.instances.length;
  const layout = paramLayout(model);
  const kernels = await trainKernels(device, run);
  const plan = kernelPlan(run, workgroupSize(device));
  if (kernel === "split") Object.assign(plan, { mode: "split", stepsPerDispatch: 1 });

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
    size: count * scratchBytes(run),
    usage: GPUBufferUsage.STORAGE,
  });
  const lossBuffer = storage(device, new Float32Array(count * steps));
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
    entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
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
  const workgroup = workgroupSize(device);
  const encodeSteps = (pass: GPUComputePassEncoder, from: number, to: number) => {
    pass.setBindGroup(0, bindGroup);
    if (plan.mode === "fused") {
      pass.setPipeline(kernels.pipelines.train_fused);
      for (let step = from; step < to; step += plan.stepsPerDispatch) {
        pass.dispatchWorkgroups(count);
      }
      return;
    }
    const rowGroups = Math.ceil(run.batch / workgroup);
    const paramGroups = Math.ceil(layout.count / workgroup);
    for (let step = from; step < to; step++) {
      pass.setPipeline(kernels.pipelines.embed_rows);
      pass.dispatchWorkgroups(rowGroups, count);
      pass.setPipeline(kernels.pipelines.backprop_rows);
      pass.dispatchWorkgroups(rowGroups, count);
      pass.setPipeline(kernels.pipelines.update_params);
      pass.dispatchWorkgroups(paramGroups, count);
      pass.setPipeline(kernels.pipelines.finish_step);
      pass.dispatchWorkgroups(Math.ceil(count / workgroup));
    }
  };
  for (const stop of stops) {
    controlWords[0] = stop;
    device.queue.writeBuffer(controlBuffer, 0, control);
    while (current < stop) {
      const chunkEnd = onProgress ? Math.min(stop, current + stepsPerSubmit) : stop;
      const pass = encoder.beginComputePass();
      encodeSteps(pass, current, chunkEnd);
      pass.end();
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
  for (const buffer of [...buffers, staging]) buffer.destroy();
  return result;
}
