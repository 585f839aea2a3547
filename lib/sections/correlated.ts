/**
 * @module
 * `correlated`: correlated and anticorrelated features (paper.md §7.2). The ReLU output model with
 * importance 1, on data whose features come in sets: a correlated set is zero or active together
 * (one draw decides), an anticorrelated set has at most one member active (the paper's
 * convention). Four experiments, at ARENA's densities where the paper gives none:
 * - two correlated pairs in m = 2: partners orthogonal, antipodal to the other set;
 * - two anticorrelated pairs in m = 2: partners antipodal;
 * - three correlated pairs in m = 2: partners side by side when sparse, then collapsing onto their
 *   principal component (a + b)/√2, one set after another, as density rises;
 * - two sets of ten correlated features in m = 10: a local almost-orthogonal basis per set.
 * Best-of-k restarts are compared by their expected loss on each experiment's data
 * (`reluOutputExpectedLosses`: exact over which sets are active, up to two at once).
 */
import { canonicalDirections, featureCosine, representedFeatures } from "../analysis/geometry.ts";
import { reluOutputExpectedLosses } from "../analysis/loss.ts";
import { selectedInstances } from "../engine/result.ts";
import {
  type Correlation,
  type DataSpec,
  densitySweep,
  notebookRun,
  powerSweep,
  reluOutputModel,
  type RunSpec,
  weightMatrix,
} from "../engine/spec.ts";
import { stackFigures } from "../figures/compose.ts";
import { featureDirectionsFigure } from "../figures/directions.ts";
import { gramHeatmapFigure } from "../figures/heatmap.ts";
import { densityLabel } from "../figures/svg.ts";
import type { ContractExperiment } from "../io/tables.ts";
import {
  type Check,
  type NamedRun,
  numbers,
  range,
  SCALE_TRAINING,
  type ScaleTraining,
  scoredExperiment,
  type Section,
  type SectionSettings,
  type Trained,
  trainedRun,
  type TrainedRuns,
  verdict,
} from "./section.ts";

/** One experiment: its sets, its shape, and its densities base^−linspace(from, to, count). */
export interface CorrelatedExperiment {
  name: string;
  heading: string;
  correlation: Correlation;
  n: number;
  m: number;
  setSize: number;
  densities: { base: number; from: number; to: number; count: number };
}

/** The four experiments of §7.2. */
export const EXPERIMENTS: readonly CorrelatedExperiment[] = [
  {
    name: "correlated_pairs",
    heading: "two correlated pairs, m = 2",
    correlation: "correlated",
    n: 4,
    m: 2,
    setSize: 2,
    densities: { base: 400, from: 0.5, to: 1, count: 5 },
  },
  {
    name: "anticorrelated_pairs",
    heading: "two anticorrelated pairs, m = 2",
    correlation: "anticorrelated",
    n: 4,
    m: 2,
    setSize: 2,
    densities: { base: 10, from: 0.5, to: 1, count: 5 },
  },
  {
    name: "three_pairs",
    heading: "three correlated pairs, m = 2: collapsed when dense, side by side when sparse",
    correlation: "correlated",
    n: 6,
    m: 2,
    setSize: 2,
    densities: { base: 100, from: 0.15, to: 1, count: 9 },
  },
  {
    name: "local_bases",
    heading: "two sets of ten correlated features, m = 10: cos(W_i, W_j)",
    correlation: "correlated",
    n: 20,
    m: 10,
    setSize: 10,
    densities: { base: 100, from: 0.5, to: 1, count: 4 },
  },
];

/** The correlated section's settings at a scale. */
export interface CorrelatedSettings extends SectionSettings, ScaleTraining {
  restarts: number;
}

/** The densities of an experiment, dense first. */
export function experimentDensities(experiment: CorrelatedExperiment): number[] {
  const { base, from, to, count } = experiment.densities;
  return powerSweep(base, count, from, to);
}

/** An experiment's run: importance 1, one configuration per density, its sets' data. */
export function correlatedRun(
  experiment: CorrelatedExperiment,
  settings: CorrelatedSettings,
  seed: number,
): RunSpec {
  const { n, m, correlation, setSize } = experiment;
  const data: DataSpec = { correlation, setSize, values: "unit", datasetSize: 0, normalize: false };
  const points = densitySweep(Array<number>(n).fill(1), experimentDensities(experiment));
  return notebookRun(reluOutputModel(n, m), points, { ...settings, seed, data });
}

/** A trained experiment with its restarts scored by expected loss and the best of each selected. */
function scored(name: string, trained: Trained): ContractExperiment {
  return scoredExperiment(name, trained, reluOutputExpectedLosses(trained.run, trained.result));
}

/** The selected model of each density of an experiment: its W and the cosines of its features. */
function selectedModels(
  { run, result, selected }: ContractExperiment,
  experiment: CorrelatedExperiment,
) {
  const { m, n } = run.model;
  return selectedInstances(run, selected ?? result.selected).flatMap((k) => {
    if (k < 0) return [];
    const W = weightMatrix(run.model, result.params[k]);
    const cosine = (i: number, j: number) => featureCosine(W, m, n, i, j);
    const set = (i: number) => Math.floor(i / experiment.setSize);
    const partners = (i: number) => range(n).filter((j) => j !== i && set(j) === set(i));
    return [{
      density: run.instances[k].density[0],
      W,
      represented: representedFeatures(W, m, n).length,
      cosine,
      set,
      partners,
    }];
  });
}

