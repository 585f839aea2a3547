/**
 * @module
 * The one runner of every section: resolve its settings, train each of its runs or load it from
 * the cache, analyse, find the instances that are not finite (apart from the paper's claims),
 * and write the contract's tables, the section's own tables and its figures under
 * `<out>/<name>/`, atomically and only once everything is computed. It returns what the report
 * needs.
 */
import { isAbsolute, join, relative, resolve } from "node:path";
import { progress } from "../cli/progress.ts";
import type { TrainResult } from "../engine/result.ts";
import { isSaeRun, type Run } from "../engine/run.ts";
import type { SaeRun } from "../engine/sae.ts";
import { type ResolvedBackend, train } from "../engine/train.ts";
import { cacheKey, type CacheOptions, loadCached, storeCached } from "../io/cache.ts";
import { pngPreview } from "../figures/png.ts";
import { writeFileAtomic } from "../io/csv.ts";
import { contractTables, type TableSpec, writeTable } from "../io/tables.ts";
import { manifestName, recordedPart, type Shard, shardLabel, type ShardManifest } from "./shard.ts";
import type {
  Check,
  NamedRun,
  Scale,
  Section,
  SectionInfo,
  SectionSettings,
  SettingSummary,
  Trained,
  TrainedRuns,
} from "./section.ts";

/** How sections run: the flags shared by every section script and `deno task figures`. */
export interface RunOptions {
  /** Output root; a section writes under `<out>/<name>/`. */
  out: string;
  scale: Scale;
  seed: number;
  /** Steps per model, overriding the scale's. */
  steps?: number;
  backend: ResolvedBackend;
  /** The training cache, or none. */
  cache?: CacheOptions;
  /** Draw a running progress line (on a terminal). */
  showProgress: boolean;
  /** Where notes go (cache misses for corrupt entries); default stderr. */
  log?: (line: string) => void;
}

/** What one section run produced, for the report. */
export interface SectionReport {
  info: SectionInfo;
  /** Output folder relative to the output root. */
  folder: string;
  /** Each figure, its SVG `file` and its PNG preview `png`, relative to the output root. */
  figures: { name: string; caption: string; file: string; png: string }[];
  /** Files of every table written, relative to the output root. */
  tables: string[];
  /** The paper's claims, measured. */
  checks: Check[];
  /** Whether training converged, apart from the claims: see {@link finiteness}. */
  training: Finiteness;
  /** The section's setting, the paper's (`scales.paper`) and this run's. */
  setting: { paper: SettingSummary; run: SettingSummary };
  /** Runs trained now, and served from the cache. */
  trained: number;
  cached: number;
  /** Seconds of training (of the runs trained now). */
  trainingSeconds: number;
  /** Seconds from start to the last file written. */
  seconds: number;
}

/** A section's settings at `scale`, with `--steps` applied. */
export function sectionSettings<S extends SectionSettings>(
  section: Section<S>,
  scale: Scale,
  steps?: number,
): S {
  return steps === undefined ? section.scales[scale] : { ...section.scales[scale], steps };
}

/** Whether training converged: how many instances there are, and those not finite. */
export interface Finiteness {
  /** Instances over every run and follow-up of the section. */
  instances: number;
  /** The instances with a NaN or ±∞ loss or weight, as "<run> #k". */
  nonFinite: string[];
}

/**
 * Whether training converged, for every section apart from its claims: every instance's loss and
 * weights finite. A non-finite instance is named here (a run with one exits 1) and never
 * selected or drawn (see `selectBest`).
 */
export function finiteness(trained: readonly [string, Trained<Run>][]): Finiteness {
  return {
    instances: trained.reduce((sum, [, { run }]) => sum + run.instances.length, 0),
    nonFinite: trained.flatMap(([name, { result }]) =>
      result.finite.flatMap((finite, k) => finite ? [] : [`${name} #${k}`])
    ),
  };
}

