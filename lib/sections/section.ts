/**
 * @module
 * The shared part of every paper-section script (the section contract): train a run with a
 * progress line, then write the three tidy CSVs every section writes under its folder —
 * `instances.csv`, `features.csv`, `weights.csv` — and its SVG figures, all atomically.
 *
 * Notation as in the paper: n features, m hidden dimensions, W (or W₁) is m×n and its column
 * W_i is the direction of feature i.
 */
import { join } from "node:path";
import { type CsvCell, writeCsv, writeTextAtomic } from "../io/csv.ts";
import {
  dimensionsPerFeature,
  featureDimensionality,
  featureNorms,
  superposition,
} from "../analysis/metrics.ts";
import { progress } from "../cli/progress.ts";
import type { Scale } from "../cli/args.ts";
import {
  type ModelSpec,
  NOTEBOOK_BATCH,
  NOTEBOOK_OPTIMIZER,
  type OptimizerSpec,
  paramLayout,
  type RunSpec,
} from "../engine/spec.ts";
import type { Backend, TrainResult } from "../engine/result.ts";
import { train } from "../engine/train.ts";

/**
 * Batch and optimiser at each `--scale`: paper is the notebook's (batch 1024, AdamW lr 1e-3,
 * constant); quick is batch 256 and lr 1e-2 with the notebook's cosine decay cos(½π·t/(T−1)),
 * which reaches the paper's geometries in about a third of the steps.
 */
export const SCALE_TRAINING: Record<Scale, { batch: number; optimizer: OptimizerSpec }> = {
  quick: { batch: 256, optimizer: { ...NOTEBOOK_OPTIMIZER, lr: 1e-2, schedule: "cosine" } },
  paper: { batch: NOTEBOOK_BATCH, optimizer: NOTEBOOK_OPTIMIZER },
};

/** The model names written in the `model` column. */
export type ModelName = "linear" | "relu_output" | "relu_hidden" | "abs";

/**
 * The name of a model, derived from its shape in one place:
 * x' = WᵀW x + b → "linear"; x' = ReLU(WᵀW x + b) → "relu_output";
 * x' = ReLU(Wᵀ ReLU(W x) + b) → "relu_hidden"; untied y' = ReLU(W₂ ReLU(W₁ x) + b) → "abs".
 * Throws for a combination no section uses (e.g. a tied ReLU hidden layer with a linear output).
 */
export function modelName(model: ModelSpec): ModelName {
  if (!model.tied) return "abs";
  if (model.hidden === "identity" && model.output === "identity") return "linear";
  if (model.hidden === "identity" && model.output === "relu") return "relu_output";
  if (model.hidden === "relu" && model.output === "relu") return "relu_hidden";
  throw new Error(`no name for model ${JSON.stringify(model)}`);
}

/** The columns that identify an instance, leading both `instances.csv` and `features.csv`. */
const INSTANCE_KEY = ["experiment", "model", "density", "importance", "seed", "instance"] as const;

/** Columns of `instances.csv`: one row per trained instance. */
export const INSTANCE_COLUMNS = [
  ...INSTANCE_KEY,
  "loss",
  "dims_per_feature",
  "selected",
] as const;

/** Columns of `features.csv`: one row per instance and feature. */
export const FEATURE_COLUMNS = [
  ...INSTANCE_KEY,
  "feature",
  "norm",
  "bias",
  "superposition",
  "dimensionality",
  "selected",
] as const;

/** Columns of `weights.csv`: one row per parameter. */
export const WEIGHT_COLUMNS = ["experiment", "instance", "matrix", "row", "col", "value"] as const;

/** One CSV row, keyed by column name. */
export type Row = Record<string, CsvCell>;

