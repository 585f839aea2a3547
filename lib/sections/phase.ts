/**
 * @module
 * `phase`: superposition as a phase change (paper.md §5). The ReLU-output model
 * x' = ReLU(WᵀWx + b) with n = 2, m = 1 and with n = 3, m = 2; the regular features have
 * importance 1 and the extra (last) feature importance r, all features density p. Over a log grid
 * of r ∈ [0.1, 10] × p ∈ [1, 0.01], the extra feature is classified (lib/analysis/phase.ts) as not learned,
 * in superposition, or dedicated, and compared with the closed-form "toy model of the toy model"
 * (lib/analysis/theory.ts, §5.2). All points of one (n, m) diagram are instances of one run.
 *
 * Aggregation per grid point: `restarts` instances per point (10 at paper scale), each scored by
 * its expected loss (`stratifiedReluOutputLoss`: exact over how many and which features are
 * active), because at low density the trainer's final batch loss is mostly
 * noise: what separates the candidate solutions there is two features active at once (probability
 * p² = 10⁻⁴ at p = 0.01, a few events in the final-loss window). `phase` is the extra feature's
 * phase in the lowest-loss restart (best-of-k), since the theory describes the optimum. The
 * paper's own aggregation ("ten models for each point … average over the results, discarding the
 * model with the highest loss") is computed too, as the majority phase of the kept restarts
 * (`aggregatePhase`), and drawn as a middle panel: at high sparsity a sizeable share
 * of restarts whose two features start with the same sign stall in the "confused" local minimum
 * (W ≈ [1.08, 0.32], negative bias; §5.3) instead of the antipodal pair, so the majority is
 * noisier than best-of-k. The contract CSVs carry the same expected loss (divided by n, the
 * notebook's normalisation) and mark the same restart `selected`.
 *
 * Writes, beside the contract's tables (experiments `n2m1` and `n3m2`), `phase.csv` (one row per
 * grid point, both losses per sample in the paper's normalisation E Σ_i I_i (x_i − x'_i)², the
 * trainer's being this / n) and, per (n, m), `phase_n2m1.svg` / `phase_n3m2.svg`: the empirical
 * diagram (best-of-k), the paper's majority of the kept restarts, and the theory, side by side,
 * with the theory's boundaries drawn on each and the agreement with the theory in the titles.
 */
import { aggregatePhase, type ExtraFeaturePhase, featureFate } from "../analysis/phase.ts";
import { reluOutputExpectedLosses } from "../analysis/loss.ts";
import { superpositionBoundary, theoreticalPhase } from "../analysis/theory.ts";
import type { TrainResult } from "../engine/result.ts";
import {
  logSpace,
  notebookRun,
  reluOutputModel,
  type RunSpec,
  type SweepTraining,
  weightMatrix,
} from "../engine/spec.ts";
import { phaseDiagramFigure, type PhasePanel, type PhasePoint } from "../figures/phase.ts";
import { DENSITY_COLUMN, type TableSpec } from "../io/tables.ts";
import {
  type Check,
  type Figure,
  SCALE_TRAINING,
  type ScaleTraining,
  scoredExperiment,
  type Section,
  type SectionSettings,
  trainedRun,
  verdict,
} from "./section.ts";

/** The two diagrams of §5: (n, m) and the `experiment` name. */
export const PHASE_SHAPES = [
  { n: 2, m: 1, experiment: "n2m1" },
  { n: 3, m: 2, experiment: "n3m2" },
] as const;

/** Relative importances r of the extra feature: log-spaced 0.1 … 10 (the paper's x axis). */
export function phaseRatios(count: number): number[] {
  return logSpace(0.1, 10, count);
}

/** Densities p = 1 − S: log-spaced 1 … 0.01 (the paper's y axis, dense at the top). */
export function phaseDensities(count: number): number[] {
  return logSpace(1, 0.01, count);
}

/** Options of {@link phaseRun}: the shape, the grid, and the training. */
export interface PhaseRunOptions extends SweepTraining {
  n: number;
  m: number;
  /** Relative importances r (the grid's columns). */
  ratios: readonly number[];
  /** Densities p (the grid's rows). */
  densities: readonly number[];
}

/**
 * One (n, m) phase diagram as one run: ReLU-output model, one configuration per grid point
 * (row-major: config = row·|ratios| + column, row = density, column = ratio) with importance
 * [1, …, 1, r] and density p for every feature; see {@link notebookRun}.
 */
export function phaseRun(options: PhaseRunOptions): RunSpec {
  const { n, m } = options;
  const points = options.densities.flatMap((p) =>
    options.ratios.map((r) => ({
      importance: Array.from({ length: n }, (_, i) => i === n - 1 ? r : 1),
      density: Array<number>(n).fill(p),
    }))
  );
  return notebookRun(reluOutputModel(n, m), points, options);
}

