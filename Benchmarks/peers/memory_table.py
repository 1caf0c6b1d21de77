"""Peak memory and time per step of the inner loop against the number of steps K.

    python3 Benchmarks/peers/memory_table.py [--binary PATH] [--steps 10,100,1000,10000] [--repeats N]

Runs `InnerLoopMemory` (Higher) for every meta-gradient strategy and every K, and
`higher_memory.py` (PyTorch + higher 0.2.1) for every K, each configuration in its own
process so peaks do not mix, and prints a markdown table on stdout (progress on stderr):
peak RSS, MB above the process's baseline (RSS after setup, before the loop) and µs per
inner step (forward steps plus the meta-gradient, divided by K), in wall-clock time and in
process CPU time. Both programs are single-threaded, so on an idle machine the two agree;
on a busy one CPU time is the steadier measure, and the table's comparisons use it. With
`--repeats N` each configuration runs N times; the table shows the run with the least CPU
time and the median memory.

Every child runs with its address space capped at `--limit-gb` (8 GB); a configuration that
does not fit is marked in the table instead of stopping the run. Afterwards the targets are
checked: the default strategy at the largest K under 150 MB peak, checkpointed under 30 MB
above baseline, and µs per step not growing with K.
"""

import argparse
import json
import os
import resource
import signal
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STRATEGIES = ["forwardOverReverse", "reverseOverReverse", "firstOrder", "truncated:10", "checkpointed"]
PEER = "higher 0.2.1"


def capped(limit_bytes):
    def apply():
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        soft = limit_bytes if hard == resource.RLIM_INFINITY else min(limit_bytes, hard)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    return apply


