/**
 * @module
 * `deno task merge DIR…`: turns the shards that `--shard K/N` wrote (each DIR an `--out` of one
 * or more shards) into exactly what one run would have written under `--out`: every section's
 * tables and figures, and the report `index.html` with its claims. Every shard 1 … N of a section
 * must be given exactly once, all made with the same scale, seed and steps; anything else is a
 * one-line error naming the shard (exit code 2).
 */
import { isAbsolute, join } from "node:path";
import { parseArgs } from "node:util";
import { runMain, UserError } from "../engine/errors.ts";
import type { TrainResult } from "../engine/result.ts";
import { loadCached } from "../io/cache.ts";
import { isSaeRun, type Run } from "../engine/run.ts";
import {
  sectionSettings,
  type TrainingCounts,
  trainStages,
  writeSection,
} from "../sections/runner.ts";
import type { Section, SectionSettings } from "../sections/section.ts";
import {
  mergeResults,
  recordedPart,
  type Shard,
  shardLabel,
  type ShardManifest,
} from "../sections/shard.ts";
import { ensureWritable, exitForChecks, printSection, writeBook } from "./main.ts";

/** A manifest and the folder (a shard's `--out`) it was found in. */
interface FoundShard {
  dir: string;
  manifest: ShardManifest;
}

const USAGE = [
  "merge: combines shards (deno task figures --shard K/N, or a section's) into one run's outputs",
  "",
  "Usage: deno task merge [--out DIR] SHARD_DIR…",
  "  --out DIR   where the merged tables, figures and index.html go (default: out)",
  "  -h, --help  print this help and exit",
].join("\n");