/** One point of a phase diagram, empirical and theoretical. */
export interface PhaseCell {
  n: number;
  m: number;
  importance_ratio: number;
  density: number;
  /** The extra feature's phase in the lowest-loss restart (best-of-k). */
  phase: ExtraFeaturePhase;
  /** The majority phase of the restarts kept after discarding the highest-loss one (the paper's). */
  majority_phase: ExtraFeaturePhase;
  theory_phase: ExtraFeaturePhase;
  /** The best restart's expected loss, per sample (paper normalisation; the notebook's × n). */
  loss: number;
  /** The theoretical optimum's loss, per sample (paper normalisation). */
  theory_loss: number;
}

/** `phase.csv`: one row per grid point and (n, m). */
export const PHASE_TABLE: TableSpec = {
  file: "phase.csv",
  row: "one point of a phase diagram",
  columns: [
    { name: "n", doc: "features (the last one is the extra feature)" },
    { name: "m", doc: "hidden dimensions" },
    { name: "importance_ratio", doc: "r: the extra feature's importance relative to the others'" },
    DENSITY_COLUMN,
    {
      name: "phase",
      doc: "the extra feature in the best restart: `not_learned`, `superposition` or `dedicated`",
    },
    { name: "theory_phase", doc: "the same in the closed-form optimum (§5.2)" },
    { name: "loss", doc: "the best restart's expected loss, per sample (paper normalisation)" },
    { name: "theory_loss", doc: "the closed-form optimum's loss, per sample" },
  ],
};

/**
 * The grid of a trained {@link phaseRun}, row-major (density rows, ratio columns): per point, the
 * extra feature's phase over its restarts scored by `losses` ({@link aggregatePhase}: best-of-k
 * and the majority of the kept ones) and the theory's phase and loss.
 */
export function phaseCells(
  run: RunSpec,
  result: TrainResult,
  losses: readonly number[],
  ratios: readonly number[],
  densities: readonly number[],
): PhaseCell[] {
  const { n, m } = run.model;
  const outcomes = densities.flatMap(() =>
    ratios.map(() => [] as { phase: ExtraFeaturePhase; loss: number }[])
  );
  run.instances.forEach((instance, k) => {
    const W = weightMatrix(run.model, result.params[k]);
    outcomes[instance.config].push({ phase: featureFate(W, m, n).phase, loss: losses[k] });
  });
  return outcomes.map((restarts, config) => {
    const r = ratios[config % ratios.length];
    const p = densities[Math.floor(config / ratios.length)];
    const empirical = aggregatePhase(restarts);
    const theory = theoreticalPhase(n, m, r, p);
    return {
      n,
      m,
      importance_ratio: r,
      density: p,
      phase: empirical.bestPhase,
      majority_phase: empirical.phase,
      theory_phase: theory.phase,
      loss: empirical.bestLoss,
      theory_loss: theory.loss,
    };
  });
}

/** The fraction of cells whose empirical phase (`phase`, or `majority_phase`) matches the theory's. */
export function agreement(
  cells: readonly PhaseCell[],
  key: "phase" | "majority_phase" = "phase",
): number {
  return cells.filter((cell) => cell[key] === cell.theory_phase).length / cells.length;
}

/**
 * The theory's boundaries of the extra feature's phase over r ∈ [0.1, 10], p ∈ [0.01, 1]:
 * n=2, m=1: p = 4r/(2 + 5r) (r ≤ 1) and 4/(5 + 2r) (r ≥ 1), and r = 1 above the triple point
 * p = 4/7; n=3, m=2: p = 4r/(2 + 5r) (r ≤ 1) and r = 1 at every density.
 */
export function theoryBoundaries(n: number, m: number): PhasePoint[][] {
  const curve = (from: number, to: number) =>
    logSpace(from, to, 41).map((r) => ({ r, p: superpositionBoundary(n, m, r) }));
  if (n === 2) {
    return [[...curve(0.1, 1), ...curve(1, 10).slice(1)], [{ r: 1, p: 4 / 7 }, { r: 1, p: 1 }]];
  }
  return [curve(0.1, 1), [{ r: 1, p: 0.01 }, { r: 1, p: 1 }]];
}

/** "83/100 (83.0%)": how many cells' phase (`key`) matches the theory's. */
function agreementText(cells: readonly PhaseCell[], key: "phase" | "majority_phase"): string {
  const matching = cells.filter((cell) => cell[key] === cell.theory_phase).length;
  return `${matching}/${cells.length} (${(100 * matching / cells.length).toFixed(1)}%)`;
}

/**
 * The panels of one (n, m): empirical best of the k = `restarts` restarts, the paper's majority
 * of the k − 1 kept, and the theory, with the theory's boundaries on each and the agreements in
 * the titles.
 */
export function phasePanels(
  cells: readonly PhaseCell[],
  ratios: readonly number[],
  densities: readonly number[],
  restarts: number,
): PhasePanel[] {
  const { n, m } = cells[0];
  const grid = (key: "phase" | "majority_phase" | "theory_phase") =>
    densities.map((_, row) => ratios.map((_, column) => cells[row * ratios.length + column][key]));
  const boundaries = theoryBoundaries(n, m);
  const percent = (key: "phase" | "majority_phase") => Math.round(100 * agreement(cells, key));
  const panel = (title: string, phases: ExtraFeaturePhase[][]) => ({
    title,
    importance: ratios,
    density: densities,
    phases,
    boundaries,
  });
  return [
    panel(`best of ${restarts} restarts: ${percent("phase")}% agree`, grid("phase")),
    panel(
      `majority of ${restarts - 1} kept: ${percent("majority_phase")}% agree`,
      grid("majority_phase"),
    ),
    panel("theory (§5.2)", grid("theory_phase")),
  ];
}

