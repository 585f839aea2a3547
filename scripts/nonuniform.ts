/** `deno task nonuniform`: trains, checks and writes the nonuniform section (see lib/sections/nonuniform.ts). */
import { sectionMain } from "../lib/cli/main.ts";
import { sectionNamed } from "../lib/sections/registry.ts";

await sectionMain(sectionNamed("nonuniform"), Deno.args);
