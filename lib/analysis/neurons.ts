/**
 * @module
 * Neurons of the models with a privileged hidden basis (paper §10 and §11): h = ReLU(W₁ x),
 * output ReLU(W₂ h + b), with W₂ = W₁ᵀ when tied. W₁ is m×n row-major (W₁[j·n + i] is the weight
 * from feature i to neuron j) and W₂ n×m row-major (W₂[i·m + j], neuron j to output i).
 *
 * Which features each neuron carries, mono- and polysemantic neurons, the pair-of-neurons code
 * of very sparse features, footnote 15's rescaling, and the asymmetric superposition motif.
 */

/** A feature is carried by neuron j when |W₁[j, i]| ≥ this share of the neuron's largest |W₁[j, ·]|. */
export const CARRIED_SHARE = 0.25;

/**
 * A neuron whose gain max_i |W₁[j, i]| · max_i |W₂[i, j]| is below this carries nothing (it is dead
 * or untrained; a neuron that passes a feature through has gain about 1). The gain does not change
 * under footnote 15's rescaling.
 */
export const DEAD_GAIN = 0.05;

/** The features neuron j carries: |W₁[j, i]| ≥ {@link CARRIED_SHARE} · max_i |W₁[j, i]|, largest first. */
function carried(W1: ArrayLike<number>, n: number, j: number): number[] {
  const row = Array.from({ length: n }, (_, i) => Math.abs(W1[j * n + i]));
  const largest = Math.max(...row);
  if (!(largest > 0)) return [];
  return row.flatMap((weight, i) => weight >= CARRIED_SHARE * largest ? [i] : [])
    .sort((a, b) => row[b] - row[a] || a - b);
}

/** max_i |W₂[i, j]| for each neuron j (W₂ n×m row-major). */
function outputGains(W2: ArrayLike<number>, m: number, n: number): number[] {
  return Array.from({ length: m }, (_, j) => {
    let largest = 0;
    for (let i = 0; i < n; i++) largest = Math.max(largest, Math.abs(W2[i * m + j]));
    return largest;
  });
}

/**
 * The features each neuron j carries: those with |W₁[j, i]| ≥ {@link CARRIED_SHARE} of the
 * neuron's largest input weight, largest first; none for a neuron whose gain
 * max|W₁[j, ·]| · max|W₂[·, j]| is below {@link DEAD_GAIN}.
 */
export function neuronFeatures(
  W1: ArrayLike<number>,
  W2: ArrayLike<number>,
  m: number,
  n: number,
): number[][] {
  const gains = outputGains(W2, m, n);
  return Array.from({ length: m }, (_, j) => {
    const features = carried(W1, n, j);
    const gain = features.length > 0 ? Math.abs(W1[j * n + features[0]]) * gains[j] : 0;
    return gain >= DEAD_GAIN ? features : [];
  });
}

/** A neuron that carries two or more features is polysemantic; one, monosemantic; none, dead. */
export type NeuronKind = "monosemantic" | "polysemantic" | "dead";

/** The kind of a neuron from the features it carries ({@link neuronFeatures}). */
export function neuronKind(features: readonly number[]): NeuronKind {
  return features.length === 0 ? "dead" : features.length === 1 ? "monosemantic" : "polysemantic";
}

/**
 * The neurons that fire for feature i in a tied model, h = ReLU(W x): those j with
 * W[j, i] ≥ ½ · max_j W[j, i] > 0, in neuron order. Very sparse features each get a pair (§10).
 */
export function featureNeurons(W: ArrayLike<number>, m: number, n: number): number[][] {
  return Array.from({ length: n }, (_, i) => {
    const column = Array.from({ length: m }, (_, j) => W[j * n + i]);
    const largest = Math.max(...column);
    return largest > 0 ? column.flatMap((weight, j) => weight >= largest / 2 ? [j] : []) : [];
  });
}

/**
 * Footnote 15's rescaling of an untied model: h_j → α_j h_j with W₂[·, j] → W₂[·, j]/α_j leaves
 * the model's function unchanged (ReLU(α z) = α ReLU(z) for α > 0). With α_j = 1/max_i |W₁[j, i]|
 * every neuron's largest input weight becomes 1; a zero row is left as it is.
 */
