"""The inner-loop memory benchmark in PyTorch with `higher` 0.2.1: one configuration per process.

    .build/peers-venv/bin/python Benchmarks/peers/higher_memory.py --steps 1000

The workload of `InnerLoopMemory`: a 1-40-40-1 ReLU MLP (float32, `nn.Linear` init from a
generator seeded with 0), torch SGD lr 0.01 wrapped by `higher.innerloop_ctx` (MAML:
`copy_initial_weights=False`, `track_higher_grads=True`), K steps on 10 support points
`x` evenly spaced in [-5, 5], `y = sin x`, then the gradient of the query loss (10 points
offset by half a spacing) with respect to the initial weights. One thread.

Prints one JSON line with the keys of `InnerLoopMemory`: strategy, steps, baseline_rss_mb
(VmRSS after setup and a warm-up gradient, before the loop), peak_rss_mb (VmHWM at the
end), seconds_forward, seconds_backward, us_per_step (wall clock), and the same times in
process CPU time (cpu_*). The address space is capped at
`--limit-gb` (8 by default); a run that hits the cap prints `"fits": false` and exits 0.
"""

import os

# Must be set before torch loads its OpenMP/MKL runtimes.
for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import json
import math
import resource
import sys
import time


def status_mb(field):
    """A field of /proc/self/status (VmRSS, VmHWM…) in megabytes."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, required=True)
    parser.add_argument("--limit-gb", type=float, default=8.0)
    args = parser.parse_args()

    import torch
    import higher

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    dtype = torch.float32

    generator = torch.Generator().manual_seed(0)
    layers = []
    for fan_in, fan_out in [(1, 40), (40, 40), (40, 1)]:
        linear = torch.nn.Linear(fan_in, fan_out, dtype=dtype)
        bound = 1 / math.sqrt(fan_in)
        with torch.no_grad():
            linear.weight.uniform_(-bound, bound, generator=generator)
            linear.bias.uniform_(-bound, bound, generator=generator)
        layers += [linear, torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])

    spacing = 10 / 9
    xs = torch.tensor([-5 + i * spacing for i in range(10)], dtype=torch.float64).reshape(10, 1)
    xq = xs + spacing / 2
    support = (xs.to(dtype), torch.sin(xs).to(dtype))
    query = (xq.to(dtype), torch.sin(xq).to(dtype))
    mse = torch.nn.functional.mse_loss

    # Warm-up: one double-backward gradient, so allocator pools and lazily loaded kernels
    # count in the baseline rather than against the loop.
    params = list(model.parameters())
    g = torch.autograd.grad(mse(model(support[0]), support[1]), params, create_graph=True)
    torch.autograd.grad(sum((t * t).sum() for t in g), params)
    del g

    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    baseline = status_mb("VmRSS")
    # A soft limit, so it can be lifted again to report a run that hit it.
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = int(args.limit_gb * 2**30)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))

    record = {"framework": "higher-0.2.1", "strategy": "higher", "steps": args.steps,
              "baseline_rss_mb": round(baseline, 1)}
    try:
        start, cpu_start = time.perf_counter(), time.process_time()
        with higher.innerloop_ctx(model, optimizer, copy_initial_weights=False) as (fmodel, diffopt):
            for _ in range(args.steps):
                diffopt.step(mse(fmodel(support[0]), support[1]))
            forward, cpu_forward = time.perf_counter() - start, time.process_time() - cpu_start
            start, cpu_start = time.perf_counter(), time.process_time()
            outer = mse(fmodel(query[0]), query[1])
            outer.backward()
            outer = outer.detach()
            backward, cpu_backward = time.perf_counter() - start, time.process_time() - cpu_start
        grad_norm = math.sqrt(sum(float((p.grad.double() ** 2).sum()) for p in model.parameters()))
    except (MemoryError, RuntimeError) as error:
        # The cap was hit (torch reports a failed allocation as a RuntimeError).
        resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
        record.update({"fits": False, "peak_rss_mb": round(status_mb("VmHWM"), 1),
                       "error": str(error).splitlines()[0][:200]})
        print(json.dumps(record))
        return
    record.update({
        "fits": True,
        "peak_rss_mb": round(status_mb("VmHWM"), 1),
        "seconds_forward": round(forward, 4),
        "seconds_backward": round(backward, 4),
        "us_per_step": round((forward + backward) / args.steps * 1e6, 1),
        "cpu_seconds_forward": round(cpu_forward, 4),
        "cpu_seconds_backward": round(cpu_backward, 4),
        "cpu_us_per_step": round((cpu_forward + cpu_backward) / args.steps * 1e6, 1),
        "cpu_us_per_step_forward": round(cpu_forward / args.steps * 1e6, 1),
        "cpu_us_per_step_backward": round(cpu_backward / args.steps * 1e6, 1),
        "outer_loss": outer.item(),
        "metagrad_norm": grad_norm,
        "torch_version": torch.__version__,
        "higher_version": getattr(higher, "__version__", "0.2.1"),
    })
    print(json.dumps(record))


if __name__ == "__main__":
    sys.exit(main())
