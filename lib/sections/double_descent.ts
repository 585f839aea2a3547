/**
 * @module
 * `double-descent`: superposition, memorisation and double descent, a follow-up paper (Henighan
 * et al. 2023; the digest's paper.md §14.1). The ReLU-output model x' = ReLU(WᵀW x + b), m = 2,
 * every I_i = 1, trained on finite datasets of T samples rescaled to unit norm, full batch
 * (B = T), AdamW with weight decay 1e-2, a linear warm-up then cosine decay. Quick scale is
 * Hobbhahn's n = 1000, S = 0.99 (10× fewer features, 10× less sparse than the paper, the same
 * phenomenon); paper scale the paper's n = 10,000, S = 0.999 and 50,000 steps. One run per T
 * (the batch is T), its dataset seeds the instances.
 *
 * Small T: the model memorises, the training examples' hidden vectors h = W x forming a regular
 * T-gon (each D_X = m/T). Large T: it generalises, five features in a pentagon. Between the two
 * the test loss bumps up (double descent) and ‖W‖_F peaks.
 */
import { angleGaps } from "../analysis/geometry.ts";
import { sampledLosses } from "../analysis/loss.ts";
import {
  dataPointDimensionality,
  featureDimensionality,
  featureNorms,
  hiddenVectors,
} from "../analysis/metrics.ts";
import { drawBatch } from "../engine/data.ts";
import { instanceSeed } from "../engine/rng.ts";
import {
  biasVector,
  type OptimizerSpec,
  reluOutputModel,
  type RunSpec,
  weightMatrix,
} from "../engine/spec.ts";
import { xyChart, type XySeries } from "../figures/chart.ts";
import { stackFigures } from "../figures/compose.ts";
import { featureDirectionsFigure } from "../figures/directions.ts";
import type { Row, TableSpec } from "../io/tables.ts";
import {
  type Check,
  type Citation,
  citations,
  type NamedRun,
  numbers,
  type Section,
  type SectionSettings,
  sweepText,
  trainedRun,
  type TrainedRuns,
  verdict,
} from "./section.ts";

/** The double-descent section's settings at a scale. */
export interface DoubleDescentSettings extends SectionSettings {
  n: number;
  /** Feature density 1 − S. */
  density: number;
  /** Dataset sizes T, ascending: one full-batch run each. */
  sizes: number[];
  /** Dataset seeds per T (the configurations of each run). */
  seeds: number;
  /**
   * Initial-weight restarts per dataset at T ≤ `restartSizes`, the lowest training loss kept (as
   * the paper often does): small datasets train at the cost of their dispatches, so restarts
   * are nearly free there.
   */
  restarts: number;
  restartSizes: number;
  /** AdamW's peak learning rate. */
  lr: number;
  /** Linear warm-up steps. */
  warmupSteps: number;
  /** Fresh samples the test loss is estimated on. */
  testSamples: number;
  /** The sizes T (of `sizes`) whose training examples must form a regular T-gon. */
  polygonSizes: number[];
}

/** The follow-up paper this section reproduces. */
export const DOUBLE_DESCENT_PAPERS: readonly Citation[] = [{
  cite: "Henighan et al. 2023",
  title: "Superposition, Memorization, and Double Descent",
  url: "https://transformer-circuits.pub/2023/toy-double-descent/index.html",
}];

/** Hidden dimensions: the paper's visuals. */
const M = 2;
/** Seed of the fresh samples every model's test loss is estimated on. */
const TEST_SEED = 0xdd7e57;
/** A vector counts as one of a model's main ones when its norm is at least this share of the largest. */
const MAIN_SHARE = 0.5;
/** Drawn vectors: those at least this share of the panel's longest. */
const DRAWN_SHARE = 0.1;
/** Angular tolerance of the pentagon check, degrees. */
const GAP_TOLERANCE = 10;

/** `double_descent.csv`: one row per (T, seed). */
export const DOUBLE_DESCENT_TABLE: TableSpec = {
  file: "double_descent.csv",
  row: "one model: dataset size T, dataset seed",
  columns: [
    { name: "T", doc: "training examples (full batch)" },
    { name: "m", doc: "hidden dimensions" },
    { name: "seed", doc: "the dataset's seed (also seeds the initial weights)" },
    { name: "train_loss", doc: "final loss on the training set, Σ_i (x_i − x'_i)² per example" },
    { name: "test_loss", doc: "the same on fresh samples (common to every model)" },
    { name: "weight_norm", doc: "‖W‖_F" },
    { name: "bias_norm", doc: "‖b‖" },
    {
      name: "feature_dimensionality",
      doc: "mean D_i = ‖W_i‖²/Σ_j (Ŵ_i·W_j)² of the features with ‖W_i‖ ≥ ½ the largest",
    },
    {
      name: "data_dimensionality",
      doc: "mean D_X = ‖h‖²/Σ_j (ĥ·h_j)² of the training examples with ‖h‖ ≥ ½ the largest",
    },
  ],
};

