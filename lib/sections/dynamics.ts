/**
 * @module
 * `dynamics`: superposition and learning dynamics (paper.md §8). The ReLU output model with
 * importance 1, trained with the notebook's optimiser at both scales (the trajectory is the
 * result, so it is not shortened), with snapshots of W at log-spaced steps:
 * - energy levels: n = 6 independent features in m = 3 at 1−S = 0.03, which end in digons. Each
 *   feature's dimensionality D_i moves between levels (1: a dedicated dimension, 1/2: a digon)
 *   while the loss drops;
 * - learning as geometric transformations: the same shape with two correlated sets of three at
 *   1−S = 0.05, which ends in the octahedron with antipodes from different sets, often after a
 *   stage where each set has collapsed onto its principal component (the "linear PCA solution").
 * The loss at each snapshot is the expected loss on the run's data (`stratifiedReluOutputLoss`,
 * with common random numbers, so that plateaus and drops are not batch noise).
 */
import {
  antipodalAcrossSets,
  dedicatedStage,
  type LevelStage,
  lossPlateaus,
  motionInLossDrops,
  setCosines,
  type Trajectory,
  trajectoryOf,
} from "../analysis/dynamics.ts";
import { featureCosine } from "../analysis/geometry.ts";
import { reluOutputExpectedLosses, stratifiedReluOutputLoss } from "../analysis/loss.ts";
import { median } from "../analysis/stats.ts";
import {
  biasVector,
  type DataSpec,
  densitySweep,
  INDEPENDENT_DATA,
  logSpace,
  notebookRun,
  reluOutputModel,
  type RunSpec,
  weightMatrix,
} from "../engine/spec.ts";
import { sharedXCharts, type XyChartOptions } from "../figures/chart.ts";
import { stackFigures } from "../figures/compose.ts";
import { gramHeatmapFigure } from "../figures/heatmap.ts";
import type { Row, TableSpec } from "../io/tables.ts";
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
  verdict,
} from "./section.ts";

/** The dynamics section's settings at a scale. */
export interface DynamicsSettings extends SectionSettings, ScaleTraining {
  /**
   * Restarts of each experiment, by name: an intermediate energy level shows in about one
   * restart in eight, so the energy levels get more.
   */
  restarts: Record<DynamicsExperiment["name"], number>;
  /** Log-spaced snapshot steps from 1 to `steps` (repeats after rounding dropped). */
  snapshots: number;
}

/** One experiment of §8: n features in m dimensions at density p, on `data`. */
export interface DynamicsExperiment {
  name: string;
  n: number;
  m: number;
  density: number;
  data: DataSpec;
}

/** Uniform features that end in digons: the energy-level jumps. */
export const ENERGY_LEVELS: DynamicsExperiment = {
  name: "energy_levels",
  n: 6,
  m: 3,
  density: 0.03,
  data: INDEPENDENT_DATA,
};

/** Two correlated sets of three in m = 3: the geometric stages. */
export const CORRELATED_SETS: DynamicsExperiment = {
  name: "correlated_sets",
  n: 6,
  m: 3,
  density: 0.05,
  data: { ...INDEPENDENT_DATA, correlation: "correlated", setSize: 3 },
};

/** The experiments, in the order the section reports them. */
export const DYNAMICS_EXPERIMENTS = [ENERGY_LEVELS, CORRELATED_SETS] as const;

/** Common-random-number draws of the expected loss at each snapshot. */
const SNAPSHOT_LOSS_SAMPLES = 128;
/** D_i within this of 1/2 counts as a digon. */
const DIGON_TOLERANCE = 0.05;
/** D_i from which a feature holds a dedicated dimension (an intermediate energy level). */
const DEDICATED_LEVEL = 0.85;
/** The shortest dedicated stage that counts as a level: its last step over its first. */
const LEVEL_SPAN = 1.5;
/** Within-set mean cosine that marks the collapsed (PCA) stage, and the split after it. */
const COLLAPSED_COSINE = 0.5;
const SPLIT_COSINE = 0.05;

