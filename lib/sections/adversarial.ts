/**
 * @module
 * `adversarial`: superposition and adversarial vulnerability (paper.md §9). The paper gives no
 * model size or sparsity grid; we take the uniform-superposition models of `geometry` (the same
 * runs, so the figure book trains them once) and attack the selected model at each density with
 * the paper's analytic L2 attack (`analyticAttack`), measuring its vulnerability relative to a
 * model without superposition, (L′ − L)/(L′₀ − L₀), against the features per dimension ‖W‖²_F/m.
 */
import { analyticAttack, relativeVulnerability } from "../analysis/adversarial.ts";
import { dimensionsPerFeature } from "../analysis/metrics.ts";
import { drawBatch } from "../engine/data.ts";
import { selectedInstances } from "../engine/result.ts";
import { biasVector, weightMatrix } from "../engine/spec.ts";
import { xyChart } from "../figures/chart.ts";
import { stackFigures } from "../figures/compose.ts";
import { DENSITY_COLUMN, type TableSpec } from "../io/tables.ts";
import { geometry, geometryRun, type GeometrySettings } from "./geometry.ts";
import {
  type Check,
  numbers,
  type Section,
  trainedRun,
  type TrainedRuns,
  verdict,
} from "./section.ts";

/** The adversarial section's settings: the uniform-superposition runs, and the attack's samples. */
export interface AdversarialSettings extends GeometrySettings {
  /** Inputs drawn from each density's distribution to average the losses over. */
  samples: number;
}

/** Seed of the attack's samples (apart from training's data streams). */
const ATTACK_SAMPLES_SEED = 0x9a77ac;

/** `adversarial.csv`: the selected model at each density, attacked. */
export const ADVERSARIAL_TABLE: TableSpec = {
  file: "adversarial.csv",
  row: "the selected model at one density",
  columns: [
    DENSITY_COLUMN,
    { name: "features_per_dimension", doc: "‖W‖²_F / m = 1/D* (1 without superposition)" },
    { name: "loss", doc: "L: the loss per sample (paper normalisation) on the attack's samples" },
    {
      name: "attacked_loss",
      doc: "L′: the same on x + δ, δ = λ (WᵀW)_i/‖(WᵀW)_i‖ at the most harmful i, λ = 0.1·E‖x‖",
    },
    {
      name: "vulnerability",
      doc: "(L′ − L)/(L′₀ − L₀), relative to a model without superposition (L′₀ − L₀ = λ²)",
    },
  ],
};

/** The selected model at each density (dense first), attacked. */
function attackEach(trained: TrainedRuns, settings: AdversarialSettings) {
  const { run, result } = trainedRun(trained, "uniform");
  const { m, n } = run.model;
  return selectedInstances(run, result.selected).flatMap((k) => {
    if (k < 0 || !result.finite[k]) return [];
    const { density, importance } = run.instances[k];
    const W = weightMatrix(run.model, result.params[k]);
    const samples = drawBatch(run.data, density, ATTACK_SAMPLES_SEED, 0, settings.samples);
    const outcome = analyticAttack(
      W,
      biasVector(run.model, result.params[k]),
      m,
      importance,
      samples,
    );
    return [{
      density: density[0],
      featuresPerDimension: 1 / dimensionsPerFeature(W, m, n),
      ...outcome,
      vulnerability: relativeVulnerability(outcome, importance),
    }];
  });
}

type Point = ReturnType<typeof attackEach>[number];

/** The means of two equal-length lists and their centred sums Σxy, Σxx, Σyy. */
function centredSums(xs: readonly number[], ys: readonly number[]) {
  const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const [mx, my] = [mean(xs), mean(ys)];
  let [sxy, sxx, syy] = [0, 0, 0];
  xs.forEach((x, k) => {
    sxy += (x - mx) * (ys[k] - my);
    sxx += (x - mx) ** 2;
    syy += (ys[k] - my) ** 2;
  });
  return { mx, my, sxy, sxx, syy };
}

/** Pearson's correlation coefficient r of two equal-length lists (NaN when either is constant). */
function correlation(xs: readonly number[], ys: readonly number[]): number {
  const { sxy, sxx, syy } = centredSums(xs, ys);
  return sxy / Math.sqrt(sxx * syy);
}

