/**
 * @module
 * `sae`: sparse autoencoders on the toy models, a follow-up after the SAE literature (Bricken et
 * al. 2023, Sharkey et al. 2022; the digest's paper.md §14.2: ARENA's and the MATS exercises).
 * Two ReLU-output toy models are trained first, best of k: n = 5, m = 2 at 1−S = 0.1 (a pentagon)
 * and n = 100, m = 20 at 1−S = 0.02 (every feature in superposition). Then, on each selected
 * toy's hidden activations h = W x, SAEs z = ReLU(W_enc h + b_enc), ĥ = W_decᵀ z + b_dec with an L1
 * penalty λ‖z‖₁, unit-norm decoder rows and dead-latent resampling, over a grid of λ and
 * dictionary sizes d, every SAE an instance of one run per (toy, d).
 *
 * An SAE recovers feature i when some decoder row has cosine above 0.9 with W_i. With a suitable
 * λ and d every represented feature is recovered; too small a λ leaves dense codes that match no
 * feature, too large a λ starves the latents, and fewer latents than features cannot recover
 * them all.
 */
import { deadLatents, featureRecovery, type Recovery } from "../analysis/sae.ts";
import { instanceSeed } from "../engine/rng.ts";
import { decoderRows, type SaeRun, toyHiddenBatch } from "../engine/sae.ts";
import {
  densitySweep,
  INDEPENDENT_DATA,
  NOTEBOOK_OPTIMIZER,
  notebookRun,
  reluOutputModel,
  type RunSpec,
  weightMatrix,
} from "../engine/spec.ts";
import { xyChart } from "../figures/chart.ts";
import { featureDirectionsFigure } from "../figures/directions.ts";
import type { Row, TableSpec } from "../io/tables.ts";
import {
  type Check,
  type Citation,
  citations,
  type NamedRun,
  numbers,
  SCALE_TRAINING,
  type ScaleTraining,
  type Section,
  type SectionSettings,
  type Trained,
  trainedRun,
  type TrainedRuns,
  verdict,
} from "./section.ts";

/** A toy model and the SAEs trained on it. */
export interface SaeToy {
  /** "NxM": the run's name and the `toy_model` column. */
  name: string;
  n: number;
  m: number;
  /** The toy's feature density 1 − S (every I_i = 1). */
  density: number;
  /** Best-of-k restarts of the toy. */
  restarts: number;
  /** Dictionary sizes d: one SAE run each. */
  latents: number[];
  /** L1 coefficients λ: the configurations of each SAE run. */
  l1: number[];
  /** SAE seeds per (λ, d). */
  seeds: number;
  /** SAE batch rows per step. */
  batch: number;
}

/** The sae section's settings at a scale; `steps` trains the toys and the SAEs. */
export interface SaeSettings extends SectionSettings, ScaleTraining {
  toys: SaeToy[];
  /** The SAEs' Adam learning rate (constant). */
  saeLr: number;
  /** Fresh toy samples on which a latent that never fires counts as dead. */
  evaluation: number;
}

/** The SAE literature this section follows. */
export const SAE_PAPERS: readonly Citation[] = [
  {
    cite: "Bricken et al. 2023",
    title: "Towards Monosemanticity: Decomposing Language Models With Dictionary Learning",
    url: "https://transformer-circuits.pub/2023/monosemantic-features/index.html",
  },
  {
    cite: "Sharkey et al. 2022",
    title: "Taking features out of superposition with sparse autoencoders",
    url: "https://www.alignmentforum.org/posts/z6QQJbtpkEAX3Aojj/" +
      "interim-research-report-taking-features-out-of-superposition",
  },
];

/** Resampling happens after these fractions of the SAE steps. */
const RESAMPLE_FRACTIONS = [0.2, 0.4, 0.6];
/** A latent is dead at a resampling step when it fired on no row for this fraction of the steps. */
const RESAMPLE_WINDOW = 0.1;
/** Salt of the SAE runs' seeds. */
const SAE_SALT = 0x5ae;

/** `sae.csv`: one row per SAE. */
export const SAE_TABLE: TableSpec = {
  file: "sae.csv",
  row: "one SAE trained on a toy model's hidden activations h = W x",
  columns: [
    { name: "toy_model", doc: "the toy model, n×m (e.g. 5x2)" },
    { name: "l1", doc: "λ of the L1 penalty λ‖z‖₁ on the latents" },
    { name: "dictionary_size", doc: "latents d" },
    { name: "seed", doc: "the SAE's initial-weight seed" },
    {
      name: "recovered",
      doc: "represented features i with max_l cos(W_i, W_dec[l]) > 0.9",
    },
    { name: "represented", doc: "features the toy represents, ‖W_i‖ > 0.5" },
    { name: "mean_max_cosine", doc: "mean over represented features of max_l cos(W_i, W_dec[l])" },
    {
      name: "dead_latents",
      doc: "latents that fire on none of the evaluation inputs (fresh toy samples)",
    },
  ],
};

