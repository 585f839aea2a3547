/**
 * @module
 * `privileged`: superposition in a privileged basis (paper.md §10). The model h = ReLU(W x),
 * x' = ReLU(Wᵀ h + b) with n = 10 features, m = 5 neurons and I_i = 0.75^i, trained at ARENA's
 * densities; the paper keeps the lowest-loss model of 1000, every restart here being an instance.
 * Restarts are compared by their loss on common samples (`sampledLosses`).
 *
 * Dense features each get a neuron of their own (five monosemantic neurons); as the features get
 * sparser more of them are represented, in polysemantic neurons, until at 1−S ≤ 0.04 each of the
 * C(5, 2) = 10 features is the pair of neurons its positive weights point to.
 */
import { representedFeatures } from "../analysis/geometry.ts";
import { sampledLosses } from "../analysis/loss.ts";
import {
  featureNeurons,
  neuronFeatures,
  type NeuronKind,
  neuronKind,
  neuronOrder,
} from "../analysis/neurons.ts";
import { selectedInstances } from "../engine/result.ts";
import {
  densitySweep,
  geometricImportance,
  notebookRun,
  outputMatrix,
  reluHiddenModel,
  type RunSpec,
  weightMatrix,
} from "../engine/spec.ts";
import { neuronBarsFigure, type NeuronPanel } from "../figures/neurons.ts";
import { densityLabel } from "../figures/svg.ts";
import { DENSITY_COLUMN, type Row, type TableSpec } from "../io/tables.ts";
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
  trainedRun,
  verdict,
} from "./section.ts";

/** The privileged section's settings at a scale. */
export interface PrivilegedSettings extends SectionSettings, ScaleTraining {
  /** Restarts per density; the lowest-loss one is shown. */
  restarts: number;
  /** Inputs per density on which restarts are compared. */
  samples: number;
}

/** The model of §10 and ARENA's densities 1 − S, dense first. */
export const PRIVILEGED_SETUP = {
  n: 10,
  m: 5,
  importanceRatio: 0.75,
  densities: [0.75, 0.35, 0.15, 0.1, 0.06, 0.02, 0.01],
} as const;

/** Densities at or above which the paper finds every neuron monosemantic. */
const DENSE = 0.5;
/** Densities at or below which the paper finds each feature on a pair of neurons. */
const VERY_SPARSE = 0.04;
/** Seed of the samples restarts are compared on. */
const SCORE_SEED = 0x9e1105;

/** `neurons.csv`: the selected model at each density, one row per weight. */
export const NEURONS_TABLE: TableSpec = {
  file: "neurons.csv",
  row: "one weight W₁[j, i] of the selected model at one density",
  columns: [
    DENSITY_COLUMN,
    { name: "neuron", doc: "the hidden neuron j" },
    { name: "feature", doc: "the input feature i (most important first)" },
    {
      name: "weight",
      doc: "W₁[j, i] (W for the tied model), after footnote 15's rescaling if untied",
    },
    {
      name: "polysemantic",
      doc: "1 when neuron j carries two or more features (|W₁[j, i]| ≥ ¼ of its largest), else 0",
    },
  ],
};

/** The run: every density, `restarts` seeds each. */
export function privilegedRun(settings: PrivilegedSettings, seed: number): RunSpec {
  const { n, m, importanceRatio, densities } = PRIVILEGED_SETUP;
  const points = densitySweep(geometricImportance(importanceRatio, n), densities);
  return notebookRun(reluHiddenModel(n, m), points, { ...settings, seed });
}

/** The selected model at each density: its weights, neurons and features. */
function measure(trained: Trained, selected: readonly boolean[]) {
  const { run, result } = trained;
  const { m, n } = run.model;
  return selectedInstances(run, selected).flatMap((k) => {
    if (k < 0) return [];
    const W = weightMatrix(run.model, result.params[k]);
    const features = neuronFeatures(W, outputMatrix(run.model, result.params[k]), m, n);
    return [{
      density: run.instances[k].density[0],
      W1: W,
      features,
      kinds: features.map(neuronKind),
      represented: representedFeatures(W, m, n),
      pairs: featureNeurons(W, m, n),
    }];
  });
}

type Point = ReturnType<typeof measure>[number];

