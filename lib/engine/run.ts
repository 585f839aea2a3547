/**
 * @module
 * Any run the trainers take: a toy model's {@link RunSpec} or an SAE run ({@link SaeRun}), and
 * what the cache and the shards need of either.
 */
import { saeLayout, type SaeRun } from "./sae.ts";
import { paramLayout, type RunSpec } from "./spec.ts";

/** A toy-model run or an SAE run. */
export type Run = RunSpec | SaeRun;

/** True for an SAE run. */
export function isSaeRun(run: Run): run is SaeRun {
  return "sae" in run;
}

/** Parameters per instance: |θ| of the toy model ({@link paramLayout}) or of the SAE ({@link saeLayout}). */
export function runParamCount(run: Run): number {
  return isSaeRun(run) ? saeLayout(run.sae).count : paramLayout(run.model).count;
}
