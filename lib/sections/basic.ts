/**
 * @module
 * `basic`: the paper's basic results (paper.md §3). n = 20 features of importance I_i = 0.7^i in
 * m = 5 dimensions, at sparsities S ∈ {0, 0.7, 0.9, 0.97, 0.99, 0.997, 0.999}, best-of-k
 * restarts, for two models:
 * - experiment `linear`: x' = WᵀW x + b, which keeps exactly the top-m features at every S (§4);
 * - experiment `relu`: x' = ReLU(WᵀW x + b), the same when dense, then more and more features in
 *   superposition as S grows, starting with the less important ones, with negative biases.
 *
 * At paper scale it also trains the notebook's larger sweep (experiment `sweep`): ReLU output,
 * n = 100, m = 20, I_i = 100^−t for t = linspace(0, 1, 100), densities 20^−t for
 * t = linspace(0, 1, 20), drawn as the notebook's `render_features(model, np.s_[::2])`.
 */
import { representedFeatures } from "../analysis/geometry.ts";
import { LEARNED_NORM } from "../analysis/phase.ts";
import { featureNorms, gram, superposition } from "../analysis/metrics.ts";
import { linearExpectedLoss, linearOptimum } from "../analysis/theory.ts";
import { reluOutputExpectedLosses } from "../analysis/loss.ts";
import { selectedInstances } from "../engine/result.ts";
import {
  biasVector,
  densitySweep,
  geometricImportance,
  linearModel,
  type ModelSpec,
  notebookRun,
  powerSweep,
  reluOutputModel,
  type RunSpec,
  type SweepTraining,
  weightMatrix,
} from "../engine/spec.ts";
import { stackFigures } from "../figures/compose.ts";
import { gramHeatmapFigure } from "../figures/heatmap.ts";
import { featureNormBarsFigure } from "../figures/norm_bars.ts";
import { densityLabel } from "../figures/svg.ts";
import type { ContractExperiment } from "../io/tables.ts";
import {
  type Check,
  type NamedRun,
  numbers,
  SCALE_TRAINING,
  type ScaleTraining,
  scoredExperiment,
  type Section,
  type SectionSettings,
  sweepText,
  type Trained,
  valueList,
  verdict,
} from "./section.ts";

/** Features n and hidden dimensions m of the main experiment. */
export const BASIC_N = 20;
export const BASIC_M = 5;

/**
 * The densities p = 1 − S of the paper's sparsities S ∈ {0, 0.7, 0.9, 0.97, 0.99, 0.997, 0.999}
 * (one column each), written as exact decimals (1 − 0.7 in floating point is 0.30000000000000004).
 */
export const BASIC_DENSITIES = [1, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001] as const;

/** The notebook's larger sweep: n = 100 features in m = 20 dimensions, 20 densities. */
export const SWEEP_N = 100;
export const SWEEP_M = 20;
export const SWEEP_DENSITY_COUNT = 20;

/** Importance I_i = 0.7^i, i = 0 … 19 (1 down to 0.0011). */
export const BASIC_IMPORTANCE = geometricImportance(0.7, BASIC_N);

/** The basic section's settings at a scale. */
export interface BasicSettings extends SectionSettings, ScaleTraining {
  /** Best-of-k restarts per density of the main experiment. */
  restarts: number;
  /** Densities of the main experiment, dense first. */
  densities: readonly number[];
  /**
   * The sparsest densities (p ≤ `maxDensity`) of the ReLU model train as their own run
   * `relu_sparse` with a larger batch, and a linear warm-up of the learning rate where
   * `warmupSteps` > 0: with few active samples per step and lr 1e-2 from the first step, the
   * biases turn negative before W_i grows, and whole features die (ReLU output never fires).
   */
  sparse: { maxDensity: number; batch: number; warmupSteps: number };
  /**
   * Restarts per density of the notebook's n = 100, m = 20 sweep, or 0 to skip it. It is by far
   * the largest run (20 models of 100×20 at batch 1024 for 10,000 steps).
   */
  sweepRestarts: number;
}

