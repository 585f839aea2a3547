/**
 * @module
 * `intro`: the paper's opening figure (paper.md §2). Five features of importance I_i = 0.9^i in
 * m = 2 dimensions, ReLU-output model x' = ReLU(WᵀW x + b), trained at ten densities
 * p = 20^−t for t = linspace(0, 1, 10) (p = 1 … 0.05), best-of-k restarts. Dense: the two most
 * important features get orthogonal dimensions; sparser: antipodal pairs, then a pentagon.
 */
import {
  angleGaps,
  canonicalDirections,
  featureCosine,
  representedFeatures,
} from "../analysis/geometry.ts";
import { featureDimensionality, featureNorms, gram } from "../analysis/metrics.ts";
import { selectedInstances } from "../engine/result.ts";
import {
  biasVector,
  densitySweep,
  geometricImportance,
  notebookRun,
  powerSweep,
  reluOutputModel,
  type RunSpec,
  weightMatrix,
} from "../engine/spec.ts";
import { featureDirectionsFigure } from "../figures/directions.ts";
import { densityLabel } from "../figures/svg.ts";
import {
  type Check,
  numbers,
  range,
  SCALE_TRAINING,
  type ScaleTraining,
  type Section,
  type SectionSettings,
  sweepText,
  trainedRun,
  type TrainedRuns,
  verdict,
} from "./section.ts";

/** Features n and hidden dimensions m of the opening figure. */
export const INTRO_N = 5;
export const INTRO_M = 2;

/** Importance I_i = 0.9^i, i = 0 … 4 (1 down to 0.656). */
export const INTRO_IMPORTANCE = geometricImportance(0.9, INTRO_N);

/** The intro's settings at a scale. */
export interface IntroSettings extends SectionSettings, ScaleTraining {
  /** Best-of-k restarts per density. */
  restarts: number;
  /** Densities p = 1 − S, one configuration each. */
  densities: readonly number[];
  /** Importance I_i of the five features. */
  importance: readonly number[];
}

/**
 * The opening figure's run: ReLU-output model n = 5, m = 2, one configuration per density with
 * importance I; see {@link notebookRun}.
 */
export function introRun(settings: IntroSettings, seed: number): RunSpec {
  const n = settings.importance.length;
  const points = densitySweep(settings.importance, settings.densities);
  return notebookRun(reluOutputModel(n, INTRO_M), points, { ...settings, seed });
}

/** The selected model at each density: its W, norms, D_i and density. */
function selectedModels(trained: TrainedRuns) {
  const { run, result } = trainedRun(trained, "intro");
  const { m, n } = run.model;
  return selectedInstances(run, result.selected).flatMap((k) => {
    if (k < 0) return [];
    const W = weightMatrix(run.model, result.params[k]);
    return [{
      k,
      density: run.instances[k].density[0],
      importance: run.instances[k].importance,
      W,
      bias: Array.from(biasVector(run.model, result.params[k])),
      norms: featureNorms(W, m, n),
      dimensionality: featureDimensionality(W, m, n),
      represented: representedFeatures(W, m, n),
    }];
  });
}

type IntroModel = ReturnType<typeof selectedModels>[number];

/** The selected model whose density is nearest `p` (on a log scale). */
function nearest(models: readonly IntroModel[], p: number): IntroModel {
  const distance = (model: IntroModel) => Math.abs(Math.log(model.density / p));
  return models.reduce((best, model) => distance(model) < distance(best) ? model : best);
}