/** The run of dataset size T: full batch, unit-norm samples, AdamW wd 1e-2, warm-up then cosine. */
function doubleDescentRun(
  settings: DoubleDescentSettings,
  size: number,
  seed: number,
): RunSpec {
  const { n, density, steps } = settings;
  const optimizer: OptimizerSpec = {
    kind: "adamw",
    lr: settings.lr,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weightDecay: 1e-2,
    schedule: "warmup_cosine",
    warmupSteps: Math.min(settings.warmupSteps, steps),
  };
  return {
    model: reluOutputModel(n, M),
    data: {
      correlation: "independent",
      setSize: 1,
      values: "unit",
      datasetSize: size,
      normalize: true,
    },
    optimizer,
    init: { kind: "xavier" },
    batch: size,
    steps,
    l1: 0,
    instances: Array.from(
      { length: size <= settings.restartSizes ? settings.restarts : 1 },
      (_, restart) =>
        Array.from({ length: settings.seeds }, (_, k) => {
          const dataSeed = instanceSeed(seed, size * settings.seeds + k);
          return {
            importance: Array<number>(n).fill(1),
            density: Array<number>(n).fill(density),
            seed: restart === 0 ? dataSeed : instanceSeed(dataSeed, restart),
            dataSeed,
            config: k,
          };
        }),
    ).flat(),
    snapshotSteps: [],
  };
}

/** The run name of dataset size T. */
function runName(size: number): string {
  return `T${size}`;
}

/** One trained model, measured. */
interface Model {
  size: number;
  seed: number;
  W: Float64Array;
  trainLoss: number;
  testLoss: number;
  weightNorm: number;
  biasNorm: number;
  /** Per feature: ‖W_i‖ and D_i. */
  featureNorms: number[];
  featureDims: number[];
  /** Per training example: h = W x, and D_X. */
  hidden: number[][];
  dataDims: number[];
}

/** Indices whose value is at least `share` of the largest (none when all are 0). */
function mainOnes(values: readonly number[], share: number): number[] {
  const largest = Math.max(...values);
  return largest > 0 ? values.flatMap((value, i) => value >= share * largest ? [i] : []) : [];
}

function mean(values: readonly number[]): number {
  return values.length > 0 ? values.reduce((sum, value) => sum + value, 0) / values.length : NaN;
}

/**
 * The selected model (lowest training loss of its restarts) of every dataset of every run,
 * measured (losses in the paper's per-example normalisation).
 */
function measure(settings: DoubleDescentSettings, trained: TrainedRuns): Model[] {
  const { n } = settings;
  return settings.sizes.flatMap((size) => {
    const { run, result } = trainedRun(trained, runName(size));
    const fresh = { ...run, data: { ...run.data, datasetSize: 0 } };
    const test = sampledLosses(fresh, result, settings.testSamples, TEST_SEED);
    return run.instances.flatMap((instance, k) => {
      if (!result.finite[k] || !result.selected[k]) return [];
      const params = result.params[k];
      const W = weightMatrix(run.model, params);
      const examples = drawBatch(run.data, instance.density, instance.dataSeed, 0, size);
      return [{
        size,
        seed: instance.dataSeed,
        W,
        trainLoss: result.finalLoss[k] * n,
        testLoss: test[k],
        weightNorm: Math.hypot(...W),
        biasNorm: Math.hypot(...biasVector(run.model, params)),
        featureNorms: featureNorms(W, M, n),
        featureDims: featureDimensionality(W, M, n),
        hidden: hiddenVectors(W, M, n, examples),
        dataDims: dataPointDimensionality(W, M, n, examples),
      }];
    });
  });
}

