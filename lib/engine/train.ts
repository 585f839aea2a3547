/**
 * @module
 * Training entry point: runs a toy model's {@link RunSpec} or an SAE run on the WebGPU trainer or
 * the CPU reference trainer
 * and returns every instance's parameters, loss curve, snapshots, and best-of-k selection.
 */
import { isSaeRun, type Run } from "./run.ts";
import { validateSaeRun } from "./sae.ts";
import { validateRun } from "./spec.ts";
import type { Backend, ProgressCallback, TrainResult } from "./result.ts";
import type { KernelChoice } from "./webgpu/trainer.ts";
import { gpuAdapter, NO_ADAPTER_MESSAGE } from "./webgpu/device.ts";
import { UserError } from "./errors.ts";

/** Options of {@link train}. */
export interface TrainOptions {
  backend: Backend;
  onProgress?: ProgressCallback;
  /** WebGPU only: force a driver (tests compare them all with the CPU); default "auto". */
  kernel?: KernelChoice;
}

/** Validates a run (a toy model's or an SAE's) and trains it on the chosen backend. */
export async function train(run: Run, options: TrainOptions): Promise<TrainResult> {
  if (isSaeRun(run)) {
    validateSaeRun(run);
    if (options.backend === "cpu") {
      const { trainSaeCpu } = await import("./cpu/sae.ts");
      return trainSaeCpu(run, options.onProgress);
    }
    const { trainSaeWebGpu } = await import("./webgpu/sae.ts");
    return trainSaeWebGpu(run, options.onProgress);
  }
  validateRun(run);
  if (options.backend === "cpu") {
    const { trainCpu } = await import("./cpu/trainer.ts");
    return trainCpu(run, options.onProgress);
  }
  const { trainWebGpu } = await import("./webgpu/trainer.ts");
  return trainWebGpu(run, options.onProgress, options.kernel);
}

/** `--backend`: a trainer, or `auto` (WebGPU where an adapter exists, else the CPU trainer). */
export type BackendChoice = Backend | "auto";

/** The trainer a run uses, and how to name it (the cache keys on this). */
export interface ResolvedBackend {
  backend: Backend;
  /**
   * "cpu", or "webgpu" with the adapter's vendor, architecture and description; the cache keys on
   * it, {@link trainerLabel} names it for a reader.
   */
  trainer: string;
  /** Set where `auto` fell back to the CPU: one line saying so and how to get WebGPU. */
  note?: string;
}

/** Mesa's Vulkan vendor id (VK_VENDOR_ID_MESA), which its software rasteriser lavapipe reports. */
const MESA_VENDOR = "65541";

/**
 * A trainer ({@link ResolvedBackend}'s `trainer`, the name the cache keys on) as a reader reads
 * it: the CPU reference trainer, Mesa's lavapipe with its llvmpipe version and vector width, or
 * the adapter's own description.
 *
 * @example
 * ```ts
 * trainerLabel("cpu"); // "CPU reference trainer (f64)"
 * trainerLabel("webgpu 65541  llvmpipe (LLVM 15.0.6, 256 bits)");
 * // "WebGPU on lavapipe (Mesa, llvmpipe LLVM 15.0.6, 256-bit)"
 * trainerLabel("webgpu 4318  NVIDIA H200"); // "WebGPU on NVIDIA H200"
 * ```
 */
export function trainerLabel(trainer: string): string {
  if (trainer === "cpu") return "CPU reference trainer (f64)";
  const webgpu = /^webgpu (\S*) (.*)$/.exec(trainer);
  if (!webgpu) return trainer;
  const [, vendor, rest] = webgpu;
  const description = rest.trim(); // the architecture (empty in Deno) and the description
  const llvmpipe = /^llvmpipe \((LLVM [^,]+), (\d+) bits\)$/.exec(description);
  if (vendor === MESA_VENDOR && llvmpipe) {
    return `WebGPU on lavapipe (Mesa, llvmpipe ${llvmpipe[1]}, ${llvmpipe[2]}-bit)`;
  }
  return `WebGPU on ${description || `an adapter of vendor ${vendor}`}`;
}

/** The line `auto` prints when it falls back to the CPU trainer. */
export const CPU_FALLBACK_NOTE =
  "no WebGPU adapter: training on the CPU reference trainer, which is much slower; for WebGPU " +
  "install a GPU driver, or Mesa's lavapipe on a CPU-only machine " +
  "(apt-get install mesa-vulkan-drivers libvulkan1), and leave DENO_WEBGPU_BACKEND unset";

/**
 * Resolves `--backend`: `cpu` as is; `webgpu` needs an adapter (else the one-line
 * {@link NO_ADAPTER_MESSAGE} as a UserError, exit code 2); `auto` takes WebGPU where an adapter
 * exists and otherwise the CPU, with {@link CPU_FALLBACK_NOTE}.
 */
export async function resolveBackend(choice: BackendChoice): Promise<ResolvedBackend> {
  if (choice === "cpu") return { backend: "cpu", trainer: "cpu" };
  const adapter = await gpuAdapter();
  if (!adapter) {
    if (choice === "webgpu") throw new UserError(NO_ADAPTER_MESSAGE);
    return { backend: "cpu", trainer: "cpu", note: CPU_FALLBACK_NOTE };
  }
  const { vendor, architecture, description } = adapter.info;
  return { backend: "webgpu", trainer: `webgpu ${vendor} ${architecture} ${description}` };
}
