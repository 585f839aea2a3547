/**
 * @module
 * How well a sparse autoencoder recovers a toy model's features (paper.md §14.2): the cosine of
 * each represented feature direction W_i with its closest decoder row, the features recovered
 * (cosine above 0.9), their mean max cosine (Sharkey et al.'s MMCS), and the latents that never
 * fire.
 */
import { saeForward, type SaeSpec } from "../engine/sae.ts";
import { representedFeatures } from "./geometry.ts";

/** A feature counts as recovered when some decoder row has cosine above this with W_i. */
export const RECOVERED_COSINE = 0.9;

/** An SAE's recovery of a toy model's features. */
export interface Recovery {
  /** The features the toy represents (‖W_i‖ > 0.5), in order. */
  represented: number[];
  /** Per represented feature: max_l cos(W_i, W_dec[l]), and the latent l attaining it. */
  maxCosine: number[];
  latent: number[];
  /** Represented features with max cosine above {@link RECOVERED_COSINE}. */
  recovered: number;
  /** The mean of `maxCosine` (MMCS); 0 when nothing is represented. */
  meanMaxCosine: number;
}

/**
 * For each represented feature i of the toy's W (m×n, row-major W[j·n + i]), the largest cosine
 * cos(W_i, W_dec[l]) = W_i·W_dec[l] / (‖W_i‖‖W_dec[l]‖) over the decoder rows (a zero row: 0).
 */
export function featureRecovery(
  W: ArrayLike<number>,
  m: number,
  n: number,
  decoder: readonly ArrayLike<number>[],
): Recovery {
  const represented = representedFeatures(W, m, n);
  const norms = decoder.map((row) => Math.hypot(...Array.from(row)));
  const maxCosine: number[] = [];
  const latent: number[] = [];
  for (const i of represented) {
    const column = Array.from({ length: m }, (_, j) => W[j * n + i]);
    const length = Math.hypot(...column);
    let best = -Infinity;
    let bestLatent = -1;
    decoder.forEach((row, l) => {
      let dot = 0;
      for (let j = 0; j < m; j++) dot += row[j] * column[j];
      const cosine = norms[l] > 0 ? dot / (norms[l] * length) : 0;
      if (cosine > best) [best, bestLatent] = [cosine, l];
    });
    maxCosine.push(best);
    latent.push(bestLatent);
  }
  return {
    represented,
    maxCosine,
    latent,
    recovered: maxCosine.filter((cosine) => cosine > RECOVERED_COSINE).length,
    meanMaxCosine: maxCosine.length > 0
      ? maxCosine.reduce((sum, cosine) => sum + cosine, 0) / maxCosine.length
      : 0,
  };
}

/** The latents l of an SAE with z_l = ReLU(W_enc h + b_enc)_l = 0 on every one of `inputs`. */
export function deadLatents(
  spec: SaeSpec,
  params: ArrayLike<number>,
  inputs: readonly Float64Array[],
): number[] {
  const fired = new Uint8Array(spec.latents);
  const z = new Float64Array(spec.latents);
  const out = new Float64Array(spec.toyHidden);
  for (const h of inputs) {
    saeForward(spec, params, h, z, out);
    z.forEach((value, l) => {
      if (value > 0) fired[l] = 1;
    });
  }
  return Array.from({ length: spec.latents }, (_, l) => l).filter((l) => !fired[l]);
}