/** The toy run of `toy`: the ReLU-output model, I = 1, its density, best of `restarts`. */
function toyRun(settings: SaeSettings, toy: SaeToy, seed: number): RunSpec {
  return notebookRun(
    reluOutputModel(toy.n, toy.m),
    densitySweep(Array<number>(toy.n).fill(1), [toy.density]),
    { ...settings, restarts: toy.restarts, seed },
  );
}

/** The toy's selected model's W (m×n), or undefined when no restart is finite. */
function selectedWeights({ run, result }: Trained): number[] | undefined {
  const k = result.selected.indexOf(true);
  return k < 0 ? undefined : Array.from(weightMatrix(run.model, result.params[k]));
}

/** The SAE run of dictionary size `latents` on a trained toy: every λ × seed an instance. */
function saeRun(
  settings: SaeSettings,
  toy: SaeToy,
  latents: number,
  toyWeights: number[],
  runSeed: number,
): SaeRun {
  const { steps } = settings;
  return {
    sae: {
      toyFeatures: toy.n,
      toyHidden: toy.m,
      latents,
      resample: {
        steps: RESAMPLE_FRACTIONS.map((fraction) => Math.round(fraction * steps))
          .filter((step) => step >= 1 && step < steps),
        window: Math.max(1, Math.round(RESAMPLE_WINDOW * steps)),
        candidates: 1024,
        encoderScale: 0.2,
      },
    },
    data: INDEPENDENT_DATA,
    optimizer: { ...NOTEBOOK_OPTIMIZER, lr: settings.saeLr, weightDecay: 0 },
    batch: toy.batch,
    steps,
    instances: Array.from({ length: toy.seeds }, (_, s) =>
      toy.l1.map((l1, config) => {
        const seed = instanceSeed(runSeed, s * toy.l1.length + config);
        return {
          config,
          seed,
          dataSeed: seed,
          density: Array<number>(toy.n).fill(toy.density),
          toyWeights,
          l1,
        };
      })).flat(),
    snapshotSteps: [],
  };
}

/** The name of the SAE run of dictionary size d on `toy`. */
function saeRunName(toy: SaeToy, latents: number): string {
  return `sae_${toy.name}_d${latents}`;
}

/** One measured SAE. */
interface SaeMeasure {
  toy: SaeToy;
  latents: number;
  l1: number;
  seed: number;
  recovery: Recovery;
  dead: number;
  /** The decoder rows W_dec[l] ∈ Rᵐ. */
  decoder: Float64Array[];
}

/** Every finite SAE of every run, measured against its toy's W. */
function measure(
  settings: SaeSettings,
  trained: TrainedRuns,
  followUps: TrainedRuns<SaeRun>,
): SaeMeasure[] {
  return settings.toys.flatMap((toy) => {
    const W = selectedWeights(trainedRun(trained, toy.name));
    if (!W) return [];
    return toy.latents.flatMap((latents) => {
      const sae = followUps.get(saeRunName(toy, latents));
      if (!sae) return [];
      const { run, result } = sae;
      return run.instances.flatMap((instance, k) => {
        if (!result.finite[k]) return [];
        const params = result.params[k];
        const decoder = decoderRows(run.sae, params);
        const inputs = toyHiddenBatch(run.sae, instance, run.steps, 0, settings.evaluation);
        return [{
          toy,
          latents,
          l1: instance.l1,
          seed: instance.seed,
          recovery: featureRecovery(W, toy.m, toy.n, decoder),
          dead: deadLatents(run.sae, params, inputs).length,
          decoder,
        }];
      });
    });
  });
}

/** Rows of `sae.csv`. */
function saeRows(measures: readonly SaeMeasure[]): Row[] {
  return measures.map(({ toy, latents, l1, seed, recovery, dead }) => ({
    toy_model: toy.name,
    l1,
    dictionary_size: latents,
    seed,
    recovered: recovery.recovered,
    represented: recovery.represented.length,
    mean_max_cosine: recovery.meanMaxCosine,
    dead_latents: dead,
  }));
}

