/**
 * @module
 * `nonuniform`: perturbing a single feature (paper.md §7.1). Five features of importance 1 in
 * m = 2 dimensions at density 1−S = 0.05 form a regular pentagon; one feature (the last) is made
 * denser or sparser than the others, from 0.1× to 10×. When it is a few times sparser (the paper:
 * about 2.5×) the pentagon gives way to two digons (a square) with that feature dropped, a
 * first-order transition where the losses of the two geometries cross.
 *
 * As the paper does, both geometries are found at every point: besides random restarts, one fit
 * starts from a pentagon and one from two digons (given initial weights). Every fit is scored by
 * its expected loss, classified by its geometry, and the best loss of each geometry is compared.
 */
import { reluOutputExpectedLosses } from "../analysis/loss.ts";
import { canonicalDirections, featureCosine, representedFeatures } from "../analysis/geometry.ts";
import { instanceSeed } from "../engine/rng.ts";
import {
  logSpace,
  notebookRun,
  paramLayout,
  reluOutputModel,
  type RunSpec,
  weightMatrix,
} from "../engine/spec.ts";
import { xyChart } from "../figures/chart.ts";
import { featureDirectionsFigure } from "../figures/directions.ts";
import { niceFromZero } from "../figures/svg.ts";
import type { TableSpec } from "../io/tables.ts";
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

/** Features n, hidden dimensions m, and the others' density (a pentagon). */
export const NONUNIFORM_N = 5;
export const NONUNIFORM_M = 2;
export const BASE_DENSITY = 0.05;

/** The nonuniform section's settings at a scale. */
export interface NonuniformSettings extends SectionSettings, ScaleTraining {
  /** Relative densities of the varied feature, log-spaced from 0.1 to 10. */
  points: number;
  /** Random restarts per point, besides the two fits started from each geometry. */
  restarts: number;
}

/** The geometries compared. */
export type Arrangement = "pentagon" | "digons" | "other";

/** `transition.csv`: one row per relative density. */
export const TRANSITION_TABLE: TableSpec = {
  file: "transition.csv",
  row: "one relative density of the varied feature",
  columns: [
    { name: "relative_density", doc: "the varied feature's density over the others' (0.05)" },
    {
      name: "pentagon_loss",
      doc: "lowest expected loss per sample of the fits that are pentagons",
    },
    {
      name: "digon_loss",
      doc: "the same for two digons with the varied feature dropped (empty if no fit is one)",
    },
    { name: "best", doc: "the geometry of the lowest-loss fit: `pentagon`, `digons` or `other`" },
  ],
};

/** The relative densities of the varied feature: log-spaced 0.1 … 10. */
export function relativeDensities(points: number): number[] {
  return logSpace(0.1, 10, points);
}

/**
 * Initial parameters [W (2×5, row-major) | b] of a geometry: a regular pentagon of norm 1.1 with
 * b = −0.2 (the trained pentagon's scale and bias), or two antipodal pairs (features 0, 1 on one
 * axis, 2, 3 on the other) with the varied feature 4 at zero.
 */
export function arrangementParams(arrangement: "pentagon" | "digons"): number[] {
  const n = NONUNIFORM_N;
  const params = Array<number>(paramLayout(reluOutputModel(n, NONUNIFORM_M)).count).fill(0);
  const angles = arrangement === "pentagon"
    ? [0, 1, 2, 3, 4].map((i) => 2 * Math.PI * i / 5)
    : [0, Math.PI, Math.PI / 2, 3 * Math.PI / 2];
  const norm = arrangement === "pentagon" ? 1.1 : 1;
  angles.forEach((angle, i) => {
    params[i] = norm * Math.cos(angle);
    params[n + i] = norm * Math.sin(angle);
  });
  for (let i = 0; i < n; i++) params[2 * n + i] = arrangement === "pentagon" ? -0.2 : 0;
  return params;
}

/**
 * The run: one configuration per relative density r (features 0–3 at 0.05, feature 4 at 0.05·r),
 * each with `restarts` random fits and one fit started from each geometry.
 */