/** `trajectory.csv`: the snapshots of every restart. */
export const TRAJECTORY_TABLE: TableSpec = {
  file: "trajectory.csv",
  row: "one feature of one restart at one snapshot step",
  columns: [
    { name: "run", doc: "the experiment: `energy_levels` or `correlated_sets`" },
    { name: "instance", doc: "the restart's index within its run (as in `instances.csv`)" },
    { name: "step", doc: "optimisation steps done (log-spaced snapshots)" },
    {
      name: "loss",
      doc: "the expected loss per sample / n of the snapshot (the notebook's normalisation)",
    },
    { name: "feature", doc: "feature index i" },
    { name: "dimensionality", doc: "D_i = ‖W_i‖² / Σ_j (Ŵ_i·W_j)² at the snapshot (§6.2)" },
    { name: "norm", doc: "‖W_i‖ at the snapshot" },
  ],
};

/** The snapshot steps: `count` log-spaced steps from 1 to `steps`, rounded, without repeats. */
export function snapshotSteps(steps: number, count: number): number[] {
  return [...new Set(logSpace(1, steps, count).map(Math.round))];
}

/**
 * An experiment's run: importance 1, density p for every feature, snapshots, the experiment's
 * `restarts` seeds.
 */
export function dynamicsRun(
  experiment: DynamicsExperiment,
  settings: DynamicsSettings,
  seed: number,
): RunSpec {
  const { n, m, density, data } = experiment;
  const points = densitySweep(Array<number>(n).fill(1), [density]);
  return notebookRun(reluOutputModel(n, m), points, {
    ...settings,
    restarts: settings.restarts[experiment.name],
    seed,
    data,
    snapshotSteps: snapshotSteps(settings.steps, settings.snapshots),
  });
}

/** Restart k's W at every snapshot after the first step (the trajectory's time axis). */
function snapshotWeights({ run, result }: Trained, k: number): Float64Array[] {
  return result.snapshots.filter((snapshot) => snapshot.step > 0)
    .map((snapshot) => weightMatrix(run.model, snapshot.params[k]));
}

/** Every restart's trajectory: D_i, ‖W_i‖ and the expected loss / n at each snapshot. */
function trajectories({ run, result }: Trained): Trajectory[] {
  const { m, n } = run.model;
  const snapshots = result.snapshots.filter((snapshot) => snapshot.step > 0);
  return run.instances.map((instance, k) => {
    const weights = snapshotWeights({ run, result }, k);
    const loss = snapshots.map((snapshot, t) =>
      stratifiedReluOutputLoss(
        weights[t],
        biasVector(run.model, snapshot.params[k]),
        m,
        instance.importance,
        instance.density,
        { sets: run.data, samples: SNAPSHOT_LOSS_SAMPLES },
      ).total / n
    );
    return trajectoryOf(snapshots.map((snapshot) => snapshot.step), weights, loss, m, n);
  });
}

/** The rows of `trajectory.csv` for one run's restarts. */
function trajectoryRows(runName: string, restarts: readonly Trajectory[]): Row[] {
  return restarts.flatMap((trajectory, instance) =>
    trajectory.steps.flatMap((step, t) =>
      trajectory.dimensionality[t].map((dimensionality, feature) => ({
        run: runName,
        instance,
        step,
        loss: trajectory.loss[t],
        feature,
        dimensionality,
        norm: trajectory.norm[t][feature],
      }))
    )
  );
}

/**
 * Energy levels, per restart: whether it ends in digons, its motion's share in the drops, and
 * its longest intermediate stage with a dedicated feature, when it spans ×{@link LEVEL_SPAN}.
 */
function energyLevels(restarts: readonly Trajectory[]) {
  return restarts.map((trajectory, k) => {
    const stage = dedicatedStage(trajectory, { level: DEDICATED_LEVEL });
    const span = stage ? trajectory.steps[stage.to] / trajectory.steps[stage.from] : 0;
    return {
      k,
      trajectory,
      digons: trajectory.dimensionality[trajectory.steps.length - 1].every((d) =>
        Math.abs(d - 0.5) < DIGON_TOLERANCE
      ),
      share: motionInLossDrops(trajectory),
      level: span >= LEVEL_SPAN ? { ...stage!, span } : undefined,
    };
  });
}

/** "feature i holds D_i ≥ 0.85 from step a to b" for a restart's intermediate stage. */
function stageText(trajectory: Trajectory, stage: LevelStage): string {
  return `feature ${stage.feature} holds D_i ≥ ${DEDICATED_LEVEL} from step ` +
    `${trajectory.steps[stage.from]} to ${trajectory.steps[stage.to]}`;
}

