/**
 * @module
 * The section contract. A paper section is data plus two pure functions:
 * - `info`: its name, the paper's section, a title and a one-line summary;
 * - `scales`: its settings at each `--scale` (steps, restarts, grids, sweep values), in one place;
 * - `runs(settings, seed)`: the named {@link RunSpec}s to train, nothing else;
 * - optionally `followUps(settings, seed, trained)`: runs that train on what `runs` trained
 *   (sparse autoencoders on the trained toy models);
 * - `analyse(settings, trained, followUps)`: the tables, the figures and the checks, from the
 *   trained runs.
 *
 * - `setting(settings)`: the setting in a few words (models, steps, restarts, sweep), for the
 *   report's summary table.
 *
 * A check is the paper's claim in one sentence, what the claim requires, what we measured, and
 * whether it passes, holds partly or fails ({@link CheckStatus}). The runner (runner.ts) trains or loads every run, calls `analyse`, writes
 * everything atomically and reports; the tests run the same checks, so no claim is written twice.
 */
import { selectBest, type TrainResult } from "../engine/result.ts";
import type { Run } from "../engine/run.ts";
import type { SaeRun } from "../engine/sae.ts";
import type { OptimizerSpec, RunSpec } from "../engine/spec.ts";
import { NOTEBOOK_BATCH, NOTEBOOK_OPTIMIZER } from "../engine/spec.ts";
import type { ContractExperiment, Row, TableSpec } from "../io/tables.ts";
import { median } from "../analysis/stats.ts";

/** Run sizes: `quick` shows each claim in seconds on 2 CPU cores; `paper` is the paper's. */
export const SCALES = ["quick", "paper"] as const;
/** Run size chosen with `--scale`. */
export type Scale = typeof SCALES[number];

/** A later paper that a follow-up section reproduces. */
export interface Citation {
  /** Authors and year, e.g. "Henighan et al. 2023". */
  cite: string;
  /** The paper's title. */
  title: string;
  url: string;
}

/** What a section says about itself. */
export interface SectionInfo {
  /** Short name: the `deno task`, `scripts/<name>.ts` and the output folder `<out>/<name>`. */
  name: string;
  /**
   * Where its claims come from, in short: the paper's section, e.g. "§5", or a follow-up's
   * papers, e.g. "Henighan et al. 2023" ({@link citations} of `followUp`).
   */
  paper: string;
  /**
   * Set where the section reproduces later papers rather than a section of the paper (the report
   * shows it under "Follow-ups"): those papers.
   */
  followUp?: readonly Citation[];
  /** The section's title, as the paper names it. */
  title: string;
  /** One line: what is trained and what is shown. */
  summary: string;
}

/** Settings every section has at each scale; a section extends it with its own. */
export interface SectionSettings {
  /** Training steps per model (`--steps` overrides it). */
  steps: number;
}

/** A run to train, named within its section (the cache and the CSVs' `experiment` use it). */
export interface NamedRun<R extends Run = RunSpec> {
  name: string;
  run: R;
}

/** A trained run. */
export interface Trained<R extends Run = RunSpec> {
  run: R;
  result: TrainResult;
}

/** The trained runs of a section, by name. */
export type TrainedRuns<R extends Run = RunSpec> = ReadonlyMap<string, Trained<R>>;

/** A figure a section draws. */
export interface Figure {
  /** File name without extension: `<out>/<section>/<name>.svg`. */
  name: string;
  /** What the figure shows, for a reader of the report. */
  caption: string;
  svg: string;
}

/**
 * A check's outcome: the claim holds (`pass`), holds partly (`partial`: at some settings and not
 * others, or only loosely), or does not (`fail`). Only `fail` makes a run exit 1.
 */
export type CheckStatus = "pass" | "partial" | "fail";

/**
 * The status of a check whose claim `holds`, or else `holdsPartly` (at some settings and not
 * others, or only loosely): "pass", "partial" or "fail".
 *
 * @example
 * ```ts
 * verdict(true); // "pass"
 * verdict(false, true); // "partial"
 * verdict(false); // "fail"
 * ```
 */
