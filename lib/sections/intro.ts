/**
 * @module
 * `deno task intro`: the paper's opening figure (paper.md §2). Five features of importance
 * I_i = 0.9^i in m = 2 dimensions, ReLU-output model x' = ReLU(WᵀW x + b), trained at ten
 * densities p = 20^−t for t = linspace(0, 1, 10) (p = 1 … 0.05), best-of-k restarts. Dense: the two
 * most important features get orthogonal dimensions; sparse: antipodal pairs, then a pentagon.
 *
 * Writes under `<out>/intro/`: `instances.csv`, `features.csv`, `weights.csv` and `intro.svg`
 * (for each density, the selected instance's five W_i in the plane, coloured by importance).
 */
import { parseSectionArgs, type SectionArgs, type SectionInfo, sectionUsage } from "../cli/args.ts";
import { runMain } from "../engine/errors.ts";
import { densityLabel, featureDirectionsFigure } from "../figures/figures.ts";
import {
  SCALE_TRAINING,
  selectedInstances,
  trainWithProgress,
  weightMatrix,
  writeSectionCsvs,
  writeSvg,
} from "./section.ts";
import {
  notebookRun,
  powerSweep,
  reluOutputModel,
  type RunSpec,
  type SweepTraining,
} from "../engine/spec.ts";
import type { TrainResult } from "../engine/result.ts";

/** What `intro` says about itself (name, summary, default steps per scale). */
export const INTRO: SectionInfo = {
  name: "intro",
  summary: "the opening figure (n=5, m=2, I=0.9^i): feature directions vs sparsity",
  defaultSteps: { quick: 3000, paper: 10_000 },
};

/** Features n and hidden dimensions m of the opening figure. */
export const INTRO_N = 5;
export const INTRO_M = 2;

/** Best-of-k restarts per density at each scale. */
export const INTRO_RESTARTS = { quick: 4, paper: 10 } as const;

/** Importance I_i = 0.9^i, i = 0 … n−1 (1 down to 0.656). */
export function introImportance(n = INTRO_N): number[] {
  return Array.from({ length: n }, (_, i) => 0.9 ** i);
}

/** Options of {@link introRun}: the training, and the sweep (default: the paper's). */
export interface IntroRunOptions extends SweepTraining {
  densities?: number[];
  importance?: number[];
}

/**
 * The opening figure's run: ReLU-output model n = 5, m = 2, one configuration per density
 * (default 20^−linspace(0, 1, 10)) with importance I (default 0.9^i); see {@link notebookRun}.
 */
export function introRun(options: IntroRunOptions): RunSpec {
  const importance = options.importance ?? introImportance();
  const densities = options.densities ?? powerSweep(20, 10);
  const n = importance.length;
  const points = densities.map((p) => ({ importance, density: Array(n).fill(p) }));
  return notebookRun(reluOutputModel(n, INTRO_M), points, options);
}

/** The opening figure: for each density, the selected instance's W_i ∈ R², coloured by I_i. */
export function introFigure(run: RunSpec, result: TrainResult): string {
  const { m, n } = run.model;
  const panels = selectedInstances(run, result).map((k) => {
    const W = weightMatrix(run.model, result.params[k]);
    const instance = run.instances[k];
    return {
      title: densityLabel(instance.density[0]),
      directions: Array.from({ length: n }, (_, i) => [W[i], W[n + i]] as const),
      importance: instance.importance,
    };
  });
  if (m !== 2) throw new Error("introFigure needs m = 2");
  return featureDirectionsFigure(panels);
}

/** Trains the section's run and writes its CSVs and figure under `args.dir`. */
export async function runIntro(args: SectionArgs): Promise<void> {
  const run = introRun({
    steps: args.steps,
    restarts: INTRO_RESTARTS[args.scale],
    seed: args.seed,
    ...SCALE_TRAINING[args.scale],
  });
  const result = await trainWithProgress("intro", run, args.backend);
  await writeSectionCsvs(args.dir, [{
    experiment: "intro",
    run,
    result,
    sweep: run.instances.map((instance) => instance.density[0]),
  }]);
  await writeSvg(args.dir, "intro", introFigure(run, result));
  console.log(`intro: wrote ${args.dir} (${result.seconds.toFixed(1)} s training)`);
}

if (import.meta.main) {
  await runMain(async () => {
    const args = parseSectionArgs(Deno.args, INTRO);
    if (args.help) {
      console.log(sectionUsage(INTRO));
      return;
    }
    await runIntro(args);
  });
}
