/**
 * @module
 * The SAE trainer on WebGPU: `shaders/sae.wgsl`'s three dispatches per step for every instance at
 * once (after the generated prelude, whose overrides it shares, and the toy kernels' random
 * stream, AdamW and data draws), many steps per submission, with no readback until a resampling step or the end. At a
 * resampling step it reads θ, the moments and the firing record back, resamples on the host
 * ({@link resampleDeadLatents}, shared with the CPU trainer) and writes them back.
 */
import adamSource from "../../../shaders/adam.wgsl" with { type: "text" };
import dataSource from "../../../shaders/data.wgsl" with { type: "text" };
import randomSource from "../../../shaders/random.wgsl" with { type: "text" };
import saeSource from "../../../shaders/sae.wgsl" with { type: "text" };
import { UserError } from "../errors.ts";
import { lrScale } from "../optim.ts";
import { assembleResult, type ProgressCallback, type TrainResult } from "../result.ts";
import {
  initialSaeState,
  resampleDeadLatents,
  resampleRounds,
  saeLayout,
  type SaeRun,
  type SaeState,
} from "../sae.ts";
import { checkedCreate, gpuDevice } from "./device.ts";
import { CORRELATIONS, type OverrideName, wgslPrelude } from "./layout.ts";
import { bufferTracker, PROGRESS_INTERVAL_S, storage, workgroupSize } from "./trainer.ts";

/** The SAE kernels' entry points, in the order one step dispatches them. */
const ENTRY_POINTS = ["sae_rows", "sae_update", "sae_finish"] as const;

/** Binding types of `shaders/sae.wgsl`, bindings 0–8. */
const BINDINGS: GPUBufferBindingType[] = [
  "uniform",
  "storage",
  "storage",
  "read-only-storage",
  "storage",
  "storage",
  "storage",
  "storage",
  "read-only-storage",
];

/** Bytes of the `rows` scratch: per instance and block of four rows, vec4s of h (m) | z (d) | g (m) | δ (d) | loss. */
function rowsBytes(run: SaeRun): number {
  const blocks = Math.ceil(run.batch / 4);
  return 16 * run.instances.length * blocks * (2 * (run.sae.toyHidden + run.sae.latents) + 1);
}

/** The buffers of a run, in binding order, and the staging buffer read at the end. */
interface SaeBuffers {
  control: GPUBuffer;
  params: GPUBuffer;
  moments: GPUBuffer;
  toy: GPUBuffer;
  counters: GPUBuffer;
  rows: GPUBuffer;
  losses: GPUBuffer;
  sinceFired: GPUBuffer;
  lrScales: GPUBuffer;
}

/** Per instance the toy's W (m·n), its densities (n) and λ, as `toy` holds them. */
function toyData(run: SaeRun): Float32Array<ArrayBuffer> {
  const { toyFeatures: n, toyHidden: m } = run.sae;
  const stride = m * n + n + 1;
  const data = new Float32Array(run.instances.length * stride);
  run.instances.forEach((instance, k) => {
    data.set(instance.toyWeights, k * stride);
    data.set(instance.density, k * stride + m * n);
    data[k * stride + m * n + n] = instance.l1;
  });
  return data;
}

/** The `SaeControl` uniform: lr, β₁, β₂, ε, weight decay (f32), instances, steps (u32). */
function controlData(run: SaeRun): ArrayBuffer {
  const bytes = new ArrayBuffer(32);
  const { lr, beta1, beta2, eps, weightDecay } = run.optimizer;
  new Float32Array(bytes, 0, 5).set([lr, beta1, beta2, eps, weightDecay]);
  new Uint32Array(bytes, 20, 2).set([run.instances.length, run.steps]);
  return bytes;
}

