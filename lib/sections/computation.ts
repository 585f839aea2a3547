/**
 * @module
 * `computation`: computation in superposition (paper.md §11). The absolute-value task: inputs
 * x_i = 0 with probability S, else U[−1, 1], target |x|, model h = ReLU(W₁ x),
 * y′ = ReLU(W₂ h + b) (untied).
 *
 * - The natural solution: n = 3, m = 6, dense. |x| = ReLU(x) + ReLU(−x), so each feature gets a
 *   positive-side and a negative-side neuron, and the loss is near zero.
 * - Superposition against sparsity: n = 100, m = 40, I_i = 0.8^i. Dense, every neuron is
 *   monosemantic; as the features get sparser, more neurons carry several features, and the
 *   paper finds those of the most important features tend to stay monosemantic: measured where
 *   both kinds coexist as how often a monosemantic neuron's largest feature is the more important
 *   (`monosemanticLead`). Neurons are drawn after footnote 15's rescaling (each neuron's largest
 *   |W₁| is 1), sorted by the importance of their largest feature, over a heatmap of W₁.
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
  type NeuronKind,
  neuronKind,
  neuronOrder,
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
import { motifFigure } from "../figures/motif.ts";
import { neuronBarsFigure } from "../figures/neurons.ts";
import { densityLabel, formatShort } from "../figures/svg.ts";
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
/**
 * The least {@link monosemanticLead} that shows the paper's ordering: a monosemantic neuron's
 * feature is the more important in three of four pairings with a polysemantic neuron's.
 */
const CLEAR_LEAD = 0.75;
/** {@link monosemanticLead} when importance does not tell the two kinds apart. */
const NO_RELATION = 0.5;
/** Neurons of each kind a model needs for {@link monosemanticLead} to mean something. */
const FEWEST_OF_KIND = 3;
/** Neuron-bar panels per row of the sweep's figure. */
const PANELS_PER_ROW = 4;

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

/**
 * How far a model's monosemantic neurons serve more important features than its polysemantic
 * ones: the probability that a random monosemantic neuron's largest feature is more important
 * (lower i) than a random polysemantic neuron's, ties counting half (the area under the ROC curve,
 * i.e. the Mann–Whitney U over the two groups' largest features). 1/2 is no relation; undefined
 * where the model has fewer than {@link FEWEST_OF_KIND} neurons of either kind.
 */
function monosemanticLead(point: Point): number | undefined {
  const largest = (kind: NeuronKind) =>
    point.features.flatMap((carried, j) => point.kinds[j] === kind ? [carried[0]] : []);
  const monosemantic = largest("monosemantic");
  const polysemantic = largest("polysemantic");
  if (Math.min(monosemantic.length, polysemantic.length) < FEWEST_OF_KIND) return undefined;
  const wins = monosemantic.flatMap((a) => polysemantic.map((b) => a < b ? 1 : a === b ? 0.5 : 0));
  return wins.reduce((sum: number, win) => sum + win, 0) / wins.length;
}

/** The sweep's models with both kinds of neuron, each with its {@link monosemanticLead}. */
function mixedModels(sweep: readonly Point[]): { point: Point; lead: number }[] {
  return sweep.flatMap((point) => {
    const lead = monosemanticLead(point);
    return lead === undefined ? [] : [{ point, lead }];
  });
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
 * The ordering check's outcome: it passes where P ≥ {@link CLEAR_LEAD} at every density with both
 * kinds; it holds partly where P is that clear at some of them only, or above ½ (a lean) at all;
 * the measured text gives P at each and, where partial, why.
 */
function orderingOutcome(
  mixed: readonly { point: Point; lead: number }[],
): Pick<Check, "measured" | "status"> {
  if (mixed.length === 0) {
    return {
      measured: `no density has ${FEWEST_OF_KIND} or more neurons of each kind`,
      status: "fail",
    };
  }
  const at = (selection: readonly { point: Point }[]) =>
    numbers(selection.map(({ point }) => point.density), 2);
  const polysemantic = mixed.map(({ point }) =>
    point.kinds.filter((kind) => kind === "polysemantic").length
  );
  const clear = mixed.filter(({ lead }) => lead >= CLEAR_LEAD);
  const leaning = mixed.every(({ lead }) => lead > NO_RELATION);
  const why = clear.length === mixed.length
    ? ""
    : clear.length > 0
    ? `; ≥ ${CLEAR_LEAD} at 1−S = ${at(clear)} only`
    : leaning
    ? `; above ½ at each but below ${CLEAR_LEAD}: a lean, not a clear ordering`
    : `; nowhere ≥ ${CLEAR_LEAD}`;
  return {
    measured: `at 1−S = ${at(mixed)}: P = ${numbers(mixed.map(({ lead }) => lead), 2)}, with ` +
      `${polysemantic.join(", ")} polysemantic neurons of ${COMPUTATION_SETUP.sweep.m}${why}`,
    status: verdict(clear.length === mixed.length, clear.length > 0 || leaning),
  };
}

/** The claims of §11, measured. */
function computationChecks(natural: Point | undefined, sweep: readonly Point[]): Check[] {
  const { n } = COMPUTATION_SETUP.natural;
  const naturalSides = natural ? sides(natural, n) : [];
  const shares = sweep.map((point) => point.polysemanticShare);
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
      claim: "Neurons for the most important features tend to stay monosemantic: where mono- " +
        "and polysemantic neurons coexist, the polysemantic ones serve the less important features.",
      requires: `at every density with ≥ ${FEWEST_OF_KIND} neurons of each kind, P(a ` +
        "monosemantic neuron's largest feature is more important than a polysemantic " +
        `neuron's; ties ½) ≥ ${CLEAR_LEAD} (½ would be no relation); partly: ≥ ${CLEAR_LEAD} ` +
        "at some such densities, or above ½ at all",
      ...orderingOutcome(mixedModels(sweep)),
    },
  ];
}