/** Trains `named.run`, or loads it from the cache; stores what it trains. */
async function trainOrLoad(
  label: string,
  named: NamedRun<Run>,
  options: RunOptions,
): Promise<{ result: TrainResult; cached: boolean }> {
  const log = options.log ?? ((line: string) => console.error(line));
  let key: string | undefined;
  if (options.cache) {
    key = await cacheKey(named.run, options.backend.trainer);
    const found = await loadCached(options.cache, key, named.run);
    if (found.status === "hit") return { result: found.result, cached: true };
    if (found.status === "corrupt") log(`${label}: cache entry ${key} ${found.reason}; retraining`);
  }
  let line: ReturnType<typeof progress> | undefined;
  const onProgress = options.showProgress
    ? (done: number, total: number) => {
      line ??= progress(label, total);
      line.update(done);
    }
    : undefined;
  const result = await train(named.run, { backend: options.backend.backend, onProgress });
  line?.finish();
  if (options.cache && key) await storeCached(options.cache, key, named.run, result);
  return { result, cached: false };
}

/** The declared table `file` of a section, or an error naming the undeclared one. */
function declaredTable(section: Pick<Section, "info" | "tables">, file: string): TableSpec {
  const table = section.tables.find((spec) => spec.file === file);
  if (!table) throw new Error(`${section.info.name}: analysis returned undeclared table ${file}`);
  return table;
}

/** How many runs were trained now and served from the cache, and the seconds of training. */
export interface TrainingCounts {
  trained: number;
  cached: number;
  trainingSeconds: number;
}

/** A section's trained runs and the follow-ups trained on them. */
export interface SectionTrained {
  trained: TrainedRuns;
  followUps: TrainedRuns<SaeRun>;
}

/** Trains (through `trainOne`) a section's runs, then its follow-ups on them. */
export async function trainStages<S extends SectionSettings>(
  section: Section<S>,
  settings: S,
  seed: number,
  trainOne: (named: NamedRun<Run>) => Promise<TrainResult>,
): Promise<SectionTrained> {
  const trained = new Map<string, Trained>();
  for (const named of section.runs(settings, seed)) {
    trained.set(named.name, { run: named.run, result: await trainOne(named) });
  }
  const followUps = new Map<string, Trained<SaeRun>>();
  for (const named of section.followUps?.(settings, seed, trained) ?? []) {
    followUps.set(named.name, { run: named.run, result: await trainOne(named) });
  }
  return { trained, followUps };
}

/** Counts a run trained now or served from the cache. */
function countOutcome(counts: TrainingCounts, outcome: { result: TrainResult; cached: boolean }) {
  if (outcome.cached) counts.cached++;
  else {
    counts.trained++;
    counts.trainingSeconds += outcome.result.seconds;
  }
}

/** Runs one section (see the module doc) and returns its report. */
export async function runSection<S extends SectionSettings>(
  section: Section<S>,
  options: RunOptions,
): Promise<SectionReport> {
  const started = performance.now();
  const settings = sectionSettings(section, options.scale, options.steps);
  const counts: TrainingCounts = { trained: 0, cached: 0, trainingSeconds: 0 };
  const stages = await trainStages(section, settings, options.seed, async (named) => {
    const outcome = await trainOrLoad(`${section.info.name} ${named.name}`, named, options);
    countOutcome(counts, outcome);
    return outcome.result;
  });
  return await writeSection(section, settings, stages, options.out, counts, started);
}

/**
 * Analyses a section's trained runs and writes its tables, figures (SVG and PNG) under
 * `<out>/<name>/`; returns its report. `started` is when the section began (performance.now()).
 */