type Model = ReturnType<typeof selectedModels>[number];

/** Correlated sets (partner cosine > 0.9) that have collapsed onto one direction. */
function collapsedSets(model: Model, n: number): number {
  return range(n / 2).filter((s) => model.cosine(2 * s, 2 * s + 1) > 0.9).length;
}

/** The claims of §7.2, measured on the selected models of each experiment. */
function correlatedChecks(models: Record<string, Model[]>): Check[] {
  const [pairs, anti, three, bases] = EXPERIMENTS.map((experiment) => models[experiment.name]);
  if ([pairs, anti, three, bases].some((list) => list.length === 0)) return [];
  // Correlated pairs: partners orthogonal, each feature antipodal to one of the other set.
  const pairStats = pairs.map((model) => ({
    partner: Math.max(...range(4).map((i) => Math.abs(model.cosine(i, i ^ 1)))),
    crossAntipodal: range(4).every((i) =>
      range(4).some((j) => model.set(j) !== model.set(i) && model.cosine(i, j) < -0.9)
    ),
    represented: model.represented,
  }));
  const antiCos = anti.map((model) => Math.max(model.cosine(0, 1), model.cosine(2, 3)));
  // Three pairs, sparse: no set collapsed, and each partner among its feature's two nearest.
  const sparseThree = three.filter((model) => model.density <= 0.05);
  const sideBySide = sparseThree.map((model) =>
    model.represented === 6 && collapsedSets(model, 6) === 0 &&
    range(6).every((i) => {
      const others = range(6).filter((j) => j !== i).sort((a, b) =>
        model.cosine(i, b) - model.cosine(i, a)
      );
      return others.slice(0, 2).includes(i ^ 1);
    })
  );
  const collapsed = three.map((model) => collapsedSets(model, 6)); // dense first
  // Local bases: mean |cos| within a set, and each feature's interference with the other set,
  // Σ_{j ∉ set(i)} cos²(W_i, W_j): exactly 1 when the other set is an orthonormal basis of R^m.
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const withinCosine = (model: Model) =>
    mean(
      range(20).flatMap((i) =>
        model.partners(i).filter((j) => j > i).map((j) => Math.abs(model.cosine(i, j)))
      ),
    );
  const acrossInterference = (model: Model) =>
    mean(
      range(20).map((i) =>
        range(20).filter((j) => model.set(j) !== model.set(i))
          .reduce((sum, j) => sum + model.cosine(i, j) ** 2, 0)
      ),
    );
  const sparseBases = bases.filter((model) => model.density <= 0.05);
  const within = sparseBases.map(withinCosine);
  const across = sparseBases.map(acrossInterference);
  return [
    {
      id: "correlated-orthogonal",
      figure: "correlated",
      claim: "Models prefer to represent correlated features in orthogonal dimensions; the " +
        "antipodal partners come from the other set.",
      requires: "at every density: 4 features represented, |cos| of partners < 0.1, every " +
        "feature at cos < −0.9 with one of the other set",
      measured: `max |cos| of partners at 1−S = ${numbers(pairs.map((m) => m.density))}: ${
        numbers(pairStats.map((s) => s.partner), 2)
      }; antipodal across sets: ${
        pairStats.map((s) => s.crossAntipodal ? "yes" : "no").join(", ")
      }`,
      status: verdict(
        pairStats.every((s) => s.represented === 4 && s.partner < 0.1 && s.crossAntipodal),
      ),
    },
    {
      id: "anticorrelated-antipodal",
      figure: "correlated",
      claim: "Anticorrelated features are represented in opposite directions (antipodal).",
      requires: "at every density, cos of each anticorrelated pair < −0.9",
      measured: `largest partner cos at 1−S = ${numbers(anti.map((m) => m.density))}: ${
        numbers(antiCos, 3)
      }`,
      status: verdict(antiCos.every((cos) => cos < -0.9)),
    },
    {
      id: "side-by-side",
      figure: "correlated",
      claim: "Three correlated pairs in two dimensions sit side by side: each feature's partner " +
        "is its neighbour.",
      requires: "at 1−S ≤ 0.05: all six represented, no pair collapsed, each partner among its " +
        "feature's two nearest directions",
      measured: `at 1−S = ${numbers(sparseThree.map((m) => m.density))}: ${
        sideBySide.map((ok) => ok ? "side by side" : "not").join(", ")
      }`,
      status: verdict(sparseThree.length > 0 && sideBySide.every(Boolean)),
    },
    {
      id: "collapse",
      figure: "correlated",
      claim: "As density rises, correlated pairs collapse onto their principal component, one " +
        "set after another.",
      requires: "collapsed pairs (partner cos > 0.9) never fewer as density rises: 0 at the " +
        "sparsest, all 3 at the densest",
      measured: `collapsed pairs at 1−S = ${numbers(three.map((m) => m.density))}: ${
        collapsed.join(", ")
      }`,
      status: verdict(
        collapsed[0] === 3 && collapsed.at(-1) === 0 &&
          collapsed.every((count, k) => k === 0 || count <= collapsed[k - 1]),
      ),
    },
    {
      id: "local-bases",
      figure: "correlated_bases",
      claim: "Two sets of correlated features form local almost-orthogonal bases, interfering " +
        "with each other instead.",
      requires: "at 1−S ≤ 0.05: all 20 represented, mean |cos| within a set < 0.05, and each " +
        "feature's interference with the other set Σⱼ cos²(Wᵢ, Wⱼ) > 0.8 on average (1 when " +
        "each set is an orthonormal basis of the 10 dimensions)",
      measured: `at 1−S = ${numbers(sparseBases.map((m) => m.density))}: represented ${
        sparseBases.map((m) => m.represented).join(", ")
      }; mean |cos| within ${numbers(within, 2)}; interference with the other set ${
        numbers(across, 3)
      }`,
      status: verdict(
        sparseBases.length > 0 && sparseBases.every((m) => m.represented === 20) &&
          within.every((value) => value < 0.05) && across.every((value) => value > 0.8),
      ),
    },
  ];
}