/** The best SAE of a selection: most features recovered, then the highest mean max cosine. */
function best(measures: readonly SaeMeasure[]): SaeMeasure | undefined {
  return [...measures].sort((a, b) =>
    b.recovery.recovered - a.recovery.recovered ||
    b.recovery.meanMaxCosine - a.recovery.meanMaxCosine
  )[0];
}

/** "r/k" recovered of represented. */
function fraction(measure: SaeMeasure | undefined): string {
  return measure
    ? `${measure.recovery.recovered}/${measure.recovery.represented.length}`
    : "no finite SAE";
}

/** The claims about SAEs on toy models, measured. */
function saeChecks(settings: SaeSettings, measures: readonly SaeMeasure[]): Check[] {
  const [small, large] = settings.toys;
  const of = (toy: SaeToy) => measures.filter((measure) => measure.toy === toy);
  const recoversAll = (toy: SaeToy): Check => {
    const top = best(of(toy));
    const represented = top?.recovery.represented.length ?? 0;
    return {
      id: `recovers-all-${toy.name}`,
      figure: toy === small ? "directions" : "recovery",
      claim: `With a suitable L1 coefficient and dictionary size, an SAE on the ${toy.name} toy ` +
        "model's hidden activations recovers every feature the model represents.",
      requires: `the toy represents more features than its m = ${toy.m} dimensions, and some ` +
        "SAE has a decoder row with cosine > 0.9 for every one of them",
      measured: top
        ? `best: ${fraction(top)} at λ = ${top.l1}, d = ${top.latents} (mean max cosine ${
          numbers([top.recovery.meanMaxCosine])
        })`
        : "no finite SAE",
      status: verdict(
        top !== undefined && represented > toy.m && top.recovery.recovered === represented,
      ),
    };
  };
  const largest = Math.max(...large.latents);
  const atLargest = of(large).filter((measure) => measure.latents === largest);
  const byL1 = large.l1.map((l1) =>
    Math.max(0, ...atLargest.filter((m) => m.l1 === l1).map((m) => m.recovery.recovered))
  );
  const peak = Math.max(...byL1);
  const smallest = Math.min(...large.latents);
  const bestAt = (latents: number) =>
    Math.max(0, ...of(large).filter((m) => m.latents === latents).map((m) => m.recovery.recovered));
  return [
    recoversAll(small),
    recoversAll(large),
    {
      id: "l1-tradeoff",
      figure: "recovery",
      claim: "The L1 coefficient trades reconstruction for sparsity: too small a λ leaves dense " +
        "codes that match no feature, too large a λ starves the latents.",
      requires: `${large.name}, d = ${largest}: fewer features recovered at the smallest and at ` +
        "the largest λ than at the best one",
      measured: `recovered at λ = ${numbers(large.l1)}: ${byL1.join(", ")}`,
      status: verdict(peak > 0 && byL1[0] < peak && byL1[byL1.length - 1] < peak),
    },
    {
      id: "dictionary-size",
      figure: "recovery",
      claim: "A dictionary with fewer latents than the features represented cannot recover " +
        "them all; a larger one recovers more.",
      requires: `${large.name}: best recovered with d = ${largest} above the best with d = ` +
        `${smallest} (which is at most ${smallest})`,
      measured: `best recovered: d = ${smallest}: ${bestAt(smallest)}, d = ${largest}: ${
        bestAt(largest)
      }`,
      status: verdict(bestAt(largest) > bestAt(smallest)),
    },
  ];
}

