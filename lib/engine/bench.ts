/**
 * @module
 * What `deno task bench` measures: the notebook's three sweep workloads as run specs, the dense
 * multiply-add count of one training step, and the process's peak memory.
 */
import {
  densitySweep,
  NOTEBOOK_BATCH,
  notebookRun,
  powerSweep,
  reluOutputModel,
  type RunSpec,
} from "./spec.ts";

/**
 * A benchmark workload: a ReLU-output model with `instances` instances, and the training steps of
 * one timed run on each backend (ours, and the PyTorch notebook loop), chosen so that a run takes
 * roughly 0.5–2 s on a 2-core machine.
 */
export interface Workload {
  /** "NxM", the name `--workload` takes. */
  name: string;
  n: number;
  m: number;
  instances: number;
  /** Steps per timed run of each trainer and peer (about 0.5–2 s each on 2 cores). */
  steps: { webgpu: number; cpu: number; torch: number; jax: number };
}

/**
 * The notebook's sweep shapes: the intro figure (n=5, m=2, 10 instances), the main experiment's
 * shape (n=20, m=5, 7 instances) and the feature-geometry cell (n=200, m=20, 20 instances).
 */
export const WORKLOADS: readonly Workload[] = [
  {
    name: "5x2",
    n: 5,
    m: 2,
    instances: 10,
    steps: { webgpu: 3000, cpu: 150, torch: 300, jax: 600 },
  },
  {
    name: "20x5",
    n: 20,
    m: 5,
    instances: 7,
    steps: { webgpu: 300, cpu: 50, torch: 150, jax: 400 },
  },
  {
    name: "200x20",
    n: 200,
    m: 20,
    instances: 20,
    steps: { webgpu: 24, cpu: 2, torch: 6, jax: 20 },
  },
];

/**
 * The notebook's training at a workload's shape: importance 1, density 20^(−k/(K−1)) for
 * instance k of K (the sweeps' `20**-linspace(0, 1, K)`), the notebook's xavier quirk with
 * K instances, AdamW lr 1e-3, fresh data every step. Needs K ≥ 2.
 */
export function workloadRun(workload: Workload, steps: number, batch = NOTEBOOK_BATCH): RunSpec {
  const { n, m, instances } = workload;
  const points = densitySweep(Array<number>(n).fill(1), powerSweep(20, instances));
  return notebookRun(reluOutputModel(n, m), points, { steps, batch });
}

/**
 * FLOPs of one training step of one instance of the tied model x' = act(Wᵀ(W x) + b), W m×n,
 * counted densely (zero features count as work) at 2 FLOPs per multiply-add. Per batch row, each
 * of these is n·m multiply-adds:
 * forward  z = W x, o = Wᵀ z;
 * backward ∂W += z gᵀ (through Wᵀ), δ = W g (back to the hidden layer), ∂W += δ xᵀ (through W),
 * where g = ∂L/∂o. Total 10·B·n·m. Not counted: the O(B·n) elementwise work (bias, ReLU, error,
 * loss, ∂b) and the O(n·m) AdamW update.
 */
export function stepFlops(n: number, m: number, batch: number): number {
  return 2 * 5 * batch * n * m;
}

/**
 * The process's peak resident set size in bytes: the kernel's high-water mark VmHWM where
 * /proc/self/status exists, else the current `Deno.memoryUsage().rss` (sample it after each run
 * and take the maximum). Resident memory of the whole process: Deno itself, the JS heap, and the
 * WebGPU driver's host allocations (on lavapipe that includes the "GPU" buffers; on a real GPU,
 * device memory is not counted).
 */
export function peakMemoryBytes(): number {
  const rss = Deno.memoryUsage().rss;
  try {
    const status = Deno.readTextFileSync("/proc/self/status");
    const kib = status.match(/^VmHWM:\s+(\d+) kB$/m);
    return kib ? Math.max(rss, Number(kib[1]) * 1024) : rss;
  } catch {
    return rss;
  }
}
