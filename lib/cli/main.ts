/**
 * @module
 * The shared main of every section script and of `deno task figures`: parse the flags, check that
 * the outputs can be written before any training, resolve the backend, run each section (train
 * or load from the cache, analyse, write), print one line per section, and for `figures` write
 * the report `<out>/index.html`. Exit codes: 0 when no claim fails and every instance is finite
 * (a claim that holds partly is no failure), 1 when a claim fails or an instance is not finite,
 * 2 for a user's mistake (one line, nothing written).
 */
import { join, resolve } from "node:path";
import { UserError } from "../engine/errors.ts";
import { resolveBackend, trainerLabel } from "../engine/train.ts";
import { writeFileAtomic } from "../io/csv.ts";
import { bookCounts, finitenessText, reportHtml } from "../io/report.ts";
import { type RunOptions, runSection, runShard, type SectionReport } from "../sections/runner.ts";
import type { CacheOptions } from "../io/cache.ts";
import { type Shard, shardLabel } from "../sections/shard.ts";
import {
  type CheckStatus,
  claimsText,
  type Scale,
  type Section,
  statusCounts,
} from "../sections/section.ts";
import { parseRunArgs, type RunArgs, runUsage } from "./args.ts";
import { runMain } from "../engine/errors.ts";

/** Creates `dir` and writes and removes a probe file in it; a failure is the user's (`flag`). */
export async function ensureWritable(flag: string, dir: string): Promise<void> {
  try {
    await Deno.mkdir(dir, { recursive: true });
    const probe = join(dir, `.write-test-${crypto.randomUUID().slice(0, 8)}`);
    await Deno.writeTextFile(probe, "");
    await Deno.remove(probe);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new UserError(`${flag} ${JSON.stringify(dir)} cannot be written: ${reason}`);
  }
}

/** The checkout's commit (`git rev-parse`), marked where files differ from it; else undefined. */
export async function gitCommit(): Promise<string | undefined> {
  const root = new URL("../..", import.meta.url).pathname;
  const git = async (...args: string[]) => {
    const { success, stdout } = await new Deno.Command("git", {
      args: ["-C", root, ...args],
      stdout: "piped",
      stderr: "null",
    }).output();
    return success ? new TextDecoder().decode(stdout).trim() : undefined;
  };
  try {
    const commit = await git("rev-parse", "--short=12", "HEAD");
    if (!commit) return undefined;
    const changes = await git("status", "--porcelain", "--untracked-files=no");
    return changes ? `${commit} with local changes` : commit;
  } catch {
    return undefined; // no git
  }
}

/** How a check's status is printed before its id. */
const STATUS_WORDS: Record<CheckStatus, string> = {
  pass: "pass",
  partial: "partial",
  fail: "FAIL",
};

/**
 * Prints a section's result: one line with its claims counted, then its instances where one is
 * not finite and its claims that do not pass (or both, and every claim, `verbose`).
 */
export function printSection(report: SectionReport, verbose: boolean): void {
  const source = report.cached > 0
    ? `, ${report.cached} of ${report.cached + report.trained} runs cached`
    : "";
  console.log(
    `${report.info.name} (${report.info.paper}): ${claimsText(statusCounts(report.checks))}, ` +
      `${report.seconds.toFixed(1)} s${source}`,
  );
  const finite = report.training.nonFinite.length === 0;
  if (!finite || verbose) {
    console.log(`  ${finite ? "pass" : "FAIL"} finite: ${finitenessText(report.training)}`);
  }
  for (const check of report.checks) {
    if (check.status === "pass" && !verbose) continue;
    console.log(`  ${STATUS_WORDS[check.status]} ${check.id}: ${check.measured}`);
  }
}

/**
 * What every run of `args` shares: the backend resolved (its fallback note printed), `--out` and
 * `--cache` checked writable before any training, and the runner's options.
 */
async function runOptions(args: RunArgs): Promise<RunOptions & { cache: CacheOptions }> {
  const backend = await resolveBackend(args.backend);
  await ensureWritable("--out", args.out);
  await ensureWritable("--cache", args.cache);
  if (backend.note) console.error(backend.note);
  return {
    out: args.out,
    scale: args.scale,
    seed: args.seed,
    steps: args.steps,
    backend,
    cache: { dir: args.cache, force: args.force },
    showProgress: Deno.stderr.isTerminal(),
  };
}