export function verdict(holds: boolean, holdsPartly = false): CheckStatus {
  return holds ? "pass" : holdsPartly ? "partial" : "fail";
}

/** The paper's claim, measured. */
export interface Check {
  /** Stable identifier within the section, e.g. "pentagon". */
  id: string;
  /** The figure the claim is about (its `name`), if any. */
  figure?: string;
  /** The paper's claim in one sentence. */
  claim: string;
  /** What the claim requires of our numbers, e.g. "D_i within 0.05 of 2/5". */
  requires: string;
  /** What we measured, with the numbers. */
  measured: string;
  /** Whether the claim holds, holds partly or fails ({@link verdict} makes one). */
  status: CheckStatus;
}

/** How many of `checks` pass, hold partly and fail. */
export function statusCounts(checks: readonly Check[]): Record<CheckStatus, number> {
  const counts: Record<CheckStatus, number> = { pass: 0, partial: 0, fail: 0 };
  for (const check of checks) counts[check.status]++;
  return counts;
}

/**
 * Counts of claims in words: "P/T claims pass", then ", K partly" and ", F fail" where not 0.
 *
 * @example
 * ```ts
 * claimsText({ pass: 3, partial: 1, fail: 0 }); // "3/4 claims pass, 1 partly"
 * ```
 */
export function claimsText(counts: Record<CheckStatus, number>): string {
  const total = counts.pass + counts.partial + counts.fail;
  return `${counts.pass}/${total} claims pass` +
    (counts.partial > 0 ? `, ${counts.partial} partly` : "") +
    (counts.fail > 0 ? `, ${counts.fail} fail` : "");
}

/** A section's setting in a few words: the report's summary table sets the paper's beside a run's. */
export interface SettingSummary {
  /** The models trained, e.g. "n=5, m=2". */
  model: string;
  /** Training steps per model. */
  steps: number;
  /** Restarts per configuration (best of k), or how they differ between runs. */
  restarts: number | string;
  /** What is swept, e.g. "10 densities 1 … 0.05". */
  sweep: string;
}

/** What a section's analysis returns. */
export interface SectionOutput {
  /** The trained runs as the contract's tables (instances, features, weights) show them. */
  experiments: ContractExperiment[];
  /** Rows of each of the section's own tables, by file name (as declared in `tables`). */
  tables: Record<string, Row[]>;
  figures: Figure[];
  checks: Check[];
}

/** A paper section: data and two pure functions (see the module doc). */
export interface Section<S extends SectionSettings = SectionSettings> {
  info: SectionInfo;
  scales: Record<Scale, S>;
  /** The section's own tables beyond the contract's three (their columns documented). */
  tables: readonly TableSpec[];
  /** The runs to train at `settings`, seeded from `seed`. */
  runs(settings: S, seed: number): NamedRun[];
  /**
   * Runs that need `runs` trained first (SAEs on the trained toy models). Sharded, every shard
   * trains `runs` whole and its slice of these.
   */
  followUps?(settings: S, seed: number, trained: TrainedRuns): NamedRun<SaeRun>[];
  /** Tables, figures and checks from the trained runs and follow-ups; pure. */
  analyse(settings: S, trained: TrainedRuns, followUps: TrainedRuns<SaeRun>): SectionOutput;
  /** The setting at `settings` in a few words (`scales.paper` gives the paper's); pure. */
  setting(settings: S): SettingSummary;
}

/** A follow-up's papers in short, "A et al. 2023; B et al. 2022": its `info.paper`. */
export function citations(papers: readonly Citation[]): string {
  return papers.map((paper) => paper.cite).join("; ");
}

/**
 * A section's heading: the paper's section and title, e.g. "§5 Superposition as a phase change",
 * or for a follow-up its title and papers, "Superposition, … (follow-up: Henighan et al. 2023)".
 */
