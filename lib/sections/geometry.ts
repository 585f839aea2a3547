/**
 * @module
 * `geometry`: the geometry of superposition with uniform importance (paper.md §6). The ReLU output
 * model x' = ReLU(WᵀW x + b) with every I_i = 1, over densities 1−S from 1 to 1/20: the dimensions
 * per feature D* = m/‖W‖²_F against 1/(1−S), each learned feature's dimensionality
 * D_i = ‖W_i‖²/Σ_j (Ŵ_i·W_j)² overlaid, and the configurations whose fractions the D_i cluster at
 * (a dedicated dimension 1, tetrahedron 3/4, triangle 2/3, digon 1/2, pentagon 2/5, square
 * antiprism 3/8). Quick scale is the notebook's n = 200, m = 20; paper scale the paper's n = 400,
 * m = 30 over a finer sweep. A second run adds densities halfway between the notebook's where the
 * D_i pass 2/5, and continues past the notebook's 1/(1−S) = 20 to 100, where nearly every feature
 * is learned and the D_i approach m/n.
 */
import { representedFeatures } from "../analysis/geometry.ts";
import { dimensionsPerFeature, featureDimensionality, featureNorms } from "../analysis/metrics.ts";
import { LEARNED_NORM } from "../analysis/phase.ts";
import { median } from "../analysis/stats.ts";
import { REFERENCE_DIMENSIONALITIES } from "../analysis/theory.ts";
import { selectedInstances } from "../engine/result.ts";
import { instanceSeed } from "../engine/rng.ts";
import {
  densitySweep,
  notebookRun,
  powerSweep,
  reluOutputModel,
  type RunSpec,
  sweepInstances,
  weightMatrix,
} from "../engine/spec.ts";
import { xyChart } from "../figures/chart.ts";
import { formatShort } from "../figures/svg.ts";
import { DENSITY_COLUMN, type TableSpec } from "../io/tables.ts";
import {
  type Check,
  numbers,
  SCALE_TRAINING,
  type ScaleTraining,
  type Section,
  type SectionSettings,
  sweepText,
  trainedRun,
  type TrainedRuns,
  valueList,
  verdict,
} from "./section.ts";

/** The geometry section's settings at a scale. */
export interface GeometrySettings extends SectionSettings, ScaleTraining {
  n: number;
  m: number;
  /** Densities 20^−t for `densities` values of t = linspace(0, 1) (the notebook's sweep). */
  densities: number;
  /**
   * Further densities, trained as their own run (`geometry_extra`, so that `adversarial`, which
   * attacks the notebook's sweep, keeps its run): a density halfway (in log) between each two
   * neighbours of the sweep whose 1/(1−S) lies within `refine` (where the D_i pass 2/5), and
   * `beyond.count` values of 1/(1−S) log-spaced after {@link NOTEBOOK_SPARSEST} up to `beyond.to`.
   */
  extension: {
    refine: { from: number; to: number };
    beyond: { count: number; to: number };
  };
  restarts: number;
}

/** A configuration the feature dimensionalities cluster at: its name and fraction d/k. */
export interface Configuration {
  name: string;
  fraction: number;
  /** The fraction as the paper writes it, "d/k" (or "1"). */
  label: string;
}

/** The fractions the paper names (§6.2): a dedicated dimension, then the polytopes' d/k. */
export const CONFIGURATIONS: readonly Configuration[] = [
  { name: "dedicated", fraction: 1, label: "1" },
  ...["tetrahedron", "triangle", "digon", "pentagon", "square antiprism"].map((name) => {
    const reference = REFERENCE_DIMENSIONALITIES.find((entry) => entry.polytope === name)!;
    const label = `${reference.dimensions}/${reference.vertices}`;
    return { name, fraction: reference.value, label };
  }),
];

/** How close D_i must be to a configuration's fraction to count as that configuration. */
export const CLUSTER_TOLERANCE = 0.02;

/** `geometry.csv`: one row per density and configuration its features cluster at. */
export const GEOMETRY_TABLE: TableSpec = {
  file: "geometry.csv",
  row: "one configuration at one density",
  columns: [
    DENSITY_COLUMN,
    { name: "dims_per_feature", doc: "m/‖W‖²_F of the selected model" },
    {
      name: "fraction",
      doc: "the configuration's dimensionality d/k (1, 3/4, 2/3, 1/2, 2/5, 3/8)",
    },
    { name: "configuration", doc: "`dedicated`, `tetrahedron`, `triangle`, `digon`, …" },
    { name: "count", doc: `learned features with D_i within ${CLUSTER_TOLERANCE} of the fraction` },
  ],
};

/** The notebook's sweep ends at 1/(1−S) = 20: densities 20^−t for t = linspace(0, 1). */
export const NOTEBOOK_SPARSEST = 20;