/** Correlated sets, per restart: the within/across-set cosines over training and the end state. */
function correlatedStages(trained: Trained, restarts: readonly Trajectory[]) {
  const { m, n } = trained.run.model;
  const setSize = CORRELATED_SETS.data.setSize;
  return restarts.map((trajectory, k) => {
    const weights = snapshotWeights(trained, k);
    const cosines = weights.map((W) => setCosines(W, m, n, setSize));
    const final = weights[weights.length - 1];
    const octahedron = antipodalAcrossSets(final, m, n, setSize);
    const peak = Math.max(...cosines.map((cosine) => cosine.within));
    const split = Math.abs(cosines[cosines.length - 1].within) < SPLIT_COSINE;
    return {
      k,
      trajectory,
      weights,
      cosines,
      octahedron,
      peak,
      pcaStage: peak >= COLLAPSED_COSINE && split && octahedron,
    };
  });
}

type LevelRestart = ReturnType<typeof energyLevels>[number];
type StageRestart = ReturnType<typeof correlatedStages>[number];

/**
 * The restart the energy-level figure shows: of those that end in digons, the one with the
 * longest intermediate dedicated stage, else the one whose D_i move most within the drops.
 */
function levelsShown(levels: readonly LevelRestart[]): LevelRestart {
  return [...levels].sort((a, b) =>
    Number(b.digons) - Number(a.digons) || (b.level?.span ?? 0) - (a.level?.span ?? 0) ||
    (b.share || 0) - (a.share || 0)
  )[0];
}

/** The energy-level figure's caption: the setup, the restart shown, and its levels. */
function levelsCaption(shown: LevelRestart): string {
  const { trajectory, level } = shown;
  const setup = `Each feature's dimensionality D_i over training beside the expected loss (one ` +
    `log step axis), for n = ${ENERGY_LEVELS.n} uniform features in m = ${ENERGY_LEVELS.m} at ` +
    `1−S = ${ENERGY_LEVELS.density}, which end in digons: restart ${shown.k}`;
  if (!level) {
    return `${setup}, the one whose D_i move most within the loss's drops (share ${
      numbers([shown.share], 2)
    }). No restart holds a dedicated dimension on the way: the D_i move to 1/2 in one ` +
      "transition.";
  }
  const others = trajectory.dimensionality[level.to].filter((_, i) => i !== level.feature);
  return `${setup}, the one with the longest intermediate energy level: as the loss first ` +
    `falls, ${stageText(trajectory, level)}, a dedicated dimension, while the other ` +
    `${others.length} share the remaining two (D_i ${
      numbers([Math.min(...others), Math.max(...others)], 2).replace(", ", "–")
    } at step ${trajectory.steps[level.to]}; five in a pentagon would be 2/5). With the next ` +
    "loss drop it gives the dimension up, and all fall into digons.";
}

