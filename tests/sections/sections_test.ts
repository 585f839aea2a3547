/**
 * Every section of the registry, through the same contract: its script's flags, the files it
 * writes, its setting's summary, and its checks — the paper's claims — which must pass at quick
 * scale with a fixed seed and must fail (not merely hold partly) on a model that learned nothing
 * (all weights zero), so that no check is vacuous.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { train } from "../../lib/engine/train.ts";
import { CONTRACT_TABLES } from "../../lib/io/tables.ts";
import type { TrainResult } from "../../lib/engine/result.ts";
import type { Run } from "../../lib/engine/run.ts";
import {
  runSection,
  sectionSettings,
  type SectionTrained,
  trainStages,
} from "../../lib/sections/runner.ts";
import { SECTIONS } from "../../lib/sections/registry.ts";
import type { Section, Trained } from "../../lib/sections/section.ts";
import { assertRejectsFlags, noWebGpu } from "../helpers.ts";

/** The seed the checks are held to. */
const SEED = 0;

/**
 * Checks that hold partly at quick scale with {@link SEED}, by section: the README says why
 * (nonuniform: the transition is there, 3.9× sparser where the paper reads about 2.5×;
 * computation: the important features' neurons lead the monosemantic ones clearly at 1−S = 0.1,
 * not at 0.03; adversarial: vulnerability is highly correlated with ‖W‖²_F/m but grows with slope
 * 0.59, not 1).
 */
const KNOWN_PARTIAL: Record<string, readonly string[]> = {
  nonuniform: ["transition"],
  adversarial: ["tracks-features-per-dimension"],
  computation: ["important-stay-monosemantic"],
};

const trainedSections = new Map<string, Promise<SectionTrained>>();
/** Results by run spec, so that a run two sections share (adversarial attacks geometry's) trains once. */
const trainedRuns = new Map<string, Promise<TrainResult>>();

/** Trains `run` on WebGPU, or returns the result of an identical run trained before. */
function trainOnce(run: Run): Promise<TrainResult> {
  const key = JSON.stringify(run);
  if (!trainedRuns.has(key)) trainedRuns.set(key, train(run, { backend: "webgpu" }));
  return trainedRuns.get(key)!;
}

/** Every run (and follow-up) of `section` at quick scale, trained once on WebGPU and shared by the tests. */
function trainedAtQuickScale(section: Section): Promise<SectionTrained> {
  const name = section.info.name;
  if (!trainedSections.has(name)) {
    const settings = sectionSettings(section, "quick");
    trainedSections.set(name, trainStages(section, settings, SEED, ({ run }) => trainOnce(run)));
  }
  return trainedSections.get(name)!;
}

/** The same runs and follow-ups with every parameter zero, at the end and at every snapshot: models that learned nothing. */
function zeroed({ trained, followUps }: SectionTrained): SectionTrained {
  return { trained: zeroedRuns(trained), followUps: zeroedRuns(followUps) };
}

function zeroedRuns<R extends Run>(
  trained: ReadonlyMap<string, Trained<R>>,
): Map<string, Trained<R>> {
  const zeros = (params: Float64Array[]) => params.map((p) => new Float64Array(p.length));
  return new Map(
    [...trained].map(([name, { run, result }]) => [name, {
      run,
      result: {
        ...result,
        params: zeros(result.params),
        snapshots: result.snapshots.map((snapshot) => ({
          ...snapshot,
          params: zeros(snapshot.params),
        })),
      },
    }]),
  );
}

/** Reads a CSV: its header and rows, numbers cast. */
async function readCsv(path: string) {
  const text = await Deno.readTextFile(path);
  const header = text.slice(0, text.indexOf("\n")).split(",");
  return { header, rows: parse(text, { cast: true, columns: true }) as Record<string, unknown>[] };
}

for (const section of SECTIONS) {
  const { name } = section.info;
  const script = new URL(`../../scripts/${name}.ts`, import.meta.url).pathname;

  Deno.test(`scripts/${name}.ts --bogus exits 2 with one line and writes nothing`, async () => {
    await assertRejectsFlags(
      script,
      ["--bogus"],
      /^error: unknown flag --bogus; accepted: .*--out.*\n$/,
    );
  });

  Deno.test(`${name}: runSection() writes its declared tables and figures (CPU, 4 steps)`, async () => {
    const out = await Deno.makeTempDir();
    try {
      const report = await runSection(section, {
        out,
        scale: "quick",
        seed: 3,
        steps: 4,
        backend: { backend: "cpu", trainer: "cpu" },
        showProgress: false,
      });
      const dir = join(out, name);
      const files = [...Deno.readDirSync(dir)].map((entry) => entry.name).sort();
      const tables = [...CONTRACT_TABLES, ...section.tables];
      const figures = report.figures.flatMap((
        figure,
      ) => [`${figure.name}.svg`, `${figure.name}.png`]);
      assert.deepEqual(files, [...tables.map((table) => table.file), ...figures].sort());
      for (const table of tables) {
        const { header } = await readCsv(join(dir, table.file));
        assert.deepEqual(header, table.columns.map((column) => column.name), table.file);
      }
      const instances = (await readCsv(join(dir, "instances.csv"))).rows;
      const runs = section.runs(sectionSettings(section, "quick", 4), 3);
      assert.equal(instances.length, runs.reduce((sum, { run }) => sum + run.instances.length, 0));
      for (const { name: experiment, run } of runs) {
        const rows = instances.filter((row) => row.experiment === experiment);
        const configs = new Set(run.instances.map((instance) => instance.config));
        const selected = rows.filter((row) => row.selected === 1).map((row) => row.config);
        assert.deepEqual(selected.sort((a, b) => Number(a) - Number(b)), [...configs]);
      }
      // Every instance is counted, the follow-ups' (which instances.csv does not list) too.
      assert.deepEqual(report.training.nonFinite, []);
      if (section.followUps) assert.ok(report.training.instances > instances.length);
      else assert.equal(report.training.instances, instances.length);
      assert.ok(report.checks.every((check) => check.id !== "finite"), "finite is no claim");
      assert.deepEqual(report.setting, {
        paper: section.setting(section.scales.paper),
        run: section.setting(sectionSettings(section, "quick", 4)),
      });
      assert.equal(report.setting.run.steps, 4);
      for (const summary of Object.values(report.setting)) {
        assert.ok(summary.model.startsWith("n="), summary.model);
        assert.ok(summary.sweep.length > 0);
      }
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  });

  Deno.test({
    name: `${name}: every check (the paper's claims) passes at quick scale, seed ${SEED}, ` +
      "but those known to hold partly",
    ignore: noWebGpu,
    fn: async () => {
      const { trained, followUps } = await trainedAtQuickScale(section);
      const { checks } = section.analyse(sectionSettings(section, "quick"), trained, followUps);
      assert.ok(checks.length > 0);
      const partly = KNOWN_PARTIAL[name] ?? [];
      const failed = checks.filter((check) =>
        check.status !== (partly.includes(check.id) ? "partial" : "pass")
      );
      assert.deepEqual(failed.map((check) => `${check.id}: ${check.measured}`), []);
    },
  });

  Deno.test({
    name: `${name}: every check fails (not partly) when the model learned nothing (W = 0, b = 0)`,
    ignore: noWebGpu,
    fn: async () => {
      const { trained, followUps } = zeroed(await trainedAtQuickScale(section));
      const { checks } = section.analyse(sectionSettings(section, "quick"), trained, followUps);
      const held = checks.filter((check) => check.status !== "fail");
      assert.deepEqual(held.map((check) => `${check.id}: ${check.measured}`), []);
    },
  });
}
