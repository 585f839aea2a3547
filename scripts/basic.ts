/** `deno task basic`: trains, checks and writes the basic section (see lib/sections/basic.ts). */
import { sectionMain } from "../lib/cli/main.ts";
import { sectionNamed } from "../lib/sections/registry.ts";

await sectionMain(sectionNamed("basic"), Deno.args);
