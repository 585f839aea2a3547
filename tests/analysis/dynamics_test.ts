import assert from "node:assert/strict";
import {
  antipodalAcrossSets,
  convergedFrom,
  dedicatedStage,
  lossPlateaus,
  lossSlopes,
  motionInLossDrops,
  setCosines,
  type Trajectory,
  trajectoryOf,
} from "../../lib/analysis/dynamics.ts";

const close = (actual: number, expected: number, tolerance = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} ≠ ${expected}`);

/** Steps 1 … 1000 at ten per decade. */
const STEPS = Array.from({ length: 31 }, (_, t) => Math.round(10 ** (t / 10)))
  .filter((step, t, all) => t === 0 || step > all[t - 1]);

/** A trajectory from its loss and one feature's D over the steps (norm 1). */
function synthetic(loss: number[], dimensionality: number[]): Trajectory {
  return {
    steps: STEPS.slice(0, loss.length),
    loss,
    dimensionality: dimensionality.map((d) => [d]),
    norm: dimensionality.map(() => [1]),
  };
}

/** A loss with a plateau at 1e-2 until snapshot 8, a drop to 1e-3 by 12, flat, then to 1e-4 by 22. */
const TWO_DROPS = STEPS.map((_, t) =>
  t < 8
    ? 1e-2
    : t < 12
    ? 1e-2 * 10 ** (-(t - 8) / 4)
    : t < 18
    ? 1e-3
    : t < 22
    ? 1e-3 * 10 ** (-(t - 18) / 4)
    : 1e-4
);

Deno.test("lossSlopes: a power law L = t^−α has log–log slope α on every interval", () => {
  const trajectory = synthetic(STEPS.map((step) => step ** -0.7), STEPS.map(() => 0.5));
  for (const slope of lossSlopes(trajectory)) close(slope, 0.7, 1e-12);
});

Deno.test("convergedFrom: the first snapshot within 5% of the final loss for good", () => {
  const trajectory = synthetic(
    [4, 1.2, 1.04, 1.2, 1.03, 1.01, 1].map((v) => v),
    Array(7).fill(0.5),
  );
  assert.equal(convergedFrom(trajectory), 4);
  assert.equal(convergedFrom(trajectory, 0.25), 1);
});

Deno.test("motionInLossDrops: 1 when D moves only in the drops, 0 only on plateaus, NaN if still", () => {
  const inDrops = TWO_DROPS.map((_, t) => t < 9 ? 1 : t < 19 ? 0.75 : 0.5);
  const onPlateau = TWO_DROPS.map((_, t) => t < 14 ? 1 : t < 15 ? 0.75 : 0.5);
  close(motionInLossDrops(synthetic(TWO_DROPS, inDrops)), 1);
  close(motionInLossDrops(synthetic(TWO_DROPS, onPlateau)), 0);
  assert.ok(Number.isNaN(motionInLossDrops(synthetic(TWO_DROPS, TWO_DROPS.map(() => 0.5)))));
});

Deno.test("lossPlateaus: the plateau between two drops, not the start or the converged end", () => {
  const plateaus = lossPlateaus(synthetic(TWO_DROPS, TWO_DROPS.map(() => 0.5)));
  assert.equal(plateaus.length, 1);
  assert.ok(plateaus[0] >= 12 && plateaus[0] <= 18, `plateau at ${plateaus[0]}`);
  const smooth = synthetic(STEPS.map((step) => step ** -0.7), STEPS.map(() => 0.5));
  assert.deepEqual(lossPlateaus(smooth), []);
});

Deno.test("dedicatedStage: D_i = 1 between the drops, not before the loss falls nor at the end", () => {
  const between = TWO_DROPS.map((_, t) => t >= 10 && t <= 16 ? 1 : 0.5);
  assert.deepEqual(dedicatedStage(synthetic(TWO_DROPS, between)), { feature: 0, from: 10, to: 16 });
  const early = TWO_DROPS.map((_, t) => t < 8 ? 1 : 0.5);
  assert.equal(dedicatedStage(synthetic(TWO_DROPS, early)), undefined);
  const final = TWO_DROPS.map((_, t) => t < 20 ? 0.5 : 1);
  assert.equal(dedicatedStage(synthetic(TWO_DROPS, final)), undefined);
});

Deno.test("trajectoryOf: D_i and ‖W_i‖ per snapshot; steps must be positive and increasing", () => {
  // m = 2, n = 2: an antipodal pair of norm 2, then orthogonal features.
  const trajectory = trajectoryOf([1, 10], [[2, -2, 0, 0], [1, 0, 0, 1]], [1, 0.5], 2, 2);
  assert.deepEqual(trajectory.dimensionality, [[0.5, 0.5], [1, 1]]);
  assert.deepEqual(trajectory.norm, [[2, 2], [1, 1]]);
  assert.throws(() => trajectoryOf([0, 10], [[1], [1]], [1, 1], 1, 1), RangeError);
  assert.throws(() => trajectoryOf([10, 10], [[1], [1]], [1, 1], 1, 1), RangeError);
});

/** W (3×6, row-major) with columns e_0, e_1, e_2, −e_0, −e_1, −e_2 rotated by R. */
function octahedron(rotate = false): number[] {
  const c = Math.cos(0.7);
  const s = Math.sin(0.7);
  const R = rotate ? [[c, -s, 0], [s * c, c * c, -s], [s * s, c * s, c]] : [[1, 0, 0], [0, 1, 0], [
    0,
    0,
    1,
  ]];
  const columns = [0, 1, 2, 0, 1, 2].map((axis, i) => R.map((row) => (i < 3 ? 1 : -1) * row[axis]));
  return [0, 1, 2].flatMap((r) => columns.map((column) => column[r]));
}

Deno.test("setCosines: an octahedron of the two sets has 0 within and −1/3 across", () => {
  const { within, across } = setCosines(octahedron(true), 3, 6, 3);
  close(within, 0, 1e-12);
  close(across, -1 / 3, 1e-12);
  // Each set collapsed onto one direction, the two sets orthogonal: within 1, across 0.
  const collapsed = [1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0];
  assert.deepEqual(setCosines(collapsed, 3, 6, 3), { within: 1, across: 0 });
});

Deno.test("antipodalAcrossSets: the octahedron with antipodes across sets, and nothing else", () => {
  assert.ok(antipodalAcrossSets(octahedron(), 3, 6, 3));
  assert.ok(antipodalAcrossSets(octahedron(true), 3, 6, 3));
  // Sets {0, 1, 2} and {3, 4, 5} with antipodes inside a set: features 0 and 3 swapped with 1, 4.
  const W = octahedron();
  const swapped = [0, 1, 2].flatMap((r) => [0, 3, 2, 1, 4, 5].map((i) => W[r * 6 + i]));
  assert.ok(!antipodalAcrossSets(swapped, 3, 6, 3));
  // Slightly off: one antipode at 60° from its pair.
  const bent = [...W];
  bent[1 * 6 + 3] = Math.sqrt(3);
  assert.ok(!antipodalAcrossSets(bent, 3, 6, 3));
  assert.ok(!antipodalAcrossSets(new Array(18).fill(0), 3, 6, 3));
});
