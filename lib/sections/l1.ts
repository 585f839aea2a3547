/**
 * @module
 * `l1`: removing superposition with an L1 penalty on the hidden activations (paper.md §12: it
 * "kills features below a certain importance threshold", at a higher loss). The ReLU output model
 * of `basic` (n=20, m=5, I_i = 0.7^i) at 1−S = 0.1, where it superposes about nine features,
 * trained with the penalty λ·(1/B) Σ_b ‖h_b‖₁ on h = W x over a sweep of λ (one run per λ: the
 * penalty is the run's). Restarts are compared by their expected reconstruction loss.
 */
import { representedFeatures } from "../analysis/geometry.ts";
import { reluOutputExpectedLosses } from "../analysis/loss.ts";
import { featureNorms, superposition } from "../analysis/metrics.ts";
import {
  densitySweep,
  geometricImportance,
  logSpace,
  notebookRun,
  reluOutputModel,
  type RunSpec,
  weightMatrix,
} from "../engine/spec.ts";
import { sharedXCharts, type XyChartOptions } from "../figures/chart.ts";
import { stackFigures } from "../figures/compose.ts";
import { featureNormBarsFigure } from "../figures/norm_bars.ts";
import type { ContractExperiment, TableSpec } from "../io/tables.ts";
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
  trainedRun,
  valueList,
  verdict,
} from "./section.ts";

/** The l1 section's settings at a scale. */
export interface L1Settings extends SectionSettings, ScaleTraining {
  restarts: number;
  /** Penalties λ > 0: log-spaced from `from` to `to` (λ = 0 is trained too). */
  penalties: { from: number; to: number; count: number };
}

/** The model and data: `basic`'s n=20, m=5, I = 0.7^i, at a density where it superposes. */
export const L1_SETUP = { n: 20, m: 5, importanceRatio: 0.7, density: 0.1 } as const;

/** Largest Σ_{j≠i} (Ŵ_i·W_j)² of a represented feature that counts as not in superposition. */
const NO_SUPERPOSITION = 0.05;

/** `l1.csv`: the selected model at each penalty. */
export const L1_TABLE: TableSpec = {
  file: "l1.csv",
  row: "the selected model at one penalty λ",
  columns: [
    { name: "l1", doc: "λ of the penalty λ·(1/B)Σ_b ‖h_b‖₁ (added to the notebook's loss)" },
    { name: "represented", doc: "features with ‖W_i‖ > 0.5" },
    {
      name: "max_superposition",
      doc: "largest Σ_{j≠i} (Ŵ_i·W_j)² of a represented feature (0: no superposition)",
    },
    { name: "loss", doc: "expected reconstruction loss per sample / n, without the penalty" },
  ],
};

/** The penalties, 0 first then increasing. */
export function penalties(settings: L1Settings): number[] {
  const { from, to, count } = settings.penalties;
  return [0, ...logSpace(from, to, count)];
}

/** The run at penalty λ: `L1_SETUP`'s model, `restarts` seeds. */
export function l1Run(settings: L1Settings, l1: number, seed: number): RunSpec {
  const { n, m, importanceRatio, density } = L1_SETUP;
  const points = densitySweep(geometricImportance(importanceRatio, n), [density]);
  return notebookRun(reluOutputModel(n, m), points, { ...settings, seed, l1 });
}

/** The run's name at penalty index k. */
const runName = (k: number) => `l1_${k}`;

/** The selected model at each penalty: its features and reconstruction loss / n. */
function measure(settings: L1Settings, experiments: readonly ContractExperiment[]) {
  return penalties(settings).flatMap((l1, k) => {
    const { run, result, selected, loss } = experiments[k];
    const best = (selected ?? result.selected).indexOf(true);
    if (best < 0) return [];
    const { m, n } = run.model;
    const W = weightMatrix(run.model, result.params[best]);
    const represented = representedFeatures(W, m, n);
    const overlap = superposition(W, m, n);
    return [{
      l1,
      norms: featureNorms(W, m, n),
      overlap,
      represented,
      maxSuperposition: Math.max(0, ...represented.map((i) => overlap[i])),
      loss: loss![best],
    }];
  });
}

