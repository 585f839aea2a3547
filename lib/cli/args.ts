/**
 * @module
 * The command-line contract of every section script and of `deno task figures` (`--out`,
 * `--seed`, `--steps`, `--scale`, `--backend`, `--cache`, `--force`, `--help`, and `--only` for
 * figures), plus the generic pieces it is built from, so that other scripts can parse their own
 * flags with the same one-line error wording.
 */

import { join } from "node:path";
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { UserError } from "../engine/errors.ts";
import type { BackendChoice } from "../engine/train.ts";
import { type Scale, SCALES } from "../sections/section.ts";
import type { Shard } from "../sections/shard.ts";

/** Where training runs: `auto` is WebGPU where an adapter exists, else the CPU trainer. */
export const BACKENDS = ["auto", "webgpu", "cpu"] as const;

/** The parsed flags of a section script or `deno task figures`. */
export interface RunArgs {
  /** Output root (`--out`); a section writes under `<out>/<name>`. */
  out: string;
  /** Random seed (`--seed`). */
  seed: number;
  /** Training steps per model (`--steps`), overriding the scale's. */
  steps?: number;
  scale: Scale;
  backend: BackendChoice;
  /** The training cache's folder (`--cache`, default `<out>/.cache`). */
  cache: string;
  /** Retrain even what the cache holds (`--force`). */
  force: boolean;
  /** Train only this shard of every run's instances (`--shard K/N`), for `deno task merge`. */
  shard?: Shard;
  /** The sections to run (`--only`, figures only; default all, in paper order). */
  only?: string[];
  /** True when `--help` or `-h` was given. */
  help: boolean;
}

/** The value of each flag after {@link parseFlags}; absent flags without default are missing. */
export type FlagValues = Record<string, string | boolean | undefined>;

const RUN_FLAGS = {
  out: { type: "string", default: "out" },
  seed: { type: "string", default: "0" },
  steps: { type: "string" },
  scale: { type: "string", default: "quick" },
  backend: { type: "string", default: "auto" },
  cache: { type: "string" },
  force: { type: "boolean", default: false },
  shard: { type: "string" },
  help: { type: "boolean", short: "h", default: false },
} as const satisfies ParseArgsOptionsConfig;

const FIGURES_FLAGS = {
  ...RUN_FLAGS,
  only: { type: "string" },
} as const satisfies ParseArgsOptionsConfig;

/** The error for a flag value that is not accepted: `<flag> must be <accepted> (got "<value>")`. */
export function flagError(flag: string, accepted: string, got: string): UserError {
  return new UserError(`${flag} must be ${accepted} (got ${JSON.stringify(got)})`);
}

/**
 * Parses `args` against `options` (as for `node:util` `parseArgs`). Throws a one-line
 * {@link UserError} for an unknown flag, a missing value, a value given to a boolean flag,
 * or any positional argument; the message lists the accepted flags where that helps.
 */
export function parseFlags(args: readonly string[], options: ParseArgsOptionsConfig): FlagValues {
  const accepted = Object.keys(options).map((name) => `--${name}`).join(", ");
  const { values, tokens } = parseArgs({ args: [...args], options, strict: false, tokens: true });
  for (const token of tokens) {
    if (token.kind === "positional") {
      throw new UserError(
        `unexpected argument ${JSON.stringify(token.value)}; accepted: ${accepted}`,
      );
    }
    if (token.kind !== "option") continue;
    if (!Object.hasOwn(options, token.name)) {
      throw new UserError(`unknown flag ${token.rawName}; accepted: ${accepted}`);
    }
    const option = options[token.name];
    const flag = `--${token.name}`;
    const valueIsNextFlag = !token.inlineValue && token.value?.startsWith("--");
    if (option.type === "string" && (token.value === undefined || valueIsNextFlag)) {
      throw new UserError(`${flag} needs a value`);
    }
    if (option.type === "boolean" && token.value !== undefined) {
      throw new UserError(`${flag} takes no value (got ${JSON.stringify(token.value)})`);
    }
  }
  return { ...values };
}

/** Returns `value` if it is one of `choices`, else throws `<flag> must be a or b (got "…")`. */
export function parseChoice<T extends string>(
  flag: string,
  value: string,
  choices: readonly T[],
): T {
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw flagError(flag, choices.join(" or "), value);
}