/** The claims of §10, measured on the selected models. */
function privilegedChecks(points: readonly Point[]): Check[] {
  const { n, m } = PRIVILEGED_SETUP;
  const dense = points.filter((point) => point.density >= DENSE);
  const sparse = points.filter((point) => point.density <= VERY_SPARSE);
  const counts = points.map((point) => point.represented.length);
  const topFeatures = Array.from({ length: m }, (_, i) => i);
  const monosemantic = (point: Point) =>
    point.kinds.every((kind) => kind === "monosemantic") &&
    point.features.map((carried) => carried[0]).sort((a, b) => a - b).join() === topFeatures.join();
  const paired = (point: Point) =>
    point.represented.length === n &&
    point.pairs.every((neurons) => neurons.length === 2) &&
    new Set(point.pairs.map((neurons) => neurons.join())).size === n;
  const label = (selection: readonly Point[]) =>
    numbers(selection.map((point) => point.density), 2);
  return [
    {
      id: "dense-monosemantic",
      figure: "neurons",
      claim: "Dense features give monosemantic neurons: each of the m most important features " +
        "has a neuron of its own.",
      requires: `at 1−S ≥ ${DENSE}: every neuron carries one feature, and the neurons carry ` +
        `features 0 … ${m - 1}, one each`,
      measured: `1−S = ${label(dense)}: carried features per neuron ${
        dense.map((point) => point.features.map((carried) => carried.join("+")).join(" ")).join(
          "; ",
        )
      }`,
      status: verdict(dense.length > 0 && dense.every(monosemantic)),
    },
    {
      id: "sparse-neuron-pairs",
      figure: "neurons",
      claim: "Very sparse features each correspond to a pair of neurons: the C(5, 2) = 10 pairs " +
        "encode the 10 features.",
      requires: `at the sparsest density (the paper: 1−S ≤ ${VERY_SPARSE}): all ${n} features ` +
        "represented, each firing exactly two neurons (W[j, i] ≥ ½ max_j W[j, i]), no two " +
        "features on the same pair",
      measured: `1−S = ${label(sparse)}: pairs ${
        sparse.map((point) => point.pairs.map((neurons) => neurons.join("")).join(" ")).join("; ")
      }`,
      status: verdict(sparse.length > 0 && paired(sparse[sparse.length - 1])),
    },
    {
      id: "represented-grows",
      figure: "neurons",
      claim: "The sparser the features, the more of them are represented: 5 when dense, 10 when " +
        "very sparse.",
      requires: `represented features (‖W_i‖ > 0.5) ${m} at the densest, ${n} at the sparsest, ` +
        "never fewer as the density falls",
      measured: `represented at 1−S = ${label(points)}: ${counts.join(", ")}`,
      status: verdict(
        counts.length > 1 && counts[0] === m && counts[counts.length - 1] === n &&
          counts.every((count, k) => k === 0 || count >= counts[k - 1]),
      ),
    },
  ];
}

/** A model's neurons: its input weights W₁ (m×n) and the features each neuron carries. */
export interface NeuronModel {
  density: number;
  W1: ArrayLike<number>;
  features: readonly (readonly number[])[];
  kinds: readonly NeuronKind[];
}

/** A model's neurons as a panel of stacked bars, in the paper's order (dead neurons last). */
export function neuronPanel(model: NeuronModel, n: number): NeuronPanel {
  const order = neuronOrder(model.features);
  return {
    title: densityLabel(model.density),
    weights: order.map((j) => Array.from({ length: n }, (_, i) => model.W1[j * n + i])),
    kinds: order.map((j) => model.kinds[j]),
  };
}

/** Rows of `neurons.csv`: every weight W₁[j, i] of each model, with its neuron's kind. */
export function neuronRows(models: readonly NeuronModel[], n: number): Row[] {
  return models.flatMap((model) =>
    model.features.flatMap((carried, j) =>
      Array.from({ length: n }, (_, i) => ({
        density: model.density,
        neuron: j,
        feature: i,
        weight: model.W1[j * n + i],
        polysemantic: carried.length > 1 ? 1 : 0,
      }))
    )
  );
}

/** Superposition in a privileged basis as a section of the figure book. */
export const privileged: Section<PrivilegedSettings> = {
  info: {
    name: "privileged",
    paper: "§10",
    title: "Superposition in a privileged basis",
    summary: "h = ReLU(Wx), x' = ReLU(Wᵀh + b), n=10, m=5, I=0.75^i over ARENA's densities, " +
      "best of k: monosemantic neurons when dense, a pair of neurons per feature when very sparse",
  },
  scales: {
    quick: { steps: 3000, restarts: 64, samples: 32_768, ...SCALE_TRAINING.quick },
    paper: { steps: 10_000, restarts: 1000, samples: 16_384, ...SCALE_TRAINING.paper },
  },
  setting: (settings) => ({
    model: `n=${PRIVILEGED_SETUP.n}, m=${PRIVILEGED_SETUP.m}`,
    steps: settings.steps,
    restarts: settings.restarts,
    sweep: sweepText("densities", PRIVILEGED_SETUP.densities),
  }),
  tables: [NEURONS_TABLE],
  runs: (settings, seed): NamedRun[] => [{ name: "neurons", run: privilegedRun(settings, seed) }],
  analyse(settings, trained) {
    const run = trainedRun(trained, "neurons");
    const losses = sampledLosses(run.run, run.result, settings.samples, SCORE_SEED);
    const experiment = scoredExperiment("neurons", run, losses);
    const points = measure(run, experiment.selected!);
    const { n } = PRIVILEGED_SETUP;
    return {
      experiments: [experiment],
      tables: {
        [NEURONS_TABLE.file]: neuronRows(points, n),
      },
      figures: [{
        name: "neurons",
        caption: `The lowest-loss of ${settings.restarts} restarts at each density (the ` +
          "paper's: of 1000). Top, the paper's stacked bars: each bar is a neuron, its input " +
          "weights W[j, i] stacked by feature (negative weights below the axis), each segment " +
          "labelled with its feature where there is room; under each bar a grey square marks a " +
          "monosemantic neuron, a black one a polysemantic one. Bottom, the same W as a " +
          "heatmap: a row per feature (most important at the top), each neuron's column under " +
          "its bar, blue for positive weights and red for negative. Dense (1−S = 0.75): five " +
          "neurons for the five most important features, the heatmap's diagonal; very sparse " +
          "(1−S ≤ 0.02): all ten features, each on a pair of neurons (the two blue cells of " +
          "its row), the C(5, 2) = 10 pair code.",
        svg: neuronBarsFigure(points.map((point) => neuronPanel(point, n)), {
          weightLabel: "W[j, i]",
        }),
      }],
      checks: privilegedChecks(points),
    };
  },
};
