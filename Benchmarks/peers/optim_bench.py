"""PyTorch eager (CPU, one thread, float32) timings of one optimizer step.

Prints one JSON object to stdout: microseconds per `optimizer.step()` for

  adam_step_1m          torch.optim.Adam(lr=1e-3), default betas and eps
  sgd_momentum_step_1m  torch.optim.SGD(lr=0.01, momentum=0.9)

both with foreach=True, on a float32 parameter tree of 1,050,112 scalars:
  fc1.weight [1024, 512], fc1.bias [1024], fc2.weight [512, 1024], fc2.bias [512]
(parameters and gradients uniform in [-1, 1) from a generator seeded with 0; the
gradients stay fixed). The optimizer state is warmed up by 10 steps before timing,
so every timed step is a steady-state step (the momentum buffer exists). A readable
summary goes to stderr.

    .build/peers-venv/bin/python Benchmarks/peers/optim_bench.py [--quick]
"""

import os

# Must be set before torch loads its OpenMP/MKL runtimes.
for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import json
import sys

import torch

torch.set_num_threads(1)
torch.set_num_interop_threads(1)

from peer_timing import time_per_call_us  # noqa: E402  (after the thread pinning)

SHAPES = [("fc1.weight", (1024, 512)), ("fc1.bias", (1024,)), ("fc2.weight", (512, 1024)), ("fc2.bias", (512,))]


def make_tree():
    gen = torch.Generator().manual_seed(0)
    params = []
    for _, shape in SHAPES:
        p = (torch.rand(shape, generator=gen, dtype=torch.float32) * 2 - 1).requires_grad_()
        p.grad = torch.rand(shape, generator=gen, dtype=torch.float32) * 2 - 1
        params.append(p)
    return params


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter repeats (noisier)")
    args = parser.parse_args()
    repeats, min_repeat_s = (3, 0.02) if args.quick else (11, 0.2)

    results = {}
    for key, make in [
        ("adam_step_1m", lambda p: torch.optim.Adam(p, lr=1e-3, foreach=True)),
        ("sgd_momentum_step_1m", lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9, foreach=True)),
    ]:
        params = make_tree()
        opt = make(params)
        with torch.no_grad():
            results[key] = time_per_call_us(opt.step, repeats, min_repeat_s)

    scalars = sum(p.numel() for p in make_tree())
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread, float32, {scalars} scalars",
          file=sys.stderr)
    for key, value in results.items():
        print(f"  {key:22s} {value:10.1f} us", file=sys.stderr)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
