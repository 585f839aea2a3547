/** `deno task double-descent`: trains, checks and writes the double-descent section (see lib/sections/double_descent.ts). */
import { sectionMain } from "../lib/cli/main.ts";
import { sectionNamed } from "../lib/sections/registry.ts";

await sectionMain(sectionNamed("double-descent"), Deno.args);
