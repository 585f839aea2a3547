/** `deno task correlated`: trains, checks and writes the correlated section (see lib/sections/correlated.ts). */
import { sectionMain } from "../lib/cli/main.ts";
import { sectionNamed } from "../lib/sections/registry.ts";

await sectionMain(sectionNamed("correlated"), Deno.args);
