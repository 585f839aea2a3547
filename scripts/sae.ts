/** `deno task sae`: trains, checks and writes the sae section (see lib/sections/sae.ts). */
import { sectionMain } from "../lib/cli/main.ts";
import { sectionNamed } from "../lib/sections/registry.ts";

await sectionMain(sectionNamed("sae"), Deno.args);