type Point = ReturnType<typeof measure>[number];

/**
 * The penalty from which superposition is gone: the smallest λ > 0 with a feature represented
 * from which on every model represents at most m features, each with Σ_{j≠i} (Ŵ_i·W_j)² below
 * {@link NO_SUPERPOSITION}; undefined when there is none.
 */
function removalOf(points: readonly Point[], m: number): Point | undefined {
  const clean = (point: Point) =>
    point.represented.length <= m && point.maxSuperposition < NO_SUPERPOSITION;
  return points.find((point, k) =>
    point.l1 > 0 && point.represented.length > 0 && points.slice(k).every(clean)
  );
}

/** The claims of §12 about the L1 penalty, measured. */
function l1Checks(points: readonly Point[], m: number): Check[] {
  if (points.length === 0) return [];
  const free = points[0];
  const removal = removalOf(points, m);
  const after = removal ? points.filter((point) => point.l1 >= removal.l1) : [];
  const counts = points.map((point) => point.represented.length);
  // Where the penalty has removed superposition: which features survive, and how many.
  const prefixes = after.every((point) => point.represented.every((feature, k) => feature === k));
  const survivors = after.map((point) => point.represented.length);
  return [
    {
      id: "superposition-without-penalty",
      figure: "l1",
      claim: "Without the penalty the model superposes: more features than dimensions.",
      requires: `at λ = 0, more than m = ${m} features represented (‖W_i‖ > 0.5)`,
      measured: `${free.represented.length} represented`,
      status: verdict(free.l1 === 0 && free.represented.length > m),
    },
    {
      id: "penalty-removes-superposition",
      figure: "l1",
      claim: "A large enough L1 penalty on the hidden activations removes superposition.",
      requires: `from some λ on, at most m = ${m} features represented (and at least one), ` +
        `each with Σ_{j≠i} (Ŵ_i·W_j)² < ${NO_SUPERPOSITION}`,
      measured: `represented at λ = 0, ${numbers(points.slice(1).map((p) => p.l1), 2)}: ${
        counts.join(", ")
      }; from λ = ${removal ? numbers([removal.l1], 2) : "—"}: largest Σ (Ŵ_i·W_j)² ${
        valueList(after.map((point) => point.maxSuperposition), 2)
      }`,
      status: verdict(removal !== undefined),
    },
    {
      id: "importance-threshold",
      figure: "l1",
      claim: "The penalty kills the features below an importance threshold, at a higher loss.",
      requires: "where superposition is gone, the represented features are the most " +
        "important ones (0 … k−1) and their number never rises with λ; the reconstruction " +
        "loss there exceeds the loss at λ = 0",
      measured: `the most important ones: ${prefixes ? "yes" : "no"}; loss at λ = 0 ${
        numbers([free.loss])
      }, at λ = ${removal ? numbers([removal.l1], 2) : "—"} ${
        removal ? numbers([removal.loss]) : "—"
      }`,
      status: verdict(
        prefixes && survivors.every((count, k) => k === 0 || count <= survivors[k - 1]) &&
          removal !== undefined && removal.loss > free.loss,
      ),
    },
  ];
}

/** Panels per row of the feature-norm bars. */
const BARS_PER_ROW = 6;

/**
 * Represented features and loss against λ on one x axis, and each model's feature norms (in rows
 * of {@link BARS_PER_ROW}).
 */