/**
 * A run of `model` with one configuration per density (every feature at that density,
 * importance `importance`); see {@link notebookRun}. The init's fan counts `fanInstances`
 * configurations (the notebook's n_instances), so that splitting a sweep into several runs
 * keeps its initial weights' scale.
 */
function densitySweepRun(
  model: ModelSpec,
  importance: number[],
  densities: readonly number[],
  training: SweepTraining,
  fanInstances = densities.length,
): RunSpec {
  const points = densitySweep(importance, densities);
  return { ...notebookRun(model, points, training), init: { kind: "notebook", fanInstances } };
}

/**
 * The main experiment's runs: `linear` at every density; the ReLU model as `relu` (the denser
 * densities) and `relu_sparse` (p ≤ `sparse.maxDensity`, larger batch, warm-up); and at paper
 * scale the notebook's `sweep`.
 */
export function basicRuns(settings: BasicSettings, seed: number): NamedRun[] {
  const training = { ...settings, seed };
  const importance = BASIC_IMPORTANCE;
  const { densities, sparse } = settings;
  const relu = reluOutputModel(BASIC_N, BASIC_M);
  const sparseTraining: SweepTraining = {
    ...training,
    batch: sparse.batch,
    optimizer: sparse.warmupSteps > 0
      ? {
        ...settings.optimizer,
        schedule: "warmup_cosine",
        warmupSteps: Math.min(sparse.warmupSteps, settings.steps),
      }
      : settings.optimizer,
  };
  const runs: NamedRun[] = [
    {
      name: "linear",
      run: densitySweepRun(linearModel(BASIC_N, BASIC_M), importance, densities, training),
    },
    {
      name: "relu",
      run: densitySweepRun(
        relu,
        importance,
        densities.filter((p) => p > sparse.maxDensity),
        training,
        densities.length,
      ),
    },
    {
      name: "relu_sparse",
      run: densitySweepRun(
        relu,
        importance,
        densities.filter((p) => p <= sparse.maxDensity),
        sparseTraining,
        densities.length,
      ),
    },
  ];
  if (settings.sweepRestarts > 0) {
    runs.push({
      name: "sweep",
      run: densitySweepRun(
        reluOutputModel(SWEEP_N, SWEEP_M),
        powerSweep(100, SWEEP_N),
        powerSweep(20, SWEEP_DENSITY_COUNT),
        { ...training, restarts: settings.sweepRestarts },
      ),
    });
  }
  return runs;
}

/**
 * Per instance of a trained run, its expected per-sample loss (paper normalisation): exact for
 * the linear model ({@link linearExpectedLoss}), stratified for the ReLU output model
 * ({@link reluOutputExpectedLosses}). Restarts are compared on it, not on the last batches' loss,
 * which at p = 0.001 is mostly noise.
 */
function expectedLosses({ run, result }: Trained): number[] {
  if (run.model.output === "relu") return reluOutputExpectedLosses(run, result);
  return run.instances.map((instance, k) =>
    linearExpectedLoss(
      weightMatrix(run.model, result.params[k]),
      biasVector(run.model, result.params[k]),
      instance.importance,
      instance.density[0],
      run.model.m,
    )
  );
}

/** A trained run with its restarts scored by expected loss and the best of each selected. */
function scored(experiment: string, trained: Trained): ContractExperiment {
  return scoredExperiment(experiment, trained, expectedLosses(trained));
}

/** The selected model of each density of a scored run, with what the checks and figures use. */
function selectedModels({ run, result, selected }: ContractExperiment) {
  const { m, n } = run.model;
  return selectedInstances(run, selected ?? result.selected).flatMap((k) => {
    if (k < 0) return [];
    const W = weightMatrix(run.model, result.params[k]);
    return [{
      density: run.instances[k].density[0],
      W,
      bias: Array.from(biasVector(run.model, result.params[k])),
      norms: featureNorms(W, m, n),
      superposition: superposition(W, m, n),
      represented: representedFeatures(W, m, n),
    }];
  });
}

type BasicModel = ReturnType<typeof selectedModels>[number];