/** Panels per row of the 2-D experiments, so that the figure reads at a report's width. */
const PLANAR_COLUMNS = 5;

/** The figures: directions of the 2-D experiments, canonically oriented; the bases' cosines. */
function correlatedFigures(models: Record<string, Model[]>) {
  const planar = EXPERIMENTS.filter((experiment) => experiment.m === 2).map((experiment) => ({
    heading: experiment.heading,
    svgs: [featureDirectionsFigure(
      models[experiment.name].map((model) => ({
        title: densityLabel(model.density),
        directions: canonicalDirections(model.W, experiment.n),
        shade: range(experiment.n).map(model.set),
      })),
      range(experiment.n / experiment.setSize).map((set) => `set ${set + 1}`),
      { columns: PLANAR_COLUMNS },
    )],
  }));
  const { n, setSize } = EXPERIMENTS.find((experiment) => experiment.name === "local_bases")!;
  const bases = models.local_bases.map((model) => ({
    title: densityLabel(model.density),
    gram: range(n).map((i) => range(n).map((j) => model.cosine(i, j))),
  }));
  // A line where each set after the first starts.
  const sets = range(n / setSize).slice(1).map((set) => set * setSize);
  return {
    planar: stackFigures(planar),
    bases: gramHeatmapFigure(bases, "cos(Wᵢ, Wⱼ)", { separators: sets }),
  };
}

/** Correlated and anticorrelated features as a section of the figure book. */
export const correlated: Section<CorrelatedSettings> = {
  info: {
    name: "correlated",
    paper: "§7.2",
    title: "Correlated and anticorrelated features",
    summary: "correlated and anticorrelated pairs in 2-D, three pairs collapsing as density " +
      "rises, and two sets of ten correlated features in m=10",
  },
  scales: {
    quick: { steps: 3000, restarts: 16, ...SCALE_TRAINING.quick },
    paper: { steps: 10_000, restarts: 10, ...SCALE_TRAINING.paper },
  },
  setting: (settings) => ({
    model: [...new Set(EXPERIMENTS.map(({ n, m }) => `n=${n}, m=${m}`))].join("; "),
    steps: settings.steps,
    restarts: settings.restarts,
    sweep: `${EXPERIMENTS.length} experiments, ${
      EXPERIMENTS.map((experiment) => experiment.densities.count).join(", ")
    } densities`,
  }),
  tables: [],
  runs: (settings, seed): NamedRun[] =>
    EXPERIMENTS.map((experiment) => ({
      name: experiment.name,
      run: correlatedRun(experiment, settings, seed),
    })),
  analyse(_settings, trained: TrainedRuns) {
    const experiments = EXPERIMENTS.map((experiment) =>
      scored(experiment.name, trainedRun(trained, experiment.name))
    );
    const models = Object.fromEntries(
      EXPERIMENTS.map((
        experiment,
        k,
      ) => [experiment.name, selectedModels(experiments[k], experiment)]),
    );
    const figures = correlatedFigures(models);
    return {
      experiments,
      tables: {},
      figures: [
        {
          name: "correlated",
          caption: "Feature directions W_i of the selected model at each density, rotated so " +
            "that W_0 points right and reflected so that W_1 is above it; colour by set (the " +
            "partners of a set share it), five panels a row. In the three pairs (densest first), " +
            "a collapsed pair is a single line: both partners on their principal component.",
          svg: figures.planar,
        },
        {
          name: "correlated_bases",
          caption: "cos(W_i, W_j) (row i, column j) for two sets of ten correlated features in " +
            "m = 10, features 0–9 and 10–19, the black lines between the sets: near 0 within a " +
            "set (a local orthogonal basis), not across sets.",
          svg: figures.bases,
        },
      ],
      checks: correlatedChecks(models),
    };
  },
};