export function sectionHeading(info: SectionInfo): string {
  return info.followUp ? `${info.title} (follow-up: ${info.paper})` : `${info.paper} ${info.title}`;
}

/** Batch and optimiser of a scale's training. */
export interface ScaleTraining {
  batch: number;
  optimizer: OptimizerSpec;
}

/**
 * Batch and optimiser at each `--scale`: paper is the notebook's (batch 1024, AdamW lr 1e-3,
 * constant); quick is batch 256 and lr 1e-2 with the notebook's cosine decay cos(½π·t/(T−1)),
 * which reaches the paper's geometries in about a third of the steps.
 */
export const SCALE_TRAINING: Record<Scale, ScaleTraining> = {
  quick: { batch: 256, optimizer: { ...NOTEBOOK_OPTIMIZER, lr: 1e-2, schedule: "cosine" } },
  paper: { batch: NOTEBOOK_BATCH, optimizer: NOTEBOOK_OPTIMIZER },
};

/** The trained run `name`, or an error naming the section's missing run. */
export function trainedRun(trained: TrainedRuns, name: string): Trained {
  const run = trained.get(name);
  if (!run) throw new Error(`no trained run named "${name}"`);
  return run;
}

/**
 * A trained run as the contract's tables show it, its restarts scored by their per-instance
 * expected losses L_k (paper normalisation, NaN where not finite): the `loss` column is L_k / n
 * (the notebook's), and the restart of lowest L_k is selected in each configuration.
 */
export function scoredExperiment(
  experiment: string,
  { run, result }: Trained,
  losses: readonly number[],
): ContractExperiment {
  return {
    experiment,
    run,
    result,
    loss: losses.map((loss) => loss / run.model.n),
    selected: selectBest(run.instances.map((instance) => instance.config), losses, result.finite),
  };
}

/** 0, 1, …, count − 1. */
export function range(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i);
}

/** Formats numbers for a check's `measured` text: 3 significant digits, joined by ", ". */
export function numbers(values: readonly number[], digits = 3): string {
  return values.map((value) => Number(value.toPrecision(digits)).toString()).join(", ");
}

/** Lists of more values than this are summarised by {@link valueList}. */
const LISTED_VALUES = 6;

/**
 * Formats a list of values for a check's `measured` text: up to {@link LISTED_VALUES} as
 * {@link numbers} does, a longer one summarised as "N values, a to b (median c)" (or "N values,
 * all a"), its non-finite values counted apart; `digits` significant digits.
 *
 * @example
 * ```ts
 * valueList([0.5, 0.25]); // "0.5, 0.25"
 * valueList([1, 2, 3, 4, 5, 6, 7.04]); // "7 values, 1 to 7.04 (median 4)"
 * valueList([0.5, 0.5, 0.5, 0.5, 0.5, 0.5, NaN]); // "7 values, all 0.5 but 1 not finite"
 * ```
 */
export function valueList(values: readonly number[], digits = 3): string {
  if (values.length <= LISTED_VALUES) return numbers(values, digits);
  const finite = values.filter(Number.isFinite);
  const [low, high] = [Math.min(...finite), Math.max(...finite)].map((v) => numbers([v], digits));
  const summary = finite.length === 0
    ? "none finite"
    : low === high
    ? `all ${low}`
    : `${low} to ${high} (median ${numbers([median(finite)], digits)})`;
  const nonFinite = values.length - finite.length;
  const but = nonFinite > 0 && finite.length > 0 ? ` but ${nonFinite} not finite` : "";
  return `${values.length} values, ${summary}${but}`;
}

/**
 * A sweep of two or more values in a few words: how many, and the first and last, e.g.
 * "10 densities 1 … 0.05" (`noun` plural; 2 significant digits).
 */
export function sweepText(noun: string, values: readonly number[]): string {
  return `${values.length} ${noun} ${numbers([values[0]], 2)} … ${numbers([values.at(-1)!], 2)}`;
}