/** The WᵀW heatmap (with b) and ‖W_i‖ bar panels of the selected models. */
function panels(models: readonly BasicModel[], m: number, n: number) {
  return {
    gram: models.map((model) => {
      const flat = gram(model.W, m, n);
      return {
        title: densityLabel(model.density),
        gram: Array.from({ length: n }, (_, i) => flat.slice(i * n, (i + 1) * n)),
        bias: model.bias,
      };
    }),
    norms: models.map((model) => ({
      title: densityLabel(model.density),
      norms: model.norms,
      superposition: model.superposition,
    })),
  };
}

const mean = (values: readonly number[]) =>
  values.reduce((sum, value) => sum + value, 0) / values.length;

/** Represented features with superposition > 0.3 (superposed) and < 0.1 (orthogonal). */
function superposedAndOrthogonal(model: BasicModel) {
  return {
    superposed: model.represented.filter((i) => model.superposition[i] > 0.3),
    orthogonal: model.represented.filter((i) => model.superposition[i] < 0.1),
  };
}

/**
 * Importance below which a feature is "the tail" (I_i = 0.7^i < 0.02 from i = 11 on): at
 * S ≥ 0.99 whether the 12th–15th features are represented differs between equally good local
 * minima (measured: the lowest-loss restarts found at 1−S = 0.001 hold 13 features where those at
 * 0.003 hold 14, for some seeds), so the count may dip by one there.
 */
const TAIL_IMPORTANCE = 0.02;

/**
 * A per-feature list, the top m apart: "features 0–4: a, b, …; 5–19: 15 values, …" (2 significant
 * digits).
 */
function topAndRest(values: readonly number[]): string {
  return `features 0–${BASIC_M - 1}: ${numbers(values.slice(0, BASIC_M), 2)}; ` +
    `${BASIC_M}–${values.length - 1}: ${valueList(values.slice(BASIC_M), 2)}`;
}

