/**
 * The SAE engine against its definitions: the layout and initial weights, the loss gradient
 * against finite differences, the decoder renormalisation, dead-latent resampling, validation,
 * and the WGSL kernels against the f64 reference trainer (with resampling in the run).
 */
import assert from "node:assert/strict";
import { trainSaeCpu } from "../../lib/engine/cpu/sae.ts";
import { UserError } from "../../lib/engine/errors.ts";
import { RESAMPLE_STEP } from "../../lib/engine/rng.ts";
import {
  initialSaeState,
  normalizeDecoder,
  resampleDeadLatents,
  saeInitialParams,
  type SaeInstance,
  saeLayout,
  saeLossAndGradient,
  type SaeRun,
  type SaeSpec,
  toyHiddenBatch,
  validateSaeRun,
} from "../../lib/engine/sae.ts";
import { train } from "../../lib/engine/train.ts";
import { INDEPENDENT_DATA, NOTEBOOK_OPTIMIZER } from "../../lib/engine/spec.ts";
import { assertClose, noWebGpu, relativeDifference } from "../helpers.ts";

const SPEC: SaeSpec = {
  toyFeatures: 6,
  toyHidden: 3,
  latents: 7,
  resample: { steps: [20, 40], window: 5, candidates: 64, encoderScale: 0.2 },
};

/** A toy W (3×6) with no structure, and an instance reading it. */
const TOY_WEIGHTS = Array.from({ length: 18 }, (_, k) => Math.sin(1.7 * k + 0.3));
function instance(l1: number, seed = 5): SaeInstance {
  return {
    config: 0,
    seed,
    dataSeed: seed + 4,
    density: Array(6).fill(0.3),
    toyWeights: TOY_WEIGHTS,
    l1,
  };
}

function run(l1s: number[], resampleSteps = SPEC.resample.steps): SaeRun {
  return {
    sae: { ...SPEC, resample: { ...SPEC.resample, steps: resampleSteps } },
    data: INDEPENDENT_DATA,
    optimizer: { ...NOTEBOOK_OPTIMIZER, lr: 1e-2, schedule: "cosine" },
    batch: 33,
    steps: 60,
    instances: l1s.map((l1, config) => ({ ...instance(l1, 5 + config), config })),
    snapshotSteps: [],
  };
}

Deno.test("saeLayout: [W_enc d·m | b_enc d | W_dec d·m | b_dec m]", () => {
  assert.deepEqual(saeLayout(SPEC), {
    encoder: 0,
    encoderBias: 21,
    decoder: 28,
    decoderBias: 49,
    count: 52,
  });
});

Deno.test("saeInitialParams: unit decoder rows, W_enc = W_dec, zero biases", () => {
  const params = saeInitialParams(SPEC, instance(0.1));
  const layout = saeLayout(SPEC);
  for (let l = 0; l < SPEC.latents; l++) {
    const row = params.slice(layout.decoder + 3 * l, layout.decoder + 3 * l + 3);
    assertClose(Math.hypot(...row), 1, 1e-12, `row ${l}`);
    assert.deepEqual(params.slice(3 * l, 3 * l + 3), row);
  }
  assert.ok(params.slice(layout.encoderBias, layout.decoder).every((b) => b === 0));
  assert.ok(params.slice(layout.decoderBias).every((b) => b === 0));
});

Deno.test("saeLossAndGradient: the gradient matches central finite differences (f64)", () => {
  const params = saeInitialParams(SPEC, instance(0.1));
  const layout = saeLayout(SPEC);
  params.fill(0.05, layout.encoderBias, layout.decoder); // every latent active on most rows
  params.fill(-0.02, layout.decoderBias);
  const rows = toyHiddenBatch(SPEC, instance(0.1), 3, 0, 16);
  const loss = (theta: Float64Array) =>
    saeLossAndGradient(SPEC, theta, rows, 0.1, new Float64Array(theta.length), new Uint8Array(7));
  const grads = new Float64Array(params.length);
  saeLossAndGradient(SPEC, params, rows, 0.1, grads, new Uint8Array(7));
  const h = 1e-6;
  for (let k = 0; k < params.length; k++) {
    const plus = params.slice();
    const minus = params.slice();
    plus[k] += h;
    minus[k] -= h;
    assertClose(grads[k], (loss(plus) - loss(minus)) / (2 * h), 1e-6, `∂θ[${k}]`);
  }
});

