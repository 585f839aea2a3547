/**
 * @module
 * `deno task figures`: regenerates every paper section's figures, one section script after
 * another, passing its flags (`--out`, `--seed`, `--scale`, `--backend`, ...) to each. The first
 * section that fails ends the run with its exit code (2 for a bad flag, which it has reported).
 */

/** The section scripts, in the paper's order (`scripts/<name>.ts`, each also a `deno task`). */
export const SECTIONS = ["intro", "basic", "phase"];

if (import.meta.main) {
  for (const section of SECTIONS) {
    const script = new URL(`../lib/sections/${section}.ts`, import.meta.url).pathname;
    const { code } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", script, ...Deno.args],
      stdout: "inherit",
      stderr: "inherit",
    }).spawn().status;
    if (code !== 0) Deno.exit(code);
  }
}
