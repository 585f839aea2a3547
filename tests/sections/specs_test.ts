/**
 * Every run of every section is a valid spec at both scales, follow-ups included (trained on
 * toy models with arbitrary finite weights), so a paper-scale run cannot fail validation after
 * its first stage has trained.
 */
import { validateSaeRun } from "../../lib/engine/sae.ts";
import { paramLayout, validateRun } from "../../lib/engine/spec.ts";
import { sectionSettings } from "../../lib/sections/runner.ts";
import { SECTIONS } from "../../lib/sections/registry.ts";
import type { Trained } from "../../lib/sections/section.ts";
import { SCALES } from "../../lib/sections/section.ts";
import { constructedTrained } from "../helpers.ts";

for (const scale of SCALES) {
  Deno.test(`every section's runs and follow-ups are valid at ${scale} scale`, () => {
    for (const section of SECTIONS) {
      const settings = sectionSettings(section, scale);
      const runs = section.runs(settings, 0);
      for (const { run } of runs) validateRun(run);
      const trained = new Map<string, Trained>(runs.map(({ name, run }) => [
        name,
        constructedTrained(
          run,
          run.instances.map(() =>
            Array.from({ length: paramLayout(run.model).count }, (_, k) => Math.sin(k))
          ),
        ),
      ]));
      for (const { run } of section.followUps?.(settings, 0, trained) ?? []) validateSaeRun(run);
    }
  });
}