export function nonuniformRun(settings: NonuniformSettings, seed: number): RunSpec {
  const n = NONUNIFORM_N;
  const points = relativeDensities(settings.points).map((r) => ({
    importance: Array<number>(n).fill(1),
    density: [...Array<number>(n - 1).fill(BASE_DENSITY), BASE_DENSITY * r],
  }));
  const run = notebookRun(reluOutputModel(n, NONUNIFORM_M), points, { ...settings, seed });
  const started = (["pentagon", "digons"] as const).flatMap((arrangement) =>
    points.map((point, config) => ({
      ...point,
      config,
      initialParams: arrangementParams(arrangement),
    }))
  ).map((instance, index) => {
    const key = instanceSeed(seed, run.instances.length + index);
    return { ...instance, seed: key, dataSeed: key };
  });
  return { ...run, instances: [...run.instances, ...started] };
}

/** The geometry of a 2×5 W: all five represented, or features 0–3 in two antipodal pairs. */
export function arrangementOf(W: ArrayLike<number>): Arrangement {
  const n = NONUNIFORM_N;
  const represented = representedFeatures(W, NONUNIFORM_M, n);
  if (represented.length === n) return "pentagon";
  if (represented.join() !== "0,1,2,3") return "other";
  const paired = represented.every((i) =>
    represented.some((j) => j !== i && featureCosine(W, NONUNIFORM_M, n, i, j) < -0.9)
  );
  return paired ? "digons" : "other";
}

/** Per relative density: the best fit of each geometry and the overall best. */
function measure(trained: TrainedRuns, settings: NonuniformSettings) {
  const { run, result } = trainedRun(trained, "nonuniform");
  const ratios = relativeDensities(settings.points);
  const losses = reluOutputExpectedLosses(run, result);
  const fits = run.instances.map((instance, k) => {
    const W = weightMatrix(run.model, result.params[k]);
    const finite = result.finite[k];
    return {
      k,
      config: instance.config,
      W,
      arrangement: finite ? arrangementOf(W) : "other" as Arrangement,
      loss: finite ? losses[k] : Infinity,
    };
  });
  return ratios.map((ratio, config) => {
    const here = fits.filter((fit) => fit.config === config);
    const lowest = (arrangement?: Arrangement) =>
      here.filter((fit) => arrangement === undefined || fit.arrangement === arrangement)
        .reduce<typeof here[number] | undefined>(
          (best, fit) => best === undefined || fit.loss < best.loss ? fit : best,
          undefined,
        );
    return {
      ratio,
      pentagon: lowest("pentagon"),
      digons: lowest("digons"),
      best: lowest()!,
    };
  });
}

type Point = ReturnType<typeof measure>[number];

/**
 * Where the two geometries' losses cross, interpolated in log r between the last point where two
 * digons are better and the next, where the pentagon is; undefined if they never cross that way.
 */
export function crossing(
  points: readonly { ratio: number; pentagon?: number; digons?: number }[],
): number | undefined {
  for (let k = 0; k + 1 < points.length; k++) {
    const [a, b] = [points[k], points[k + 1]];
    if (a.pentagon === undefined || a.digons === undefined) continue;
    if (b.pentagon === undefined || b.digons === undefined) continue;
    const [da, db] = [a.pentagon - a.digons, b.pentagon - b.digons];
    if (da > 0 && db <= 0) {
      const t = da / (da - db);
      return Math.exp(Math.log(a.ratio) + t * (Math.log(b.ratio) - Math.log(a.ratio)));
    }
  }
  return undefined;
}

/**
 * The best fit's geometry along the relative densities, each stretch of one geometry as
 * "digons at 0.1–0.22 (3 points)".
 */
function arrangementRuns(points: readonly Point[]): string {
  const runs: { arrangement: Arrangement; ratios: number[] }[] = [];
  for (const point of points) {
    const last = runs.at(-1);
    if (last?.arrangement === point.best.arrangement) last.ratios.push(point.ratio);
    else runs.push({ arrangement: point.best.arrangement, ratios: [point.ratio] });
  }
  return runs.map(({ arrangement, ratios }) =>
    ratios.length === 1
      ? `${arrangement} at ${numbers(ratios, 2)}`
      : `${arrangement} at ${numbers([ratios[0]], 2)}–${numbers([ratios.at(-1)!], 2)} ` +
        `(${ratios.length} points)`
  ).join("; ");
}

