/** `deno task l1`: trains, checks and writes the l1 section (see lib/sections/l1.ts). */
import { sectionMain } from "../lib/cli/main.ts";
import { sectionNamed } from "../lib/sections/registry.ts";

await sectionMain(sectionNamed("l1"), Deno.args);