/**
 * Trains shard `args.shard` of `sections` into `args.out` (cache entries and a manifest per
 * section), printing a line per section; `deno task merge` turns the shards into the outputs.
 */
async function runShards(sections: readonly Section[], args: RunArgs & { shard: Shard }) {
  const options = { ...await runOptions(args), shard: args.shard };
  for (const section of sections) {
    const report = await runShard(section, options);
    const { trained, cached } = report.counts;
    console.log(
      `${report.info.name} (${report.info.paper}): shard ${shardLabel(report.shard)}, ` +
        `${report.instances} instances, ${trained} runs trained, ${cached} cached, ` +
        `${report.seconds.toFixed(1)} s; wrote ${report.manifest}`,
    );
  }
}

/** Runs `sections` as `args` say; returns their reports. */
async function runSections(
  sections: readonly Section[],
  args: RunArgs,
  verbose: boolean,
): Promise<{ reports: SectionReport[]; trainer: string }> {
  const options = await runOptions(args);
  const reports: SectionReport[] = [];
  for (const section of sections) {
    const report = await runSection(section, options);
    printSection(report, verbose);
    reports.push(report);
  }
  return { reports, trainer: options.backend.trainer };
}

/**
 * Writes the figure book's report `<out>/index.html` for `reports` and prints the summary line
 * `figures: P/T claims pass, K partly, F fail; all N instances finite; <trainer>; in S s;
 * wrote …` (the partly and fail counts where not 0). `trainers` are the cache keys' names
 * (`ResolvedBackend.trainer`), named for a reader with `trainerLabel`.
 */
export async function writeBook(
  out: string,
  reports: readonly SectionReport[],
  run: { seconds: number; trainers: readonly string[]; seed: number; scale: Scale },
): Promise<void> {
  const trainer = [...new Set(run.trainers)].map(trainerLabel).join("; ");
  const page = reportHtml({
    sections: reports,
    seconds: run.seconds,
    trainer,
    seed: run.seed,
    scale: run.scale,
    commit: await gitCommit(),
    generated: new Date().toISOString(),
  });
  const path = join(out, "index.html");
  await writeFileAtomic(path, page);
  const { claims, training } = bookCounts(reports);
  const seconds = run.seconds.toFixed(1);
  console.log(
    `figures: ${claimsText(claims)}; ${finitenessText(training, false)}; ${trainer}; ` +
      `in ${seconds} s; wrote ${resolve(path)}`,
  );
}

/**
 * Sets the exit code to 1 where a claim failed or an instance is not finite; a claim that holds
 * partly is no failure.
 */
export function exitForChecks(reports: readonly SectionReport[]): void {
  const { claims, training } = bookCounts(reports);
  if (claims.fail > 0 || training.nonFinite.length > 0) Deno.exitCode = 1;
}

/** The main of `scripts/<name>.ts`: one section, every check printed. */
export async function sectionMain(section: Section, argv: readonly string[]): Promise<void> {
  await runMain(async () => {
    const args = parseRunArgs(argv);
    if (args.help) {
      const { quick, paper } = section.scales;
      const steps = `${quick.steps} quick, ${paper.steps} paper`;
      console.log(runUsage(section.info.name, section.info.summary, steps));
      return;
    }
    if (args.shard) return await runShards([section], { ...args, shard: args.shard });
    const { reports } = await runSections([section], args, true);
    exitForChecks(reports);
  });
}

/**
 * The main of `deno task figures`: every section of `registry` (or `--only` ones) in paper order,
 * then the report `<out>/index.html` with the summary line.
 */
export async function figuresMain(registry: readonly Section[], argv: readonly string[]) {
  await runMain(async () => {
    const names = registry.map((section) => section.info.name);
    const args = parseRunArgs(argv, names);
    if (args.help) {
      console.log(
        runUsage(
          "figures",
          "every section's figures and checks, and out/index.html",
          "each section's",
          names,
        ),
      );
      return;
    }
    const started = performance.now();
    const sections = registry.filter((section) => args.only?.includes(section.info.name) ?? true);
    if (args.shard) return await runShards(sections, { ...args, shard: args.shard });
    const { reports, trainer } = await runSections(sections, args, false);
    const seconds = (performance.now() - started) / 1000;
    await writeBook(args.out, reports, {
      seconds,
      trainers: [trainer],
      seed: args.seed,
      scale: args.scale,
    });
    exitForChecks(reports);
  });
}
