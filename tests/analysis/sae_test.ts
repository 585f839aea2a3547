/** SAE recovery metrics on constructed dictionaries, against the cosines they are built from. */
import assert from "node:assert/strict";
import { deadLatents, featureRecovery } from "../../lib/analysis/sae.ts";
import { saeLayout, type SaeSpec } from "../../lib/engine/sae.ts";
import { assertClose } from "../helpers.ts";

/** A regular pentagon W (2×5) and, optionally, one short (unrepresented) sixth feature. */
function pentagon(extra = false): { W: number[]; n: number } {
  const n = extra ? 6 : 5;
  const W = Array<number>(2 * n).fill(0);
  for (let i = 0; i < 5; i++) {
    W[i] = Math.cos(2 * Math.PI * i / 5);
    W[n + i] = Math.sin(2 * Math.PI * i / 5);
  }
  if (extra) [W[5], W[n + 5]] = [0.1, 0];
  return { W, n };
}

/** Unit rows at angles 2πi/5 + offset, in reverse order. */
function rotated(offset: number): Float64Array[] {
  return [4, 3, 2, 1, 0].map((i) =>
    Float64Array.of(Math.cos(2 * Math.PI * i / 5 + offset), Math.sin(2 * Math.PI * i / 5 + offset))
  );
}

Deno.test("featureRecovery: the exact pentagon in any order recovers 5/5 with MMCS 1", () => {
  const { W, n } = pentagon(true);
  const recovery = featureRecovery(W, 2, n, rotated(0));
  assert.deepEqual(recovery.represented, [0, 1, 2, 3, 4]);
  assert.equal(recovery.recovered, 5);
  assert.deepEqual(recovery.latent, [4, 3, 2, 1, 0]);
  assertClose(recovery.meanMaxCosine, 1, 1e-12);
});

Deno.test("featureRecovery: rows 30° off each feature give cos 30° = 0.866 < 0.9: none recovered", () => {
  const { W, n } = pentagon();
  const recovery = featureRecovery(W, 2, n, rotated(Math.PI / 6));
  assert.equal(recovery.recovered, 0);
  assertClose(recovery.meanMaxCosine, Math.cos(Math.PI / 6), 1e-12);
  const near = featureRecovery(W, 2, n, rotated(Math.PI / 9)); // 20°: cos 0.940
  assert.equal(near.recovered, 5);
});

Deno.test("featureRecovery: a zero dictionary recovers nothing; nothing represented gives MMCS 0", () => {
  const { W, n } = pentagon();
  const zero = featureRecovery(W, 2, n, [new Float64Array(2), new Float64Array(2)]);
  assert.equal(zero.recovered, 0);
  assert.equal(zero.meanMaxCosine, 0);
  const none = featureRecovery(Array(10).fill(0), 2, 5, rotated(0));
  assert.deepEqual([none.represented, none.recovered, none.meanMaxCosine], [[], 0, 0]);
});

Deno.test("deadLatents: a latent whose pre-activation is negative on every input", () => {
  const spec: SaeSpec = {
    toyFeatures: 3,
    toyHidden: 2,
    latents: 3,
    resample: { steps: [], window: 1, candidates: 1, encoderScale: 0.2 },
  };
  const layout = saeLayout(spec);
  const params = new Float64Array(layout.count);
  params.set([1, 0, 0, 1, 1, 1], layout.encoder); // z = ReLU(h₀), ReLU(h₁), ReLU(h₀ + h₁ + b)
  params[layout.encoderBias + 2] = -10;
  const inputs = [Float64Array.of(1, 0), Float64Array.of(0.5, 2)];
  assert.deepEqual(deadLatents(spec, params, inputs), [2]);
  assert.deepEqual(deadLatents(spec, params, [Float64Array.of(-1, -1)]), [0, 1, 2]);
});
