/**
 * @module
 * `computation`: computation in superposition (paper.md §11). The absolute-value task: inputs
 * x_i = 0 with probability S, else U[−1, 1], target |x|, model h = ReLU(W₁ x),
 * y′ = ReLU(W₂ h + b) (untied).
 *
 * - The natural solution: n = 3, m = 6, dense. |x| = ReLU(x) + ReLU(−x), so each feature gets a
 *   positive-side and a negative-side neuron, and the loss is near zero.
 * - Superposition against sparsity: n = 100, m = 40, I_i = 0.8^i. Dense, every neuron is
 *   monosemantic; as the features get sparser, more neurons carry several features, the
 *   neurons of the most important features last. Neurons are drawn after footnote 15's
 *   rescaling (each neuron's largest |W₁| is 1), sorted by the importance of their largest feature.
 * - Every asymmetric superposition motif of the selected models is found (`asymmetricMotifs`) and
 *   listed in `motifs.csv`, and the first is drawn.
 *
 * Restarts are compared by their loss on common samples (`sampledLosses`).
 */
import { sampledLosses } from "../analysis/loss.ts";
import {
  type AsymmetricMotif,
  asymmetricMotifs,
  neuronFeatures,
  neuronKind,
  rescaleNeurons,
} from "../analysis/neurons.ts";
import { selectedInstances } from "../engine/result.ts";
import {
  absValueModel,
  densitySweep,
  geometricImportance,
  INDEPENDENT_DATA,
  notebookRun,
  outputMatrix,
  type RunSpec,
  weightMatrix,
} from "../engine/spec.ts";
import { stackFigures } from "../figures/compose.ts";
import { motifFigure } from "../figures/motif.ts";
import { neuronBarsFigure } from "../figures/neurons.ts";
import { densityLabel } from "../figures/svg.ts";
import { type ContractExperiment, DENSITY_COLUMN, type TableSpec } from "../io/tables.ts";
import { neuronPanel, neuronRows, NEURONS_TABLE } from "./privileged.ts";
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
  trainedRun,
  verdict,
} from "./section.ts";

/** The computation section's settings at a scale. */
export interface ComputationSettings extends SectionSettings, ScaleTraining {
  /** Restarts of the natural solution (the sweep trains one model per density). */
  restarts: number;
  /** Densities 1 − S of the sweep, dense first. */
  densities: number[];
  /** Inputs per density on which restarts are compared and losses measured. */
  samples: number;
}

/** The two models of §11. */
export const COMPUTATION_SETUP = {
  natural: { n: 3, m: 6, density: 1 },
  sweep: { n: 100, m: 40, importanceRatio: 0.8 },
} as const;

/** The absolute-value task's data: independent features, U[−1, 1] where present. */
const SIGNED_DATA = { ...INDEPENDENT_DATA, values: "signed" } as const;
/** Seed of the samples restarts are compared on. */
const SCORE_SEED = 0xab5;
/** Largest loss of the natural solution, as a share of the loss of predicting 0. */
const NEAR_ZERO = 0.01;
/** Largest share of polysemantic neurons when dense; least when sparsest. */
const DENSE_POLYSEMANTIC = 0.1;
const SPARSE_POLYSEMANTIC = 0.5;
/** How far the polysemantic share may fall from one density to the next, sparser one. */
const SHARE_NOISE = 0.1;
/** How many of the most important features the longest monosemantic one must be among. */
const TOP_FEATURES = 3;
/** Neuron-bar panels per row of the sweep's figure. */
const PANELS_PER_ROW = 3;

/** `motifs.csv`: every asymmetric superposition motif of the selected models. */
export const MOTIFS_TABLE: TableSpec = {
  file: "motifs.csv",
  row: "one asymmetric superposition motif (paper §11) of the selected model at one density",
  columns: [
    DENSITY_COLUMN,
    { name: "neuron", doc: "the neuron j that carries two features with unequal weights" },
    { name: "inhibitor", doc: "the neuron k that cancels its interference" },
    { name: "primary", doc: "feature a: the larger input weight |W₁[j, a]|" },
    { name: "secondary", doc: "feature b: |W₁[j, b]| ≤ ½ |W₁[j, a]|" },
    { name: "input_primary", doc: "W₁[j, a], after footnote 15's rescaling (±1)" },
    { name: "input_secondary", doc: "W₁[j, b], after the rescaling" },
    { name: "output_primary", doc: "W₂[a, j], after the rescaling" },
    { name: "output_secondary", doc: "W₂[b, j] ≥ 2 W₂[a, j] > 0, after the rescaling" },
    { name: "interference", doc: "W₂[b, j]·|W₁[j, a]|: what a unit feature a adds to output b" },
    { name: "inhibition", doc: "W₂[b, k]·ReLU(±W₁[k, a]) ≤ −½ interference: what k takes back" },
  ],
};

