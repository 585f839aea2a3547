import assert from "node:assert/strict";
import { powerSweep } from "../../lib/engine/spec.ts";
import { intro, INTRO_IMPORTANCE } from "../../lib/sections/intro.ts";

Deno.test("intro's densities are 20^−linspace(0, 1, 10) and its importance is 0.9^i", () => {
  const densities = powerSweep(20, 10);
  assert.equal(densities.length, 10);
  assert.equal(densities[0], 1);
  assert.ok(Math.abs(densities[9] - 0.05) < 1e-12);
  assert.ok(Math.abs(densities[1] / densities[0] - 20 ** (-1 / 9)) < 1e-12);
  assert.deepEqual(INTRO_IMPORTANCE, [1, 0.9, 0.81, 0.9 ** 3, 0.9 ** 4]);
  for (const scale of ["quick", "paper"] as const) {
    assert.deepEqual(intro.scales[scale].densities, densities);
    assert.deepEqual(intro.scales[scale].importance, INTRO_IMPORTANCE);
  }
});
