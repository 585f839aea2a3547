import assert from "node:assert/strict";
import { analyticAttack, relativeVulnerability } from "../../lib/analysis/adversarial.ts";

const close = (actual: number, expected: number, tolerance = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} ≠ ${expected}`);

Deno.test("analyticAttack: without superposition the attack adds λ to one output (vulnerability 1)", () => {
  // n = 3, m = 2: features 0 and 1 on orthonormal axes, feature 2 dropped; b = 0.
  const W = [1, 0, 0, 0, 1, 0];
  const samples = [[0.5, 0, 0], [0, 0.8, 0.3], [0.2, 0.4, 0]];
  const outcome = analyticAttack(W, [0, 0, 0], 2, [1, 1, 1], samples);
  const meanNorm = (0.5 + Math.hypot(0.8, 0.3) + Math.hypot(0.2, 0.4)) / 3;
  close(outcome.lambda, 0.1 * meanNorm);
  close(outcome.loss, 0.3 ** 2 / 3); // the dropped feature's error
  close(outcome.attackedLoss - outcome.loss, outcome.lambda ** 2);
  close(relativeVulnerability(outcome, [1, 1, 1]), 1);
});

Deno.test("analyticAttack: an antipodal pair (a digon) is twice as vulnerable", () => {
  // n = 2, m = 1, W = [1, −1]: (WᵀW)_0 = (1, −1), the output moves by √2 λ (1, −1).
  const samples = [[0.5, 0]];
  const outcome = analyticAttack([1, -1], [0, 0], 1, [1, 1], samples);
  close(outcome.lambda, 0.05);
  close(outcome.loss, 0);
  close(outcome.attackedLoss, 2 * 0.05 ** 2);
  close(relativeVulnerability(outcome, [1, 1]), 2);
  assert.ok([0, 1].includes(outcome.feature));
});

Deno.test("analyticAttack: the most harmful feature is chosen; nothing represented gives NaN", () => {
  // Feature 0 dedicated, features 1 and 2 an antipodal pair in the second dimension.
  const W = [1, 0, 0, 0, 1, -1];
  const outcome = analyticAttack(W, [0, 0, 0], 2, [1, 1, 1], [[0, 0.6, 0]]);
  assert.ok(outcome.feature === 1 || outcome.feature === 2, `feature ${outcome.feature}`);
  close(relativeVulnerability(outcome, [1, 1, 1]), 2);
  const zero = analyticAttack([0, 0, 0, 0], [0, 0], 2, [1, 1], [[0.5, 0]]);
  assert.equal(zero.feature, -1);
  close(relativeVulnerability(zero, [1, 1]), 0);
  assert.ok(Number.isNaN(relativeVulnerability(analyticAttack([1], [0], 1, [1], [[0]]), [1])));
});