/** The least-squares line y ≈ a + b·x: slope b = Σxy/Σxx and intercept a = ȳ − b·x̄. */
function leastSquares(xs: readonly number[], ys: readonly number[]) {
  const { mx, my, sxy, sxx } = centredSums(xs, ys);
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

/** Relative gap |vulnerability − features per dimension| / features per dimension. */
function gap(point: Point): number {
  return Math.abs(point.vulnerability - point.featuresPerDimension) / point.featuresPerDimension;
}

/** Vulnerability within this share of the features per dimension counts as equal. */
const TRACKING_TOLERANCE = 0.1;
/** Least-squares slopes of vulnerability on features per dimension that count as tracking. */
const TRACKING_SLOPES = [0.8, 1.25] as const;

/**
 * How far the vulnerability follows the features per dimension: Pearson's r, the least-squares
 * slope of vulnerability on ‖W‖²_F/m, the points where the two agree within
 * {@link TRACKING_TOLERANCE}, and the sparsest of them.
 */
function tracking(points: readonly Point[]) {
  const xs = points.map((point) => point.featuresPerDimension);
  const ys = points.map((point) => point.vulnerability);
  const agreeing = points.filter((point) => gap(point) <= TRACKING_TOLERANCE);
  return {
    r: correlation(xs, ys),
    ...leastSquares(xs, ys),
    agreeing,
    lastAgreeing: agreeing[agreeing.length - 1] as Point | undefined,
  };
}

/** "at 12 of 20 densities, none beyond 1/(1−S) = 4.1 (‖W‖²_F/m = 2.2)". */
function agreementText(points: readonly Point[]): string {
  const { agreeing, lastAgreeing } = tracking(points);
  return `at ${agreeing.length} of ${points.length} densities` +
    (lastAgreeing
      ? `, none beyond 1/(1−S) = ${numbers([1 / lastAgreeing.density], 2)} (‖W‖²_F/m = ${
        numbers([lastAgreeing.featuresPerDimension], 2)
      })`
      : "");
}

/** The claims of §9, measured. */
function adversarialChecks(points: readonly Point[]): Check[] {
  if (points.length === 0) return [];
  const dense = points[0];
  const sparsest = points[points.length - 1];
  const vulnerabilities = points.map((point) => point.vulnerability);
  const peak = Math.max(...vulnerabilities);
  const rise = peak / dense.vulnerability;
  const { r, slope } = tracking(points);
  const slopeTracks = slope >= TRACKING_SLOPES[0] && slope <= TRACKING_SLOPES[1];
  return [
    {
      id: "dense-reference",
      figure: "adversarial",
      claim: "Without superposition a model is as vulnerable as the reference: dense features " +
        "get dedicated dimensions.",
      requires: "at 1−S = 1, vulnerability within 0.8–1.25 and ‖W‖²_F/m within 0.9–1.1",
      measured: `vulnerability ${numbers([dense.vulnerability])}, features per dimension ${
        numbers([dense.featuresPerDimension])
      }`,
      status: verdict(
        dense.density === 1 && dense.vulnerability >= 0.8 && dense.vulnerability <= 1.25 &&
          Math.abs(dense.featuresPerDimension - 1) <= 0.1,
      ),
    },
    {
      id: "sharp-rise",
      figure: "adversarial",
      claim: "Vulnerability sharply increases as superposition forms (by more than 3×).",
      requires: "the largest vulnerability over the sweep ≥ 3 × the dense model's",
      measured: `largest ${numbers([peak])} at 1−S = ${
        numbers([points[vulnerabilities.indexOf(peak)].density])
      }: ${numbers([rise])}× the dense model's`,
      status: verdict(rise >= 3),
    },
    {
      id: "tracks-features-per-dimension",
      figure: "adversarial",
      claim: "Vulnerability closely tracks the features per dimension ‖W‖²_F/m, and is highly " +
        "correlated with it.",
      requires: "Pearson's r between the two over the sweep ≥ 0.9 (highly correlated); the " +
        `least-squares slope of vulnerability on ‖W‖²_F/m within ${TRACKING_SLOPES[0]}–` +
        `${TRACKING_SLOPES[1]} (tracks it: holds only partly otherwise)`,
      measured:
        `r = ${numbers([r])} over ${points.length} densities; slope ${
          numbers([slope], 2)
        }: the two agree within ${100 * TRACKING_TOLERANCE}% ${
          agreementText(points)
        }, then vulnerability grows more slowly: ${numbers([sparsest.vulnerability], 2)} ` +
        `against ${numbers([sparsest.featuresPerDimension], 2)} at 1/(1−S) = ${
          numbers([1 / sparsest.density], 2)
        }${slopeTracks ? "" : ": highly correlated, but it tracks them only partly"}`,
      status: verdict(r >= 0.9 && slopeTracks, r >= 0.9),
    },
  ];
}

/**
 * Vulnerability and features per dimension against 1/(1−S); vulnerability against the latter,
 * beside y = x (where the two would be equal).
 */
function adversarialFigure(points: readonly Point[]): string {
  const bySparsity = xyChart({
    xLabel: "1/(1−S)",
    yLabel: "vulnerability, features per dimension",
    logX: true,
    height: 300,
    series: [
      {
        name: "vulnerability (L′ − L)/(L′₀ − L₀)",
        mark: "connected",
        points: points.map((point) => ({ x: 1 / point.density, y: point.vulnerability })),
      },
      {
        name: "features per dimension ‖W‖²_F/m",
        mark: "connected",
        points: points.map((point) => ({ x: 1 / point.density, y: point.featuresPerDimension })),
      },
    ],
    rules: [{ y: 1, label: "no superposition" }],
  });
  const extent = [
    Math.min(...points.map((point) => point.featuresPerDimension)),
    Math.max(...points.map((point) => point.featuresPerDimension)),
  ];
  const direct = xyChart({
    xLabel: "features per dimension ‖W‖²_F/m",
    yLabel: "vulnerability (L′ − L)/(L′₀ − L₀)",
    height: 300,
    series: [
      { name: "y = x", mark: "guide", points: extent.map((x) => ({ x, y: x })) },
      {
        name: "selected model at each density",
        mark: "dot",
        points: points.map((point) => ({ x: point.featuresPerDimension, y: point.vulnerability })),
      },
    ],
  });
  return stackFigures([
    { heading: "vulnerability and features per dimension across sparsity", svgs: [bySparsity] },
    { heading: "vulnerability against features per dimension", svgs: [direct] },
  ]);
}

/** The figure's caption: what the attack is, and how far vulnerability tracks ‖W‖²_F/m. */
function adversarialCaption(points: readonly Point[]): string {
  if (points.length === 0) return "No finite model to attack.";
  const { r, slope } = tracking(points);
  const sparsest = points[points.length - 1];
  return "The selected uniform-superposition model at each density (as in geometry), attacked " +
    "along (WᵀW)_i with λ = 0.1 × the mean input norm at its most harmful feature: its " +
    "vulnerability relative to a model without superposition rises with sparsity as " +
    "superposition forms. It equals the features per dimension ‖W‖²_F/m within " +
    `${100 * TRACKING_TOLERANCE}% ${agreementText(points)}, then rises more slowly (${
      numbers([sparsest.vulnerability], 2)
    } against ${numbers([sparsest.featuresPerDimension], 2)} at 1/(1−S) = ${
      numbers([1 / sparsest.density], 2)
    }): the two are highly correlated ` +
    `(r = ${numbers([r])}), but the dots fall below y = x, with a least-squares slope of ${
      numbers([slope], 2)
    }.`;
}

/** Adversarial vulnerability as a section of the figure book. */
export const adversarial: Section<AdversarialSettings> = {
  info: {
    name: "adversarial",
    paper: "§9",
    title: "Superposition and adversarial robustness",
    summary: "the analytic L2 attack on the uniform-superposition models across sparsity: " +
      "vulnerability relative to a model without superposition, against ‖W‖²_F/m",
  },
  scales: {
    quick: { ...geometry.scales.quick, samples: 1024 },
    paper: { ...geometry.scales.paper, samples: 4096 },
  },
  setting: (settings) => {
    const uniform = geometry.setting(settings);
    return { ...uniform, sweep: `${uniform.sweep}; ${settings.samples} attack samples` };
  },
  tables: [ADVERSARIAL_TABLE],
  runs: (settings, seed) => [{ name: "uniform", run: geometryRun(settings, seed) }],
  analyse(settings, trained) {
    const { run, result } = trainedRun(trained, "uniform");
    const points = attackEach(trained, settings);
    return {
      experiments: [{ experiment: "uniform", run, result }],
      tables: {
        [ADVERSARIAL_TABLE.file]: points.map((point) => ({
          density: point.density,
          features_per_dimension: point.featuresPerDimension,
          loss: point.loss,
          attacked_loss: point.attackedLoss,
          vulnerability: point.vulnerability,
        })),
      },
      figures: [{
        name: "adversarial",
        caption: adversarialCaption(points),
        svg: adversarialFigure(points),
      }],
      checks: adversarialChecks(points),
    };
  },
};
