"""The command line and timing shared by the bench's peers (notebook_torch.py, notebook_jax.py).

Usage of a peer: SCRIPT N M INSTANCES BATCH STEPS [RUNS]. `time_peer` runs one untimed warm-up
block of STEPS steps (which compiles, where the peer compiles), then RUNS (default 1) timed blocks
of STEPS steps, and prints one JSON object: {"steps_per_s": ..., "instance_steps_per_s": ...},
the median over the timed blocks (instance_steps_per_s = INSTANCES * steps_per_s).
"""

import argparse
import json
import statistics
import time


def time_peer(description, make_block):
    """Parses the peer's arguments; `make_block(args)` returns a function training STEPS steps
    (and returning only when they are done)."""
    parser = argparse.ArgumentParser(description=description)
    for name in ("n", "m", "instances", "batch", "steps"):
        parser.add_argument(name, type=int)
    parser.add_argument("runs", type=int, nargs="?", default=1)
    args = parser.parse_args()
    block = make_block(args)
    block()
    rates = []
    for _ in range(args.runs):
        started = time.perf_counter()
        block()
        rates.append(args.steps / (time.perf_counter() - started))
    steps_per_s = statistics.median(rates)
    print(json.dumps({
        "steps_per_s": steps_per_s,
        "instance_steps_per_s": args.instances * steps_per_s,
    }))
