/** `deno task geometry`: trains, checks and writes the geometry section (see lib/sections/geometry.ts). */
import { sectionMain } from "../lib/cli/main.ts";
import { sectionNamed } from "../lib/sections/registry.ts";

await sectionMain(sectionNamed("geometry"), Deno.args);
