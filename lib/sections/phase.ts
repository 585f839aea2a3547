/**
 * @module
 * `deno task phase`: superposition as a phase change (paper.md §5). The ReLU-output model
 * x' = ReLU(WᵀWx + b) with n = 2, m = 1 and with n = 3, m = 2; the regular features have
 * importance 1 and the extra (last) feature importance r, all features density p. Over a log grid
 * of r ∈ [0.1, 10] × p ∈ [1, 0.01], the extra feature is classified (lib/phase.ts) as not learned,
 * in superposition, or dedicated, and compared with the closed-form "toy model of the toy model"
 * (lib/theory.ts, §5.2). All points of one (n, m) diagram are instances of one run.
 *
 * Aggregation per grid point: `restarts` instances per point (10 at paper scale), each scored by
 * its expected loss (lib/phase.ts `expectedReluOutputLoss`: exact over which features are active,
 * sampled over their values), because at low density the trainer's final batch loss is mostly
 * noise: what separates the candidate solutions there is two features active at once (probability
 * p² = 10⁻⁴ at p = 0.01, a few events in the final-loss window). `phase` is the extra feature's
 * phase in the lowest-loss restart (best-of-k), since the theory describes the optimum. The
 * paper's own aggregation ("ten models for each point … average over the results, discarding the
 * model with the highest loss") is computed too, as the majority phase of the kept restarts
 * (lib/phase.ts `aggregatePhase`), and drawn as a middle panel: at high sparsity a sizeable share
 * of restarts whose two features start with the same sign stall in the "confused" local minimum
 * (W ≈ [1.08, 0.32], negative bias; §5.3) instead of the antipodal pair, so the majority is
 * noisier than best-of-k. The contract CSVs carry the same expected loss (divided by n, the
 * notebook's normalisation) and mark the same restart `selected`.
 *
 * Writes under `<out>/phase/`: `instances.csv`, `features.csv`, `weights.csv` (experiments `n2m1`
 * and `n3m2`; `importance` in instances.csv is r), `phase.csv` (one row per grid point: `n, m,
 * importance_ratio, density, phase, theory_phase, loss, theory_loss`, both losses per sample in
 * the paper's normalisation E Σ_i I_i (x_i − x'_i)² (the trainer's is this / n); `loss` is the
 * best restart's expected loss) and, per (n, m), `phase_n2m1.svg` / `phase_n3m2.svg`: the empirical
 * diagram (best-of-k), the paper's majority of the kept restarts, and the theory, side by side,
 * with the theory's boundaries drawn on each and the agreement (the fraction of grid points whose
 * phase matches the theory's) in the titles. The agreements are also printed.
 */
import { parseSectionArgs, type SectionArgs, type SectionInfo, sectionUsage } from "../cli/args.ts";
import { writeCsv } from "../io/csv.ts";
import { runMain } from "../engine/errors.ts";
import { phaseDiagramFigure, type PhasePanel, type PhasePoint } from "../figures/figures.ts";
import {
  aggregatePhase,
  expectedReluOutputLoss,
  type ExtraFeaturePhase,
  featureFate,
} from "../analysis/phase.ts";
import {
  biasVector,
  SCALE_TRAINING,
  type SectionExperiment,
  trainWithProgress,
  weightMatrix,
  writeSectionCsvs,
  writeSvg,
} from "./section.ts";
import { notebookRun, reluOutputModel, type RunSpec, type SweepTraining } from "../engine/spec.ts";
import { superpositionBoundary, theoreticalPhase } from "../analysis/theory.ts";
import { selectBest, type TrainResult } from "../engine/result.ts";
import { join } from "node:path";

/** What `phase` says about itself (name, summary, default steps per scale). */
export const PHASE: SectionInfo = {
  name: "phase",
  summary: "phase diagrams of the extra feature (n=2, m=1 and n=3, m=2) vs importance and density",
  defaultSteps: { quick: 3000, paper: 10_000 },
};

/** The two diagrams of §5: (n, m) and the `experiment` name. */
export const PHASE_SHAPES = [
  { n: 2, m: 1, experiment: "n2m1" },
  { n: 3, m: 2, experiment: "n3m2" },
] as const;

/**
 * Grid points per axis at each scale. Even counts keep r = 1 (the dense-region boundary, where
 * the theory is a tie) off the grid.
 */
export const PHASE_GRID = { quick: 10, paper: 20 } as const;

/** Restarts per grid point at each scale; the highest-loss one is discarded. */
export const PHASE_RESTARTS = { quick: 6, paper: 10 } as const;