/** Copies `sources` (whole buffers) into one staging buffer and returns their bytes. */
async function readBuffers(device: GPUDevice, sources: GPUBuffer[]): Promise<ArrayBuffer[]> {
  const total = sources.reduce((sum, buffer) => sum + buffer.size, 0);
  const staging = device.createBuffer({
    size: total,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  try {
    const encoder = device.createCommandEncoder();
    let offset = 0;
    for (const buffer of sources) {
      encoder.copyBufferToBuffer(buffer, 0, staging, offset, buffer.size);
      offset += buffer.size;
    }
    device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const mapped = staging.getMappedRange();
    offset = 0;
    return sources.map((buffer) => {
      const bytes = mapped.slice(offset, offset + buffer.size);
      offset += buffer.size;
      return bytes;
    });
  } finally {
    staging.destroy();
  }
}

/**
 * Resamples every instance on the host: reads θ, the moments and the firing record, applies
 * {@link resampleDeadLatents} round `round` and writes back whatever changed.
 */
async function resampleOnHost(
  device: GPUDevice,
  run: SaeRun,
  buffers: SaeBuffers,
  round: number,
): Promise<void> {
  const [paramBytes, momentBytes, firedBytes] = await readBuffers(device, [
    buffers.params,
    buffers.moments,
    buffers.sinceFired,
  ]);
  const count = run.instances.length;
  const p = saeLayout(run.sae).count;
  const d = run.sae.latents;
  const params = new Float32Array(paramBytes, 0, count * p);
  const moments = new Float32Array(momentBytes, 0, 2 * count * p);
  const sinceFired = new Uint32Array(firedBytes, 0, count * d);
  let changed = false;
  run.instances.forEach((instance, k) => {
    const state: SaeState = {
      params: Float64Array.from(params.subarray(k * p, (k + 1) * p)),
      firstMoment: Float64Array.from(moments.subarray(2 * k * p, (2 * k + 1) * p)),
      secondMoment: Float64Array.from(moments.subarray((2 * k + 1) * p, (2 * k + 2) * p)),
      sinceFired: sinceFired.slice(k * d, (k + 1) * d),
    };
    if (resampleDeadLatents(run.sae, instance, state, round).length === 0) return;
    changed = true;
    params.set(state.params, k * p);
    moments.set(state.firstMoment, 2 * k * p);
    moments.set(state.secondMoment, (2 * k + 1) * p);
    sinceFired.set(state.sinceFired, k * d);
  });
  if (!changed) return;
  device.queue.writeBuffer(buffers.params, 0, params);
  device.queue.writeBuffer(buffers.moments, 0, moments);
  device.queue.writeBuffer(buffers.sinceFired, 0, sinceFired);
}

/**
 * Trains every SAE of a run on WebGPU (see the module doc). The `rows` scratch holds
 * instances × B × (2(m + d) + 1) floats and must fit one storage binding.
 */
export async function trainSaeWebGpu(
  run: SaeRun,
  onProgress?: ProgressCallback,
): Promise<TrainResult> {
  const started = performance.now();
  const device = await gpuDevice();
  const { sae } = run;
  const count = run.instances.length;
  const paramCount = saeLayout(sae).count;
  const scratch = rowsBytes(run);
  const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
  if (scratch > limit) {
    throw new UserError(
      `sae: instances × batch × (2(m + d) + 1) floats must fit ${limit} B (got ${scratch} B); ` +
        "lower batch or train fewer instances per run",
    );
  }
  const workgroup = workgroupSize(device);
  const layout = device.createBindGroupLayout({
    entries: BINDINGS.map((type, binding) => ({
      binding,
      visibility: GPUShaderStage.COMPUTE,
      buffer: { type },
    })),
  });
  const module = device.createShaderModule({
    code: [wgslPrelude(), randomSource, adamSource, dataSource, saeSource].join("\n"),
  });
  const { data } = run;
  const constants: Partial<Record<OverrideName, number>> & { D: number } = {
    N: sae.toyFeatures,
    M: sae.toyHidden,
    D: sae.latents,
    BATCH: run.batch,
    WG: workgroup,
    DECOUPLED_DECAY: Number(run.optimizer.kind === "adamw"),
    CORRELATION: CORRELATIONS[data.correlation],
    SET_SIZE: data.setSize,
    SIGNED_VALUES: Number(data.values === "signed"),
    DATASET_SIZE: data.datasetSize,
  };
  const pipelines = await checkedCreate(
    device,
    () =>
      ENTRY_POINTS.map((entryPoint) =>
        device.createComputePipeline({
          layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
          compute: { module, entryPoint, constants },
        })
      ),
  );
  const { create, destroyAll } = bufferTracker(device);
  try {
    const initial = new Float32Array(count * paramCount);
    run.instances.forEach((instance, k) =>
      initial.set(initialSaeState(sae, instance).params, k * paramCount)
    );
    const counters = new Uint32Array(2 * count);
    run.instances.forEach((instance, k) => counters[2 * k] = instance.dataSeed);
    const control = create({ size: 32, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(control, 0, controlData(run));
    const buffers: SaeBuffers = {
      control,
      params: storage(device, create, initial),
      moments: storage(device, create, new Float32Array(2 * count * paramCount)),
      toy: storage(device, create, toyData(run)),
      counters: storage(device, create, counters),
      rows: create({ size: Math.max(16, scratch), usage: GPUBufferUsage.STORAGE }),
      losses: storage(device, create, new Float32Array(count * run.steps)),
      sinceFired: storage(device, create, new Uint32Array(count * sae.latents)),
      lrScales: storage(
        device,
        create,
        Float32Array.from({ length: run.steps }, (_, t) => lrScale(run.optimizer, t, run.steps)),
      ),
    };
    const bindGroup = device.createBindGroup({
      layout,
      entries: Object.values(buffers).map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    const groups = [
      Math.ceil(Math.ceil(run.batch / 4) / workgroup),
      Math.ceil(paramCount / workgroup),
      Math.ceil(sae.latents / workgroup),
    ];
    const encode = (steps: number) => {
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      pass.setBindGroup(0, bindGroup);
      for (let step = 0; step < steps; step++) {
        pipelines.forEach((pipeline, phase) => {
          pass.setPipeline(pipeline);
          pass.dispatchWorkgroups(groups[phase], count);
        });
      }
      pass.end();
      device.queue.submit([encoder.finish()]);
    };
    const rounds = resampleRounds(sae);
    let current = 0;
    let stepsPerSubmit = 16;
    for (const stop of [...rounds.keys(), run.steps]) {
      while (current < stop) {
        const chunk = Math.min(stop - current, onProgress ? stepsPerSubmit : 256);
        encode(chunk);
        current += chunk;
        if (onProgress) {
          const submitted = performance.now();
          await device.queue.onSubmittedWorkDone();
          onProgress(current * count, run.steps * count);
          if ((performance.now() - submitted) / 1000 < PROGRESS_INTERVAL_S) stepsPerSubmit *= 2;
        }
      }
      const round = rounds.get(stop);
      if (round !== undefined) await resampleOnHost(device, run, buffers, round);
    }
    const [paramBytes, lossBytes] = await readBuffers(device, [buffers.params, buffers.losses]);
    const params = new Float32Array(paramBytes, 0, count * paramCount);
    const losses = new Float32Array(lossBytes, 0, count * run.steps);
    return assembleResult(
      "webgpu",
      run,
      run.instances.map((_, k) =>
        Float64Array.from(params.subarray(k * paramCount, (k + 1) * paramCount))
      ),
      run.instances.map((_, k) => losses.slice(k * run.steps, (k + 1) * run.steps)),
      [],
      started,
    );
  } finally {
    destroyAll();
  }
}