/** The run: uniform importance, one configuration per density; see {@link notebookRun}. */
export function geometryRun(settings: GeometrySettings, seed: number): RunSpec {
  const { n, m } = settings;
  const densities = powerSweep(NOTEBOOK_SPARSEST, settings.densities);
  const points = densitySweep(Array<number>(n).fill(1), densities);
  return notebookRun(reluOutputModel(n, m), points, { ...settings, seed });
}

/** The extension's densities (see {@link GeometrySettings}), densest first. */
export function extensionDensities(settings: GeometrySettings): number[] {
  const { refine, beyond } = settings.extension;
  const sweep = powerSweep(NOTEBOOK_SPARSEST, settings.densities);
  const midpoints = sweep.slice(1).map((p, k) => Math.sqrt(p * sweep[k]))
    .filter((p) => 1 / p >= refine.from && 1 / p <= refine.to);
  const past = powerSweep(beyond.to / NOTEBOOK_SPARSEST, beyond.count + 1).slice(1)
    .map((p) => p / NOTEBOOK_SPARSEST);
  return [...midpoints, ...past];
}

/**
 * The extension's run: {@link geometryRun}'s training and init scale at the densities of
 * {@link extensionDensities}, its instances seeded after the main run's.
 */
export function geometryExtensionRun(settings: GeometrySettings, seed: number): RunSpec {
  const main = geometryRun(settings, seed);
  const points = densitySweep(Array<number>(settings.n).fill(1), extensionDensities(settings));
  const instances = sweepInstances(points, settings.restarts, seed).map((instance, k) => {
    const key = instanceSeed(seed, main.instances.length + k);
    return { ...instance, seed: key, dataSeed: key };
  });
  return { ...main, instances };
}

/** The section's runs: the notebook's sweep and its extension. */
const RUN_NAMES = ["geometry", "geometry_extra"] as const;

/**
 * Per density (dense first): D*, the D_i of the learned features (‖W_i‖ > 0.5) and of the
 * others, and Σ_i D_i over all features.
 */
function measure(trained: TrainedRuns) {
  return RUN_NAMES.flatMap((name) => {
    const { run, result } = trainedRun(trained, name);
    const { m, n } = run.model;
    return selectedInstances(run, result.selected).flatMap((k) => {
      if (k < 0) return [];
      const W = weightMatrix(run.model, result.params[k]);
      const dimensionality = featureDimensionality(W, m, n);
      const norms = featureNorms(W, m, n);
      const learned = representedFeatures(W, m, n);
      return [{
        density: run.instances[k].density[0],
        dimsPerFeature: dimensionsPerFeature(W, m, n),
        dimensionality,
        learned: learned.map((i) => dimensionality[i]),
        weak: dimensionality.filter((_, i) => !(norms[i] > LEARNED_NORM)),
        largestNorm: Math.max(...norms),
        total: dimensionality.reduce((sum, d) => sum + d, 0),
        m,
        n,
      }];
    });
  }).sort((a, b) => b.density - a.density);
}

type Point = ReturnType<typeof measure>[number];

/** The configuration of each learned feature's D_i within {@link CLUSTER_TOLERANCE}, counted. */
function clusters(point: Point) {
  return CONFIGURATIONS.map((configuration) => ({
    ...configuration,
    count: point.learned.filter((d) => Math.abs(d - configuration.fraction) <= CLUSTER_TOLERANCE)
      .length,
  })).filter((cluster) => cluster.count > 0);
}

/** The longest run of consecutive densities where `holds`. */
function longestRun(points: readonly Point[], holds: (point: Point) => boolean): Point[] {
  let best: Point[] = [];
  let current: Point[] = [];
  for (const point of points) {
    current = holds(point) ? [...current, point] : [];
    if (current.length > best.length) best = current;
  }
  return best;
}

