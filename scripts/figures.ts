/**
 * `deno task figures`: every section of the figure book in paper order, then the self-checking
 * report `out/index.html`; exits 1 if a check fails, 2 for a bad flag.
 */
import { figuresMain } from "../lib/cli/main.ts";
import { SECTIONS } from "../lib/sections/registry.ts";

await figuresMain(SECTIONS, Deno.args);
