/** `deno task computation`: trains, checks and writes the computation section (see lib/sections/computation.ts). */
import { sectionMain } from "../lib/cli/main.ts";
import { sectionNamed } from "../lib/sections/registry.ts";

await sectionMain(sectionNamed("computation"), Deno.args);