/** The claims of §3 and §4 about the linear and ReLU output models, measured. */
function basicChecks(linear: readonly BasicModel[], relu: readonly BasicModel[]): Check[] {
  if (linear.length === 0 || relu.length === 0) return [];
  const importance = BASIC_IMPORTANCE;
  const topFive = (model: BasicModel) =>
    model.norms.every((norm, i) => Math.abs(norm - (i < BASIC_M ? 1 : 0)) <= 0.05);
  const linearStats = linear.map((model) => {
    const optimum = linearOptimum(importance, model.density, BASIC_M);
    return {
      topFive: topFive(model),
      biasError: Math.max(...model.bias.map((b, i) => Math.abs(b - optimum.bias[i]))),
      lossRatio: linearExpectedLoss(model.W, model.bias, importance, model.density, BASIC_M) /
        optimum.perSampleLoss,
    };
  });
  const dense = relu[0];
  const denseOptimum = linearOptimum(importance, dense.density, BASIC_M);
  const denseBound = linearExpectedLoss(dense.W, dense.bias, importance, 1, BASIC_M) /
    denseOptimum.perSampleLoss;
  const counts = relu.map((model) => model.represented.length);
  const sparse = relu.filter((model) => model.density <= 0.01);
  const split = relu.map(superposedAndOrthogonal);
  // S = 0.7, where superposition starts: the most important features keep their dimensions.
  const start = split[1];
  const startOrdered = start !== undefined && start.orthogonal.includes(0) &&
    start.superposed.length > 0 &&
    Math.max(...start.orthogonal) < Math.min(...start.superposed);
  const orthogonalCounts = split.map(({ orthogonal }) => orthogonal.length);
  const representedBias = sparse.map((model) => mean(model.represented.map((i) => model.bias[i])));
  const densities = relu.map((model) => model.density);
  const important = (i: number) => importance[i] >= TAIL_IMPORTANCE;
  const lost = relu.slice(1).flatMap((model, k) =>
    relu[k].represented.filter((i) => important(i) && !model.represented.includes(i))
      .map((i) => `feature ${i} at 1−S = ${model.density}`)
  );
  return [
    {
      id: "linear-top-m",
      figure: "basic",
      claim: "The linear model always learns the top-m most important features, like PCA, " +
        "with b_i = 0 on them and E[x_i] on the others.",
      requires: "at every S: ‖W_i‖ within 0.05 of 1 for the top 5 and of 0 for the rest, b " +
        "within 0.02 of the optimum's, exact loss within 3% of the closed-form optimum",
      measured: `top-5 at ${linearStats.filter((s) => s.topFive).length}/${linear.length} ` +
        `densities; max |b − b*| ${valueList(linearStats.map((s) => s.biasError), 2)}; ` +
        `loss/optimum ${valueList(linearStats.map((s) => s.lossRatio), 4)}`,
      status: verdict(
        linearStats.every((s) => s.topFive && s.biasError <= 0.02 && s.lossRatio < 1.03),
      ),
    },
    {
      id: "relu-dense",
      figure: "basic",
      claim: "On dense features the ReLU output model behaves like the linear one.",
      requires: "1−S = 1: the top 5 features with ‖W_i‖ within 0.05 of 1, the rest 0; loss " +
        "within 3% of the linear optimum; b within 0.02 of the optimum's (0 kept, 1/2 dropped)",
      measured: `‖W_i‖ = ${topAndRest(dense.norms)}; exact linear loss / optimum ${
        numbers([denseBound], 4)
      }; b = ${topAndRest(dense.bias)}`,
      status: verdict(
        dense.density === 1 && topFive(dense) && denseBound < 1.03 &&
          dense.bias.every((b, i) => Math.abs(b - denseOptimum.bias[i]) <= 0.02),
      ),
    },
    {
      id: "relu-more-features",
      figure: "basic",
      claim: "As sparsity grows the ReLU output model represents more features than it has " +
        "dimensions, in superposition.",
      requires: "5 features when dense, at least 10 at S ≥ 0.99, and never fewer as S rises " +
        `but for the tail of importance < ${TAIL_IMPORTANCE}: at most one fewer from one ` +
        "density to the next",
      measured: `represented (‖W_i‖ > 0.5) at 1−S = ${numbers(densities)}: ${counts.join(", ")}`,
      status: verdict(
        counts[0] === 5 && sparse.length > 0 &&
          sparse.every((model) => model.represented.length >= 10) &&
          counts.every((count, k) => k === 0 || count >= counts[k - 1] - 1),
      ),
    },
    {
      id: "no-feature-lost",
      figure: "basic",
      claim: "A feature that sparsity has brought into the representation stays in it as " +
        "sparsity grows further: sparse densities are not undertrained.",
      requires: `every feature of importance ≥ ${TAIL_IMPORTANCE} represented at one density ` +
        "is represented at every sparser one",
      measured: lost.length === 0
        ? `none lost; represented at the sparsest density: ${relu.at(-1)!.represented.join(" ")}`
        : `lost: ${lost.join("; ")}`,
      status: verdict(
        relu.length === BASIC_DENSITIES.length && lost.length === 0 &&
          relu.at(-1)!.represented.length > 0,
      ),
    },
    {
      id: "least-important-first",
      figure: "basic",
      claim: "Superposition starts with the less important features and gradually affects the " +
        "most important ones.",
      requires: "at S = 0.7 the most important feature is orthogonal (superposition < 0.1) and " +
        "every superposed one (> 0.3) is less important than every orthogonal one; orthogonal " +
        "features: 5 dense, fewer at S = 0.7, no more at 0.9",
      measured: `orthogonal features per density: ${orthogonalCounts.join(", ")}; superposed ` +
        `at S = 0.7: [${split[1]?.superposed.join(" ")}], at 0.9: [${
          split[2]?.superposed.join(" ")
        }]`,
      status: verdict(
        startOrdered && orthogonalCounts[0] === 5 && orthogonalCounts[1] < 5 &&
          orthogonalCounts[2] <= orthogonalCounts[1],
      ),
    },
    {
      id: "negative-bias",
      figure: "basic",
      claim: "In the high-sparsity regime the biases turn negative (positive bias is pure loss " +
        "when features are rarely active).",
      requires: "at S ≥ 0.99: mean b over represented features < −0.05 and every b < 0.01",
      measured: `mean b on represented at 1−S = ${numbers(sparse.map((model) => model.density))}: ${
        numbers(representedBias, 2)
      }; max b ${numbers(sparse.map((model) => Math.max(...model.bias)), 2)}`,
      status: verdict(
        sparse.length > 0 && representedBias.every((b) => b < -0.05) &&
          sparse.every((model) => Math.max(...model.bias) < 0.01),
      ),
    },
  ];
}