/** The paper's claims of §8, measured over every restart. */
function dynamicsChecks(levels: LevelRestart[], stages: StageRestart[]): Check[] {
  const digons = levels.filter((restart) => restart.digons);
  const shares = digons.map((restart) => restart.share);
  const shareMedian = shares.length > 0 ? median(shares) : NaN;
  const octahedra = stages.filter((restart) => restart.octahedron).length;
  const pca = stages.filter((restart) => restart.pcaStage).length;
  const peaks = stages.map((restart) => restart.peak);
  const leveled = digons.filter((restart) => restart.level !== undefined);
  const longest = [...leveled].sort((a, b) => b.level!.span - a.level!.span)[0];
  return [
    {
      id: "digons",
      figure: "dynamics_energy_levels",
      claim: "A uniform model's features all end in digons (D_i = 1/2).",
      requires: `in at least 3/4 of the restarts, every D_i within ${DIGON_TOLERANCE} of 1/2`,
      measured: `${digons.length} of ${levels.length} restarts`,
      status: verdict(digons.length >= 0.75 * levels.length),
    },
    {
      id: "intermediate-level",
      figure: "dynamics_energy_levels",
      claim: "On the way the dimensionalities jump between energy levels: a feature holds a " +
        "dedicated dimension (D_i = 1) for a while, then gives it up for a digon.",
      requires: "in some restart that ends in digons (the paper shows one), a feature at D_i ≥ " +
        `${DEDICATED_LEVEL} over snapshots spanning ×${LEVEL_SPAN} or more in steps, after the ` +
        "loss has fallen to half its start and before it converges",
      measured: `${leveled.length} of ${digons.length} restarts${
        longest
          ? `; longest: restart ${longest.k}, ${stageText(longest.trajectory, longest.level!)}`
          : ""
      }`,
      status: verdict(leveled.length > 0),
    },
    {
      id: "jumps-with-drops",
      figure: "dynamics_energy_levels",
      claim: "The jumps of the feature dimensionalities between energy levels coincide with " +
        "drops in the loss.",
      requires: "over the restarts that end in digons, the median share of Σ_i |ΔD_i| that " +
        "falls in the steeper half of the loss curve (log–log slope above its median, before " +
        "convergence) ≥ 0.6 (1/2 if the D_i moved regardless of the loss)",
      measured: `median ${numbers([shareMedian], 2)}; range ${
        numbers(shares.length > 0 ? [Math.min(...shares), Math.max(...shares)] : [], 2)
      } over ${shares.length} restarts`,
      status: verdict(shareMedian >= 0.6),
    },
    {
      id: "octahedron",
      figure: "dynamics_correlated",
      claim: "Two correlated sets of three in three dimensions end in an octahedron whose " +
        "antipodal pairs come from different sets: a strong attractor.",
      requires: "in at least 3/4 of the restarts, each W_i at cos < −0.9 with exactly one " +
        "feature of the other set and |cos| < 0.1 with the rest",
      measured: `${octahedra} of ${stages.length} restarts`,
      status: verdict(octahedra >= 0.75 * stages.length),
    },
    {
      id: "pca-stage",
      figure: "dynamics_correlated",
      claim: "The model often learns the linear PCA solution first (each correlated set " +
        "collapsed onto its principal component) before splitting into the octahedron.",
      requires:
        `in at least 1/4 of the restarts, the mean cos within a set reaches ≥ ${COLLAPSED_COSINE}, ` +
        `then ends below ${SPLIT_COSINE} in the octahedron`,
      measured: `${pca} of ${stages.length} restarts; peak within-set cos ${
        numbers([Math.min(...peaks), median(peaks), Math.max(...peaks)], 2)
      } (min, median, max)`,
      status: verdict(pca >= 0.25 * stages.length),
    },
  ];
}

/** D_i and the loss over training, on one log x axis, for one trajectory. */
function levelCharts(trajectory: Trajectory): string[] {
  const { steps, dimensionality, norm } = trajectory;
  const n = norm[0].length;
  return sharedXCharts([
    {
      xLabel: "step",
      yLabel: "feature dimensionality Dᵢ",
      logX: true,
      height: 300,
      series: range(n).map((i) => ({
        name: `feature ${i}`,
        mark: "line",
        points: steps.map((x, t) => ({ x, y: dimensionality[t][i] })),
      })),
      rules: [
        { y: 1, label: "dedicated (1)" },
        { y: 0.5, label: "digon (1/2)" },
        { y: 0.4, label: "pentagon (2/5)" },
      ],
    },
    lossChart(trajectory),
  ]);
}

/** The expected loss over training on log–log axes. */
function lossChart({ steps, loss }: Trajectory): XyChartOptions {
  return {
    xLabel: "step",
    yLabel: "loss / n",
    logX: true,
    logY: true,
    height: 220,
    series: [{ name: "loss", mark: "line", points: steps.map((x, t) => ({ x, y: loss[t] })) }],
  };
}

/** The correlated sets' cosines over training, the loss, and cos(W_i, W_j) at each plateau. */
function stageFigure(restart: StageRestart, n: number, m: number): string {
  const { trajectory, cosines, weights } = restart;
  const cosineChart: XyChartOptions = {
    xLabel: "step",
    yLabel: "mean cos(Wᵢ, Wⱼ)",
    logX: true,
    height: 240,
    series: [
      {
        name: "within a set",
        mark: "line",
        points: trajectory.steps.map((x, t) => ({ x, y: cosines[t].within })),
      },
      {
        name: "across sets",
        mark: "line",
        points: trajectory.steps.map((x, t) => ({ x, y: cosines[t].across })),
      },
    ],
    rules: [{ y: -1 / 3, label: "octahedron (−1/3)" }],
  };
  const stages = [0, ...lossPlateaus(trajectory), trajectory.steps.length - 1];
  const heatmaps = gramHeatmapFigure(
    stages.map((t) => ({
      title: `step ${trajectory.steps[t]}`,
      gram: range(n).map((i) => range(n).map((j) => featureCosine(weights[t], m, n, i, j))),
    })),
    "cos(Wᵢ, Wⱼ)",
    { separators: [CORRELATED_SETS.data.setSize] },
  );
  return stackFigures([
    {
      heading: "mean cosines within and across the two sets, and the loss",
      svgs: sharedXCharts([cosineChart, lossChart(trajectory)]),
    },
    {
      heading: "cos(Wᵢ, Wⱼ) at the start, at each loss plateau, and at the end",
      svgs: [heatmaps],
    },
  ]);
}

