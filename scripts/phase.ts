/** `deno task phase`: trains, checks and writes the phase section (see lib/sections/phase.ts). */
import { sectionMain } from "../lib/cli/main.ts";
import { sectionNamed } from "../lib/sections/registry.ts";

await sectionMain(sectionNamed("phase"), Deno.args);