/** The norm above which the checks count a feature as represented, as the bars mark it. */
const REPRESENTED = {
  norm: LEARNED_NORM,
  label: `‖Wᵢ‖ = ${LEARNED_NORM}: features beyond it count as represented`,
};

const HEADINGS = {
  linear: `linear model x′ = WᵀWx + b (n = ${BASIC_N}, m = ${BASIC_M}, Iᵢ = 0.7ⁱ)`,
  relu: "ReLU output model x′ = ReLU(WᵀWx + b)",
};

/** The paper's basic results as a section of the figure book. */
export const basic: Section<BasicSettings> = {
  info: {
    name: "basic",
    paper: "§3",
    title: "Demonstrating superposition: basic results",
    summary: "n=20, m=5, I=0.7^i: the linear model vs the ReLU output model across sparsity",
  },
  scales: {
    quick: {
      steps: 3000,
      restarts: 8,
      densities: BASIC_DENSITIES,
      sparse: { maxDensity: 0.003, batch: 4096, warmupSteps: 300 },
      sweepRestarts: 0,
      ...SCALE_TRAINING.quick,
    },
    paper: {
      steps: 10_000,
      restarts: 10,
      densities: BASIC_DENSITIES,
      sparse: { maxDensity: 0.003, batch: 4096, warmupSteps: 0 },
      sweepRestarts: 1,
      ...SCALE_TRAINING.paper,
    },
  },
  setting: (settings) => {
    const sweep = settings.sweepRestarts > 0;
    return {
      model: `n=${BASIC_N}, m=${BASIC_M}, linear and ReLU output` +
        (sweep ? `; n=${SWEEP_N}, m=${SWEEP_M}` : ""),
      steps: settings.steps,
      restarts: sweep && settings.sweepRestarts !== settings.restarts
        ? `${settings.restarts} (n=${SWEEP_N}: ${settings.sweepRestarts})`
        : settings.restarts,
      sweep: sweepText("densities", settings.densities) +
        (sweep ? `; n=${SWEEP_N}: ${SWEEP_DENSITY_COUNT} densities` : ""),
    };
  },
  tables: [],
  runs: basicRuns,
  analyse(_settings, trained) {
    const experiments = [...trained].map(([name, run]) => scored(name, run));
    const models = (...names: string[]) =>
      experiments.filter((experiment) => names.includes(experiment.experiment))
        .flatMap(selectedModels)
        .sort((a, b) => b.density - a.density);
    const linear = models("linear");
    const relu = models("relu", "relu_sparse");
    const block = (heading: string, selected: readonly BasicModel[]) => {
      const { gram, norms } = panels(selected, BASIC_M, BASIC_N);
      return {
        heading,
        svgs: [gramHeatmapFigure(gram), featureNormBarsFigure(norms, { threshold: REPRESENTED })],
      };
    };
    const figures = [{
      name: "basic",
      caption: "One column per sparsity S (dense on the left). For each model, WᵀW (row i, " +
        "column j: W_i·W_j) with b beside it (top), and ‖W_i‖ per feature i, most important " +
        "first, coloured by superposition Σ_{j≠i}(Ŵ_i·W_j)² (bottom); the dark dashed line is " +
        `the threshold ‖W_i‖ = ${LEARNED_NORM} above which the checks count a feature as ` +
        "represented.",
      svg: stackFigures([block(HEADINGS.linear, linear), block(HEADINGS.relu, relu)]),
    }];
    const sweep = models("sweep");
    if (sweep.length > 0) {
      const { norms } = panels(sweep, SWEEP_M, SWEEP_N);
      figures.push({
        name: "basic_sweep",
        caption: "The notebook's n = 100, m = 20 sweep: ‖W_i‖ coloured by superposition for " +
          "every other density, as its render_features(model, np.s_[::2]).",
        svg: featureNormBarsFigure(norms.filter((_, index) => index % 2 === 0), {
          threshold: REPRESENTED,
        }),
      });
    }
    return { experiments, tables: {}, figures, checks: basicChecks(linear, relu) };
  },
};
