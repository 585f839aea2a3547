/**
 * @module
 * Every section of the figure book, in the paper's order. Adding a section is adding its module
 * under `lib/sections/`, its entry here, a three-line `scripts/<name>.ts` and a `deno task`;
 * `deno task figures`, the report, the tests of every check and the README's tables follow.
 */
import { adversarial } from "./adversarial.ts";
import { basic } from "./basic.ts";
import { computation } from "./computation.ts";
import { correlated } from "./correlated.ts";
import { doubleDescent } from "./double_descent.ts";
import { dynamics } from "./dynamics.ts";
import { geometry } from "./geometry.ts";
import { intro } from "./intro.ts";
import { l1 } from "./l1.ts";
import { nonuniform } from "./nonuniform.ts";
import { phase } from "./phase.ts";
import { privileged } from "./privileged.ts";
import { sae } from "./sae.ts";
import type { Section } from "./section.ts";

/** The sections, in paper order. */
export const SECTIONS: readonly Section[] = [
  intro,
  basic,
  phase,
  geometry,
  nonuniform,
  correlated,
  dynamics,
  adversarial,
  privileged,
  computation,
  l1,
  doubleDescent,
  sae,
];

/** The section called `name`. */
export function sectionNamed(name: string): Section {
  const section = SECTIONS.find((candidate) => candidate.info.name === name);
  if (!section) throw new Error(`no section named ${name}`);
  return section;
}
