/**
 * @module
 * `deno task basic` (run as `deno run -A scripts/basic.ts`): the paper's basic results (paper.md
 * §3). n = 20 features of importance I_i = 0.7^i in m = 5 dimensions, at sparsities
 * S ∈ {0, 0.7, 0.9, 0.97, 0.99, 0.997, 0.999} (densities p = 1 − S = 1 … 0.001), best-of-k
 * restarts, for two models:
 * - experiment `linear`: x' = WᵀW x + b, which keeps exactly the top-m features at every S (§4);
 * - experiment `relu`: x' = ReLU(WᵀW x + b), the same when dense, then more and more features in
 *   superposition as S grows, starting with the less important ones, with negative biases.
 *
 * At `--scale paper` it also trains the notebook's larger sweep (experiment `sweep`): ReLU output,
 * n = 100, m = 20, I_i = 100^−t for t = linspace(0, 1, 100), densities 20^−t for
 * t = linspace(0, 1, 20).
 *
 * Writes under `<out>/basic/`: `instances.csv`, `features.csv`, `weights.csv` (the contract of
 * `lib/section.ts`; `density` is p = 1 − S, and the `importance` column of `instances.csv` holds
 * the sweep's parameter, which is the density here, as in `intro`), and the figures:
 * - `basic.svg`: one column per S; for the linear model, then the ReLU output model, a row of WᵀW
 *   heatmaps with b beside them and a row of ‖W_i‖ bars coloured by superposition;
 * - `basic_sweep.svg` (paper scale): ‖W_i‖ bars coloured by superposition for every other
 *   density of the sweep, as the notebook's `render_features(model, np.s_[::2])`.
 */
import { parseSectionArgs, type SectionArgs, type SectionInfo, sectionUsage } from "../cli/args.ts";
import { runMain } from "../engine/errors.ts";
import {
  densityLabel,
  featureNormBarsFigure,
  gramHeatmapFigure,
  type GramPanel,
  type NormBarsPanel,
  stackFigures,
} from "../figures/figures.ts";
import { featureNorms, gram, superposition } from "../analysis/metrics.ts";
import {
  biasVector,
  SCALE_TRAINING,
  type SectionExperiment,
  selectedInstances,
  trainWithProgress,
  weightMatrix,
  writeSectionCsvs,
  writeSvg,
} from "./section.ts";
import {
  linearModel,
  type ModelSpec,
  notebookRun,
  powerSweep,
  reluOutputModel,
  type RunSpec,
  type SweepTraining,
} from "../engine/spec.ts";
import type { TrainResult } from "../engine/result.ts";

/** What `basic` says about itself (name, summary, default steps per scale). */
export const BASIC: SectionInfo = {
  name: "basic",
  summary: "basic results (n=20, m=5, I=0.7^i): linear vs ReLU output model across sparsity",
  defaultSteps: { quick: 3000, paper: 10_000 },
};

/** Features n and hidden dimensions m of the main experiment. */
export const BASIC_N = 20;
export const BASIC_M = 5;

/** The sparsities S of the paper's figure (one column each). */
export const BASIC_SPARSITIES = [0, 0.7, 0.9, 0.97, 0.99, 0.997, 0.999] as const;

/**
 * The densities p = 1 − S of {@link BASIC_SPARSITIES}, written as exact decimals (1 − 0.7 in
 * floating point is 0.30000000000000004).
 */
export const BASIC_DENSITIES = [1, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001] as const;

/** The two models of the main experiment, by `experiment` name. */
export type BasicExperiment = "linear" | "relu";

/** Best-of-k restarts per configuration of the main experiment at each scale. */
export const BASIC_RESTARTS = { quick: 4, paper: 10 } as const;

/**
 * Restarts per density of the sweep (paper scale only): the notebook's one model per density. It
 * is by far the section's largest run: 20 models of 100×20 at batch 1024 for 10,000 steps, about
 * 0.3 s per step (an hour) on 2 CPU cores with lavapipe, where best-of-k would multiply that.
 */
export const SWEEP_RESTARTS = 1;

/** The notebook's larger sweep: n = 100 features in m = 20 dimensions, 20 densities. */
export const SWEEP_N = 100;
export const SWEEP_M = 20;
export const SWEEP_DENSITY_COUNT = 20;

/** Importance I_i = 0.7^i, i = 0 … n−1 (1 down to 0.0011 for n = 20). */
export function basicImportance(n = BASIC_N): number[] {
  return Array.from({ length: n }, (_, i) => 0.7 ** i);
}

/** The sweep's importance I_i = 100^−t for t = linspace(0, 1, n): 1 down to 0.01. */
export function sweepImportance(): number[] {
  return powerSweep(100, SWEEP_N);
}

/** The sweep's densities p_t = 20^−t for t = linspace(0, 1, 20): 1 down to 0.05. */
export function sweepDensities(): number[] {
  return powerSweep(20, SWEEP_DENSITY_COUNT);
}

/** Options of {@link basicRun} and {@link sweepRun}: the training, and the densities. */
export interface BasicRunOptions extends SweepTraining {
  /** Default: {@link BASIC_DENSITIES} (main experiment) or {@link sweepDensities} (sweep). */
  densities?: readonly number[];
}

/**
 * A run of `model` with one configuration per density (every feature at that density, importance
 * `importance`); see {@link notebookRun}.
 */
function densitySweepRun(
  model: ModelSpec,
  importance: number[],
  densities: readonly number[],
  options: BasicRunOptions,
): RunSpec {
  const points = densities.map((p) => ({ importance, density: Array(model.n).fill(p) }));
  return notebookRun(model, points, options);
}

