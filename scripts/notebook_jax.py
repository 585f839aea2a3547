#!/usr/bin/env python3
"""The official notebook's training loop compiled with JAX, for timing against
`deno task bench --compare`: the strongest CPU peer a user would pick.

Same model, data, loss, optimiser and init as scripts/notebook_torch.py (the notebook's): W of
shape (instances, n, m) drawn as xavier_normal_ on that 3-D tensor (std = sqrt(2 / (m (n + I)))),
b zeros, out = ReLU(einsum(einsum(x, W), W) + b); a fresh batch feat * (rand <= p) every step
with p = 20**-linspace(0, 1, instances) per instance and importance 1; loss = (|batch| - out)**2
averaged over batch and features, summed over instances; AdamW (lr 1e-3, betas (0.9, 0.999),
eps 1e-8, weight decay 0.01 on W and b, PyTorch's update). All instances train together in one
batched array; STEPS steps run as one jit-compiled lax.scan, on the CPU (JAX_PLATFORMS=cpu), or
with PEER_DEVICE=cuda on the GPU.

Usage: notebook_jax.py N M INSTANCES BATCH STEPS [RUNS] (see peer_timing.py); the warm-up block
compiles.
"""

import os

os.environ.setdefault("JAX_PLATFORMS", "cuda" if os.environ.get("PEER_DEVICE") == "cuda" else "cpu")

import jax  # noqa: E402 (after choosing the platform)
import jax.numpy as jnp  # noqa: E402

from peer_timing import time_peer

LR, BETA1, BETA2, EPS, WEIGHT_DECAY = 1e-3, 0.9, 0.999, 1e-8, 0.01


def init(key, n, m, instances):
    std = (2.0 / (m * (n + instances))) ** 0.5
    params = {"W": std * jax.random.normal(key, (instances, n, m)), "b": jnp.zeros((instances, n))}
    zeros = jax.tree.map(jnp.zeros_like, params)
    return params, {"m": zeros, "v": zeros, "t": jnp.zeros((), jnp.int32)}


def loss_fn(params, batch):
    hidden = jnp.einsum("bif,ifh->bih", batch, params["W"])
    out = jax.nn.relu(jnp.einsum("bih,ifh->bif", hidden, params["W"]) + params["b"])
    return ((jnp.abs(batch) - out) ** 2).mean(axis=(0, 2)).sum()


def adamw(params, grads, state):
    t = state["t"] + 1
    m = jax.tree.map(lambda m, g: BETA1 * m + (1 - BETA1) * g, state["m"], grads)
    v = jax.tree.map(lambda v, g: BETA2 * v + (1 - BETA2) * g * g, state["v"], grads)
    c1 = 1 - BETA1 ** t
    c2 = 1 - BETA2 ** t

    def update(p, m, v):
        p = p * (1 - LR * WEIGHT_DECAY)
        return p - LR * (m / c1) / (jnp.sqrt(v / c2) + EPS)

    return jax.tree.map(update, params, m, v), {"m": m, "v": v, "t": t}


def make_train(n, instances, n_batch, steps):
    probability = (20.0 ** -jnp.linspace(0, 1, instances))[:, None]

    def step(carry, key):
        params, state = carry
        k_feat, k_mask = jax.random.split(key)
        shape = (n_batch, instances, n)
        feat = jax.random.uniform(k_feat, shape)
        batch = jnp.where(jax.random.uniform(k_mask, shape) <= probability, feat, 0.0)
        grads = jax.grad(loss_fn)(params, batch)
        return adamw(params, grads, state), None

    @jax.jit
    def train(params, state, key):
        (params, state), _ = jax.lax.scan(step, (params, state), jax.random.split(key, steps))
        return params, state

    return train


def make_block(args):
    key = jax.random.key(0)
    train = make_train(args.n, args.instances, args.batch, args.steps)
    carry = {"state": init(key, args.n, args.m, args.instances), "block": 0}

    def block():
        params, state = carry["state"]
        carry["block"] += 1
        key_block = jax.random.fold_in(key, carry["block"])
        carry["state"] = jax.block_until_ready(train(params, state, key_block))

    return block


if __name__ == "__main__":
    time_peer(__doc__.splitlines()[0], make_block)