function l1Figure(points: readonly Point[], m: number): string {
  const swept = points.filter((point) => point.l1 > 0);
  const free = points[0];
  const lambdas = swept.map((point) => point.l1);
  const charts = sharedXCharts(([
    {
      xLabel: "L1 penalty λ",
      yLabel: "features represented",
      logX: true,
      height: 240,
      series: [{
        name: "represented",
        mark: "connected",
        points: swept.map((point) => ({ x: point.l1, y: point.represented.length })),
      }],
      rules: [
        { y: free.represented.length, label: `λ = 0: ${free.represented.length}` },
        { y: m, label: `m = ${m}` },
      ],
    },
    {
      xLabel: "L1 penalty λ",
      yLabel: "reconstruction loss / n",
      logX: true,
      logY: true,
      height: 240,
      series: [{
        name: "loss",
        mark: "connected",
        points: swept.map((point) => ({ x: point.l1, y: point.loss })),
      }],
      rules: [{ y: free.loss, label: "λ = 0" }],
    },
  ] satisfies XyChartOptions[]).map((chart) => ({ ...chart, xTicks: lambdas })));
  const panels = points.map((point) => ({
    title: `λ = ${point.l1 === 0 ? "0" : numbers([point.l1], 2)}`,
    norms: point.norms,
    superposition: point.overlap,
  }));
  const bars = featureNormBarsFigure(panels, { columns: BARS_PER_ROW });
  return stackFigures([
    { heading: "features represented and reconstruction loss against λ", svgs: charts },
    { heading: "‖Wᵢ‖ per feature (most important first), coloured by superposition", svgs: [bars] },
  ]);
}

/** The figure's caption: the setup, and where the penalty removes superposition. */
function l1Caption(points: readonly Point[], m: number): string {
  const removal = removalOf(points, m);
  const where = removal
    ? ` From λ = ${numbers([removal.l1], 2)} no feature is in superposition: ` +
      `${removal.represented.length} represented (features ${removal.represented.join(", ")}), at ${
        numbers([removal.loss / points[0].loss], 2)
      }× the loss at λ = 0.`
    : "";
  return `n = ${L1_SETUP.n}, m = ${m}, I_i = 0.7^i at 1−S = ${L1_SETUP.density}, the best ` +
    "restart at each penalty λ on ‖h‖₁ (a dot per λ trained): the features represented fall " +
    `from more than m to at most m, least important first, and the reconstruction loss rises.${where}`;
}

/** The L1 penalty as a section of the figure book. */
export const l1: Section<L1Settings> = {
  info: {
    name: "l1",
    paper: "§12",
    title: "Removing superposition with an L1 penalty on the hidden activations",
    summary: "n=20, m=5, I=0.7^i at 1−S = 0.1 over a sweep of the L1 coefficient: superposition " +
      "disappears, the least important features first, at a higher loss",
  },
  scales: {
    quick: {
      steps: 3000,
      restarts: 8,
      penalties: { from: 10 ** -3.25, to: 1e-1, count: 10 },
      ...SCALE_TRAINING.quick,
    },
    paper: {
      steps: 10_000,
      restarts: 16,
      penalties: { from: 1e-4, to: 1e-1, count: 13 },
      ...SCALE_TRAINING.paper,
    },
  },
  setting: (settings) => ({
    model: `n=${L1_SETUP.n}, m=${L1_SETUP.m}, 1−S = ${L1_SETUP.density}`,
    steps: settings.steps,
    restarts: settings.restarts,
    sweep: `${settings.penalties.count + 1} penalties λ = 0, ${
      numbers([settings.penalties.from], 2)
    } … ${numbers([settings.penalties.to], 2)}`,
  }),
  tables: [L1_TABLE],
  runs: (settings, seed): NamedRun[] =>
    penalties(settings).map((penalty, k) => ({
      name: runName(k),
      run: l1Run(settings, penalty, seed),
    })),
  analyse(settings, trained) {
    const experiments = range(penalties(settings).length).map((k) => {
      const run = trainedRun(trained, runName(k));
      return scoredExperiment(runName(k), run, reluOutputExpectedLosses(run.run, run.result));
    });
    const points = measure(settings, experiments);
    const { m } = L1_SETUP;
    return {
      experiments,
      tables: {
        [L1_TABLE.file]: points.map((point) => ({
          l1: point.l1,
          represented: point.represented.length,
          max_superposition: point.maxSuperposition,
          loss: point.loss,
        })),
      },
      figures: [{
        name: "l1",
        caption: l1Caption(points, m),
        svg: l1Figure(points, m),
      }],
      checks: l1Checks(points, m),
    };
  },
};
