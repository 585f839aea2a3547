import assert from "node:assert/strict";
import { powerSweep } from "../../lib/engine/spec.ts";
import { CONFIGURATIONS, geometry, geometryRun } from "../../lib/sections/geometry.ts";

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