/** The natural-solution run: n = 3, m = 6, dense, `restarts` seeds. */
export function naturalRun(settings: ComputationSettings, seed: number): RunSpec {
  const { n, m, density } = COMPUTATION_SETUP.natural;
  const points = densitySweep(Array<number>(n).fill(1), [density]);
  return notebookRun(absValueModel(n, m), points, { ...settings, seed, data: SIGNED_DATA });
}

/** The sweep: n = 100, m = 40, I = 0.8^i, one model per density. */
export function sweepRun(settings: ComputationSettings, seed: number): RunSpec {
  const { n, m, importanceRatio } = COMPUTATION_SETUP.sweep;
  const points = densitySweep(geometricImportance(importanceRatio, n), settings.densities);
  return notebookRun(absValueModel(n, m), points, {
    ...settings,
    restarts: 1,
    seed,
    data: SIGNED_DATA,
  });
}

/** The selected model of each configuration: rescaled weights, neurons, motifs and loss. */
function measure(experiment: ContractExperiment) {
  const { run, result, selected, loss } = experiment;
  const { m, n } = run.model;
  return selectedInstances(run, selected!).flatMap((k) => {
    if (k < 0) return [];
    const raw = {
      W1: weightMatrix(run.model, result.params[k]),
      W2: outputMatrix(run.model, result.params[k]),
    };
    const { W1, W2 } = rescaleNeurons(raw.W1, raw.W2, m, n);
    const features = neuronFeatures(W1, W2, m, n);
    const kinds = features.map(neuronKind);
    const live = kinds.filter((kind) => kind !== "dead").length;
    const polysemantic = kinds.filter((kind) => kind === "polysemantic").length;
    const { density, importance } = run.instances[k];
    return [{
      density: density[0],
      W1,
      W2,
      features,
      kinds,
      polysemanticShare: live > 0 ? polysemantic / live : NaN,
      motifs: asymmetricMotifs(W1, W2, m, n),
      /** Loss per sample (paper normalisation) and that of predicting 0, Σ_i I_i E x_i² = Σ_i I_i p_i/3. */
      loss: loss![k] * n,
      zeroLoss: importance.reduce((sum, value, i) => sum + value * density[i] / 3, 0),
    }];
  });
}

type Point = ReturnType<typeof measure>[number];

/** The features that are the largest feature of a monosemantic neuron of the model. */
function monosemanticFeatures(point: Point): Set<number> {
  return new Set(point.features.flatMap((carried) => carried.length === 1 ? carried : []));
}

/**
 * For each feature on a monosemantic neuron at the densest density: at how many densities in a
 * row, from the densest, it is the largest feature of a monosemantic neuron.
 */
function monosemanticSurvival(sweep: readonly Point[]): Map<number, number> {
  const monosemantic = sweep.map(monosemanticFeatures);
  const survival = new Map<number, number>();
  for (const feature of monosemantic[0] ?? []) {
    let densities = 0;
    while (densities < sweep.length && monosemantic[densities].has(feature)) densities++;
    survival.set(feature, densities);
  }
  return survival;
}

/** The natural solution: a monosemantic positive-side and negative-side neuron per feature. */
function sides(point: Point, n: number): { positive: boolean; negative: boolean }[] {
  return Array.from({ length: n }, (_, i) => {
    const signs = point.features.flatMap((carried, j) =>
      carried.length === 1 && carried[0] === i ? [Math.sign(point.W1[j * n + i])] : []
    );
    return { positive: signs.includes(1), negative: signs.includes(-1) };
  });
}

/**
 * {@link monosemanticSurvival} in words, the features grouped by their count, longest first:
 * "4: features 0, 2, 4; 3: features 1, 3" ("none" for no features).
 */
