/**
 * @module
 * Initial parameters, computed on the CPU for both trainers: W (and W₂) xavier-normal from the
 * instance's seed, b = 0, or the instance's own `initialParams`.
 */
import { standardNormal } from "./rng.ts";
import { type InitSpec, type InstanceSpec, type ModelSpec, paramLayout } from "./spec.ts";

/**
 * The standard deviation of the initial weights. Notebook: `xavier_normal_` on the tensor
 * (instances, n, m) takes fan_in = n·m and fan_out = instances·m, so std = √(2/(m·(n + instances)));
 * plain xavier: std = √(2/(n + m)).
 */
export function initStd(model: ModelSpec, init: InitSpec): number {
  if (init.kind === "notebook") return Math.sqrt(2 / (model.m * (model.n + init.fanInstances)));
  return Math.sqrt(2 / (model.n + model.m));
}

/** The initial parameter vector [W₁ | W₂ | b] of one instance: weight k is std·N(0,1) drawn at counter k, b = 0. */
export function initialParams(
  model: ModelSpec,
  init: InitSpec,
  instance: InstanceSpec,
): Float64Array {
  const layout = paramLayout(model);
  const params = new Float64Array(layout.count);
  if (instance.initialParams) {
    params.set(Array.from(instance.initialParams));
    return params;
  }
  const std = initStd(model, init);
  for (let k = 0; k < layout.bias; k++) params[k] = std * standardNormal(instance.seed, k);
  return params;
}