/** The phase section's settings at a scale. */
export interface PhaseSettings extends SectionSettings, ScaleTraining {
  /** Grid points per axis; even counts keep r = 1 (a tie in the theory) off the grid. */
  grid: number;
  /** Restarts per grid point (the paper's aggregation discards the worst). */
  restarts: number;
}

/** Agreement with the theory that a diagram must reach (quick scale measures 96–97%). */
const AGREEMENT = 0.9;

/** The claims of §5 about one diagram, measured on its grid of `restarts` restarts a point. */
function phaseChecks(cells: readonly PhaseCell[], figure: string, restarts: number): Check[] {
  const { n, m } = cells[0];
  const near = cells.filter((cell) => cell.loss <= 1.1 * cell.theory_loss).length;
  return [
    {
      id: `${figure}-agreement`,
      figure,
      claim: `n=${n}, m=${m}: whether the extra feature is ignored, in superposition or ` +
        "dedicated follows the closed-form phase diagram of §5.2.",
      requires: `the best restart's phase equals the theory's at ≥ ${100 * AGREEMENT}% of grid ` +
        "points",
      measured: `${agreementText(cells, "phase")} best of ${restarts} restarts; ${
        agreementText(cells, "majority_phase")
      } majority of the ${restarts - 1} kept (the paper's aggregation)`,
      status: verdict(agreement(cells, "phase") >= AGREEMENT),
    },
    {
      id: `${figure}-optimum`,
      figure,
      claim: `n=${n}, m=${m}: training reaches the loss of the theory's optimal geometry.`,
      requires: `the best restart's expected loss ≤ 1.1 × the theory's at ≥ ${
        100 * AGREEMENT
      }% of grid points`,
      measured: `${near}/${cells.length} grid points within 1.1×`,
      status: verdict(near >= AGREEMENT * cells.length),
    },
  ];
}

/** The paper's phase-change diagrams as a section of the figure book. */
export const phase: Section<PhaseSettings> = {
  info: {
    name: "phase",
    paper: "§5",
    title: "Superposition as a phase change",
    summary: "the extra feature's fate for n=2, m=1 and n=3, m=2 over relative importance and " +
      "density, beside the closed-form theory",
  },
  scales: {
    quick: { steps: 3000, grid: 10, restarts: 6, ...SCALE_TRAINING.quick },
    paper: { steps: 10_000, grid: 20, restarts: 10, ...SCALE_TRAINING.paper },
  },
  setting: (settings) => ({
    model: PHASE_SHAPES.map(({ n, m }) => `n=${n}, m=${m}`).join("; "),
    steps: settings.steps,
    restarts: settings.restarts,
    sweep: `${settings.grid}×${settings.grid} grid of r, 1−S`,
  }),
  tables: [PHASE_TABLE],
  runs: (settings, seed) =>
    PHASE_SHAPES.map(({ n, m, experiment }) => ({
      name: experiment,
      run: phaseRun({
        n,
        m,
        ratios: phaseRatios(settings.grid),
        densities: phaseDensities(settings.grid),
        ...settings,
        seed,
      }),
    })),
  analyse(settings, trained) {
    const ratios = phaseRatios(settings.grid);
    const densities = phaseDensities(settings.grid);
    const cells: PhaseCell[] = [];
    const figures: Figure[] = [];
    const checks: Check[] = [];
    const experiments = PHASE_SHAPES.map(({ n, m, experiment }) => {
      const trainedShape = trainedRun(trained, experiment);
      const { run, result } = trainedShape;
      const losses = reluOutputExpectedLosses(run, result);
      const shapeCells = phaseCells(run, result, losses, ratios, densities);
      cells.push(...shapeCells);
      figures.push({
        name: `phase_${experiment}`,
        caption: `n = ${n}, m = ${m}: the extra (last) feature's fate over its relative ` +
          "importance r and the density p = 1−S, each cell one grid point trained from " +
          `k = ${settings.restarts} random initialisations (restarts): left, the phase of the ` +
          "restart of lowest expected loss; middle, the paper's aggregation, the majority phase " +
          `of the ${settings.restarts - 1} restarts kept after discarding the highest-loss one; ` +
          "right, the closed-form optimum of §5.2, whose boundaries are drawn on each panel. The " +
          "titles give the share of grid points whose phase matches the theory's.",
        svg: phaseDiagramFigure(
          phasePanels(shapeCells, ratios, densities, settings.restarts),
          `n = ${n}, m = ${m}: the extra feature's phase`,
        ),
      });
      checks.push(...phaseChecks(shapeCells, `phase_${experiment}`, settings.restarts));
      return scoredExperiment(experiment, trainedShape, losses);
    });
    return {
      experiments,
      tables: { [PHASE_TABLE.file]: cells.map((cell) => ({ ...cell })) },
      figures,
      checks,
    };
  },
};