def run_one(command, limit_bytes, timeout):
    """One configuration in its own process: its JSON record, or a record saying why not."""
    try:
        # No Swift crash backtrace: a run that hits the cap should fail fast. One BLAS thread
        # from the start: workers OpenBLAS starts before the program sets one thread spin
        # for a while and would count in the CPU time.
        env = dict(os.environ, SWIFT_BACKTRACE="enable=no", OPENBLAS_NUM_THREADS="1")
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=timeout,
                              env=env, preexec_fn=capped(limit_bytes))
    except subprocess.TimeoutExpired:
        return {"fits": False, "error": f"timed out after {timeout} s"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode == 0 and lines:
        record = json.loads(lines[-1])
        record.setdefault("fits", True)
        return record
    if done.returncode < 0:
        reason = f"killed by {signal.Signals(-done.returncode).name}"
    else:
        reason = f"exit status {done.returncode}"
    tail = (done.stderr.strip().splitlines() or [""])[-1][:160]
    return {"fits": False, "error": f"{reason}: {tail}" if tail else reason}


def combined_record(records):
    """Over repeats: the fastest run's times (the least disturbed by other load on the
    machine) and the median of the memory columns. Every repeat must have fit."""
    if not all(r.get("fits") for r in records):
        return next(r for r in records if not r.get("fits"))
    merged = dict(min(records, key=lambda r: r["cpu_us_per_step"]))
    for key in ("baseline_rss_mb", "peak_rss_mb", "rss_after_steps_mb"):
        if all(key in r for r in records):
            merged[key] = statistics.median(r[key] for r in records)
    return merged


def fmt(value, digits=1):
    return f"{value:,.{digits}f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/InnerLoopMemory"),
                        help="the InnerLoopMemory executable (release build)")
    parser.add_argument("--python", default=os.path.join(ROOT, ".build/peers-venv/bin/python"),
                        help="the peers venv's Python (torch + higher 0.2.1)")
    parser.add_argument("--steps", default="10,100,1000,10000", help="comma-separated K values")
    parser.add_argument("--strategies", default=",".join(STRATEGIES))
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--limit-gb", type=float, default=8.0)
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--no-peer", action="store_true", help="skip higher 0.2.1")
    parser.add_argument("--json-out", help="also write every record (one JSON per line) here")
    args = parser.parse_args()

    ks = [int(k) for k in args.steps.split(",")]
    strategies = [s for s in args.strategies.split(",") if s]
    limit = int(args.limit_gb * 2**30)
    configs = [(s, k, [args.binary, "--strategy", s, "--steps", str(k)]) for s in strategies for k in ks]
    if not args.no_peer:
        script = os.path.join(ROOT, "Benchmarks/peers/higher_memory.py")
        configs += [(PEER, k, [args.python, script, "--steps", str(k), "--limit-gb", str(args.limit_gb)])
                    for k in ks]

    results = {}
    for name, k, command in configs:
        records = []
        for _ in range(args.repeats):
            records.append(run_one(command, limit, args.timeout))
            if not records[-1].get("fits"):
                break
        record = combined_record(records)
        record.update({"strategy": name, "steps": k})
        results[(name, k)] = record
        if record.get("fits"):
            print(f"{name:>20} K={k:<6} peak {fmt(record['peak_rss_mb'])} MB, "
                  f"+{fmt(record['peak_rss_mb'] - record['baseline_rss_mb'])} MB, "
                  f"{fmt(record['cpu_us_per_step'])} CPU µs/step", file=sys.stderr, flush=True)
        else:
            print(f"{name:>20} K={k:<6} did not fit: {record.get('error', '')}", file=sys.stderr, flush=True)

    if args.json_out:
        with open(args.json_out, "w") as f:
            for record in results.values():
                f.write(json.dumps(record) + "\n")

    names = strategies + ([] if args.no_peer else [PEER])
    print(f"Inner loop, 1-40-40-1 ReLU MLP, Float32, SGD lr 0.01, one task; one process per row; "
          f"address space capped at {args.limit_gb:g} GB; {args.repeats} run(s) each "
          f"(fastest time, median memory).\n")
    print("| implementation | strategy | K | peak RSS (MB) | above baseline (MB) | µs / step (wall) "
          "| µs / step (CPU) | steps, CPU µs / step | meta-gradient, CPU µs / step |")
    print("|---|---|--:|--:|--:|--:|--:|--:|--:|")
    for name in names:
        implementation = PEER if name == PEER else "Higher"
        strategy = "reverse-over-reverse (innerloop_ctx)" if name == PEER else name
        for k in ks:
            r = results[(name, k)]
            if r.get("fits"):
                print(f"| {implementation} | {strategy} | {k:,} | {fmt(r['peak_rss_mb'])} | "
                      f"{fmt(r['peak_rss_mb'] - r['baseline_rss_mb'])} | {fmt(r['us_per_step'])} | "
                      f"{fmt(r['cpu_us_per_step'])} | {fmt(r['cpu_us_per_step_forward'])} | "
                      f"{fmt(r['cpu_us_per_step_backward'])} |")
            else:
                print(f"| {implementation} | {strategy} | {k:,} | did not fit ({r.get('error', '')}) | | | | | |")

    # The targets.
    kmax = max(ks)
    checks = []
    default = results.get(("forwardOverReverse", kmax))
    if default:
        ok = default.get("fits") and default["peak_rss_mb"] < 150
        checks.append((f"forwardOverReverse at K = {kmax:,}: peak RSS < 150 MB",
                       f"{fmt(default['peak_rss_mb'])} MB" if default.get("fits") else "did not fit", ok))
    ckpt = results.get(("checkpointed", kmax))
    if ckpt:
        above = ckpt["peak_rss_mb"] - ckpt["baseline_rss_mb"] if ckpt.get("fits") else None
        checks.append((f"checkpointed at K = {kmax:,}: < 30 MB above baseline",
                       f"{fmt(above)} MB" if above is not None else "did not fit",
                       above is not None and above < 30))
    for name in names:
        # Per step, the fixed cost of the outer loss weighs most at the smallest K, so
        # "not growing" compares the largest K with the cheapest K.
        fitted = [(k, results[(name, k)]["cpu_us_per_step"]) for k in ks if results[(name, k)].get("fits")]
        if len(fitted) >= 2:
            ratio = fitted[-1][1] / min(us for _, us in fitted)
            checks.append((f"{name}: CPU µs/step at K = {fitted[-1][0]:,} over the cheapest K",
                           f"{ratio:.2f}×", ratio < 1.5))
    print("\n| target | measured | met |\n|---|--:|:-:|")
    for label, measured, ok in checks:
        print(f"| {label} | {measured} | {'yes' if ok else 'NO'} |")


if __name__ == "__main__":
    main()
