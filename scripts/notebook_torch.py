#!/usr/bin/env python3
"""The official notebook's training loop (toy_models.ipynb: Model, generate_batch, optimize), for
timing against `deno task bench --compare`.

Same model, data, loss, optimiser and init as the notebook: W of shape (instances, n, m) with
nn.init.xavier_normal_ (its fan quirk included), b zeros, out = ReLU(einsum(einsum(x, W), W) + b);
a fresh batch feat * (rand <= p) every step with p = 20**-linspace(0, 1, instances) per instance
and importance 1; loss = (importance * (|batch| - out)**2) averaged over batch and features,
summed over instances; AdamW(lr=1e-3) with the notebook's per-step constant lr schedule. All
instances train together in one batched tensor, on the CPU, with torch's default intra-op threads
(one per core), as the notebook runs; with PEER_DEVICE=cuda on the GPU instead (each timed block
then ends with torch.cuda.synchronize()).

Usage: notebook_torch.py N M INSTANCES BATCH STEPS [RUNS] (see peer_timing.py).
"""

import os

import torch
from torch import nn
from torch.nn import functional as F

from peer_timing import time_peer

DEVICE = os.environ.get("PEER_DEVICE", "cpu")


class Model(nn.Module):
    def __init__(self, n_features, n_hidden, n_instances):
        super().__init__()
        self.n_features = n_features
        self.n_instances = n_instances
        self.W = nn.Parameter(torch.empty((n_instances, n_features, n_hidden)))
        nn.init.xavier_normal_(self.W)
        self.b_final = nn.Parameter(torch.zeros((n_instances, n_features)))
        self.feature_probability = (20 ** -torch.linspace(0, 1, n_instances))[:, None]
        self.importance = torch.ones(())

    def forward(self, features):
        hidden = torch.einsum("...if,ifh->...ih", features, self.W)
        out = torch.einsum("...ih,ifh->...if", hidden, self.W)
        return F.relu(out + self.b_final)

    def generate_batch(self, n_batch):
        shape = (n_batch, self.n_instances, self.n_features)
        feat = torch.rand(shape)
        return torch.where(torch.rand(shape) <= self.feature_probability, feat, torch.zeros(()))


def constant_lr(*_):
    return 1.0


def optimize(model, opt, n_batch, steps, lr=1e-3, lr_scale=constant_lr):
    for step in range(steps):
        step_lr = lr * lr_scale(step, steps)
        for group in opt.param_groups:
            group["lr"] = step_lr
        opt.zero_grad(set_to_none=True)
        batch = model.generate_batch(n_batch)
        out = model(batch)
        error = model.importance * (batch.abs() - out) ** 2
        loss = error.mean(dim=(0, 2)).sum()  # einops.reduce(error, "b i f -> i", "mean").sum()
        loss.backward()
        opt.step()
    if DEVICE != "cpu":
        torch.cuda.synchronize()


def make_block(args):
    if DEVICE != "cpu":
        torch.set_default_device(DEVICE)
    model = Model(args.n, args.m, args.instances)
    opt = torch.optim.AdamW(list(model.parameters()), lr=1e-3)
    return lambda: optimize(model, opt, args.batch, args.steps)


if __name__ == "__main__":
    time_peer(__doc__.splitlines()[0], make_block)