function survivalText(survival: ReadonlyMap<number, number>): string {
  const counts = [...new Set(survival.values())].sort((a, b) => b - a);
  return counts.map((count) => {
    const features = [...survival].flatMap(([feature, c]) => c === count ? [feature] : []);
    return `${count}: features ${features.sort((a, b) => a - b).join(", ")}`;
  }).join("; ") || "none";
}

/** The claims of §11, measured. */
function computationChecks(natural: Point | undefined, sweep: readonly Point[]): Check[] {
  const { n } = COMPUTATION_SETUP.natural;
  const naturalSides = natural ? sides(natural, n) : [];
  const shares = sweep.map((point) => point.polysemanticShare);
  const survival = monosemanticSurvival(sweep);
  const longest = Math.max(0, ...survival.values());
  const survivors = [...survival].flatMap(([feature, count]) => count === longest ? [feature] : []);
  const densities = (points: readonly Point[]) => numbers(points.map((point) => point.density), 2);
  return [
    {
      id: "natural-solution",
      figure: "natural",
      claim: "With n = 3 features and m = 6 neurons the model computes |x| = ReLU(x) + ReLU(−x): " +
        "a positive-side and a negative-side neuron per feature, and near-zero loss.",
      requires: `loss ≤ ${NEAR_ZERO} × the loss of predicting 0; every feature on a ` +
        "monosemantic neuron with W₁ > 0 and one with W₁ < 0",
      measured: natural
        ? `loss ${numbers([natural.loss / natural.zeroLoss])} × predicting 0; features with ` +
          `both sides: ${naturalSides.filter((side) => side.positive && side.negative).length}/${n}`
        : "no finite model",
      status: verdict(
        natural !== undefined && natural.loss <= NEAR_ZERO * natural.zeroLoss &&
          naturalSides.every((side) => side.positive && side.negative),
      ),
    },
    {
      id: "polysemantic-grows",
      figure: "neurons",
      claim: "The sparser the features, the more neurons are polysemantic: none when dense, " +
        "most when very sparse.",
      requires: `share of live neurons that are polysemantic ≤ ${DENSE_POLYSEMANTIC} at the ` +
        `densest, ≥ ${SPARSE_POLYSEMANTIC} at the sparsest, never falling by more than ` +
        `${SHARE_NOISE} as the density falls`,
      measured: `at 1−S = ${densities(sweep)}: ${numbers(shares, 2)}`,
      status: verdict(
        shares.length > 1 && shares[0] <= DENSE_POLYSEMANTIC &&
          shares[shares.length - 1] >= SPARSE_POLYSEMANTIC &&
          shares.every((share, k) => k === 0 || share >= shares[k - 1] - SHARE_NOISE),
      ),
    },
    {
      id: "important-stay-monosemantic",
      figure: "neurons",
      claim: "Neurons of the most important features stay monosemantic longest.",
      requires: "of the features on monosemantic neurons when dense, those that keep one at " +
        `the most densities in a row (from the densest) include one of the ${TOP_FEATURES} most ` +
        "important, and other features lose theirs earlier",
      measured: `densities in a row (of ${sweep.length}) on a monosemantic neuron: ${
        survivalText(survival)
      }`,
      status: verdict(
        survivors.some((feature) => feature < TOP_FEATURES) &&
          [...survival.values()].some((count) => count < longest),
      ),
    },
  ];
}

/** The sweep's neuron bars, {@link PANELS_PER_ROW} densities per row. */
function sweepFigure(sweep: readonly Point[], n: number): string {
  const rows: Point[][] = [];
  sweep.forEach((point, k) => {
    if (k % PANELS_PER_ROW === 0) rows.push([]);
    rows[rows.length - 1].push(point);
  });
  return stackFigures(rows.map((row) => ({
    heading: `1−S = ${numbers(row.map((point) => point.density), 2)}`,
    svgs: [neuronBarsFigure(row.map((point) => neuronPanel(point, n)))],
  })));
}

/** The motif's two neurons and two features, as a circuit. */
function drawMotif(motif: AsymmetricMotif, point: Point) {
  const { n, m } = COMPUTATION_SETUP.sweep;
  const { neuron, inhibitor, primary, secondary } = motif;
  const units = [neuron, inhibitor];
  return motifFigure({
    features: [`feature ${primary}`, `feature ${secondary}`],
    neurons: [`neuron ${neuron}`, `inhibitor ${inhibitor}`],
    input: units.map((j) => [point.W1[j * n + primary], point.W1[j * n + secondary]] as const),
    output: [primary, secondary].map((i) =>
      [point.W2[i * m + neuron], point.W2[i * m + inhibitor]] as const
    ),
    note: `${densityLabel(point.density)}: feature ${primary} adds ${
      numbers([motif.interference], 2)
    } to output ${secondary}; the inhibitor takes back ${numbers([-motif.inhibition], 2)}`,
  });
}

