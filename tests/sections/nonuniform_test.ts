import assert from "node:assert/strict";
import {
  arrangementOf,
  arrangementParams,
  crossing,
  nonuniform,
  nonuniformRun,
  relativeDensities,
} from "../../lib/sections/nonuniform.ts";
import { assertClose } from "../helpers.ts";

/** W (2×5, row-major) of the first ten parameters. */
const weights = (params: readonly number[]) => params.slice(0, 10);

Deno.test("arrangementOf() tells a pentagon, two digons and anything else apart", () => {
  assert.equal(arrangementOf(weights(arrangementParams("pentagon"))), "pentagon");
  assert.equal(arrangementOf(weights(arrangementParams("digons"))), "digons");
  // A square whose antipodal pairs are (0, 2) and (1, 3): still two digons.
  const square = [1, 0, -1, 0, 0, 0, 1, 0, -1, 0];
  assert.equal(arrangementOf(square), "digons");
  // Four features represented, none antipodal to another: other.
  const notPaired = [1, 0, 0.7, 0, 0, 0, 1, 0.7, 1, 0];
  assert.equal(arrangementOf(notPaired), "other");
  assert.equal(arrangementOf(Array(10).fill(0)), "other");
});

Deno.test("crossing() interpolates where digons stop being better, in log relative density", () => {
  const points = [
    { ratio: 0.1, digons: 1 },
    { ratio: 0.2, pentagon: 3, digons: 2 },
    { ratio: 0.4, pentagon: 3, digons: 4 },
    { ratio: 0.8, pentagon: 3 },
  ];
  assertClose(crossing(points)!, Math.sqrt(0.2 * 0.4), 1e-12, "halfway in log r");
  assert.equal(
    crossing([{ ratio: 0.1, pentagon: 1, digons: 2 }, { ratio: 1, pentagon: 1 }]),
    undefined,
  );
});

Deno.test("nonuniformRun() varies the last feature's density and starts fits from each geometry", () => {
  const settings = nonuniform.scales.quick;
  const run = nonuniformRun(settings, 0);
  const ratios = relativeDensities(settings.points);
  assert.equal(ratios[0], 0.1);
  assertClose(ratios.at(-1)!, 10, 1e-12, "last ratio");
  assert.equal(run.instances.length, ratios.length * (settings.restarts + 2));
  for (const instance of run.instances) {
    assert.deepEqual(instance.density.slice(0, 4), [0.05, 0.05, 0.05, 0.05]);
    assertClose(instance.density[4], 0.05 * ratios[instance.config], 1e-15, "varied density");
  }
  const started = run.instances.filter((instance) => instance.initialParams);
  assert.equal(started.length, 2 * ratios.length);
  assert.equal(new Set(run.instances.map((instance) => instance.seed)).size, run.instances.length);
});
