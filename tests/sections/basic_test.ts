import assert from "node:assert/strict";
import { join } from "node:path";
import { DOMParser } from "linkedom";
import { train } from "../../lib/engine/train.ts";
import { basic, BASIC_DENSITIES, BASIC_IMPORTANCE, basicRuns } from "../../lib/sections/basic.ts";
import { runSection } from "../../lib/sections/runner.ts";
import type { Trained } from "../../lib/sections/section.ts";
import { assertClose } from "../helpers.ts";

Deno.test("the basic section's densities and importances are the paper's", () => {
  const sparsities = [0, 0.7, 0.9, 0.97, 0.99, 0.997, 0.999];
  assert.deepEqual(
    BASIC_DENSITIES.map((p, k) => Math.abs(1 - p - sparsities[k]) < 1e-12),
    Array(7).fill(true),
  );
  const importance = BASIC_IMPORTANCE;
  assert.equal(importance.length, 20);
  assert.equal(importance[0], 1);
  assertClose(importance[19], 0.7 ** 19, 1e-15, "I_19");
});

Deno.test("basic.svg draws WᵀW, b and ‖W_i‖ for both models at every density (CPU)", async () => {
  const out = await Deno.makeTempDir();
  try {
    await runSection(basic, {
      out,
      scale: "quick",
      seed: 5,
      steps: 20,
      backend: { backend: "cpu", trainer: "cpu" },
      showProgress: false,
    });
    const svg = await Deno.readTextFile(join(out, "basic", "basic.svg"));
    const document = new DOMParser().parseFromString(svg, "image/svg+xml");
    const count = (selector: string) => document.querySelectorAll(selector).length;
    assert.equal(count("rect.gram-cell"), 2 * 7 * 20 * 20);
    assert.equal(count("rect.bias-cell"), 2 * 7 * 20);
    assert.equal(count("rect.norm-bar"), 2 * 7 * 20);
    assert.equal(count("g.panel"), 4 * 7);
    const ids = [...document.querySelectorAll("linearGradient")].map((node) => node.id);
    assert.equal(new Set(ids).size, 4, "each legend keeps its own gradient");
    assert.match(svg, /linear model/);
    assert.match(svg, /ReLU output model/);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("paper scale adds the notebook's sweep (n=100, m=20), drawn at every other density", async () => {
  const settings = { ...basic.scales.paper, steps: 3, batch: 8 };
  const runs = basicRuns(settings, 1);
  assert.deepEqual(runs.map((run) => run.name), ["linear", "relu", "relu_sparse", "sweep"]);
  const quick = basicRuns(basic.scales.quick, 1);
  assert.deepEqual(quick.map((run) => run.name), ["linear", "relu", "relu_sparse"]);
  // The ReLU model's densities are split between its two runs, whose init keeps one fan.
  const densities = (name: string) => [
    ...new Set(quick.find((run) => run.name === name)!.run.instances.map((i) => i.density[0])),
  ];
  assert.deepEqual([...densities("relu"), ...densities("relu_sparse")], [...BASIC_DENSITIES]);
  assert.deepEqual(densities("linear"), [...BASIC_DENSITIES]);
  for (const { run } of quick) assert.deepEqual(run.init, { kind: "notebook", fanInstances: 7 });
  const trained = new Map<string, Trained>();
  for (const { name, run } of runs) {
    trained.set(name, { run, result: await train(run, { backend: "cpu" }) });
  }
  const sweep = trained.get("sweep")!.run;
  assert.equal(sweep.model.n, 100);
  assert.equal(sweep.model.m, 20);
  assert.equal(sweep.instances.length, 20);
  assertClose(sweep.instances[0].importance[99], 0.01, 1e-12, "sweep I_99");
  assertClose(sweep.instances[19].density[0], 0.05, 1e-12, "sweep p_19");
  const figure = basic.analyse(settings, trained, new Map()).figures.find((f) =>
    f.name === "basic_sweep"
  );
  const document = new DOMParser().parseFromString(figure!.svg, "image/svg+xml");
  assert.equal(document.querySelectorAll("g.panel").length, 10);
  assert.equal(document.querySelectorAll("rect.norm-bar").length, 10 * 100);
  const titles = [...document.querySelectorAll("text")].map((node) => node.textContent);
  assert.ok(titles.includes("1−S = 1"));
  assert.ok(!titles.includes("1−S = 0.05"), "the last density is odd-indexed, so not drawn");
});