/** Sparse autoencoders on the toy models as a section of the figure book. */
export const sae: Section<SaeSettings> = {
  info: {
    name: "sae",
    paper: citations(SAE_PAPERS),
    followUp: SAE_PAPERS,
    title: "Sparse autoencoders on the toy models",
    summary: "SAEs with an L1 penalty, unit-norm decoder rows and dead-latent resampling, on " +
      "the hidden activations of toy models n=5, m=2 and n=100, m=20, over λ and the " +
      "dictionary size: the features recovered (cosine > 0.9)",
  },
  scales: {
    quick: {
      steps: 2000,
      ...SCALE_TRAINING.quick,
      saeLr: 3e-3,
      evaluation: 4096,
      toys: [
        {
          name: "5x2",
          n: 5,
          m: 2,
          density: 0.1,
          restarts: 8,
          latents: [5, 10],
          l1: [0.03, 0.1, 0.3, 1],
          seeds: 2,
          batch: 1024,
        },
        {
          name: "100x20",
          n: 100,
          m: 20,
          density: 0.02,
          restarts: 4,
          latents: [50, 150],
          l1: [0.003, 0.03, 0.1],
          seeds: 1,
          batch: 256,
        },
      ],
    },
    paper: {
      steps: 10_000,
      ...SCALE_TRAINING.paper,
      saeLr: 1e-3,
      evaluation: 16_384,
      toys: [
        {
          name: "5x2",
          n: 5,
          m: 2,
          density: 0.1,
          restarts: 16,
          latents: [5, 10, 20],
          l1: [0.01, 0.03, 0.1, 0.3, 1],
          seeds: 4,
          batch: 1024,
        },
        {
          name: "100x20",
          n: 100,
          m: 20,
          density: 0.02,
          restarts: 8,
          latents: [50, 100, 150, 200],
          l1: [0.003, 0.01, 0.03, 0.1],
          seeds: 2,
          batch: 1024,
        },
      ],
    },
  },
  setting: (settings) => ({
    model: settings.toys.map((toy) => `n=${toy.n}, m=${toy.m}`).join("; ") + ", and SAEs on each",
    steps: settings.steps,
    restarts: `toys ${settings.toys.map((toy) => toy.restarts).join(", ")}`,
    sweep: settings.toys.map((toy) =>
      `${toy.name}: ${toy.l1.length} λ × ${toy.latents.length} d × ${toy.seeds} seed${
        toy.seeds === 1 ? "" : "s"
      }`
    ).join("; "),
  }),
  tables: [SAE_TABLE],
  runs: (settings, seed): NamedRun[] =>
    settings.toys.map((toy) => ({ name: toy.name, run: toyRun(settings, toy, seed) })),
  followUps(settings, seed, trained): NamedRun<SaeRun>[] {
    return settings.toys.flatMap((toy, t) => {
      const W = selectedWeights(trainedRun(trained, toy.name));
      if (!W) return [];
      return toy.latents.map((latents, d) => ({
        name: saeRunName(toy, latents),
        run: saeRun(settings, toy, latents, W, instanceSeed(seed, SAE_SALT + 16 * t + d)),
      }));
    });
  },
  analyse(settings, trained, followUps) {
    const measures = measure(settings, trained, followUps);
    const [small] = settings.toys;
    const smallest = Math.min(...small.latents);
    const panels = small.l1.flatMap((l1) => {
      const top = best(
        measures.filter((m) => m.toy === small && m.latents === smallest && m.l1 === l1),
      );
      const W = selectedWeights(trainedRun(trained, small.name));
      if (!top || !W) return [];
      const columns = Array.from(
        { length: small.n },
        (_, i) => [W[i], W[small.n + i]] as [number, number],
      );
      const rows = top.decoder.map((row) => [row[0], row[1]] as [number, number]);
      return [{
        title: `λ = ${l1}: ${fraction(top)}`,
        directions: [...columns, ...rows],
        shade: [...columns.map(() => 0), ...rows.map(() => 1)],
      }];
    });
    const series = settings.toys.flatMap((toy) =>
      toy.latents.map((latents) => ({
        name: `${toy.name}, d = ${latents}`,
        mark: "line" as const,
        points: toy.l1.map((l1) => {
          const top = best(
            measures.filter((m) => m.toy === toy && m.latents === latents && m.l1 === l1),
          );
          return {
            x: l1,
            y: top ? top.recovery.recovered / Math.max(1, top.recovery.represented.length) : 0,
          };
        }),
      }))
    );
    return {
      experiments: settings.toys.map((toy) => ({
        experiment: toy.name,
        ...trainedRun(trained, toy.name),
      })),
      tables: { [SAE_TABLE.file]: saeRows(measures) },
      figures: [
        {
          name: "directions",
          caption: `The ${small.name} toy model's feature directions W_i and the decoder rows ` +
            `of its best SAE with d = ${smallest} at each λ (panel title: features recovered). ` +
            "A recovered feature has a decoder row on top of it.",
          svg: featureDirectionsFigure(panels, ["toy feature Wᵢ", "SAE decoder row"]),
        },
        {
          name: "recovery",
          caption: "The share of the represented features that the best SAE recovers (cosine " +
            "> 0.9), against the L1 coefficient λ, per toy model and dictionary size d.",
          svg: xyChart({
            xLabel: "L1 coefficient λ",
            yLabel: "features recovered / represented",
            logX: true,
            series,
          }),
        },
      ],
      checks: saeChecks(settings, measures),
    };
  },
};