/**
 * Parses a decimal integer ≥ `min` (digits only, at most 2^53 − 1), else throws
 * `<flag> must be a non-negative integer (got "…")` (or positive, or ≥ min).
 */
export function parseInteger(flag: string, value: string, min: number): number {
  const parsed = Number(value);
  if (/^\d+$/.test(value) && Number.isSafeInteger(parsed) && parsed >= min) return parsed;
  const accepted = min === 0
    ? "a non-negative integer"
    : min === 1
    ? "a positive integer"
    : `an integer >= ${min}`;
  throw flagError(flag, accepted, value);
}

/** Parses a non-empty path flag. */
function parsePath(flag: string, value: string): string {
  if (value === "") throw flagError(flag, "a directory path", value);
  return value;
}

/** Parses `--shard K/N`: integers with 1 ≤ K ≤ N. */
function parseShard(value: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(value);
  const [index, count] = match ? [Number(match[1]), Number(match[2])] : [NaN, NaN];
  if (!(index >= 1 && index <= count && Number.isSafeInteger(count))) {
    throw flagError("--shard", "K/N with integers 1 <= K <= N", value);
  }
  return { index, count };
}

/**
 * Parses the flags of a section script, or of `deno task figures` when `sections` (the names
 * `--only` accepts, in paper order) is given. Bad input throws a one-line UserError.
 */
export function parseRunArgs(args: readonly string[], sections?: readonly string[]): RunArgs {
  const values = parseFlags(args, sections ? FIGURES_FLAGS : RUN_FLAGS);
  const out = parsePath("--out", String(values.out));
  const parsed: RunArgs = {
    out,
    seed: parseInteger("--seed", String(values.seed), 0),
    scale: parseChoice("--scale", String(values.scale), SCALES),
    backend: parseChoice("--backend", String(values.backend), BACKENDS),
    cache: values.cache === undefined
      ? join(out, ".cache")
      : parsePath("--cache", String(values.cache)),
    force: values.force === true,
    help: values.help === true,
  };
  if (values.steps !== undefined) parsed.steps = parseInteger("--steps", String(values.steps), 1);
  if (values.shard !== undefined) parsed.shard = parseShard(String(values.shard));
  if (sections && values.only !== undefined) {
    const only = String(values.only).split(",").map((name) => name.trim());
    const unknown = only.find((name) => !sections.includes(name));
    if (unknown !== undefined || only.length === 0) {
      throw flagError(
        "--only",
        `a comma-separated list of ${sections.join(", ")}`,
        String(values.only),
      );
    }
    parsed.only = only;
  }
  return parsed;
}

/**
 * The `--help` text of a section script (`name`, `summary`, its default steps per scale) or,
 * with `sections`, of `deno task figures`.
 */
export function runUsage(
  name: string,
  summary: string,
  steps: string,
  sections?: readonly string[],
): string {
  const { out, seed, scale, backend } = RUN_FLAGS;
  const flags: [string, string][] = [
    ["--out DIR", `output root; files go to DIR/<section> (default: ${out.default})`],
    ["--seed N", `random seed, a non-negative integer (default: ${seed.default})`],
    ["--steps N", `training steps per model (default: ${steps})`],
    [`--scale ${SCALES.join("|")}`, `run size (default: ${scale.default})`],
    [
      `--backend ${BACKENDS.join("|")}`,
      `where to train; auto: WebGPU if there is an adapter, else the CPU (default: ${backend.default})`,
    ],
    ["--cache DIR", "cache of trained runs (default: OUT/.cache)"],
    ["--force", "retrain what the cache holds"],
    ["--shard K/N", "train only the K-th of N slices of every run, for deno task merge"],
    ...(sections
      ? [["--only A,B", `run only these sections (of ${sections.join(", ")})`] as [string, string]]
      : []),
    ["-h, --help", "print this help and exit"],
  ];
  const width = Math.max(...flags.map(([flag]) => flag.length)) + 2;
  const lines = flags.map(([flag, meaning]) => `  ${flag.padEnd(width)}${meaning}`);
  return [`${name}: ${summary}`, "", "Flags:", ...lines].join("\n");
}
