import assert from "node:assert/strict";
import { paramLayout } from "../../lib/engine/spec.ts";
import { computation, COMPUTATION_SETUP } from "../../lib/sections/computation.ts";
import { constructedTrained } from "../helpers.ts";
import type { CheckStatus } from "../../lib/sections/section.ts";

Deno.test("computation trains the absolute-value model: n=3, m=6 dense, and n=100, m=40, I=0.8^i over sparsity", () => {
  const settings = computation.scales.quick;
  const [natural, sweep] = computation.runs(settings, 0);
  assert.deepEqual([natural.name, sweep.name], ["natural", "sweep"]);
  for (const { run } of [natural, sweep]) {
    assert.equal(run.data.values, "signed");
    assert.equal(run.model.tied, false);
    assert.equal(run.model.hidden, "relu");
    assert.equal(run.model.output, "relu");
  }
  assert.deepEqual([natural.run.model.n, natural.run.model.m], [3, 6]);
  assert.equal(natural.run.instances.length, settings.restarts);
  assert.ok(natural.run.instances.every((instance) => instance.density.every((p) => p === 1)));
  assert.deepEqual([sweep.run.model.n, sweep.run.model.m], [100, 40]);
  assert.deepEqual(sweep.run.instances.map((instance) => instance.density[0]), settings.densities);
  assert.ok(
    sweep.run.instances.every((instance) =>
      instance.importance.every((value, i) => Math.abs(value - 0.8 ** i) < 1e-12)
    ),
  );
});

/**
 * The natural-solution check on a constructed n = 3, m = 6 model whose neuron 2i is ReLU(x_i)
 * and neuron 2i + 1 is ReLU(−x_i) when `bothSides`, else both ReLU(x_i); the sweep's models are 0.
 */
function naturalCheck(bothSides: boolean): CheckStatus {
  const settings = { ...computation.scales.quick, restarts: 1, samples: 2048 };
  const [natural, sweep] = computation.runs(settings, 0);
  const { n, m } = COMPUTATION_SETUP.natural;
  const W1 = Array(m * n).fill(0);
  const W2 = Array(n * m).fill(0);
  for (let i = 0; i < n; i++) {
    W1[2 * i * n + i] = 1;
    W1[(2 * i + 1) * n + i] = bothSides ? -1 : 1;
    W2[i * m + 2 * i] = 1;
    W2[i * m + 2 * i + 1] = bothSides ? 1 : 0;
  }
  const params = [...W1, ...W2, ...Array(n).fill(0)];
  assert.equal(params.length, paramLayout(natural.run.model).count);
  const zeros = sweep.run.instances.map(() => new Float64Array(paramLayout(sweep.run.model).count));
  const trained = new Map([
    ["natural", constructedTrained(natural.run, [params])],
    ["sweep", constructedTrained(sweep.run, zeros)],
  ]);
  const { checks } = computation.analyse(settings, trained, new Map());
  return checks.find((check) => check.id === "natural-solution")!.status;
}

Deno.test("computation's natural-solution check: |x| = ReLU(x) + ReLU(−x) passes, positive sides only fail", () => {
  assert.equal(naturalCheck(true), "pass");
  assert.equal(naturalCheck(false), "fail");
});

/**
 * A constructed sweep model: 20 monosemantic neurons and 20 that carry two features (weights 1
 * and ½). With `importantMonosemantic` the monosemantic neurons serve features 0–19 and the
 * polysemantic ones 20–59; else the reverse (the polysemantic ones lead with features 0–19, the
 * monosemantic ones serve 20–39).
 */
function orderedModel(importantMonosemantic: boolean): number[] {
  const { n, m } = COMPUTATION_SETUP.sweep;
  const W1 = Array(m * n).fill(0);
  const W2 = Array(n * m).fill(0);
  const connect = (j: number, i: number, w: number) => {
    W1[j * n + i] = w;
    W2[i * m + j] = 1;
  };
  for (let k = 0; k < m / 2; k++) {
    const [mono, poly] = importantMonosemantic ? [k, k + m / 2] : [k + m / 2, k];
    connect(mono, importantMonosemantic ? k : m / 2 + k, 1);
    const [a, b] = importantMonosemantic ? [m / 2 + 2 * k, m / 2 + 2 * k + 1] : [k, m + k];
    connect(poly, a, 1);
    connect(poly, b, 0.5);
  }
  return [...W1, ...W2, ...Array(n).fill(0)];
}

/** The ordering check's status on the sweep of {@link orderedModel}(`ordered(density)`). */
function orderingCheck(ordered: (density: number) => boolean): string {
  const settings = { ...computation.scales.quick, restarts: 1, samples: 256 };
  const [natural, sweep] = computation.runs(settings, 0);
  const params = sweep.run.instances.map((instance) => orderedModel(ordered(instance.density[0])));
  assert.equal(params[0].length, paramLayout(sweep.run.model).count);
  const zeros = new Float64Array(paramLayout(natural.run.model).count);
  const trained = new Map([
    ["natural", constructedTrained(natural.run, natural.run.instances.map(() => zeros))],
    ["sweep", constructedTrained(sweep.run, params)],
  ]);
  const { checks } = computation.analyse(settings, trained, new Map());
  return checks.find((check) => check.id === "important-stay-monosemantic")!.status;
}

Deno.test("computation's ordering check: passes when the monosemantic neurons serve the important features, holds partly where only some densities do, fails reversed", () => {
  assert.equal(orderingCheck(() => true), "pass");
  assert.equal(orderingCheck((density) => density >= 0.1), "partial");
  assert.equal(orderingCheck(() => false), "fail");
});
