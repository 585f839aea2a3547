import assert from "node:assert/strict";
import { powerSweep } from "../../lib/engine/spec.ts";
import {
  CONFIGURATIONS,
  extensionDensities,
  geometry,
  geometryExtensionRun,
  geometryRun,
} from "../../lib/sections/geometry.ts";

Deno.test("geometry names the paper's fractions: 1, 3/4, 2/3, 1/2, 2/5, 3/8", () => {
  assert.deepEqual(
    CONFIGURATIONS.map(({ name, fraction, label }) => [name, fraction, label]),
    [
      ["dedicated", 1, "1"],
      ["tetrahedron", 3 / 4, "3/4"],
      ["triangle", 2 / 3, "2/3"],
      ["digon", 1 / 2, "1/2"],
      ["pentagon", 2 / 5, "2/5"],
      ["square antiprism", 3 / 8, "3/8"],
    ],
  );
});

Deno.test("geometry trains the notebook's n=200, m=20 (quick) and the paper's n=400, m=30", () => {
  const quick = geometryRun(geometry.scales.quick, 0);
  assert.deepEqual([quick.model.n, quick.model.m, quick.instances.length], [200, 20, 20]);
  assert.deepEqual(quick.instances.map((instance) => instance.density[0]), powerSweep(20, 20));
  assert.ok(quick.instances.every((instance) => instance.importance.every((i) => i === 1)));
  const paper = geometryRun(geometry.scales.paper, 0);
  assert.deepEqual([paper.model.n, paper.model.m, paper.instances.length], [400, 30, 40]);
});

Deno.test("geometry's extension halves the sweep's spacing where D_i pass 2/5 and runs on to 100", () => {
  const settings = geometry.scales.quick;
  const sweep = powerSweep(20, settings.densities);
  const densities = extensionDensities(settings);
  const inverse = densities.map((p) => 1 / p);
  const midpoints = inverse.filter((x) => x <= 20);
  assert.ok(midpoints.length >= 3);
  for (const x of midpoints) {
    assert.ok(x >= settings.extension.refine.from && x <= settings.extension.refine.to);
    // Halfway in log between two neighbours of the notebook's sweep.
    const k = sweep.findIndex((p) => 1 / p > x);
    assert.ok(
      Math.abs(Math.log(x) - (Math.log(1 / sweep[k - 1]) + Math.log(1 / sweep[k])) / 2) < 1e-9,
    );
  }
  const past = inverse.filter((x) => x > 20);
  assert.equal(past.length, settings.extension.beyond.count);
  assert.ok(Math.abs(past.at(-1)! - 100) < 1e-9);
  const ratios = past.map((x, k) => x / (k === 0 ? 20 : past[k - 1]));
  assert.ok(ratios.every((ratio) => Math.abs(ratio - ratios[0]) < 1e-9), "log-spaced");

  const main = geometryRun(settings, 3);
  const extra = geometryExtensionRun(settings, 3);
  assert.deepEqual(extra.init, main.init);
  assert.deepEqual(
    [extra.model, extra.steps, extra.batch, extra.optimizer],
    [main.model, main.steps, main.batch, main.optimizer],
  );
  assert.deepEqual(extra.instances.map((instance) => instance.density[0]), densities);
  const seeds = new Set([...main.instances, ...extra.instances].map((instance) => instance.seed));
  assert.equal(seeds.size, main.instances.length + extra.instances.length);
  assert.deepEqual(geometry.runs(settings, 3).map((run) => run.name), [
    "geometry",
    "geometry_extra",
  ]);
});
