/** `deno task dynamics`: trains, checks and writes the dynamics section (see lib/sections/dynamics.ts). */
import { sectionMain } from "../lib/cli/main.ts";
import { sectionNamed } from "../lib/sections/registry.ts";

await sectionMain(sectionNamed("dynamics"), Deno.args);
