import assert from "node:assert/strict";
import {
  asymmetricMotifs,
  featureNeurons,
  neuronFeatures,
  neuronKind,
  neuronOrder,
  rescaleNeurons,
} from "../../lib/analysis/neurons.ts";
import { assertClose } from "../helpers.ts";

Deno.test("neuronFeatures: carried features by share of the largest |W₁|, dead neurons carry none", () => {
  // m = 4 neurons, n = 4 features (rows are neurons).
  const W1 = [
    [1, 0.1, 0, -0.2], // monosemantic: 0.1 and 0.2 are below a quarter of 1
    [0.5, -1, 0.3, 0], // polysemantic: 1, 0, 2 in order of |weight|
    [0, 0, 0, 0], // zero row
    [0, 0, 1, 0], // strong input, but its output weights are tiny: dead
  ].flat();
  const W2 = new Float64Array(4 * 4); // n×m
  for (let i = 0; i < 4; i++) for (let j = 0; j < 3; j++) W2[i * 4 + j] = 1;
  W2[2 * 4 + 3] = 0.01;
  const features = neuronFeatures(W1, W2, 4, 4);
  assert.deepEqual(features, [[0], [1, 0, 2], [], []]);
  assert.deepEqual(features.map(neuronKind), ["monosemantic", "polysemantic", "dead", "dead"]);
});

Deno.test("featureNeurons: the C(5,2) code of very sparse features gives each feature its pair", () => {
  const m = 5;
  const pairs = [];
  for (let a = 0; a < m; a++) for (let b = a + 1; b < m; b++) pairs.push([a, b]);
  const n = pairs.length;
  const W = new Float64Array(m * n);
  pairs.forEach(([a, b], i) => {
    for (let j = 0; j < m; j++) W[j * n + i] = j === a || j === b ? 0.8 : -0.6;
  });
  W[pairs[0][1] * n] = 0.5; // still at least half of the feature's largest weight
  assert.deepEqual(featureNeurons(W, m, n), pairs);
  assert.deepEqual(featureNeurons(new Float64Array(m * n), m, n), pairs.map(() => []));
});

Deno.test("rescaleNeurons: max|W₁[j, ·]| becomes 1 and W₂ ReLU(W₁x) is unchanged (footnote 15)", () => {
  const m = 3;
  const n = 4;
  const W1 = [0.5, -2, 0.1, 0, 0, 0, 0, 0, 3, 1, -1, 0.5];
  const W2 = [1, 2, 3, -1, 0.5, 0.25, 4, 0, -2, 0.1, 0.2, 0.3];
  const scaled = rescaleNeurons(W1, W2, m, n);
  const apply = (A: ArrayLike<number>, B: ArrayLike<number>, x: number[]) =>
    Array.from({ length: n }, (_, i) => {
      let y = 0;
      for (let j = 0; j < m; j++) {
        let z = 0;
        for (let k = 0; k < n; k++) z += A[j * n + k] * x[k];
        y += B[i * m + j] * Math.max(0, z);
      }
      return y;
    });
  for (const x of [[1, 0.5, -0.3, 0.2], [-1, 1, 0, 0.7]]) {
    const before = apply(W1, W2, x);
    apply(scaled.W1, scaled.W2, x).forEach((y, i) => assertClose(y, before[i], 1e-12));
  }
  assert.deepEqual(
    [0, 2].map((j) => Math.max(...Array.from(scaled.W1.slice(j * n, j * n + n), Math.abs))),
    [1, 1],
  );
  assert.deepEqual(Array.from(scaled.W1.slice(n, 2 * n)), [0, 0, 0, 0]); // zero row untouched
});

Deno.test("neuronOrder: by the importance of each neuron's largest feature, dead neurons last", () => {
  assert.deepEqual(neuronOrder([[3, 0], [], [0], [1, 2], [0, 5]]), [2, 4, 3, 0, 1]);
});

/** The paper's example (§11): W₁ = [2, −½] and W₂ = [½, 2] for neuron 0; neuron 1 inhibits output 1. */
function paperMotif(inhibition: number) {
  const W1 = [2, -0.5, 1, 0]; // m = 2 neurons × n = 2 features
  const W2 = [0.5, 0, 2, inhibition]; // n × m: outputs from neurons 0 and 1
  return { W1, W2 };
}

Deno.test("asymmetricMotifs: finds the paper's motif, also after rescaling", () => {
  const { W1, W2 } = paperMotif(-4);
  const [motif, ...others] = asymmetricMotifs(W1, W2, 2, 2);
  assert.equal(others.length, 0);
  assert.deepEqual(
    [motif.neuron, motif.inhibitor, motif.primary, motif.secondary],
    [0, 1, 0, 1],
  );
  assert.deepEqual(motif.inputWeights, [2, -0.5]);
  assert.deepEqual(motif.outputWeights, [0.5, 2]);
  assertClose(motif.interference, 4, 1e-12);
  assertClose(motif.inhibition, -4, 1e-12);
  const scaled = rescaleNeurons(W1, W2, 2, 2);
  const [again] = asymmetricMotifs(scaled.W1, scaled.W2, 2, 2);
  assert.deepEqual([again.neuron, again.inhibitor], [0, 1]);
  assertClose(again.interference, 4, 1e-12);
  assertClose(again.inhibition, -4, 1e-12);
});

Deno.test("asymmetricMotifs: none without an inhibitor, with a weak one, or with symmetric weights", () => {
  for (const inhibition of [0, -1, 4]) {
    const { W1, W2 } = paperMotif(inhibition);
    assert.deepEqual(asymmetricMotifs(W1, W2, 2, 2), [], `inhibition ${inhibition}`);
  }
  const symmetric = [1, -1, 1, 0];
  assert.deepEqual(asymmetricMotifs(symmetric, [1, 0, 1, -4], 2, 2), []);
  // Output weights not reciprocal: the primary feature's output is the larger one.
  assert.deepEqual(asymmetricMotifs([2, -0.5, 1, 0], [2, 0, 0.5, -4], 2, 2), []);
});