/** `count` log-spaced values from `from` to `to` inclusive. */
export function logSpace(from: number, to: number, count: number): number[] {
  if (count === 1) return [from];
  const [a, b] = [Math.log10(from), Math.log10(to)];
  return Array.from({ length: count }, (_, t) => 10 ** (a + (b - a) * t / (count - 1)));
}

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

/** The columns of `phase.csv`. */
export const PHASE_COLUMNS = [
  "n",
  "m",
  "importance_ratio",
  "density",
  "phase",
  "theory_phase",
  "loss",
  "theory_loss",
] as const;

/** Per instance: its expected per-sample loss E Σ_i I_i (x_i − x'_i)² (lib/phase.ts). */
export function expectedLosses(run: RunSpec, result: TrainResult): number[] {
  return run.instances.map((instance, k) =>
    expectedReluOutputLoss(
      weightMatrix(run.model, result.params[k]),
      biasVector(run.model, result.params[k]),
      run.model.m,
      instance.importance,
      instance.density,
    )
  );
}

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
 * The panels of one (n, m): empirical best-of-k, the paper's majority of the kept restarts, and
 * the theory, with the theory's boundaries on each and the agreements in the titles.
 */
export function phasePanels(
  cells: readonly PhaseCell[],
  ratios: readonly number[],
  densities: readonly number[],
): PhasePanel[] {
  const { n, m } = cells[0];
  const grid = (key: "phase" | "majority_phase" | "theory_phase") =>
    densities.map((_, row) => ratios.map((_, column) => cells[row * ratios.length + column][key]));
  const boundaries = theoryBoundaries(n, m);
  const percent = (key: "phase" | "majority_phase") => Math.round(100 * agreement(cells, key));
  const panel = (title: string, phases: ExtraFeaturePhase[][]) => ({
    title: `n=${n}, m=${m}: ${title}`,
    importance: ratios,
    density: densities,
    phases,
    boundaries,
  });
  return [
    panel(`best of k (${percent("phase")}% agree)`, grid("phase")),
    panel(`majority (${percent("majority_phase")}% agree)`, grid("majority_phase")),
    panel("theory", grid("theory_phase")),
  ];
}

/** Trains both diagrams and writes the section's CSVs and figure under `args.dir`. */
export async function runPhase(args: SectionArgs): Promise<void> {
  const count = PHASE_GRID[args.scale];
  const ratios = phaseRatios(count);
  const densities = phaseDensities(count);
  const experiments: SectionExperiment[] = [];
  const cells: PhaseCell[] = [];
  const figures: [string, string][] = [];
  const lines: string[] = [];
  for (const { n, m, experiment } of PHASE_SHAPES) {
    const run = phaseRun({
      n,
      m,
      ratios,
      densities,
      steps: args.steps,
      restarts: PHASE_RESTARTS[args.scale],
      seed: args.seed,
      ...SCALE_TRAINING[args.scale],
    });
    const result = await trainWithProgress(`phase ${experiment}`, run, args.backend);
    const sweep = run.instances.map((instance) => instance.importance[n - 1]);
    const losses = expectedLosses(run, result);
    experiments.push({
      experiment,
      run,
      result,
      sweep,
      loss: losses.map((loss) => loss / n),
      selected: selectBest(run.instances.map((instance) => instance.config), losses),
    });
    const shapeCells = phaseCells(run, result, losses, ratios, densities);
    cells.push(...shapeCells);
    figures.push([
      `phase_${experiment}`,
      phaseDiagramFigure(phasePanels(shapeCells, ratios, densities)),
    ]);
    lines.push(
      `phase: n=${n}, m=${m}: agreement with theory ${agreementText(shapeCells, "phase")} ` +
        `best-of-${PHASE_RESTARTS[args.scale]}, ${agreementText(shapeCells, "majority_phase")} ` +
        `majority of the kept; ${result.seconds.toFixed(1)} s training`,
    );
  }
  await writeSectionCsvs(args.dir, experiments);
  await writeCsv(join(args.dir, "phase.csv"), PHASE_COLUMNS, cells.map((cell) => ({ ...cell })));
  for (const [name, svg] of figures) await writeSvg(args.dir, name, svg);
  for (const line of lines) console.log(line);
  console.log(`phase: wrote ${args.dir}`);
}

if (import.meta.main) {
  await runMain(async () => {
    const args = parseSectionArgs(Deno.args, PHASE);
    if (args.help) {
      console.log(sectionUsage(PHASE));
      return;
    }
    await runPhase(args);
  });
}