/** The value axis of the rescaled neurons' bars. */
const RESCALED_WEIGHT = "W₁[j, i] (rescaled)";

/** The sweep's neuron bars, {@link PANELS_PER_ROW} densities per row. */
function sweepFigure(sweep: readonly Point[], n: number): string {
  return neuronBarsFigure(sweep.map((point) => neuronPanel(point, n)), {
    weightLabel: RESCALED_WEIGHT,
    perRow: PANELS_PER_ROW,
  });
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

/** What the densest model's neurons serve, for the sweep's caption. */
function densestText(densest: Point | undefined): string {
  if (!densest) return "";
  const served = [...new Set(densest.features.flatMap((carried) => carried.slice(0, 1)))];
  const polysemantic = densest.kinds.filter((kind) => kind === "polysemantic").length;
  return `At ${densityLabel(densest.density)}, ${polysemantic} of the ` +
    `${densest.kinds.length} neurons are polysemantic, and the neurons serve ${served.length} ` +
    `features (largest ${Math.max(...served)}), the most important with several neurons each. `;
}

/** What the drawn motif shows, naming its neurons' bars in the sweep's figure. */
function motifCaption(motif: AsymmetricMotif, point: Point, found: number): string {
  const order = neuronOrder(point.features);
  const bar = (j: number) => `bar ${order.indexOf(j) + 1}`;
  const [wa, wb] = motif.inputWeights.map(formatShort);
  const [ua, ub] = motif.outputWeights.map(formatShort);
  const { neuron, inhibitor, primary, secondary } = motif;
  return `One of the ${found} asymmetric superposition motifs found, in the model at ` +
    `${densityLabel(point.density)} (weights after the rescaling; edge width ∝ |w|, blue ` +
    `positive, red negative): neuron ${neuron} (${bar(neuron)} of that panel) carries feature ` +
    `${primary} with input weight ${wa} and feature ${secondary} with ${wb}, and writes them ` +
    `back with ${ua} and ${ub}, so feature ${primary} interferes with output ${secondary} and ` +
    `not the reverse; neuron ${inhibitor} (${bar(inhibitor)}) fires with feature ${primary} and ` +
    `writes ${formatShort(motif.inhibitorWeights[1])} to output ${secondary}, taking back ` +
    `${formatShort(-motif.inhibition)} of the ${formatShort(motif.interference)}.`;
}

/** Computation in superposition as a section of the figure book. */
export const computation: Section<ComputationSettings> = {
  info: {
    name: "computation",
    paper: "§11",
    title: "Computation in superposition",
    summary: "the absolute-value task h = ReLU(W₁x), y' = ReLU(W₂h + b): n=3, m=6 learns a " +
      "positive and a negative neuron per feature; n=100, m=40, I=0.8^i over sparsity turns " +
      "neurons polysemantic (the most important tend to stay monosemantic, partly); asymmetric " +
      "superposition motifs found",
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
    const mixed = mixedModels(sweep);
    const figures = [
      {
        name: "natural",
        caption: "n = 3, m = 6, dense: each bar is a neuron's input weights W₁[j, ·] after " +
          "footnote 15's rescaling (largest 1), and the heatmap below shows the same weights, " +
          "a row per feature and the neuron's column under its bar: every feature has a neuron " +
          "for its positive side (above the axis, blue) and one for its negative side (below, " +
          "red), |x| = ReLU(x) + ReLU(−x).",
        svg: natural
          ? neuronBarsFigure([neuronPanel(natural, 3)], { weightLabel: RESCALED_WEIGHT })
          : "",
      },
      {
        name: "neurons",
        caption: "n = 100, m = 40, I_i = 0.8^i, one model per density. Bars: each neuron's " +
          "input weights W₁[j, i] after footnote 15's rescaling (each neuron's largest |W₁[j, i]| " +
          "is 1), stacked by feature (negative below the axis) and coloured by the feature's " +
          "importance band, the neurons sorted by the importance of their largest feature; a " +
          "grey square marks a monosemantic neuron, a black one a polysemantic one. Heatmap: " +
          "the same weights, a row per feature (most important at the top) and each neuron's " +
          "column under its bar, so a monosemantic neuron is a single dark cell. Each row of " +
          "panels has its own value axis: the sparsest model's neurons stack many features and " +
          "are far taller. " + densestText(sweep[0]) +
          "Sparser, more neurons carry several features. " +
          (mixed.length === 0 ? "" : "Where both kinds coexist, the probability that a " +
            "monosemantic neuron's largest feature is more important than a polysemantic one's " +
            `is ${numbers(mixed.map(({ lead }) => lead), 2)} at 1−S = ${
              numbers(mixed.map(({ point }) => point.density), 2)
            } (½ would be no relation).`),
        svg: sweepFigure(sweep, n),
      },
      ...motifs.slice(0, 1).map(({ point, motif }) => ({
        name: "motif",
        caption: motifCaption(motif, point, motifs.length),
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
