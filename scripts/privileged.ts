/** `deno task privileged`: trains, checks and writes the privileged section (see lib/sections/privileged.ts). */
import { sectionMain } from "../lib/cli/main.ts";
import { sectionNamed } from "../lib/sections/registry.ts";

await sectionMain(sectionNamed("privileged"), Deno.args);
