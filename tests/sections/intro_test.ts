import assert from "node:assert/strict";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { featureDimensionality, featureNorms } from "../../lib/analysis/metrics.ts";
import {
  FEATURE_COLUMNS,
  INSTANCE_COLUMNS,
  modelName,
  WEIGHT_COLUMNS,
  weightMatrix,
  writeSectionCsvs,
  writeSvg,
} from "../../lib/sections/section.ts";
import {
  absValueModel,
  linearModel,
  NOTEBOOK_OPTIMIZER,
  powerSweep,
  reluHiddenModel,
  reluOutputModel,
} from "../../lib/engine/spec.ts";
import { train } from "../../lib/engine/train.ts";
import { introFigure, introImportance, introRun } from "../../lib/sections/intro.ts";
import { assertRejectsFlags, noWebGpu } from "../helpers.ts";

const script = new URL("../../lib/sections/intro.ts", import.meta.url).pathname;

Deno.test("intro.ts --bogus exits 2 with one line and writes nothing", async () => {
  await assertRejectsFlags(
    script,
    ["--bogus"],
    /^error: unknown flag --bogus; accepted: .*--out.*\n$/,
  );
});

Deno.test("modelName() names every model of the paper", () => {
  assert.equal(modelName(linearModel(5, 2)), "linear");
  assert.equal(modelName(reluOutputModel(5, 2)), "relu_output");
  assert.equal(modelName(reluHiddenModel(5, 2)), "relu_hidden");
  assert.equal(modelName(absValueModel(5, 2)), "abs");
});

Deno.test("powerSweep(20, 10) is 20^−linspace(0, 1, 10) and intro's importance is 0.9^i", () => {
  const densities = powerSweep(20, 10);
  assert.equal(densities.length, 10);
  assert.equal(densities[0], 1);
  assert.ok(Math.abs(densities[9] - 0.05) < 1e-12);
  assert.ok(Math.abs(densities[1] / densities[0] - 20 ** (-1 / 9)) < 1e-12);
  assert.deepEqual(introImportance(), [1, 0.9, 0.81, 0.9 ** 3, 0.9 ** 4]);
});