/**
 * The main experiment's run for one model: n = 20, m = 5, I_i = 0.7^i, one configuration per
 * density (default {@link BASIC_DENSITIES}).
 */
export function basicRun(experiment: BasicExperiment, options: BasicRunOptions): RunSpec {
  const model = experiment === "linear"
    ? linearModel(BASIC_N, BASIC_M)
    : reluOutputModel(BASIC_N, BASIC_M);
  return densitySweepRun(model, basicImportance(), options.densities ?? BASIC_DENSITIES, options);
}

/**
 * The notebook's larger sweep: ReLU output model, n = 100, m = 20, I_i = 100^−linspace(0, 1, 100),
 * densities 20^−linspace(0, 1, 20) by default.
 */
export function sweepRun(options: BasicRunOptions): RunSpec {
  const model = reluOutputModel(SWEEP_N, SWEEP_M);
  return densitySweepRun(model, sweepImportance(), options.densities ?? sweepDensities(), options);
}

/** A trained run and the label of its block in {@link basicFigure}. */
export interface LabelledResult {
  heading: string;
  run: RunSpec;
  result: TrainResult;
}

/** The WᵀW heatmap (with b) and ‖W_i‖ bar panels of each selected instance, one per density. */
export function basicPanels(
  run: RunSpec,
  result: TrainResult,
): { gram: GramPanel[]; norms: NormBarsPanel[] } {
  const { m, n } = run.model;
  const chosen = selectedInstances(run, result);
  const title = (k: number) => densityLabel(run.instances[k].density[0]);
  const gramPanels = chosen.map((k) => {
    const flat = gram(weightMatrix(run.model, result.params[k]), m, n);
    return {
      title: title(k),
      gram: Array.from({ length: n }, (_, i) => flat.slice(i * n, (i + 1) * n)),
      bias: Array.from(biasVector(run.model, result.params[k])),
    };
  });
  const normPanels = chosen.map((k) => {
    const W = weightMatrix(run.model, result.params[k]);
    return { title: title(k), norms: featureNorms(W, m, n), superposition: superposition(W, m, n) };
  });
  return { gram: gramPanels, norms: normPanels };
}

/**
 * The basic-results figure: for each labelled run (linear, then ReLU output), a row of WᵀW
 * heatmaps with b and a row of ‖W_i‖ bars coloured by superposition, one column per density.
 */
export function basicFigure(experiments: readonly LabelledResult[]): string {
  return stackFigures(experiments.map(({ heading, run, result }) => {
    const panels = basicPanels(run, result);
    return {
      heading,
      svgs: [gramHeatmapFigure(panels.gram), featureNormBarsFigure(panels.norms)],
    };
  }));
}

/**
 * The sweep's figure, as the notebook's `render_features(model, np.s_[::2])`: ‖W_i‖ bars coloured
 * by superposition for every other density (the selected instance of each).
 */
export function sweepFigure(run: RunSpec, result: TrainResult): string {
  const { norms } = basicPanels(run, result);
  return featureNormBarsFigure(norms.filter((_, index) => index % 2 === 0));
}

const HEADINGS: Record<BasicExperiment, string> = {
  linear: `linear model x′ = WᵀWx + b (n = ${BASIC_N}, m = ${BASIC_M}, Iᵢ = 0.7ⁱ)`,
  relu: "ReLU output model x′ = ReLU(WᵀWx + b)",
};

/** The `experiment` entries of the CSVs: the sweep's parameter is each instance's density. */
function sectionExperiment(experiment: string, run: RunSpec, result: TrainResult) {
  const sweep = run.instances.map((instance) => instance.density[0]);
  return { experiment, run, result, sweep } satisfies SectionExperiment;
}

/** Trains the section's runs and writes its CSVs and figures under `args.dir`. */
export async function runBasic(args: SectionArgs): Promise<void> {
  const options: BasicRunOptions = {
    steps: args.steps,
    restarts: BASIC_RESTARTS[args.scale],
    seed: args.seed,
    ...SCALE_TRAINING[args.scale],
  };
  const trained: LabelledResult[] = [];
  const experiments: SectionExperiment[] = [];
  let seconds = 0;
  for (const experiment of ["linear", "relu"] as const) {
    const run = basicRun(experiment, options);
    const result = await trainWithProgress(`basic ${experiment}`, run, args.backend);
    trained.push({ heading: HEADINGS[experiment], run, result });
    experiments.push(sectionExperiment(experiment, run, result));
    seconds += result.seconds;
  }
  let sweep: { run: RunSpec; result: TrainResult } | undefined;
  if (args.scale === "paper") {
    const run = sweepRun({ ...options, restarts: SWEEP_RESTARTS });
    const result = await trainWithProgress("basic sweep", run, args.backend);
    sweep = { run, result };
    experiments.push(sectionExperiment("sweep", run, result));
    seconds += result.seconds;
  }
  await writeSectionCsvs(args.dir, experiments);
  await writeSvg(args.dir, "basic", basicFigure(trained));
  if (sweep) await writeSvg(args.dir, "basic_sweep", sweepFigure(sweep.run, sweep.result));
  console.log(`basic: wrote ${args.dir} (${seconds.toFixed(1)} s training)`);
}

if (import.meta.main) {
  await runMain(async () => {
    const args = parseSectionArgs(Deno.args, BASIC);
    if (args.help) {
      console.log(sectionUsage(BASIC));
      return;
    }
    await runBasic(args);
  });
}
