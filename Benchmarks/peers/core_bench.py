"""PyTorch eager (CPU, one thread, float32) timings of the core Higher workloads.

Prints one JSON object to stdout: microseconds per call for each workload,
plus the torch version and the settings used.

    .build/peers-venv/bin/python Benchmarks/peers/core_bench.py [--quick]
"""

import os

# Must be set before torch loads its OpenMP/MKL runtimes; set_num_threads alone
# leaves MKL free to spin up its own pool.
for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import json
import math
import sys

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
torch.set_num_interop_threads(1)

from peer_timing import time_per_call_us  # noqa: E402  (after the thread pinning)

DTYPE = torch.float32
SEED = 0


def add64_untraced():
    a = torch.randn(64, dtype=DTYPE)
    b = torch.randn(64, dtype=DTYPE)
    return lambda: a + b


def add64_traced():
    a = torch.randn(64, dtype=DTYPE, requires_grad=True)
    b = torch.randn(64, dtype=DTYPE, requires_grad=True)

    def step():
        value = (a + b).sum()
        grads = torch.autograd.grad(value, (a, b))
        return value, grads

    return step


def _linear_params(gen, fan_in, fan_out):
    # Same shapes and bounds as nn.Linear's default init, drawn from our own
    # generator so the Swift side can reproduce the setup.
    bound = 1.0 / math.sqrt(fan_in)
    w = (torch.rand(fan_out, fan_in, generator=gen, dtype=DTYPE) * 2 - 1) * bound
    b = (torch.rand(fan_out, generator=gen, dtype=DTYPE) * 2 - 1) * bound
    return [w.requires_grad_(), b.requires_grad_()]


def _mlp_problem():
    gen = torch.Generator().manual_seed(SEED)
    params = []
    for fan_in, fan_out in ((1, 40), (40, 40), (40, 1)):
        params += _linear_params(gen, fan_in, fan_out)
    x = torch.linspace(-5.0, 5.0, 10, dtype=DTYPE).unsqueeze(1)
    y = torch.sin(x)

    def loss_fn():
        w1, b1, w2, b2, w3, b3 = params
        h = F.relu(F.linear(x, w1, b1))
        h = F.relu(F.linear(h, w2, b2))
        return F.mse_loss(F.linear(h, w3, b3), y)

    return params, loss_fn, gen


def mlp_grad():
    params, loss_fn, _ = _mlp_problem()
    return lambda: torch.autograd.grad(loss_fn(), params)


def mlp_hvp():
    params, loss_fn, gen = _mlp_problem()
    direction = [torch.randn(p.shape, generator=gen, dtype=DTYPE) for p in params]

    def step():
        grads = torch.autograd.grad(loss_fn(), params, create_graph=True)
        g_dot_v = sum((g * v).sum() for g, v in zip(grads, direction))
        return torch.autograd.grad(g_dot_v, params)

    return step


def conv_fwd_bwd():
    x = torch.randn(8, 64, 14, 14, dtype=DTYPE, requires_grad=True)
    w = torch.randn(64, 64, 3, 3, dtype=DTYPE, requires_grad=True)

    def step():
        loss = F.conv2d(x, w, stride=1, padding=1).sum()
        return torch.autograd.grad(loss, (x, w))

    return step


def gemm(n):
    def make():
        a = torch.randn(n, n, dtype=DTYPE)
        b = torch.randn(n, n, dtype=DTYPE)
        return lambda: torch.mm(a, b)

    return make


BENCHMARKS = {
    "add64_untraced": add64_untraced,
    "add64_traced": add64_traced,
    "mlp_grad": mlp_grad,
    "mlp_hvp": mlp_hvp,
    "conv_fwd_bwd": conv_fwd_bwd,
    "gemm_32": gemm(32),
    "gemm_128": gemm(128),
    "gemm_512": gemm(512),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter repeats")
    args = parser.parse_args()

    repeats, min_repeat_s = (3, 0.02) if args.quick else (11, 0.2)
    torch.manual_seed(SEED)

    results = {
        "framework": "pytorch-eager",
        "torch_version": torch.__version__,
        "device": "cpu",
        "num_threads": torch.get_num_threads(),
        "dtype": "float32",
        "unit": "us_per_call",
        "quick": args.quick,
    }
    for name, make in BENCHMARKS.items():
        us = time_per_call_us(make(), repeats, min_repeat_s)
        results[name] = round(us, 3)
        print(f"{name:>16}: {us:12.3f} us", file=sys.stderr)

    json.dump(results, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
