import assert from "node:assert/strict";
import {
  parseChoice,
  parseFlags,
  parseInteger,
  parseSectionArgs,
  type SectionInfo,
  sectionUsage,
} from "../../lib/cli/args.ts";
import { UserError } from "../../lib/engine/errors.ts";
import { progress } from "../../lib/cli/progress.ts";

const section: SectionInfo = {
  name: "intro",
  summary: "five features in two dimensions (paper §2)",
  defaultSteps: { quick: 2000, paper: 10000 },
};

/** Asserts that `run` throws a one-line UserError whose message matches `pattern`. */
function assertUserError(run: () => unknown, pattern: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof UserError, `expected a UserError, got ${error}`);
    assert.doesNotMatch(error.message, /\n/);
    assert.match(error.message, pattern);
    return true;
  });
}

Deno.test("parseSectionArgs() defaults to quick scale, seed 0, webgpu, out/<name>", () => {
  assert.deepEqual(parseSectionArgs([], section), {
    out: "out",
    seed: 0,
    steps: 2000,
    scale: "quick",
    backend: "webgpu",
    help: false,
    dir: "out/intro",
  });
});

Deno.test("parseSectionArgs() reads every flag", () => {
  const args = ["--out", "/tmp/x", "--seed", "7", "--steps", "50", "--scale", "paper"];
  assert.deepEqual(parseSectionArgs([...args, "--backend", "cpu", "--help"], section), {
    out: "/tmp/x",
    seed: 7,
    steps: 50,
    scale: "paper",
    backend: "cpu",
    help: true,
    dir: "/tmp/x/intro",
  });
});

Deno.test("parseSectionArgs() takes the default steps from --scale", () => {
  assert.equal(parseSectionArgs(["--scale", "paper"], section).steps, 10000);
  assert.equal(parseSectionArgs(["--scale=quick"], section).steps, 2000);
});

Deno.test("parseSectionArgs() accepts -h and --flag=value forms", () => {
  const args = parseSectionArgs(["-h", "--seed=3", "--out=results"], section);
  assert.equal(args.help, true);
  assert.equal(args.seed, 3);
  assert.equal(args.dir, "results/intro");
});

const badValues: [string[], RegExp][] = [
  [["--scale", "fast"], /^--scale must be quick or paper \(got "fast"\)$/],
  [["--backend", "gpu"], /^--backend must be webgpu or cpu \(got "gpu"\)$/],
  [["--seed", "-1"], /^--seed must be a non-negative integer \(got "-1"\)$/],
  [["--seed", "1.5"], /^--seed must be a non-negative integer \(got "1.5"\)$/],
  [["--seed", "1e3"], /^--seed must be a non-negative integer \(got "1e3"\)$/],
  [["--seed", "99999999999999999999"], /^--seed must be a non-negative integer/],
  [["--steps", "0"], /^--steps must be a positive integer \(got "0"\)$/],
  [["--steps", "ten"], /^--steps must be a positive integer \(got "ten"\)$/],
  [["--out="], /^--out must be a directory path \(got ""\)$/],
  [["--out"], /^--out needs a value$/],
  [["--steps", "--seed", "1"], /^--steps needs a value$/],
  [["--help=yes"], /^--help takes no value \(got "yes"\)$/],
];
for (const [args, pattern] of badValues) {
  Deno.test(`parseSectionArgs() rejects ${args.join(" ")} in one line naming the flag`, () => {
    assertUserError(() => parseSectionArgs(args, section), pattern);
  });
}

Deno.test("parseSectionArgs() rejects an unknown flag and lists the accepted ones", () => {
  const accepted = "accepted: --out, --seed, --steps, --scale, --backend, --help";
  assertUserError(
    () => parseSectionArgs(["--bogus"], section),
    new RegExp(`^unknown flag --bogus; ${accepted}$`),
  );
  assertUserError(() => parseSectionArgs(["-x"], section), /^unknown flag -x; accepted: --out/);
  assertUserError(() => parseSectionArgs(["--toString"], section), /^unknown flag --toString;/);
});

Deno.test("parseSectionArgs() rejects positional arguments", () => {
  assertUserError(
    () => parseSectionArgs(["--seed", "1", "extra"], section),
    /^unexpected argument "extra"; accepted: --out, /,
  );
  assertUserError(() => parseSectionArgs(["--", "x"], section), /^unexpected argument "x"/);
});

Deno.test("sectionUsage() names the section, every flag and the default steps", () => {
  const usage = sectionUsage(section);
  assert.match(usage, /^intro: five features in two dimensions \(paper §2\)\n/);
  for (
    const flag of [
      "--out DIR",
      "--seed N",
      "--steps N",
      "--scale quick|paper",
      "--backend webgpu|cpu",
      "-h, --help",
    ]
  ) {
    assert.ok(usage.includes(flag), `usage lacks ${flag}`);
  }
  assert.match(usage, /2000 quick, 10000 paper/);
  assert.match(usage, /DIR\/intro/);
});

Deno.test("parseFlags() parses another script's flags with the same error wording", () => {
  const options = { compare: { type: "string" }, json: { type: "boolean" } } as const;
  assert.deepEqual(parseFlags(["--compare", "old.json", "--json"], options), {
    compare: "old.json",
    json: true,
  });
  assertUserError(
    () => parseFlags(["--jsn"], options),
    /^unknown flag --jsn; accepted: --compare, --json$/,
  );
  assertUserError(() => parseFlags(["--compare"], options), /^--compare needs a value$/);
});

Deno.test("parseChoice() and parseInteger() return accepted values", () => {
  assert.equal(parseChoice("--mode", "b", ["a", "b"]), "b");
  assert.equal(parseInteger("--count", "0", 0), 0);
  assert.equal(parseInteger("--count", "12", 1), 12);
  assertUserError(
    () => parseChoice("--mode", "c", ["a", "b", "d"]),
    /^--mode must be a or b or d \(got "c"\)$/,
  );
  assertUserError(
    () => parseInteger("--count", "2", 3),
    /^--count must be an integer >= 3 \(got "2"\)$/,
  );
});

Deno.test("progress() reports steps done, the total and the time left, then the total time", () => {
  let written = "";
  const phase = progress("train", 10000, {
    force: true,
    intervalMs: 0,
    write: (text) => written += text,
  });
  phase.update(3000);
  const eraseToEnd = (text: string) => text.replaceAll("\x1b[K", "<erase>");
  assert.match(eraseToEnd(written), /^\rtrain: 3000\/10000 steps, \d+\.\d s left<erase>$/);
  written = "";
  phase.finish();
  assert.match(eraseToEnd(written), /^\rtrain: 10000\/10000 steps in \d+\.\d s<erase>\n$/);
});

Deno.test("progress() draws at most once per interval", () => {
  const lines: string[] = [];
  const phase = progress("train", 100, {
    force: true,
    intervalMs: 60_000,
    write: (text) => lines.push(text),
  });
  for (let done = 1; done <= 100; done++) phase.update(done);
  assert.equal(lines.length, 1);
  assert.match(lines[0], /train: 1\/100 steps/);
});

Deno.test({
  name: "progress() prints nothing when stderr is not a terminal",
  ignore: Deno.stderr.isTerminal(),
  fn() {
    const lines: string[] = [];
    const phase = progress("train", 10, { intervalMs: 0, write: (text) => lines.push(text) });
    phase.update(5);
    phase.finish();
    assert.deepEqual(lines, []);
  },
});