/** Where the best fits' losses of the two geometries cross; see {@link crossing}. */
function measuredCrossing(points: readonly Point[]): number | undefined {
  return crossing(points.map((point) => ({
    ratio: point.ratio,
    pentagon: point.pentagon?.loss,
    digons: point.digons?.loss,
  })));
}

/** The caption's note of where the curves cross, against the paper's reading. */
function crossingNote(points: readonly Point[]): string {
  const at = measuredCrossing(points);
  return at === undefined
    ? "; here they do not cross from digons to the pentagon"
    : `, here at relative density ${numbers([at], 2)}, the varied feature ${
      numbers([1 / at], 2)
    }× sparser than the others (the paper reads about ${PAPER_SPARSER}× off its figure)`;
}

/** The paper's reading of the transition: the varied feature about 2.5× sparser than the others. */
const PAPER_SPARSER = 2.5;
/** How far from the paper's reading (a factor, either way) a crossing passes; read off a figure. */
const CROSSING_TOLERANCE = 1.4;

/** Whether a crossing at relative density `at` is within the tolerance of the paper's reading. */
function nearPaper(at: number): boolean {
  const sparser = 1 / at;
  return sparser >= PAPER_SPARSER / CROSSING_TOLERANCE &&
    sparser <= PAPER_SPARSER * CROSSING_TOLERANCE;
}

/** Whether the varied feature is "a few times" sparser at relative density `at`: 1.4–5×. */
function fewTimesSparser(at: number): boolean {
  return at >= 0.2 && at <= 0.7;
}

/** The claims of §7.1, measured. */
function nonuniformChecks(points: readonly Point[]): Check[] {
  const at = measuredCrossing(points);
  const sparsest = points[0];
  const dense = points.filter((point) => point.ratio >= 1);
  return [
    {
      id: "transition",
      figure: "nonuniform_losses",
      claim:
        "The pentagon gives way to two digons when the varied feature is a few times sparser " +
        "than the others (the paper: about 2.5×), where the two geometries' losses cross.",
      requires: "the losses cross, digons better below and the pentagon above, where the varied " +
        `feature is ${PAPER_SPARSER}× sparser within a factor ${CROSSING_TOLERANCE} ` +
        `(${numbers([PAPER_SPARSER / CROSSING_TOLERANCE], 2)}–${
          numbers([PAPER_SPARSER * CROSSING_TOLERANCE], 2)
        }×); partly: 1.4–5× sparser (relative density 0.2–0.7), a few times as the paper says`,
      measured: at === undefined
        ? "the losses do not cross from digons to pentagon"
        : `crossing at relative density ${numbers([at])} (${numbers([1 / at])}× sparser)` +
          (fewTimesSparser(at) && !nearPaper(at)
            ? `: the transition the paper finds, at a ${
              1 / at > PAPER_SPARSER ? "sparser" : "denser"
            } point than its about ${PAPER_SPARSER}×`
            : ""),
      status: verdict(
        at !== undefined && nearPaper(at),
        at !== undefined && fewTimesSparser(at),
      ),
    },
    {
      id: "sides",
      figure: "nonuniform",
      claim: "On the sparse side the best solution is two digons with the varied feature " +
        "dropped; from equal density up, the pentagon.",
      requires: "the lowest-loss fit is two digons at relative density 0.1 and a pentagon at " +
        "every relative density ≥ 1",
      measured: `best by relative density: ${arrangementRuns(points)}`,
      status: verdict(
        sparsest.best.arrangement === "digons" &&
          dense.length > 0 && dense.every((point) => point.best.arrangement === "pentagon"),
      ),
    },
  ];
}

/**
 * The W_i ∈ R² of a 2×5 W rotated so that the varied feature points right (W_0 where it is not
 * represented) and reflected so that the next feature off that axis is above it.
 */
