/**
 * @module
 * `geometry`: the geometry of superposition with uniform importance (paper.md §6). The ReLU output
 * model x' = ReLU(WᵀW x + b) with every I_i = 1, over densities 1−S from 1 to 1/20: the dimensions
 * per feature D* = m/‖W‖²_F against 1/(1−S), each learned feature's dimensionality
 * D_i = ‖W_i‖²/Σ_j (Ŵ_i·W_j)² overlaid, and the configurations whose fractions the D_i cluster at
 * (a dedicated dimension 1, tetrahedron 3/4, triangle 2/3, digon 1/2, pentagon 2/5, square
 * antiprism 3/8). Quick scale is the notebook's n = 200, m = 20; paper scale the paper's n = 400,
 * m = 30 over a finer sweep.
 */
import { representedFeatures } from "../analysis/geometry.ts";
import { dimensionsPerFeature, featureDimensionality } from "../analysis/metrics.ts";
import { REFERENCE_DIMENSIONALITIES } from "../analysis/theory.ts";
import { selectedInstances } from "../engine/result.ts";
import {
  densitySweep,
  notebookRun,
  powerSweep,
  reluOutputModel,
  type RunSpec,
  weightMatrix,
} from "../engine/spec.ts";
import { xyChart } from "../figures/chart.ts";
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
  /** Densities 20^−t for `densities` values of t = linspace(0, 1). */
  densities: number;
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

/** The run: uniform importance, one configuration per density; see {@link notebookRun}. */
export function geometryRun(settings: GeometrySettings, seed: number): RunSpec {
  const { n, m } = settings;
  const points = densitySweep(Array<number>(n).fill(1), powerSweep(20, settings.densities));
  return notebookRun(reluOutputModel(n, m), points, { ...settings, seed });
}

/** Per density (dense first): D*, the learned features' D_i, and their Σ over all features. */
function measure(trained: TrainedRuns) {
  const { run, result } = trainedRun(trained, "geometry");
  const { m, n } = run.model;
  return selectedInstances(run, result.selected).flatMap((k) => {
    if (k < 0) return [];
    const W = weightMatrix(run.model, result.params[k]);
    const dimensionality = featureDimensionality(W, m, n);
    const learned = representedFeatures(W, m, n).map((i) => dimensionality[i]);
    return [{
      density: run.instances[k].density[0],
      dimsPerFeature: dimensionsPerFeature(W, m, n),
      learned,
      total: dimensionality.reduce((sum, d) => sum + d, 0),
      m,
    }];
  });
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

/** The paper's figure: D* against 1/(1−S), the learned D_i as dots, the fractions as rules. */
function geometryFigure(points: readonly Point[]): string {
  return xyChart({
    xLabel: "1/(1−S)",
    yLabel: "dimensions per feature",
    logX: true,
    series: [
      {
        name: "m/‖W‖²_F",
        mark: "line",
        points: points.map((point) => ({ x: 1 / point.density, y: point.dimsPerFeature })),
      },
      {
        name: "feature dimensionality Dᵢ",
        mark: "dot",
        points: points.flatMap((point) =>
          point.learned.map((d) => ({ x: 1 / point.density, y: d }))
        ),
      },
    ],
    rules: CONFIGURATIONS.map(({ name, fraction, label }) => ({
      y: fraction,
      label: `${label} ${name}`,
    })),
    width: 800,
    height: 540,
  });
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
    quick: { steps: 3000, n: 200, m: 20, densities: 20, restarts: 1, ...SCALE_TRAINING.quick },
    paper: { steps: 10_000, n: 400, m: 30, densities: 40, restarts: 1, ...SCALE_TRAINING.paper },
  },
  setting: (settings) => ({
    model: `n=${settings.n}, m=${settings.m}`,
    steps: settings.steps,
    restarts: settings.restarts,
    sweep: sweepText("densities", powerSweep(20, settings.densities)),
  }),
  tables: [GEOMETRY_TABLE],
  runs: (settings, seed) => [{ name: "geometry", run: geometryRun(settings, seed) }],
  analyse(_settings, trained) {
    const { run, result } = trainedRun(trained, "geometry");
    const points = measure(trained);
    return {
      experiments: [{ experiment: "geometry", run, result }],
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
        caption: "Dimensions per feature m/‖W‖²_F (line) against 1/(1−S), and the dimensionality " +
          "D_i of every learned feature (dots), with the fractions of the configurations they " +
          "cluster at: a dedicated dimension, tetrahedron, triangle, digon, pentagon, square " +
          "antiprism.",
        svg: geometryFigure(points),
      }],
      checks: geometryChecks(points),
    };
  },
};
