"""Runs the Swift benchmark and the PyTorch peer in one go and prints one table of ratios.

Usage (from the repository root, after `make bench-peers` built both sides):
    python3 Benchmarks/peers/compare.py [--quick] [--swift-bin PATH]
"""
import argparse
import datetime
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}

# workload, what it measures, the target for Higher's speed-up over PyTorch eager (None: no target)
ROWS = [
    ("add64_untraced", "add of two [64] tensors, untraced", None),
    ("add64_traced", "add of two [64] tensors, value and gradient", None),
    ("mlp_grad", "1-40-40-1 ReLU MLP, MSE on 10 points: gradient", 3.0),
    ("mlp_hvp", "same: Hessian-vector product", None),
    ("conv_fwd_bwd", "conv2d [8,64,14,14] 3x3 64->64: forward + backward", 1 / 1.5),
    ("adam_step_1m", "Adam step, 1M-scalar tree (torch: foreach)", 1.0),
    ("sgd_momentum_step_1m", "SGD-momentum step, 1M-scalar tree (torch: foreach)", 1.0),
    ("gemm_32", "square GEMM 32", None),
    ("gemm_128", "square GEMM 128", None),
    ("gemm_512", "square GEMM 512", None),
]


def run_json(cmd):
    env = dict(os.environ, **ONE_THREAD)
    out = subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--swift-bin", default=os.path.join(ROOT, ".build", "release", "HigherBench"))
    args = parser.parse_args()
    flag = ["--quick"] if args.quick else []
    higher = run_json([args.swift_bin, "--json"] + flag)
    python = os.path.join(ROOT, ".build", "peers-venv", "bin", "python")
    torch = run_json([python, os.path.join(ROOT, "Benchmarks", "peers", "core_bench.py")] + flag)
    torch.update(run_json([python, os.path.join(ROOT, "Benchmarks", "peers", "optim_bench.py")] + flag))

    print(f"# Higher ({higher['blas']}) vs PyTorch {torch['torch_version']} eager, Float32, one thread, "
          f"{datetime.date.today().isoformat()}")
    print()
    print("| workload | Higher µs | PyTorch µs | speed-up | target |")
    print("|---|---:|---:|---:|---|")
    for key, label, target in ROWS:
        h, t = higher.get(key), torch.get(key)
        if h is None or t is None:
            continue
        ratio = t / h
        goal = "" if target is None else (f"≥ {target:.2f}×" + (" ✓" if ratio >= target else " ✗"))
        print(f"| {label} | {h:.3f} | {t:.3f} | {ratio:.2f}× | {goal} |")
    print()
    print("| Higher only | µs |")
    print("|---|---:|")
    for n in (32, 128, 512):
        tensor, raw = higher[f"gemm_{n}"], higher[f"gemm_{n}_raw_cblas"]
        print(f"| GEMM {n}²: Tensor {tensor:.3f} vs raw CBLAS {raw:.3f} | overhead {100 * (tensor / raw - 1):+.1f}% |")
    print(f"| HVP / gradient (MLP) | {higher['mlp_hvp'] / higher['mlp_grad']:.2f}× |")


if __name__ == "__main__":
    sys.exit(main())
