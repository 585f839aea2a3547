import assert from "node:assert/strict";
import {
  aggregatePhase,
  featureFate,
  LEARNED_NORM,
  phaseOf,
  SUPERPOSED_OVERLAP,
} from "../../lib/analysis/phase.ts";
import { phaseCandidates } from "../../lib/analysis/theory.ts";
import { stratifiedReluOutputLoss } from "../../lib/analysis/loss.ts";
import { phaseDensities, phaseRatios, theoryBoundaries } from "../../lib/sections/phase.ts";
import { assertClose } from "../helpers.ts";

Deno.test("the extra feature's phase on hand-built W (n=2, m=1 and n=3, m=2)", () => {
  // n=2, m=1: W is 1×2, the extra feature is the last column.
  assert.equal(featureFate([1, 0], 1, 2).phase, "not_learned");
  assert.equal(featureFate([0.1, 0.3], 1, 2).phase, "not_learned");
  assert.equal(featureFate([1, -1], 1, 2).phase, "superposition");
  assert.equal(featureFate([0, 1], 1, 2).phase, "dedicated");
  // The "confused" same-sign minimum: W ≈ [1/√2, 1/√2] overlaps too.
  assert.equal(featureFate([Math.SQRT1_2, Math.SQRT1_2], 1, 2).phase, "superposition");
  // n=3, m=2 (rows of W: [W_0x, W_1x, W_2x], [W_0y, W_1y, W_2y]).
  assert.equal(featureFate([1, -1, 0, 0, 0, 1], 2, 3).phase, "dedicated"); // W ⟂ [1, 1, 0]
  assert.equal(featureFate([1, 0, 0, 0, 1, -1], 2, 3).phase, "superposition"); // W ⟂ [0, 1, 1]
  assert.equal(featureFate([1, 0, 0, 0, 1, 0], 2, 3).phase, "not_learned"); // W ⟂ [0, 0, 1]
  // A triangle (joint superposition, 120° apart): overlap 2·cos²120° = 0.5.
  const angles = [0, 1, 2].map((k) => 2 * Math.PI * k / 3);
  const triangle = [...angles.map(Math.cos), ...angles.map(Math.sin)];
  const fate = featureFate(triangle, 2, 3);
  assertClose(fate.overlap, 0.5, 1e-12, "triangle overlap");
  assert.equal(fate.phase, "superposition");
  // The thresholds themselves.
  assert.equal(phaseOf(LEARNED_NORM - 1e-9, 0), "not_learned");
  assert.equal(phaseOf(LEARNED_NORM, SUPERPOSED_OVERLAP - 1e-9), "dedicated");
  assert.equal(phaseOf(LEARNED_NORM, SUPERPOSED_OVERLAP), "superposition");
  assert.throws(() => featureFate([1, 0], 1, 2, 2), RangeError);
});

Deno.test("aggregatePhase drops the worst restart, takes the majority, breaks ties by loss", () => {
  const s = "superposition" as const, d = "dedicated" as const, nl = "not_learned" as const;
  // The worst (loss 9) is dropped, leaving 2 d vs 1 s: d, though s has the best loss.
  const a = aggregatePhase([
    { phase: s, loss: 1 },
    { phase: d, loss: 2 },
    { phase: d, loss: 3 },
    { phase: s, loss: 9 },
  ]);
  assert.deepEqual(a, { phase: d, votes: 2, kept: 3, meanLoss: 2, bestPhase: s, bestLoss: 1 });
  // A tie (1 vs 1 after dropping the worst) goes to the phase with the lowest loss.
  assert.equal(
    aggregatePhase([{ phase: nl, loss: 5 }, { phase: d, loss: 4 }, { phase: s, loss: 6 }]).phase,
    d,
  );
  // One restart is kept as it is.
  assert.equal(aggregatePhase([{ phase: nl, loss: 5 }]).phase, nl);
  assert.throws(() => aggregatePhase([]), RangeError);
});

Deno.test("stratifiedReluOutputLoss() matches the closed-form candidate losses (O13, O17)", () => {
  for (const [n, m, r, p] of [[2, 1, 0.3, 0.1], [2, 1, 4, 0.5], [3, 2, 2, 0.05]]) {
    const importance = Array.from({ length: n }, (_, i) => i === n - 1 ? r : 1);
    const density = Array(n).fill(p);
    for (const candidate of phaseCandidates(n, m, r, p)) {
      const loss = stratifiedReluOutputLoss(
        candidate.weights,
        candidate.bias,
        m,
        importance,
        density,
      ).total;
      // Strata k ≤ 2 are exact or quadrature; k = 3 (all three features active) is a 2048-draw
      // Monte Carlo, a few % of a stratum that is ~5% of the loss at p = 0.05.
      assertClose(loss, candidate.loss, 2e-3 * candidate.loss, `${n}/${m} ${candidate.geometry}`);
    }
  }
  // O17: W = [1, −1], b = 0, equal importance, p = 0.1 → p²/3.
  const pair = stratifiedReluOutputLoss([1, -1], [0, 0], 1, [1, 1], [0.1, 0.1]).total;
  assertClose(pair, 0.01 / 3, 3e-6);
});

Deno.test("the phase grid spans r 0.1–10 and p 1–0.01 on log axes; boundaries from theory", () => {
  const ratios = phaseRatios(20);
  const densities = phaseDensities(20);
  assertClose(ratios[0], 0.1, 1e-15);
  assertClose(ratios[19], 10, 1e-12);
  assertClose(ratios[1] / ratios[0], 100 ** (1 / 19), 1e-12);
  assert.equal(densities[0], 1);
  assertClose(densities[19], 0.01, 1e-15);
  assert.ok(!ratios.includes(1), "r = 1 (a tie in the theory) stays off the grid");
  const [curve, line] = theoryBoundaries(2, 1);
  assert.ok(curve.some(({ r, p }) => r === 1 && Math.abs(p - 4 / 7) < 1e-12), "triple point");
  assert.deepEqual(line, [{ r: 1, p: 4 / 7 }, { r: 1, p: 1 }]);
});