function orientedDirections(W: ArrayLike<number>): [number, number][] {
  const n = NONUNIFORM_N;
  const varied = n - 1;
  const order = representedFeatures(W, NONUNIFORM_M, n).includes(varied)
    ? [varied, ...range(varied)]
    : range(n);
  const permuted = [...order, ...order.map((i) => n + i)].map((index) => W[index]);
  const oriented = canonicalDirections(permuted, n);
  return range(n).map((i) => oriented[order.indexOf(i)]);
}

/** Panels per row of the arrangements figure, so that it reads at a report's width. */
const ARRANGEMENT_COLUMNS = 5;

/** The two figures: the best fit's arrangement at each point, and the loss curves crossing. */
function nonuniformFigures(points: readonly Point[]) {
  const arrangements = featureDirectionsFigure(
    points.map((point) => ({
      title: `${numbers([point.ratio], 2)}× (${point.best.arrangement})`,
      directions: orientedDirections(point.best.W),
      shade: [0, 0, 0, 0, 1],
    })),
    [`the other four features (1−S = ${BASE_DENSITY})`, "the varied feature"],
    { columns: ARRANGEMENT_COLUMNS },
  );
  const curve = (arrangement: "pentagon" | "digons") =>
    points.flatMap((point) => {
      const fit = point[arrangement];
      return fit ? [{ x: point.ratio, y: fit.loss }] : [];
    });
  const series = [
    { name: "pentagon", mark: "line" as const, points: curve("pentagon") },
    { name: "two digons, varied feature dropped", mark: "line" as const, points: curve("digons") },
  ];
  const losses = xyChart({
    xLabel: "relative density of the varied feature",
    yLabel: "expected loss per sample",
    logX: true,
    series,
    yDomain: niceFromZero(Math.max(...series.flatMap((entry) => entry.points.map((p) => p.y)))),
  });
  return { arrangements, losses };
}

/** Perturbing a single feature as a section of the figure book. */
export const nonuniform: Section<NonuniformSettings> = {
  info: {
    name: "nonuniform",
    paper: "§7.1",
    title: "Non-uniform superposition: perturbing a single feature",
    summary: `n=5, m=2, I=1, 1−S = ${BASE_DENSITY}: one feature's density from 0.1× to 10× ` +
      "the others'; the pentagon → two digons transition where the geometries' losses cross",
  },
  scales: {
    quick: { steps: 3000, points: 13, restarts: 6, ...SCALE_TRAINING.quick },
    paper: { steps: 10_000, points: 25, restarts: 10, ...SCALE_TRAINING.paper },
  },
  setting: (settings) => ({
    model: `n=${NONUNIFORM_N}, m=${NONUNIFORM_M}`,
    steps: settings.steps,
    restarts: `${settings.restarts} + 2 (pentagon, digons)`,
    sweep: sweepText("relative densities", relativeDensities(settings.points)),
  }),
  tables: [TRANSITION_TABLE],
  runs: (settings, seed) => [{ name: "nonuniform", run: nonuniformRun(settings, seed) }],
  analyse(settings, trained) {
    const { run, result } = trainedRun(trained, "nonuniform");
    const points = measure(trained, settings);
    const selected = run.instances.map((_, k) => points.some((point) => point.best.k === k));
    const figures = nonuniformFigures(points);
    return {
      experiments: [{ experiment: "nonuniform", run, result, selected }],
      tables: {
        [TRANSITION_TABLE.file]: points.map((point) => ({
          relative_density: point.ratio,
          pentagon_loss: point.pentagon?.loss ?? NaN,
          digon_loss: point.digons?.loss ?? NaN,
          best: point.best.arrangement,
        })),
      },
      figures: [
        {
          name: "nonuniform",
          caption: "The best fit at each relative density of the varied feature (orange; the " +
            `other four, blue, at 1−S = ${BASE_DENSITY}), rotated so that the varied feature ` +
            "points right (W_0 where it is dropped): a pentagon that gives the denser feature " +
            "more room, and two digons with the varied feature dropped once it is sparse enough.",
          svg: figures.arrangements,
        },
        {
          name: "nonuniform_losses",
          caption: "The lowest expected loss of the fits of each geometry: the curves cross at " +
            "the transition (a first-order phase change)" + crossingNote(points) + ".",
          svg: figures.losses,
        },
      ],
      checks: nonuniformChecks(points),
    };
  },
};