/** The claims of §2 about the opening figure, measured on the selected models. */
function introChecks(models: readonly IntroModel[]): Check[] {
  if (models.length === 0) return []; // every instance diverged: `training` says so
  const n = INTRO_N;
  const dense = nearest(models, 1);
  const denseCos = featureCosine(dense.W, INTRO_M, n, 0, 1);
  const pairs = nearest(models, 0.2);
  const partnerCos = range(4).map((i) =>
    Math.min(...range(n).filter((j) => j !== i).map((j) => featureCosine(pairs.W, 2, n, i, j)))
  );
  const pentagon = nearest(models, 0.1);
  const gaps = pentagon.represented.length === n ? angleGaps(pentagon.W, n, range(n)) : [];
  const label = (model: IntroModel) => `1−S = ${Number(model.density.toPrecision(3))}`;
  return [
    {
      id: "dense",
      figure: "intro",
      claim: "Dense features: the two most important get orthogonal dimensions, " +
        "the other three are not embedded.",
      requires: "‖W_0‖, ‖W_1‖ > 0.5 with |cos| < 0.1; ‖W_2‖, ‖W_3‖, ‖W_4‖ < 0.5",
      measured: `${label(dense)}: ‖W_i‖ = ${numbers(dense.norms, 2)}; cos(W_0, W_1) = ${
        numbers([denseCos], 2)
      }`,
      status: verdict(dense.represented.join() === "0,1" && Math.abs(denseCos) < 0.1),
    },
    {
      id: "antipodal-pairs",
      figure: "intro",
      claim: "At 80% sparsity the four most important features form two antipodal pairs " +
        "and the least important is not embedded.",
      requires: "features 0–3 represented, each with a partner at cos < −0.95; ‖W_4‖ < 0.5",
      measured: `${label(pairs)}: ‖W_i‖ = ${numbers(pairs.norms, 2)}; most negative cos of ` +
        `features 0–3 = ${numbers(partnerCos, 3)}`,
      status: verdict(
        pairs.represented.join() === "0,1,2,3" && partnerCos.every((cos) => cos < -0.95),
      ),
    },
    {
      id: "pentagon",
      figure: "intro",
      claim: "At 90% sparsity all five features are embedded, as a pentagon.",
      requires: "all ‖W_i‖ > 0.5, D_i within 0.05 of 2/5, adjacent angles 72° ± 10°",
      measured: `${label(pentagon)}: ‖W_i‖ = ${numbers(pentagon.norms, 2)}; D_i = ${
        numbers(pentagon.dimensionality, 2)
      }; angles ${gaps.length ? numbers(gaps, 3) + "°" : "—"}`,
      status: verdict(
        gaps.length === n &&
          pentagon.dimensionality.every((d) => Math.abs(d - 0.4) <= 0.05) &&
          gaps.every((gap) => Math.abs(gap - 72) <= 10),
      ),
    },
  ];
}

/** Panels per row of the opening figure: two rows of five densities. */
const INTRO_COLUMNS = 5;

/**
 * The opening figure: for each density, the selected instance's W_i ∈ R² coloured by I_i,
 * rotated so that W_0 points right and reflected so that the next feature off that axis is
 * above it, with WᵀW and b under it.
 */
function introFigure(models: readonly IntroModel[]): string {
  const n = INTRO_N;
  return featureDirectionsFigure(
    models.map((model) => {
      const flat = gram(model.W, INTRO_M, n);
      return {
        title: densityLabel(model.density),
        directions: canonicalDirections(model.W, n),
        shade: model.importance,
        gram: {
          gram: range(n).map((i) => flat.slice(i * n, (i + 1) * n)),
          bias: model.bias,
        },
      };
    }),
    "importance Iᵢ",
    { columns: INTRO_COLUMNS },
  );
}

/** The paper's opening figure as a section of the figure book. */
export const intro: Section<IntroSettings> = {
  info: {
    name: "intro",
    paper: "§2",
    title: "Introduction: the opening figure",
    summary: "n=5, m=2, I=0.9^i, ReLU output: feature directions across ten densities",
  },
  scales: {
    quick: {
      steps: 3000,
      restarts: 4,
      densities: powerSweep(20, 10),
      importance: INTRO_IMPORTANCE,
      ...SCALE_TRAINING.quick,
    },
    paper: {
      steps: 10_000,
      restarts: 10,
      densities: powerSweep(20, 10),
      importance: INTRO_IMPORTANCE,
      ...SCALE_TRAINING.paper,
    },
  },
  setting: (settings) => ({
    model: `n=${settings.importance.length}, m=${INTRO_M}`,
    steps: settings.steps,
    restarts: settings.restarts,
    sweep: sweepText("densities", settings.densities),
  }),
  tables: [],
  runs: (settings, seed) => [{ name: "intro", run: introRun(settings, seed) }],
  analyse(_settings, trained) {
    const { run, result } = trainedRun(trained, "intro");
    const models = selectedModels(trained);
    return {
      experiments: [{ experiment: "intro", run, result }],
      tables: {},
      figures: [{
        name: "intro",
        caption: "One panel per density 1−S, densest first, in two rows: the selected model's " +
          "five feature directions W_i in the 2-D hidden space, darker for more important " +
          "features, rotated so that W_0 points right (and reflected so that the next feature " +
          "is above it; the loss does not change under either), and under them WᵀW (entry i, j " +
          "= W_i·W_j) with the bias b beside it. Dense: W_0 and W_1 orthogonal, the others " +
          "absent; sparser: antipodal pairs (−1 off the diagonal), then a pentagon with positive " +
          "and negative interference and negative biases.",
        svg: introFigure(models),
      }],
      checks: introChecks(models),
    };
  },
};