/** One trained experiment of a section: what was run, what came out, and how to label it. */
export interface SectionExperiment {
  /** The `experiment` column (e.g. "intro", "linear", "n2m1"). */
  experiment: string;
  run: RunSpec;
  result: TrainResult;
  /** Per instance: the sweep's parameter, written as `importance` in `instances.csv`. */
  sweep: readonly number[];
  /**
   * Per instance: the `density` column. Default: the instance's density p when all n features
   * share it; a run whose densities differ must give it (the varied feature's).
   */
  density?: readonly number[];
  /**
   * Per instance: overrides of the trainer's final loss (notebook normalisation) and best-of-k
   * selection, for a section that scores restarts by a less noisy estimate than the last batches.
   */
  loss?: readonly number[];
  selected?: readonly boolean[];
}

/** W (or W₁) of an instance: the first m·n parameters, row-major m×n (W[j·n + i] = (W_i)_j). */
export function weightMatrix(model: ModelSpec, params: ArrayLike<number>): Float64Array {
  const { w1 } = paramLayout(model);
  return Float64Array.from({ length: model.m * model.n }, (_, k) => params[w1 + k]);
}

/** The bias b ∈ Rⁿ of an instance. */
export function biasVector(model: ModelSpec, params: ArrayLike<number>): Float64Array {
  const { bias } = paramLayout(model);
  return Float64Array.from({ length: model.n }, (_, i) => params[bias + i]);
}

/** The `density` column of each instance (see {@link SectionExperiment.density}). */
function instanceDensities(experiment: SectionExperiment): readonly number[] {
  if (experiment.density) return experiment.density;
  return experiment.run.instances.map((instance, k) => {
    const p = instance.density[0];
    if (instance.density.some((value) => value !== p)) {
      throw new Error(
        `${experiment.experiment}: instance ${k} has several densities; pass density per instance`,
      );
    }
    return p;
  });
}

/** The `selected` column of instance k: 1 for its configuration's best restart, else 0. */
function selectedFlag(experiment: SectionExperiment, k: number): number {
  return (experiment.selected ?? experiment.result.selected)[k] ? 1 : 0;
}

function checkLengths(experiment: SectionExperiment): void {
  const count = experiment.run.instances.length;
  if (experiment.result.params.length !== count || experiment.sweep.length !== count) {
    throw new Error(`${experiment.experiment}: result, sweep and instances differ in length`);
  }
}

/**
 * Rows of `instances.csv`: per instance k, its final loss (the trainer's mean over the last steps;
 * the notebook's normalisation, Σ_i I_i (x_i − x'_i)² / n averaged over the batch), the
 * dimensions per feature D* = m/‖W‖_F², and `selected` = 1 for the lowest-loss restart of its
 * configuration (best-of-k), else 0.
 */
export function instanceRows(experiment: SectionExperiment): Row[] {
  checkLengths(experiment);
  const { run, result, sweep } = experiment;
  const { m, n } = run.model;
  const model = modelName(run.model);
  const densities = instanceDensities(experiment);
  return run.instances.map((instance, k) => ({
    experiment: experiment.experiment,
    model,
    density: densities[k],
    importance: sweep[k],
    seed: instance.seed,
    instance: k,
    loss: (experiment.loss ?? result.finalLoss)[k],
    dims_per_feature: dimensionsPerFeature(weightMatrix(run.model, result.params[k]), m, n),
    selected: selectedFlag(experiment, k),
  }));
}

/**
 * Rows of `features.csv`: per instance k and feature i, the feature's importance I_i, its norm
 * ‖W_i‖, bias b_i, superposition Σ_{j≠i} (Ŵ_i·W_j)² and dimensionality
 * D_i = ‖W_i‖²/Σ_j (Ŵ_i·W_j)² (0 for an unlearned feature), computed on W (W₁ when untied).
 * `density` is the instance's (as in `instances.csv`).
 */