/** Rows of `double_descent.csv`. */
function tableRows(models: readonly Model[]): Row[] {
  return models.map((model) => ({
    T: model.size,
    m: M,
    seed: model.seed,
    train_loss: model.trainLoss,
    test_loss: model.testLoss,
    weight_norm: model.weightNorm,
    bias_norm: model.biasNorm,
    feature_dimensionality: mean(
      mainOnes(model.featureNorms, MAIN_SHARE).map((i) => model.featureDims[i]),
    ),
    data_dimensionality: mean(
      mainOnes(model.hidden.map((h) => Math.hypot(...h)), MAIN_SHARE).map((b) => model.dataDims[b]),
    ),
  }));
}

/** The hidden vectors as the 2×T matrix `angleGaps` reads (row j holds every h_j). */
function asColumns(vectors: readonly number[][]): number[] {
  return [...vectors.map((h) => h[0]), ...vectors.map((h) => h[1])];
}

/** Whether `gaps` (degrees) are all within {@link GAP_TOLERANCE} of 360°/k. */
function regular(gaps: readonly number[]): boolean {
  return gaps.length > 0 &&
    gaps.every((gap) => Math.abs(gap - 360 / gaps.length) <= GAP_TOLERANCE);
}

/**
 * The T-gon check's measure of one memorising model: every example's D_X within 15% of m/T, and
 * the angular gaps between its examples' hidden vectors, on average within 6° of 360°/T.
 */
function polygonOf(model: Model) {
  const gaps = angleGaps(asColumns(model.hidden), model.size, model.hidden.map((_, b) => b));
  const deviation = mean(gaps.map((gap) => Math.abs(gap - 360 / model.size)));
  const target = M / model.size;
  const worst = Math.max(...model.dataDims.map((d) => Math.abs(d - target) / target));
  return { deviation, worst, pass: worst <= 0.15 && deviation <= 6 };
}

/**
 * The generalising model's feature polygon: its five features of largest D_i if their angular
 * gaps are those of a regular pentagon (within {@link GAP_TOLERANCE}), else its six if a regular
 * hexagon; `sides` 0 when neither.
 */
function featurePolygonOf(model: Model): { sides: number; gaps: number[] } {
  const dims = model.featureDims;
  const order = dims.map((_, i) => i).sort((a, b) => dims[b] - dims[a]);
  let gaps: number[] = [];
  for (const sides of [5, 6]) {
    gaps = angleGaps(model.W, dims.length, order.slice(0, sides));
    if (regular(gaps)) return { sides, gaps };
  }
  return { sides: 0, gaps };
}

/** The claims of Henighan et al., measured. */
function doubleDescentChecks(settings: DoubleDescentSettings, models: readonly Model[]): Check[] {
  const at = (size: number) => models.filter((model) => model.size === size);
  const largest = settings.sizes[settings.sizes.length - 1];
  const smallest = settings.sizes[0];
  const polygons = settings.polygonSizes.flatMap((size) =>
    at(size).map((model) => ({ size, ...polygonOf(model) }))
  );
  const polygons5 = at(largest).map(featurePolygonOf);
  const pentagons = polygons5.filter((polygon) => polygon.sides === 5).length;
  const testBySize = settings.sizes.map((size) => mean(at(size).map((m) => m.testLoss)));
  const normBySize = settings.sizes.map((size) => mean(at(size).map((m) => m.weightNorm)));
  const middle = testBySize.slice(1, -1);
  const peak = Math.max(...normBySize);
  const peakSize = settings.sizes[normBySize.indexOf(peak)];
  return [
    {
      id: "t-gon",
      figure: "hidden",
      claim: "With few training examples the model memorises them: their hidden vectors form a " +
        "regular T-gon, each with data dimensionality D_X = m/T.",
      requires: `T = ${settings.polygonSizes.join(", ")}, every seed: every D_X within 15% of ` +
        "2/T, and the gaps between the examples' angles on average within 6° of 360°/T",
      measured:
        polygons.map(({ size, worst, deviation }) =>
          `T = ${size}: D_X off by ≤ ${numbers([100 * worst], 2)}%, gaps off by ${
            numbers([deviation], 2)
          }° on average`
        ).join("; ") || "no finite model",
      status: verdict(polygons.length > 0 && polygons.every((polygon) => polygon.pass)),
    },
    {
      id: "pentagon",
      figure: "hidden",
      claim: "With many training examples the model generalises: five features in a pentagon, " +
        "the others small.",
      requires: `T = ${largest}: in every seed the features of largest D_i form a regular ` +
        `polygon (gaps within ${GAP_TOLERANCE}°): a pentagon in at least half the seeds, else ` +
        "a hexagon",
      measured:
        polygons5.map(({ sides, gaps }) =>
          `${sides === 5 ? "pentagon" : sides === 6 ? "hexagon" : "neither"} (gaps ${
            numbers(gaps, 3)
          }°)`
        ).join("; ") || "no finite model",
      status: verdict(
        polygons5.length > 0 && polygons5.every((polygon) => polygon.sides > 0) &&
          2 * pentagons >= polygons5.length,
      ),
    },
    {
      id: "test-bump",
      figure: "loss",
      claim: "Between memorisation and generalisation the test loss bumps up: double descent.",
      requires: `the mean test loss at some T strictly between ${smallest} and ${largest} above ` +
        "the mean at both ends",
      measured: `mean test loss at T = ${settings.sizes.join(", ")}: ${numbers(testBySize)}`,
      status: verdict(
        middle.some((loss) => loss > testBySize[0] && loss > testBySize[testBySize.length - 1]),
      ),
    },
    {
      id: "norm-peak",
      figure: "norms",
      claim: "‖W‖_F peaks in the memorising regime and falls to the generalising solution's " +
        "(about √5 for five unit features) at large T.",
      requires: `the largest mean ‖W‖_F at T < ${largest}, more than 3× the mean at T = ` +
        `${largest}, which is within 40% of √5`,
      measured: `mean ‖W‖_F at T = ${settings.sizes.join(", ")}: ${numbers(normBySize)}`,
      status: verdict(
        peakSize < largest && peak > 3 * normBySize[normBySize.length - 1] &&
          Math.abs(normBySize[normBySize.length - 1] - Math.sqrt(5)) <= 0.4 * Math.sqrt(5),
      ),
    },
  ];
}

