/** `deno task intro`: trains, checks and writes the intro section (see lib/sections/intro.ts). */
import { sectionMain } from "../lib/cli/main.ts";
import { sectionNamed } from "../lib/sections/registry.ts";

await sectionMain(sectionNamed("intro"), Deno.args);