/** Superposition and learning dynamics as a section of the figure book. */
export const dynamics: Section<DynamicsSettings> = {
  info: {
    name: "dynamics",
    paper: "§8",
    title: "Superposition and learning dynamics",
    summary: "feature dimensionalities over training beside the loss (energy-level jumps), and " +
      "two correlated sets of three passing through PCA to the octahedron",
  },
  scales: {
    quick: {
      steps: 10_000,
      restarts: { [ENERGY_LEVELS.name]: 32, [CORRELATED_SETS.name]: 16 },
      snapshots: 100,
      ...SCALE_TRAINING.paper,
    },
    paper: {
      steps: 10_000,
      restarts: { [ENERGY_LEVELS.name]: 64, [CORRELATED_SETS.name]: 64 },
      snapshots: 200,
      ...SCALE_TRAINING.paper,
    },
  },
  setting: (settings) => ({
    model: [...new Set(DYNAMICS_EXPERIMENTS.map(({ n, m }) => `n=${n}, m=${m}`))].join("; "),
    steps: settings.steps,
    restarts: DYNAMICS_EXPERIMENTS.map((experiment) => settings.restarts[experiment.name])
      .join(", "),
    sweep: `1−S = ${DYNAMICS_EXPERIMENTS.map((experiment) => experiment.density).join(", ")}; ` +
      `${snapshotSteps(settings.steps, settings.snapshots).length} snapshots`,
  }),
  tables: [TRAJECTORY_TABLE],
  runs: (settings, seed): NamedRun[] =>
    DYNAMICS_EXPERIMENTS.map((experiment) => ({
      name: experiment.name,
      run: dynamicsRun(experiment, settings, seed),
    })),
  analyse(_settings, trained) {
    const [levelsRun, stagesRun] = DYNAMICS_EXPERIMENTS.map((experiment) =>
      trainedRun(trained, experiment.name)
    );
    const levelTrajectories = trajectories(levelsRun);
    const stageTrajectories = trajectories(stagesRun);
    const levels = energyLevels(levelTrajectories);
    const stages = correlatedStages(stagesRun, stageTrajectories);
    const shown = levelsShown(levels);
    const staged = stages.find((restart) => restart.pcaStage) ?? stages[0];
    const { n, m } = CORRELATED_SETS;
    return {
      experiments: DYNAMICS_EXPERIMENTS.map((experiment, k) => {
        const run = [levelsRun, stagesRun][k];
        return scoredExperiment(
          experiment.name,
          run,
          reluOutputExpectedLosses(run.run, run.result),
        );
      }),
      tables: {
        [TRAJECTORY_TABLE.file]: [
          ...trajectoryRows(ENERGY_LEVELS.name, levelTrajectories),
          ...trajectoryRows(CORRELATED_SETS.name, stageTrajectories),
        ],
      },
      figures: [
        {
          name: "dynamics_energy_levels",
          caption: levelsCaption(shown),
          svg: stackFigures([{ heading: "", svgs: levelCharts(shown.trajectory) }]),
        },
        {
          name: "dynamics_correlated",
          caption: `Two correlated sets of three (features 0–2 and 3–5) in m = 3 at 1−S = ` +
            `${CORRELATED_SETS.density}, restart ${staged.k}: each set collapses onto its ` +
            "principal component (within-set cos near 1), then splits into the octahedron " +
            "(antipodes from the other set).",
          svg: stageFigure(staged, n, m),
        },
      ],
      checks: dynamicsChecks(levels, stages),
    };
  },
};