/** Per-T dots of `value` (every seed) and a line through their means, in one colour. */
function sweepSeries(
  settings: DoubleDescentSettings,
  models: readonly Model[],
  name: string,
  value: (model: Model) => number,
): XySeries[] {
  const positive = models.filter((model) => value(model) > 0);
  return [
    {
      name,
      mark: "line",
      points: settings.sizes.flatMap((size) => {
        const values = positive.filter((model) => model.size === size).map(value);
        return values.length > 0 ? [{ x: size, y: mean(values) }] : [];
      }),
    },
    {
      name,
      mark: "dot",
      points: positive.map((model) => ({ x: model.size, y: value(model) })),
    },
  ];
}

/** For each drawn T, the first seed's features and training examples, scaled to its longest. */
function hiddenPanels(settings: DoubleDescentSettings, models: readonly Model[]) {
  const drawn = settings.sizes.filter((size, k) =>
    k === 0 || settings.polygonSizes.includes(size) || size >= 100
  );
  return drawn.flatMap((size) => {
    const model = models.find((candidate) => candidate.size === size);
    if (!model) return [];
    const n = model.featureNorms.length;
    const features = model.featureNorms.map((_, i) => [model.W[i], model.W[n + i]] as const);
    const vectors = [...features, ...model.hidden.map((h) => [h[0], h[1]] as const)];
    const longest = Math.max(...vectors.map(([x, y]) => Math.hypot(x, y)));
    const kept = vectors.flatMap((vector, k) =>
      longest > 0 && Math.hypot(...vector) >= DRAWN_SHARE * longest
        ? [{ vector: [vector[0] / longest, vector[1] / longest] as [number, number], k }]
        : []
    );
    return [{
      title: `T = ${size}`,
      directions: kept.map(({ vector }) => vector),
      shade: kept.map(({ k }) => k < n ? 0 : 1),
    }];
  });
}