/** Every shard manifest under `dir` (`<dir>/<section>/shard-K-of-N.json`). */
async function readManifests(dir: string): Promise<FoundShard[]> {
  const found: FoundShard[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch {
    throw new UserError(`merge: ${JSON.stringify(dir)} is not a readable folder`);
  }
  for (const entry of entries.filter((entry) => entry.isDirectory)) {
    for (const file of Deno.readDirSync(join(dir, entry.name))) {
      if (!/^shard-\d+-of-\d+\.json$/.test(file.name)) continue;
      const text = await Deno.readTextFile(join(dir, entry.name, file.name));
      found.push({ dir, manifest: JSON.parse(text) as ShardManifest });
    }
  }
  if (found.length === 0) {
    throw new UserError(
      `merge: ${JSON.stringify(dir)} holds no shard manifests (<section>/shard-K-of-N.json)`,
    );
  }
  return found;
}

/**
 * The shards of one section, checked: one scale, seed, steps and N, and each K of 1 … N exactly
 * once; in shard order.
 */
function checkShards(section: string, shards: readonly FoundShard[]): FoundShard[] {
  const first = shards[0].manifest;
  for (const field of ["scale", "seed", "steps"] as const) {
    const other = shards.find(({ manifest }) => manifest[field] !== first[field]);
    if (other) {
      throw new UserError(
        `merge: ${section}'s shards disagree on ${field} (${first[field] ?? "default"} in ` +
          `${shards[0].dir}, ${other.manifest[field] ?? "default"} in ${other.dir})`,
      );
    }
  }
  const count = first.shard.count;
  const ordered: FoundShard[] = [];
  for (let index = 1; index <= count; index++) {
    const label = shardLabel({ index, count });
    const matching = shards.filter(({ manifest }) =>
      manifest.shard.index === index && manifest.shard.count === count
    );
    if (matching.length === 0) throw new UserError(`merge: ${section}: shard ${label} is missing`);
    if (matching.length > 1) {
      throw new UserError(
        `merge: ${section}: shard ${label} is given twice (${
          matching.map((s) => s.dir).join(", ")
        })`,
      );
    }
    ordered.push(matching[0]);
  }
  const stray = shards.find(({ manifest }) => manifest.shard.count !== count);
  if (stray) {
    throw new UserError(
      `merge: ${section}: shard ${shardLabel(stray.manifest.shard)} in ${stray.dir} is not one ` +
        `of ${count}`,
    );
  }
  return ordered;
}

/** One run's slice of shard `found`, from its cache entry. */
async function loadSlice(
  section: string,
  name: string,
  found: FoundShard,
  run: Run,
): Promise<TrainResult | undefined> {
  const { manifest, dir } = found;
  const label = `${section} shard ${shardLabel(manifest.shard)} in ${dir}`;
  const entry = manifest.runs.find((candidate) => candidate.name === name);
  if (!entry) throw new UserError(`merge: ${label} has no run ${name} (made by other code?)`);
  if (entry.key === null) return undefined;
  const cache = {
    dir: isAbsolute(manifest.cache) ? manifest.cache : join(dir, manifest.cache),
    force: false,
  };
  const lookup = await loadCached(cache, entry.key, run);
  if (lookup.status !== "hit") {
    const reason = lookup.status === "corrupt" ? lookup.reason : "is missing";
    throw new UserError(`merge: ${label}: run ${name}'s cache entry ${entry.key} ${reason}`);
  }
  return lookup.result;
}

/** Merges one section's shards and writes its outputs under `out`. */
async function mergeSection<S extends SectionSettings>(
  section: Section<S>,
  shards: readonly FoundShard[],
  out: string,
) {
  const started = performance.now();
  const { scale, seed, steps, shard } = shards[0].manifest;
  const settings = sectionSettings(section, scale, steps);
  const counts: TrainingCounts = { trained: 0, cached: 0, trainingSeconds: 0 };
  const whole = section.followUps !== undefined;
  const stages = await trainStages(section, settings, seed, async (named) => {
    const parts: TrainResult[] = [];
    for (let index = 1; index <= shard.count; index++) {
      const slice: Shard = { index, count: shard.count };
      const part = await loadSlice(
        section.info.name,
        named.name,
        shards[index - 1],
        recordedPart(named.run, slice, whole && !isSaeRun(named.run)),
      );
      if (part) parts.push(part);
    }
    const result = mergeResults(named.run, parts);
    counts.cached++;
    counts.trainingSeconds += result.seconds;
    return result;
  });
  return await writeSection(section, settings, stages, out, counts, started);
}

/** The main of `deno task merge` (see the module doc). */
export async function mergeMain(registry: readonly Section[], argv: readonly string[]) {
  await runMain(async () => {
    let parsed;
    try {
      parsed = parseArgs({
        args: [...argv],
        options: { out: { type: "string", default: "out" }, help: { type: "boolean", short: "h" } },
        allowPositionals: true,
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
      throw new UserError(`merge: ${reason}; accepted: --out, --help, and shard folders`);
    }
    if (parsed.values.help) return console.log(USAGE);
    const dirs = parsed.positionals;
    if (dirs.length === 0) throw new UserError("merge: give at least one shard folder");
    const out = String(parsed.values.out);
    const started = performance.now();
    const found = (await Promise.all(dirs.map(readManifests))).flat();
    const bySection = Map.groupBy(found, (shard) => shard.manifest.section);
    const unknown = [...bySection.keys()].find((name) =>
      !registry.some((section) => section.info.name === name)
    );
    if (unknown) throw new UserError(`merge: no section named ${unknown}`);
    const sections = registry.filter((section) => bySection.has(section.info.name));
    const checked = sections.map((section) => {
      const name = section.info.name;
      return { section, shards: checkShards(name, bySection.get(name)!) };
    });
    await ensureWritable("--out", out);
    const reports = [];
    for (const { section, shards } of checked) {
      const report = await mergeSection(section, shards, out);
      printSection(report, false);
      reports.push(report);
    }
    const first = found[0].manifest;
    await writeBook(out, reports, {
      seconds: (performance.now() - started) / 1000,
      trainers: found.map((shard) => shard.manifest.trainer),
      seed: first.seed,
      scale: first.scale,
    });
    exitForChecks(reports);
  });
}
