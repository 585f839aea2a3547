import assert from "node:assert/strict";
import { adversarial } from "../../lib/sections/adversarial.ts";
import { geometry } from "../../lib/sections/geometry.ts";

Deno.test("adversarial attacks geometry's uniform-superposition runs (the same specs, one cache entry)", () => {
  for (const scale of ["quick", "paper"] as const) {
    const [attacked] = adversarial.runs(adversarial.scales[scale], 3);
    const [uniform] = geometry.runs(geometry.scales[scale], 3);
    assert.deepEqual(attacked.run, uniform.run);
  }
});