/** Computation in superposition as a section of the figure book. */
export const computation: Section<ComputationSettings> = {
  info: {
    name: "computation",
    paper: "§11",
    title: "Computation in superposition",
    summary: "the absolute-value task h = ReLU(W₁x), y' = ReLU(W₂h + b): n=3, m=6 learns a " +
      "positive and a negative neuron per feature; n=100, m=40, I=0.8^i over sparsity turns " +
      "neurons polysemantic, the most important last; asymmetric superposition motifs found",
  },
  scales: {
    quick: {
      steps: 3000,
      restarts: 4,
      densities: [1, 0.3, 0.1, 0.03, 0.01],
      samples: 4096,
      ...SCALE_TRAINING.quick,
    },
    paper: {
      steps: 30_000,
      restarts: 8,
      densities: [1, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001],
      samples: 16_384,
      ...SCALE_TRAINING.paper,
    },
  },
  setting: (settings) => {
    const { natural, sweep } = COMPUTATION_SETUP;
    return {
      model: `n=${natural.n}, m=${natural.m}; n=${sweep.n}, m=${sweep.m}`,
      steps: settings.steps,
      restarts: `${settings.restarts} (n=${sweep.n}: 1)`,
      sweep: `n=${sweep.n}: ${sweepText("densities", settings.densities)}`,
    };
  },
  tables: [NEURONS_TABLE, MOTIFS_TABLE],
  runs: (settings, seed): NamedRun[] => [
    { name: "natural", run: naturalRun(settings, seed) },
    { name: "sweep", run: sweepRun(settings, seed) },
  ],
  analyse(settings, trained) {
    const experiments = ["natural", "sweep"].map((name) => {
      const run = trainedRun(trained, name);
      const losses = sampledLosses(run.run, run.result, settings.samples, SCORE_SEED);
      return scoredExperiment(name, run, losses);
    });
    const [natural] = measure(experiments[0]);
    const sweep = measure(experiments[1]);
    const { n } = COMPUTATION_SETUP.sweep;
    const motifs = sweep.flatMap((point) => point.motifs.map((motif) => ({ point, motif })));
    const figures = [
      {
        name: "natural",
        caption: "n = 3, m = 6, dense: each bar is a neuron's input weights W₁[j, ·] after " +
          "rescaling; every feature has a neuron for its positive side (above the axis) and " +
          "one for its negative side (below).",
        svg: natural ? neuronBarsFigure([neuronPanel(natural, 3)]) : "",
      },
      {
        name: "neurons",
        caption: "n = 100, m = 40, I_i = 0.8^i: each bar is a neuron's input weights |W₁[j, i]| " +
          "after footnote 15's rescaling (largest 1), stacked by feature (negative below the " +
          "axis) and sorted by the importance of the neuron's largest feature. Dense, every " +
          "neuron is monosemantic; sparser, more neurons carry several features.",
        svg: sweepFigure(sweep, n),
      },
      ...motifs.slice(0, 1).map(({ point, motif }) => ({
        name: "motif",
        caption: `One of the ${motifs.length} asymmetric superposition motifs found: a neuron ` +
          "carries two features with unequal input weights and reciprocal output weights, and " +
          "a second neuron inhibits the output that the larger one interferes with.",
        svg: drawMotif(motif, point),
      })),
    ].filter((figure) => figure.svg !== "");
    return {
      experiments,
      tables: {
        [NEURONS_TABLE.file]: neuronRows(sweep, n),
        [MOTIFS_TABLE.file]: motifs.map(({ point, motif }) => ({
          density: point.density,
          neuron: motif.neuron,
          inhibitor: motif.inhibitor,
          primary: motif.primary,
          secondary: motif.secondary,
          input_primary: motif.inputWeights[0],
          input_secondary: motif.inputWeights[1],
          output_primary: motif.outputWeights[0],
          output_secondary: motif.outputWeights[1],
          interference: motif.interference,
          inhibition: motif.inhibition,
        })),
      },
      figures,
      checks: computationChecks(natural, sweep),
    };
  },
};