export function featureRows(experiment: SectionExperiment): Row[] {
  checkLengths(experiment);
  const { run, result } = experiment;
  const { m, n } = run.model;
  const model = modelName(run.model);
  const densities = instanceDensities(experiment);
  return run.instances.flatMap((instance, k) => {
    const W = weightMatrix(run.model, result.params[k]);
    const b = biasVector(run.model, result.params[k]);
    const norms = featureNorms(W, m, n);
    const overlaps = superposition(W, m, n);
    const dimensionality = featureDimensionality(W, m, n);
    return Array.from({ length: n }, (_, i) => ({
      experiment: experiment.experiment,
      model,
      density: densities[k],
      importance: instance.importance[i],
      seed: instance.seed,
      instance: k,
      feature: i,
      norm: norms[i],
      bias: b[i],
      superposition: overlaps[i],
      dimensionality: dimensionality[i],
      selected: selectedFlag(experiment, k),
    }));
  });
}

/**
 * Rows of `weights.csv`: every parameter of every instance. Tied: matrix "W" with row j < m,
 * col i < n holding (W_i)_j. Untied: "W1" (m×n) likewise and "W2" (n×m, row i, col j). Then "b"
 * with row 0, col i holding b_i.
 */
export function weightRows(experiment: SectionExperiment): Row[] {
  checkLengths(experiment);
  const { run, result } = experiment;
  const { m, n, tied } = run.model;
  const layout = paramLayout(run.model);
  const rows: Row[] = [];
  const push = (instance: number, matrix: string, row: number, col: number, value: number) =>
    rows.push({ experiment: experiment.experiment, instance, matrix, row, col, value });
  result.params.forEach((params, k) => {
    for (let j = 0; j < m; j++) {
      for (let i = 0; i < n; i++) push(k, tied ? "W" : "W1", j, i, params[layout.w1 + j * n + i]);
    }
    if (!tied) {
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < m; j++) push(k, "W2", i, j, params[layout.w2 + i * m + j]);
      }
    }
    for (let i = 0; i < n; i++) push(k, "b", 0, i, params[layout.bias + i]);
  });
  return rows;
}

/**
 * Writes `instances.csv`, `features.csv` and `weights.csv` under `dir` (atomically), with the
 * rows of every experiment, in order. All rows are built before any file is written.
 */
export async function writeSectionCsvs(
  dir: string,
  experiments: readonly SectionExperiment[],
): Promise<void> {
  const instances = experiments.flatMap(instanceRows);
  const features = experiments.flatMap(featureRows);
  const weights = experiments.flatMap(weightRows);
  await writeCsv(join(dir, "instances.csv"), INSTANCE_COLUMNS, instances);
  await writeCsv(join(dir, "features.csv"), FEATURE_COLUMNS, features);
  await writeCsv(join(dir, "weights.csv"), WEIGHT_COLUMNS, weights);
}

/** Writes the figure `<dir>/<name>.svg` atomically; returns its path. */
export async function writeSvg(dir: string, name: string, svg: string): Promise<string> {
  const path = join(dir, `${name}.svg`);
  await writeTextAtomic(path, svg);
  return path;
}

/**
 * Trains `run` on `backend`, showing `label: done/total steps, T s left` on stderr when it is a
 * terminal, and a final line with the time taken. Elsewhere it asks the trainer for no progress,
 * so the WebGPU trainer never waits on the GPU before the end.
 */
export async function trainWithProgress(
  label: string,
  run: RunSpec,
  backend: Backend,
): Promise<TrainResult> {
  let line: ReturnType<typeof progress> | undefined;
  const onProgress = Deno.stderr.isTerminal()
    ? (done: number, total: number) => {
      line ??= progress(label, total);
      line.update(done);
    }
    : undefined;
  const result = await train(run, { backend, onProgress });
  line?.finish();
  return result;
}

/**
 * The selected (lowest-loss) instance of each configuration, in configuration order:
 * result index k with `selected[k]` for config c = 0, 1, ….
 */
export function selectedInstances(run: RunSpec, result: TrainResult): number[] {
  const chosen: number[] = [];
  run.instances.forEach((instance, k) => {
    if (result.selected[k]) chosen[instance.config] = k;
  });
  return chosen;
}
