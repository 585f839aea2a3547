import assert from "node:assert/strict";
import {
  parseChoice,
  parseFlags,
  parseInteger,
  parseRunArgs,
  runUsage,
} from "../../lib/cli/args.ts";
import { UserError } from "../../lib/engine/errors.ts";
import { progress } from "../../lib/cli/progress.ts";

/** Asserts that `run` throws a one-line UserError whose message matches `pattern`. */
function assertUserError(run: () => unknown, pattern: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof UserError, `expected a UserError, got ${error}`);
    assert.doesNotMatch(error.message, /\n/);
    assert.match(error.message, pattern);
    return true;
  });
}

Deno.test("parseRunArgs() defaults to quick scale, seed 0, auto backend, out/.cache", () => {
  assert.deepEqual(parseRunArgs([]), {
    out: "out",
    seed: 0,
    scale: "quick",
    backend: "auto",
    cache: "out/.cache",
    force: false,
    help: false,
  });
});

Deno.test("parseRunArgs() reads every flag", () => {
  const args = ["--out", "/tmp/x", "--seed", "7", "--steps", "50", "--scale", "paper"];
  const more = ["--backend", "cpu", "--cache", "/tmp/c", "--force", "--shard", "2/3", "--help"];
  assert.deepEqual(parseRunArgs([...args, ...more]), {
    out: "/tmp/x",
    seed: 7,
    steps: 50,
    scale: "paper",
    backend: "cpu",
    cache: "/tmp/c",
    force: true,
    shard: { index: 2, count: 3 },
    help: true,
  });
});

Deno.test("parseRunArgs() accepts -h and --flag=value forms", () => {
  const args = parseRunArgs(["-h", "--seed=3", "--out=results"]);
  assert.equal(args.help, true);
  assert.equal(args.seed, 3);
  assert.equal(args.cache, "results/.cache");
});

Deno.test("parseRunArgs() takes --only for figures, in the registry's names", () => {
  const sections = ["intro", "basic", "phase"];
  assert.deepEqual(parseRunArgs(["--only", "phase,intro"], sections).only, ["phase", "intro"]);
  assertUserError(
    () => parseRunArgs(["--only", "intro,bogus"], sections),
    /^--only must be a comma-separated list of intro, basic, phase \(got "intro,bogus"\)$/,
  );
  assertUserError(() => parseRunArgs(["--only", "intro"]), /^unknown flag --only;/);
});

const badValues: [string[], RegExp][] = [
  [["--scale", "fast"], /^--scale must be quick or paper \(got "fast"\)$/],
  [["--backend", "gpu"], /^--backend must be auto or webgpu or cpu \(got "gpu"\)$/],
  [["--cache="], /^--cache must be a directory path \(got ""\)$/],
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
  [["--shard", "0/3"], /^--shard must be K\/N with integers 1 <= K <= N \(got "0\/3"\)$/],
  [["--shard", "4/3"], /^--shard must be K\/N with integers 1 <= K <= N \(got "4\/3"\)$/],
  [["--shard", "2"], /^--shard must be K\/N with integers 1 <= K <= N \(got "2"\)$/],
];
for (const [args, pattern] of badValues) {
  Deno.test(`parseRunArgs() rejects ${args.join(" ")} in one line naming the flag`, () => {
    assertUserError(() => parseRunArgs(args), pattern);
  });
}

Deno.test("parseRunArgs() rejects an unknown flag and lists the accepted ones", () => {
  const accepted =
    "accepted: --out, --seed, --steps, --scale, --backend, --cache, --force, --shard, --help";
  assertUserError(
    () => parseRunArgs(["--bogus"]),
    new RegExp(`^unknown flag --bogus; ${accepted}$`),
  );
  assertUserError(() => parseRunArgs(["-x"]), /^unknown flag -x; accepted: --out/);
  assertUserError(() => parseRunArgs(["--toString"]), /^unknown flag --toString;/);
});

Deno.test("parseRunArgs() rejects positional arguments", () => {
  assertUserError(
    () => parseRunArgs(["--seed", "1", "extra"]),
    /^unexpected argument "extra"; accepted: --out, /,
  );
  assertUserError(() => parseRunArgs(["--", "x"]), /^unexpected argument "x"/);
});

Deno.test("runUsage() names the section, every flag and the default steps", () => {
  const usage = runUsage("intro", "five features in two dimensions", "2000 quick, 10000 paper");
  assert.match(usage, /^intro: five features in two dimensions\n/);
  for (
    const flag of [
      "--out DIR",
      "--seed N",
      "--steps N",
      "--scale quick|paper",
      "--backend auto|webgpu|cpu",
      "--cache DIR",
      "--force",
      "-h, --help",
    ]
  ) {
    assert.ok(usage.includes(flag), `usage lacks ${flag}`);
  }
  assert.match(usage, /2000 quick, 10000 paper/);
  assert.doesNotMatch(usage, /--only/);
  assert.match(runUsage("figures", "all", "each", ["intro", "basic"]), /--only A,B .*intro, basic/);
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
