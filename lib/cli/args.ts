/**
 * @module
 * The command-line contract of every paper-section script (`--out`, `--seed`, `--steps`,
 * `--scale`, `--backend`, `--help`), plus the generic pieces it is built from, so that
 * other scripts can parse their own flags with the same one-line error wording.
 */

import { join } from "node:path";
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { UserError } from "../engine/errors.ts";

/** What a paper-section script says about itself. */
export interface SectionInfo {
  /** Short name; outputs go to `<out>/<name>`. */
  name: string;
  /** One line describing what the script reproduces. */
  summary: string;
  /** Training steps per model at each scale, used when `--steps` is not given. */
  defaultSteps: { quick: number; paper: number };
}

/** Run sizes: `quick` for a fast check, `paper` for the paper's settings. */
export const SCALES = ["quick", "paper"] as const;
/** Where training runs. */
export const BACKENDS = ["webgpu", "cpu"] as const;

/** Run size chosen with `--scale`. */
export type Scale = typeof SCALES[number];
/** Compute backend chosen with `--backend`. */
export type Backend = typeof BACKENDS[number];

/** The parsed flags of a paper-section script. */
export interface SectionArgs {
  /** Output root (`--out`). */
  out: string;
  /** Random seed (`--seed`). */
  seed: number;
  /** Training steps per model (`--steps`, else the scale's default). */
  steps: number;
  scale: Scale;
  backend: Backend;
  /** True when `--help` or `-h` was given. */
  help: boolean;
  /** This section's output directory: `<out>/<name>`. */
  dir: string;
}

/** The value of each flag after {@link parseFlags}; absent flags without default are missing. */
export type FlagValues = Record<string, string | boolean | undefined>;

const SECTION_FLAGS = {
  out: { type: "string", default: "out" },
  seed: { type: "string", default: "0" },
  steps: { type: "string" },
  scale: { type: "string", default: "quick" },
  backend: { type: "string", default: "webgpu" },
  help: { type: "boolean", short: "h", default: false },
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

/** Parses a paper-section script's flags (see {@link sectionUsage}); bad input throws UserError. */
export function parseSectionArgs(args: readonly string[], section: SectionInfo): SectionArgs {
  const values = parseFlags(args, SECTION_FLAGS);
  const out = String(values.out);
  if (out === "") throw flagError("--out", "a directory path", out);
  const scale = parseChoice("--scale", String(values.scale), SCALES);
  const steps = values.steps === undefined
    ? section.defaultSteps[scale]
    : parseInteger("--steps", String(values.steps), 1);
  return {
    out,
    seed: parseInteger("--seed", String(values.seed), 0),
    steps,
    scale,
    backend: parseChoice("--backend", String(values.backend), BACKENDS),
    help: values.help === true,
    dir: join(out, section.name),
  };
}

/** The `--help` text of a paper-section script. */
export function sectionUsage(section: SectionInfo): string {
  const { quick, paper } = section.defaultSteps;
  const { out, seed, scale, backend } = SECTION_FLAGS;
  const flags: [string, string][] = [
    ["--out DIR", `output root; files go to DIR/${section.name} (default: ${out.default})`],
    ["--seed N", `random seed, a non-negative integer (default: ${seed.default})`],
    ["--steps N", `training steps per model (default: ${quick} quick, ${paper} paper)`],
    [`--scale ${SCALES.join("|")}`, `run size (default: ${scale.default})`],
    [`--backend ${BACKENDS.join("|")}`, `where to train (default: ${backend.default})`],
    ["-h, --help", "print this help and exit"],
  ];
  const width = Math.max(...flags.map(([flag]) => flag.length)) + 2;
  const lines = flags.map(([flag, meaning]) => `  ${flag.padEnd(width)}${meaning}`);
  return [`${section.name}: ${section.summary}`, "", "Flags:", ...lines].join("\n");
}