export async function writeSection<S extends SectionSettings>(
  section: Section<S>,
  settings: S,
  { trained, followUps }: SectionTrained,
  out: string,
  counts: TrainingCounts,
  started: number,
): Promise<SectionReport> {
  const { name } = section.info;
  const output = section.analyse(settings, trained, followUps);
  const dir = join(out, name);
  const tables = [
    ...contractTables(output.experiments),
    ...Object.entries(output.tables).map(([file, rows]) =>
      [declaredTable(section, file), rows] as const
    ),
  ];
  for (const [table, rows] of tables) await writeTable(dir, table, rows);
  for (const figure of output.figures) {
    await writeFileAtomic(join(dir, `${figure.name}.svg`), figure.svg);
    await writeFileAtomic(join(dir, `${figure.name}.png`), pngPreview(figure.svg));
  }
  return {
    info: section.info,
    folder: name,
    figures: output.figures.map(({ name: figure, caption }) => ({
      name: figure,
      caption,
      file: `${name}/${figure}.svg`,
      png: `${name}/${figure}.png`,
    })),
    tables: tables.map(([table]) => `${name}/${table.file}`),
    checks: output.checks,
    training: finiteness([...trained, ...followUps]),
    setting: { paper: section.setting(section.scales.paper), run: section.setting(settings) },
    ...counts,
    seconds: (performance.now() - started) / 1000,
  };
}

/** What one shard of a section did. */
export interface ShardReport {
  info: SectionInfo;
  shard: Shard;
  /** Instances of this shard, over all runs. */
  instances: number;
  counts: TrainingCounts;
  /** The manifest written, relative to the output root. */
  manifest: string;
  seconds: number;
}

/**
 * Trains shard K of N of a section: of every run its slice of the instances (`recordedPart`),
 * each stored in the cache (which a shard needs), then writes the manifest that `merge` reads.
 * A section with follow-ups trains its first-stage runs whole in every shard (the follow-ups
 * need them) and records them in shard 1.
 */
export async function runShard<S extends SectionSettings>(
  section: Section<S>,
  options: RunOptions & { shard: Shard; cache: CacheOptions },
): Promise<ShardReport> {
  const started = performance.now();
  const { name } = section.info;
  const settings = sectionSettings(section, options.scale, options.steps);
  const counts: TrainingCounts = { trained: 0, cached: 0, trainingSeconds: 0 };
  const runs: ShardManifest["runs"] = [];
  let instances = 0;
  const whole = section.followUps !== undefined;
  const label = (run: string) => `${name} ${run} shard ${shardLabel(options.shard)}`;
  await trainStages(section, settings, options.seed, async (named) => {
    const firstStage = whole && !isSaeRun(named.run);
    const part = recordedPart(named.run, options.shard, firstStage);
    const train = firstStage ? named.run : part;
    const outcome = train.instances.length > 0
      ? await trainOrLoad(label(named.name), { name: named.name, run: train }, options)
      : undefined;
    if (outcome) countOutcome(counts, outcome);
    if (part.instances.length === 0) runs.push({ name: named.name, key: null });
    else {
      runs.push({ name: named.name, key: await cacheKey(part, options.backend.trainer) });
      instances += part.instances.length;
    }
    // Undefined only for an empty slice in a section without follow-ups, which nothing reads.
    return outcome?.result as TrainResult;
  });
  const cacheDir = relative(options.out, options.cache.dir);
  const manifest: ShardManifest = {
    section: name,
    scale: options.scale,
    seed: options.seed,
    ...(options.steps === undefined ? {} : { steps: options.steps }),
    shard: options.shard,
    trainer: options.backend.trainer,
    cache: cacheDir.startsWith("..") || isAbsolute(cacheDir)
      ? resolve(options.cache.dir)
      : cacheDir,
    runs,
  };
  const path = join(name, manifestName(options.shard));
  await writeFileAtomic(join(options.out, path), JSON.stringify(manifest, null, 2) + "\n");
  return {
    info: section.info,
    shard: options.shard,
    instances,
    counts,
    manifest: path,
    seconds: (performance.now() - started) / 1000,
  };
}