Deno.test("normalizeDecoder: every decoder row to unit norm, a zero row stays zero", () => {
  const params = saeInitialParams(SPEC, instance(0.1));
  const { decoder } = saeLayout(SPEC);
  params.fill(0, decoder, decoder + 3);
  for (let k = decoder + 3; k < decoder + 21; k++) params[k] *= 3;
  normalizeDecoder(SPEC, params);
  assert.deepEqual([...params.slice(decoder, decoder + 3)], [0, 0, 0]);
  for (let l = 1; l < 7; l++) {
    assertClose(Math.hypot(...params.slice(decoder + 3 * l, decoder + 3 * l + 3)), 1, 1e-12);
  }
});

Deno.test("resampleDeadLatents: dead latents get a candidate's direction; the others are untouched", () => {
  const state = initialSaeState(SPEC, instance(0.1));
  const layout = saeLayout(SPEC);
  state.firstMoment.fill(0.5);
  state.secondMoment.fill(0.25);
  state.params.fill(0.1, layout.decoderBias);
  state.sinceFired.set([0, 5, 4, 9, 0, 0, 0]); // window 5: latents 1 and 3 are dead
  const before = structuredClone(state);
  assert.deepEqual(resampleDeadLatents(SPEC, instance(0.1), state, 0), [1, 3]);
  const candidates = toyHiddenBatch(SPEC, instance(0.1), RESAMPLE_STEP, 0, 64)
    .map((h) => h.map((v) => v - 0.1));
  const aliveNorms = [0, 2, 4, 5, 6].map((l) =>
    Math.hypot(...before.params.slice(3 * l, 3 * l + 3))
  );
  const meanAlive = aliveNorms.reduce((a, b) => a + b, 0) / aliveNorms.length;
  for (let l = 0; l < 7; l++) {
    const decoder = state.params.slice(layout.decoder + 3 * l, layout.decoder + 3 * l + 3);
    const encoder = state.params.slice(3 * l, 3 * l + 3);
    if (l !== 1 && l !== 3) {
      assert.deepEqual(
        decoder,
        before.params.slice(layout.decoder + 3 * l, layout.decoder + 3 * l + 3),
      );
      assert.equal(state.firstMoment[3 * l], 0.5);
      continue;
    }
    assertClose(Math.hypot(...decoder), 1, 1e-12);
    const parallel = candidates.some((v) =>
      Math.abs(v.reduce((s, x, j) => s + x * decoder[j], 0) - Math.hypot(...v)) < 1e-9
    );
    assert.ok(parallel, `latent ${l}: decoder row is no candidate's direction`);
    encoder.forEach((w, j) => assertClose(w, 0.2 * meanAlive * decoder[j], 1e-12));
    assert.equal(state.params[layout.encoderBias + l], 0);
    assert.equal(state.firstMoment[3 * l], 0);
    assert.equal(state.secondMoment[layout.decoder + 3 * l], 0);
    assert.equal(state.sinceFired[l], 0);
  }
  assert.deepEqual(resampleDeadLatents(SPEC, instance(0.1), state, 1), []);
});

Deno.test("validateSaeRun names a bad field and its range", () => {
  const bad = (change: (r: SaeRun) => void, message: RegExp) => {
    const r = structuredClone(run([0.1]));
    change(r);
    assert.throws(
      () => validateSaeRun(r),
      (e: unknown) => e instanceof UserError && message.test(e.message),
    );
  };
  validateSaeRun(run([0.1]));
  bad((r) => r.sae.latents = 0, /^sae\.latents must be an integer in \[1, 4096\]/);
  bad(
    (r) => r.sae.resample.steps = [60],
    /^sae\.resample\.steps\[\] must be an integer in \[1, 59\]/,
  );
  bad((r) => r.instances[0].l1 = -1, /^instances\[0\]\.l1 must be a number/);
  bad((r) => r.instances[0].toyWeights = [1], /^instances\[0\]\.toyWeights must have m·n entries/);
  bad(
    (r) => [r.sae.toyHidden, r.sae.latents] = [40, 500],
    /must stay within 60000 loop iterations/,
  );
});

Deno.test({
  name: "WebGPU SAE kernels equal the f64 reference trainer, resampling included",
  ignore: noWebGpu,
  fn: async () => {
    const spec = run([0.01, 0.3, 3]);
    const cpu = trainSaeCpu(spec);
    const gpu = await train(spec, { backend: "webgpu" });
    const noResampling = trainSaeCpu(run([0.01, 0.3, 3], []));
    assert.ok(
      noResampling.params.some((params, k) => relativeDifference(params, cpu.params[k]) > 1e-3),
      "resampling changed nothing: the test would not cover it",
    );
    spec.instances.forEach((_, k) => {
      assert.ok(relativeDifference(gpu.params[k], cpu.params[k]) < 1e-4, `instance ${k} params`);
      assert.ok(relativeDifference(gpu.losses[k], cpu.losses[k]) < 1e-4, `instance ${k} losses`);
    });
  },
});
