import assert from "node:assert/strict";
import { paramLayout } from "../../lib/engine/spec.ts";
import { privileged, PRIVILEGED_SETUP } from "../../lib/sections/privileged.ts";
import { constructedTrained } from "../helpers.ts";

const { n, m, densities } = PRIVILEGED_SETUP;

Deno.test("privileged trains h = ReLU(Wx), n=10, m=5, I=0.75^i at ARENA's densities, k restarts each", () => {
  const settings = privileged.scales.quick;
  const [{ name, run }] = privileged.runs(settings, 0);
  assert.equal(name, "neurons");
  assert.deepEqual(run.model, { n, m, tied: true, hidden: "relu", output: "relu" });
  assert.equal(run.instances.length, densities.length * settings.restarts);
  densities.forEach((p, config) => {
    const restarts = run.instances.filter((instance) => instance.config === config);
    assert.equal(restarts.length, settings.restarts);
    assert.ok(restarts.every((instance) =>
      instance.density.every((value) => value === p) &&
      instance.importance.every((value, i) => Math.abs(value - 0.75 ** i) < 1e-12)
    ));
  });
});

/** W with a neuron of its own for features 0 … 4 (the paper's dense solution). */
function dedicated(): number[] {
  const W = Array(m * n).fill(0);
  for (let j = 0; j < m; j++) W[j * n + j] = 1;
  return W;
}

/** W with each feature on its own pair of neurons (the paper's very sparse solution). */
function pairs(): number[] {
  const W = Array(m * n).fill(-0.6);
  let i = 0;
  for (let a = 0; a < m; a++) {
    for (let b = a + 1; b < m; b++, i++) W[a * n + i] = W[b * n + i] = 0.8;
  }
  return W;
}

/** The checks' outcome for the models given per density (one restart each). */
function checksOn(modelAt: (density: number) => number[]) {
  const settings = { ...privileged.scales.quick, restarts: 1, samples: 256 };
  const [{ run }] = privileged.runs(settings, 0);
  const bias = Array(n).fill(0);
  const params = run.instances.map((instance) => [...modelAt(instance.density[0]), ...bias]);
  assert.equal(params[0].length, paramLayout(run.model).count);
  const trained = new Map([["neurons", constructedTrained(run, params)]]);
  const { checks } = privileged.analyse(settings, trained, new Map());
  return Object.fromEntries(checks.map((check) => [check.id, check.status]));
}

Deno.test("privileged's checks pass on the paper's solutions: dedicated neurons dense, pairs very sparse", () => {
  assert.deepEqual(checksOn((p) => p >= 0.3 ? dedicated() : pairs()), {
    "dense-monosemantic": "pass",
    "sparse-neuron-pairs": "pass",
    "represented-grows": "pass",
  });
});

Deno.test("privileged's checks fail where the solutions are swapped", () => {
  assert.deepEqual(checksOn((p) => p >= 0.3 ? pairs() : dedicated()), {
    "dense-monosemantic": "fail",
    "sparse-neuron-pairs": "fail",
    "represented-grows": "fail",
  });
});
