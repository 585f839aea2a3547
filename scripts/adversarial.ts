/** `deno task adversarial`: trains, checks and writes the adversarial section (see lib/sections/adversarial.ts). */
import { sectionMain } from "../lib/cli/main.ts";
import { sectionNamed } from "../lib/sections/registry.ts";

await sectionMain(sectionNamed("adversarial"), Deno.args);
