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

/** Pearson's correlation coefficient r of two equal-length lists (NaN when either is constant). */
function correlation(xs: readonly number[], ys: readonly number[]): number {
  const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const [mx, my] = [mean(xs), mean(ys)];
  let [sxy, sxx, syy] = [0, 0, 0];
  xs.forEach((x, k) => {
    sxy += (x - mx) * (ys[k] - my);
    sxx += (x - mx) ** 2;
    syy += (ys[k] - my) ** 2;
  });
  return sxy / Math.sqrt(sxx * syy);
}

/** The claims of §9, measured. */
function adversarialChecks(points: readonly Point[]): Check[] {
  if (points.length === 0) return [];
  const dense = points[0];
  const vulnerabilities = points.map((point) => point.vulnerability);
  const peak = Math.max(...vulnerabilities);
  const rise = peak / dense.vulnerability;
  const r = correlation(points.map((point) => point.featuresPerDimension), vulnerabilities);
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
      claim: "Vulnerability closely tracks the features per dimension ‖W‖²_F/m.",
      requires: "Pearson's r between the two over the sweep ≥ 0.9",
      measured: `r = ${numbers([r])} over ${points.length} densities`,
      status: verdict(r >= 0.9),
    },
  ];
}

/** Vulnerability and features per dimension against 1/(1−S); vulnerability against the latter. */
function adversarialFigure(points: readonly Point[]): string {
  const bySparsity = xyChart({
    xLabel: "1/(1−S)",
    yLabel: "vulnerability, features per dimension",
    logX: true,
    height: 300,
    series: [
      {
        name: "vulnerability (L′ − L)/(L′₀ − L₀)",
        mark: "line",
        points: points.map((point) => ({ x: 1 / point.density, y: point.vulnerability })),
      },
      {
        name: "features per dimension ‖W‖²/m",
        mark: "line",
        points: points.map((point) => ({ x: 1 / point.density, y: point.featuresPerDimension })),
      },
    ],
    rules: [{ y: 1, label: "no superposition" }],
  });
  const direct = xyChart({
    xLabel: "features per dimension ‖W‖²/m (Frobenius norm)",
    yLabel: "vulnerability",
    height: 300,
    series: [{
      name: "selected model at each density",
      mark: "dot",
      points: points.map((point) => ({ x: point.featuresPerDimension, y: point.vulnerability })),
    }],
  });
  return stackFigures([
    { heading: "vulnerability and features per dimension across sparsity", svgs: [bySparsity] },
    { heading: "vulnerability against features per dimension", svgs: [direct] },
  ]);
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
        caption: "The selected uniform-superposition model at each density (as in geometry), " +
          "attacked along (WᵀW)_i with λ = 0.1 × the mean input norm at its most harmful " +
          "feature: its vulnerability relative to a model without superposition rises with " +
          "sparsity as superposition forms, and follows the features per dimension.",
        svg: adversarialFigure(points),
      }],
      checks: adversarialChecks(points),
    };
  },
};