export function rescaleNeurons(
  W1: ArrayLike<number>,
  W2: ArrayLike<number>,
  m: number,
  n: number,
): { W1: Float64Array; W2: Float64Array } {
  const scaled1 = Float64Array.from(W1);
  const scaled2 = Float64Array.from(W2);
  for (let j = 0; j < m; j++) {
    let largest = 0;
    for (let i = 0; i < n; i++) largest = Math.max(largest, Math.abs(W1[j * n + i]));
    if (!(largest > 0)) continue;
    for (let i = 0; i < n; i++) {
      scaled1[j * n + i] /= largest;
      scaled2[i * m + j] *= largest;
    }
  }
  return { W1: scaled1, W2: scaled2 };
}

/**
 * The neurons in the paper's display order: by the importance of their largest feature (the
 * lowest index first, features being sorted by importance), dead neurons last, ties in neuron order.
 */
export function neuronOrder(features: readonly (readonly number[])[]): number[] {
  const key = (j: number) => features[j][0] ?? Infinity;
  return features.map((_, j) => j).sort((a, b) => key(a) - key(b) || a - b);
}

/**
 * One asymmetric superposition motif (§11): neuron `neuron` carries `primary` (input weight
 * w_a) and `secondary` (w_b) with |w_b| ≤ |w_a|/2, and writes them back with reciprocal output
 * weights u_b ≥ 2 u_a > 0, so the primary feature interferes strongly with the secondary output
 * (gain u_b·|w_a|) but not the reverse; `inhibitor` fires with the primary feature (its input
 * weight has w_a's sign) and writes a negative u′_b to the secondary output, cancelling at least
 * half the interference (|u′_b·w′_a| ≥ ½ u_b·|w_a|).
 */
export interface AsymmetricMotif {
  neuron: number;
  inhibitor: number;
  primary: number;
  secondary: number;
  /** w_a, w_b: W₁[neuron, primary], W₁[neuron, secondary]. */
  inputWeights: [number, number];
  /** u_a, u_b: W₂[primary, neuron], W₂[secondary, neuron]. */
  outputWeights: [number, number];
  /** u_b·|w_a|: what a unit primary feature adds to the secondary output through the neuron. */
  interference: number;
  /** u′_b·|w′_a| < 0: what it adds through the inhibitor. */
  inhibition: number;
  /** W₁[inhibitor, primary] and W₂[secondary, inhibitor]. */
  inhibitorWeights: [number, number];
}

/**
 * Every asymmetric superposition motif of an untied model h = ReLU(W₁x), y = ReLU(W₂h + b)
 * ({@link AsymmetricMotif}), one per neuron at most (its largest two carried features, the
 * strongest inhibitor). The conditions are ratios and products of weights on each path, so
 * footnote 15's rescaling does not change what is found.
 */
export function asymmetricMotifs(
  W1: ArrayLike<number>,
  W2: ArrayLike<number>,
  m: number,
  n: number,
): AsymmetricMotif[] {
  const features = neuronFeatures(W1, W2, m, n);
  return features.flatMap((carriedByNeuron, j) => {
    if (carriedByNeuron.length < 2) return [];
    const [a, b] = carriedByNeuron;
    const wa = W1[j * n + a];
    const wb = W1[j * n + b];
    const ua = W2[a * m + j];
    const ub = W2[b * m + j];
    if (Math.abs(wb) > Math.abs(wa) / 2 || !(ua > 0) || ub < 2 * ua) return [];
    const interference = ub * Math.abs(wa);
    let best: { k: number; inhibition: number } | undefined;
    for (let k = 0; k < m; k++) {
      const firing = W1[k * n + a] * Math.sign(wa);
      const inhibition = W2[b * m + k] * Math.max(0, firing);
      if (k !== j && inhibition < (best?.inhibition ?? -interference / 2)) best = { k, inhibition };
    }
    if (!best) return [];
    return [{
      neuron: j,
      inhibitor: best.k,
      primary: a,
      secondary: b,
      inputWeights: [wa, wb],
      outputWeights: [ua, ub],
      interference,
      inhibition: best.inhibition,
      inhibitorWeights: [W1[best.k * n + a], W2[b * m + best.k]],
    }];
  });
}