Deno.test("the intro section writes the contract's CSVs and its figure", async () => {
  const restarts = 2;
  const run = introRun({ steps: 30, restarts, seed: 3, batch: 32 });
  const result = await train(run, { backend: "cpu" });
  const dir = await Deno.makeTempDir();
  try {
    const sweep = run.instances.map((instance) => instance.density[0]);
    await writeSectionCsvs(dir, [{ experiment: "intro", run, result, sweep }]);
    await writeSvg(dir, "intro", introFigure(run, result));
    const read = async (name: string) => {
      const text = await Deno.readTextFile(join(dir, name));
      const header = text.slice(0, text.indexOf("\n")).split(",");
      return {
        header,
        rows: parse(text, { cast: true, columns: true }) as Record<string, unknown>[],
      };
    };
    const instances = await read("instances.csv");
    const features = await read("features.csv");
    const weights = await read("weights.csv");
    assert.deepEqual(instances.header, [...INSTANCE_COLUMNS]);
    assert.deepEqual(features.header, [...FEATURE_COLUMNS]);
    assert.deepEqual(weights.header, [...WEIGHT_COLUMNS]);

    const count = 10 * restarts;
    assert.equal(instances.rows.length, count);
    assert.equal(features.rows.length, count * 5);
    assert.equal(weights.rows.length, count * (2 * 5 + 5));
    for (const row of instances.rows) {
      assert.equal(row.experiment, "intro");
      assert.equal(row.model, "relu_output");
      assert.equal(row.density, row.importance);
      for (const column of ["loss", "dims_per_feature", "seed", "instance"]) {
        assert.equal(typeof row[column], "number", `instances.csv ${column}`);
      }
    }
    for (const row of features.rows) {
      for (const column of FEATURE_COLUMNS.slice(2)) {
        assert.equal(typeof row[column], "number", `features.csv ${column}`);
      }
    }
    // Exactly one selected instance per density, and features agree with instances on it.
    for (const density of new Set(instances.rows.map((row) => row.density))) {
      const group = instances.rows.filter((row) => row.density === density);
      assert.equal(group.length, restarts);
      assert.equal(group.filter((row) => row.selected === 1).length, 1, `density ${density}`);
      const selectedFeatures = features.rows.filter((row) =>
        row.density === density && row.selected === 1
      );
      assert.equal(selectedFeatures.length, 5);
    }
    // weights.csv holds W (2×5) and b exactly as trained.
    const k = 7;
    const W = weightMatrix(run.model, result.params[k]);
    const cell = (matrix: string, r: number, c: number) =>
      weights.rows.find((row) =>
        row.instance === k && row.matrix === matrix && row.row === r && row.col === c
      )?.value as number;
    assert.ok(Math.abs(cell("W", 1, 3) - W[1 * 5 + 3]) <= 1e-8 * Math.max(1, Math.abs(W[8])));
    assert.equal(typeof cell("b", 0, 4), "number");
    const svg = await Deno.readTextFile(join(dir, "intro.svg"));
    assert.match(svg, /^<svg/);
    assert.equal(svg.match(/class="feature"/g)?.length, 10 * 5);
    const leftovers = [...Deno.readDirSync(dir)].map((entry) => entry.name).sort();
    assert.deepEqual(leftovers, ["features.csv", "instances.csv", "intro.svg", "weights.csv"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * What keeps W (2×5) from being a regular pentagon with unit-ish columns: norms ‖W_i‖ within 0.2 of
 * 1 (and of each other within 0.05), adjacent angles, sorted around the circle, with cosines within
 * 0.08 of cos 72°, and dimensionalities D_i within 0.05 of 2/5. Empty when it is one.
 */
function pentagonDefects(W: ArrayLike<number>): string[] {
  const defects: string[] = [];
  const norms = featureNorms(W, 2, 5);
  norms.forEach((norm, i) => {
    if (Math.abs(norm - 1) > 0.2) defects.push(`‖W_${i}‖ = ${norm.toFixed(3)}`);
  });
  if (Math.max(...norms) - Math.min(...norms) > 0.05) defects.push("unequal norms");
  const angles = [0, 1, 2, 3, 4].map((i) => Math.atan2(W[5 + i], W[i])).sort((a, b) => a - b);
  angles.forEach((angle, j) => {
    const next = j < 4 ? angles[j + 1] : angles[0] + 2 * Math.PI;
    const cosine = Math.cos(next - angle);
    if (Math.abs(cosine - Math.cos(0.4 * Math.PI)) > 0.08) {
      defects.push(`adjacent cosine ${cosine.toFixed(3)}`);
    }
  });
  featureDimensionality(W, 2, 5).forEach((d, i) => {
    if (Math.abs(d - 0.4) > 0.05) defects.push(`D_${i} = ${d.toFixed(3)}`);
  });
  return defects;
}

Deno.test({
  name: "n=5, m=2, uniform importance, density 0.05, best-of-8: a regular pentagon (O9, §2)",
  ignore: noWebGpu,
  fn: async () => {
    // Two configurations, 8 restarts each: density 0.05 (pentagon) and, as a control that the
    // check has teeth, density 1 (dense: no superposition, so no pentagon).
    const run = introRun({
      steps: 1000,
      restarts: 8,
      seed: 0,
      densities: [0.05, 1],
      importance: [1, 1, 1, 1, 1],
      optimizer: { ...NOTEBOOK_OPTIMIZER, lr: 1e-2, schedule: "cosine" },
    });
    const result = await train(run, { backend: "webgpu" });
    const best = (config: number) =>
      run.instances.findIndex((instance, k) => instance.config === config && result.selected[k]);
    const sparse = weightMatrix(run.model, result.params[best(0)]);
    assert.deepEqual(pentagonDefects(sparse), []);
    const dense = weightMatrix(run.model, result.params[best(1)]);
    assert.notDeepEqual(pentagonDefects(dense), [], "dense: not a pentagon");
  },
});