/** Double descent as a section of the figure book. */
export const doubleDescent: Section<DoubleDescentSettings> = {
  info: {
    name: "double-descent",
    paper: citations(DOUBLE_DESCENT_PAPERS),
    followUp: DOUBLE_DESCENT_PAPERS,
    title: "Superposition, memorisation and double descent",
    summary: "the ReLU-output model, m=2, on finite datasets of T unit-norm samples (full " +
      "batch): T-gons of training examples when memorising, a pentagon of features when " +
      "generalising, and the test-loss bump between",
  },
  scales: {
    quick: {
      steps: 4000,
      n: 1000,
      density: 0.01,
      sizes: [3, 5, 10, 30, 100, 300, 1000],
      seeds: 2,
      restarts: 4,
      restartSizes: 10,
      lr: 3e-3,
      warmupSteps: 200,
      testSamples: 4096,
      polygonSizes: [5],
    },
    paper: {
      steps: 50_000,
      n: 10_000,
      density: 0.001,
      sizes: [3, 5, 6, 8, 10, 15, 30, 50, 100, 200, 500, 1000, 2000, 5000, 10_000],
      seeds: 4,
      restarts: 4,
      restartSizes: 100,
      lr: 1e-3,
      warmupSteps: 2500,
      testSamples: 16_384,
      polygonSizes: [5],
    },
  },
  setting: (settings) => ({
    model: `n=${settings.n}, m=${M}, 1−S = ${settings.density}`,
    steps: settings.steps,
    restarts: `${settings.restarts} at T ≤ ${settings.restartSizes}, else 1`,
    sweep: `${sweepText("dataset sizes T", settings.sizes)}, ${settings.seeds} seed${
      settings.seeds === 1 ? "" : "s"
    } each`,
  }),
  tables: [DOUBLE_DESCENT_TABLE],
  runs: (settings, seed): NamedRun[] =>
    settings.sizes.map((size) => ({
      name: runName(size),
      run: doubleDescentRun(settings, size, seed),
    })),
  analyse(settings, trained) {
    const models = measure(settings, trained);
    const dims = models.flatMap((model) => [
      ...mainOnes(model.featureNorms, DRAWN_SHARE).map((i) => ({
        kind: "features",
        x: model.size,
        y: model.featureDims[i],
      })),
      ...mainOnes(model.hidden.map((h) => Math.hypot(...h)), DRAWN_SHARE).map((b) => ({
        kind: "training examples",
        x: model.size,
        y: model.dataDims[b],
      })),
    ]).filter((point) => point.y > 0);
    return {
      experiments: settings.sizes.map((size) => ({
        experiment: runName(size),
        ...trainedRun(trained, runName(size)),
      })),
      tables: { [DOUBLE_DESCENT_TABLE.file]: tableRows(models) },
      figures: [
        {
          name: "loss",
          caption: "Test loss (fresh samples) and training loss per example against the " +
            "dataset size T, a line through the seeds' mean; a model that predicts 0 scores 1. " +
            "The test loss bumps up between memorisation and generalisation.",
          svg: stackFigures([
            {
              heading: "Test loss",
              svgs: [xyChart({
                xLabel: "training examples T",
                yLabel: "test loss per example",
                logX: true,
                series: sweepSeries(settings, models, "test", (model) => model.testLoss),
                rules: [{ y: 1, label: "predict 0" }],
                height: 300,
              })],
            },
            {
              heading: "Training loss",
              svgs: [xyChart({
                xLabel: "training examples T",
                yLabel: "training loss per example",
                logX: true,
                logY: true,
                series: sweepSeries(settings, models, "train", (model) => model.trainLoss),
                height: 300,
              })],
            },
          ]),
        },
        {
          name: "norms",
          caption: "‖W‖_F and ‖b‖ against T: both peak while the model memorises and fall to " +
            "the generalising solution's at large T.",
          svg: xyChart({
            xLabel: "training examples T",
            yLabel: "norm",
            logX: true,
            logY: true,
            series: [
              ...sweepSeries(settings, models, "‖W‖_F", (model) => model.weightNorm),
              ...sweepSeries(settings, models, "‖b‖", (model) => model.biasNorm),
            ],
            rules: [{ y: Math.sqrt(5), label: "√5" }],
          }),
        },
        {
          name: "hidden",
          caption: "For a few T (first seed), the feature directions W_i and the training " +
            "examples' hidden vectors h = W x, each panel scaled to its longest vector (vectors " +
            "under a tenth of it not drawn): a T-gon of examples when memorising, a pentagon " +
            "of features when generalising.",
          svg: featureDirectionsFigure(hiddenPanels(settings, models), [
            "feature Wᵢ",
            "training example h = W x",
          ]),
        },
        {
          name: "dimensionality",
          caption: "Dimensionality of the features (D_i) and of the training examples (D_X) " +
            "against T, for vectors at least a tenth of their model's longest: examples at m/T " +
            "while memorising, features taking over when generalising.",
          svg: xyChart({
            xLabel: "training examples T",
            yLabel: "dimensionality",
            logX: true,
            logY: true,
            series: ["features", "training examples"].map((kind) => ({
              name: kind,
              mark: "dot" as const,
              points: dims.filter((point) => point.kind === kind),
            })),
          }),
        },
      ],
      checks: doubleDescentChecks(settings, models),
    };
  },
};