/** The claims of §6 about uniform superposition, measured. */
function geometryChecks(points: readonly Point[]): Check[] {
  if (points.length === 0) return [];
  const dense = points[0];
  const digons = (point: Point) =>
    point.learned.filter((d) => Math.abs(d - 0.5) <= CLUSTER_TOLERANCE).length;
  const plateau = longestRun(
    points,
    (point) =>
      Math.abs(point.dimsPerFeature - 0.5) <= 0.03 && digons(point) >= 0.8 * point.learned.length,
  );
  const packed = points.filter((point) => point.dimsPerFeature < 0.9);
  const label = (point: Point) => numbers([1 / point.density]);
  const sharedMedian = median(dense.dimensionality);
  return [
    {
      id: "dense",
      figure: "geometry",
      claim: "Dense features get a dimension each: dimensions per feature is 1.",
      requires: "m/‖W‖²_F within 0.05 of 1 at 1−S = 1",
      measured: `m/‖W‖²_F = ${numbers([dense.dimsPerFeature])} at 1/(1−S) = ${label(dense)}`,
      status: verdict(Math.abs(dense.dimsPerFeature - 1) <= 0.05),
    },
    {
      id: "dense-shared",
      figure: "geometry",
      claim: "When dense, no feature gets a dimension of its own: with equal importance the " +
        "basis is not privileged, and all n features share the m learned dimensions (why the " +
        "paper's figure has no dots at 1).",
      requires: "at 1−S = 1: every D_i < 1/2, and the median D_i within 25% of m/n (each " +
        "feature's share when Σ_i D_i = m is spread over all n)",
      measured:
        `D_i = ${numbers([Math.min(...dense.dimensionality)], 2)} … ${
          numbers([Math.max(...dense.dimensionality)], 2)
        }, median ${numbers([sharedMedian], 2)} (m/n = ${numbers([dense.m / dense.n])}); largest ` +
        `‖W_i‖ ${numbers([dense.largestNorm], 2)}`,
      status: verdict(
        Math.max(...dense.dimensionality) < 0.5 &&
          Math.abs(sharedMedian - dense.m / dense.n) <= 0.25 * dense.m / dense.n,
      ),
    },
    {
      id: "sticky-half",
      figure: "geometry",
      claim: "Dimensions per feature sticks at 1/2, features in antipodal pairs (digons), over a " +
        "range of sparsity.",
      requires: "at least 3 consecutive densities with m/‖W‖²_F within 0.03 of 1/2 and at least " +
        `80% of the learned features at D_i within ${CLUSTER_TOLERANCE} of 1/2`,
      measured: plateau.length === 0
        ? `no density on the plateau; m/‖W‖²_F = ${valueList(points.map((p) => p.dimsPerFeature))}`
        : `${plateau.length} densities, 1/(1−S) = ${label(plateau[0])} … ${
          label(plateau.at(-1)!)
        }: m/‖W‖²_F = ${valueList(plateau.map((p) => p.dimsPerFeature))}; share of digons ${
          valueList(plateau.map((p) => digons(p) / p.learned.length), 2)
        }`,
      status: verdict(plateau.length >= 3),
    },
    {
      id: "packed",
      figure: "geometry",
      claim: "Features in superposition pack the hidden space efficiently: Σ_i D_i ≈ m.",
      requires: "|Σ_i D_i − m| ≤ 0.02·m at every density with m/‖W‖²_F < 0.9",
      measured: packed.length === 0
        ? "no density with m/‖W‖²_F < 0.9"
        : `Σ_i D_i = ${valueList(packed.map((point) => point.total), 4)} at 1/(1−S) = ` +
          `${label(packed[0])} … ${label(packed.at(-1)!)} (m = ${dense.m})`,
      status: verdict(
        packed.length > 0 &&
          packed.every((point) => Math.abs(point.total - point.m) <= 0.02 * point.m),
      ),
    },
  ];
}

/** Colours of the figure's dots: learned features (‖W_i‖ > 0.5) and the others. */
const LEARNED_COLOR = "#f28e2b";
const WEAK_COLOR = "#a0a0a0";

/**
 * The paper's figure: D* against 1/(1−S), every feature's D_i as a dot (learned ones in colour,
 * those with ‖W_i‖ ≤ 0.5 in grey), the configurations' fractions and m/n as rules.
 */
function geometryFigure(points: readonly Point[], settings: GeometrySettings): string {
  const { m, n } = settings;
  const dots = (values: (point: Point) => readonly number[]) =>
    points.flatMap((point) => values(point).map((d) => ({ x: 1 / point.density, y: d })));
  return xyChart({
    xLabel: "1/(1−S)",
    yLabel: "dimensions per feature",
    logX: true,
    series: [
      {
        name: "D* = m / Σᵢ‖Wᵢ‖²",
        mark: "line",
        points: points.map((point) => ({ x: 1 / point.density, y: point.dimsPerFeature })),
      },
      {
        name: `Dᵢ of a feature with ‖Wᵢ‖ > ${LEARNED_NORM} (learned)`,
        mark: "dot",
        color: LEARNED_COLOR,
        points: dots((point) => point.learned),
      },
      {
        name: `Dᵢ of a feature with ‖Wᵢ‖ ≤ ${LEARNED_NORM}`,
        mark: "dot",
        color: WEAK_COLOR,
        points: dots((point) => point.weak),
      },
    ],
    rules: [
      ...CONFIGURATIONS.map(({ name, fraction, label }) => ({
        y: fraction,
        label: name === "dedicated" ? label : `${label} ${name}`,
      })),
      { y: m / n, label: `m/n = ${formatShort(m / n)}` },
    ],
    xDomain: [1, settings.extension.beyond.to],
    yDomain: [0, 1.05],
    width: 800,
    height: 540,
  });
}

