import assert from "node:assert/strict";
import { canonicalDirections } from "../../lib/analysis/geometry.ts";
import { assertClose } from "../helpers.ts";

/** W (2×n, row-major) of the unit vectors at `degrees`. */
function atAngles(degrees: readonly number[]): number[] {
  const radians = degrees.map((d) => d * Math.PI / 180);
  return [...radians.map(Math.cos), ...radians.map(Math.sin)];
}

Deno.test("canonicalDirections() rotates W_0 onto +x and reflects the next column above it", () => {
  // A square rotated by 37° and mirrored: canonically 0°, 90°, 180°, 270° in that order.
  const mirrored = atAngles([37, -53, -143, 127]);
  const expected = [[1, 0], [0, 1], [-1, 0], [0, -1]];
  canonicalDirections(mirrored, 4).forEach(([x, y], i) => {
    assertClose(x, expected[i][0], 1e-12, `x of ${i}`);
    assertClose(y, expected[i][1], 1e-12, `y of ${i}`);
  });
  // An antipodal partner is on the axis: the reflection is decided by the next column off it.
  const [, partner, off] = canonicalDirections(atAngles([200, 20, 290]), 3);
  assertClose(partner[0], -1, 1e-12, "antipode");
  assert.ok(off[1] > 0, `third column above the axis: ${off}`);
  // A zero first column: the first non-zero one is the reference; norms are kept.
  const scaled = [0, 2 * Math.cos(1), 0, 2 * Math.sin(1)];
  const [zero, reference] = canonicalDirections(scaled, 2);
  assert.deepEqual(zero, [0, 0]);
  assertClose(reference[0], 2, 1e-12, "norm kept");
});