/** The figure's caption: what it draws, and what the dense end, the 2/5 and the sparse end show. */
function geometryCaption(points: readonly Point[], settings: GeometrySettings): string {
  const { m, n, extension } = settings;
  const { refine, beyond } = extension;
  const dense = points[0];
  const sparsest = points.at(-1);
  const nearTwoFifths = points.filter((point) => Math.abs(point.dimsPerFeature - 0.4) <= 0.02);
  const denseSpan = dense === undefined
    ? ""
    : `; here D_i ${numbers([Math.min(...dense.dimensionality)], 2)}–${
      numbers([Math.max(...dense.dimensionality)], 2)
    }`;
  const learnedAtEnd = sparsest === undefined
    ? ""
    : ` (${sparsest.learned.length} of ${n} at 1/(1−S) = ${numbers([1 / sparsest.density])})`;
  return "Dimensions per feature D* = m/‖W‖²_F (line) against 1/(1−S), and every feature's " +
    `dimensionality D_i (dots: orange where ‖W_i‖ > ${LEARNED_NORM}, the features counted as ` +
    "learned; grey otherwise), with the fractions the D_i cluster at (tetrahedron 3/4, " +
    "triangle 2/3, digon 1/2, pentagon 2/5, square antiprism 3/8) and m/n. Dense inputs (1−S " +
    "near 1): D* = 1 because the model learns ‖W‖²_F = m, as many features' worth as it has " +
    "dimensions, as PCA would; but with equal importance no basis is preferred, so those m " +
    "dimensions are a rotated subspace that all n features share, each with D_i near " +
    `m/n = ${formatShort(m / n)} and ‖W_i‖ near √(m/n) (grey${denseSpan}): no feature has a ` +
    "dimension of its own, which is why, as in the paper's figure, no dots lie at 1. D* sticks " +
    `at 1/2 (digons). The densities halfway between the notebook's from 1/(1−S) = ${refine.from} ` +
    `to ${refine.to} are ours, to look for a plateau at 2/5 (pentagons): D* is within 0.02 of ` +
    `2/5 at ${nearTwoFifths.length} ${nearTwoFifths.length === 1 ? "density" : "densities"}${
      nearTwoFifths.length === 0
        ? ""
        : ` (1/(1−S) = ${numbers(nearTwoFifths.map((point) => 1 / point.density))})`
    }. Past the notebook's ${NOTEBOOK_SPARSEST} (ours, to ${beyond.to}) the D_i approach m/n as ` +
    `nearly every feature is learned${learnedAtEnd}, and D* falls below m/n as the norms grow ` +
    "past 1.";
}

/** The geometry of uniform superposition as a section of the figure book. */
export const geometry: Section<GeometrySettings> = {
  info: {
    name: "geometry",
    paper: "§6",
    title: "The geometry of superposition: uniform superposition",
    summary: "uniform importance, n=200, m=20 (paper: n=400, m=30): dimensions per feature and " +
      "each feature's dimensionality across sparsity",
  },
  scales: {
    quick: {
      steps: 3000,
      n: 200,
      m: 20,
      densities: 20,
      extension: { refine: { from: 3.5, to: 6.7 }, beyond: { count: 5, to: 100 } },
      restarts: 1,
      ...SCALE_TRAINING.quick,
    },
    paper: {
      steps: 10_000,
      n: 400,
      m: 30,
      densities: 40,
      extension: { refine: { from: 3.5, to: 6.7 }, beyond: { count: 10, to: 100 } },
      restarts: 1,
      ...SCALE_TRAINING.paper,
    },
  },
  setting: (settings) => ({
    model: `n=${settings.n}, m=${settings.m}`,
    steps: settings.steps,
    restarts: settings.restarts,
    sweep: sweepText("densities", powerSweep(20, settings.densities)),
  }),
  tables: [GEOMETRY_TABLE],
  runs: (settings, seed) => [
    { name: "geometry", run: geometryRun(settings, seed) },
    { name: "geometry_extra", run: geometryExtensionRun(settings, seed) },
  ],
  analyse(settings, trained) {
    const points = measure(trained);
    return {
      experiments: RUN_NAMES.map((name) => ({ experiment: name, ...trainedRun(trained, name) })),
      tables: {
        [GEOMETRY_TABLE.file]: points.flatMap((point) =>
          clusters(point).map(({ name, fraction, count }) => ({
            density: point.density,
            dims_per_feature: point.dimsPerFeature,
            fraction,
            configuration: name,
            count,
          }))
        ),
      },
      figures: [{
        name: "geometry",
        caption: geometryCaption(points, settings),
        svg: geometryFigure(points, settings),
      }],
      checks: geometryChecks(points),
    };
  },
};
