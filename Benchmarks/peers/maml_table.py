"""Runs every (peer x workload) of `maml_bench.py` in separate processes, optionally the
Swift `MAMLBench` too, and prints one markdown table.

    python3 Benchmarks/peers/maml_table.py [--quick] [--higher-bin .build/release/MAMLBench]

Each configuration runs as 3 processes (1 with --quick, which also times fewer
iterations); a cell is the median over processes of each process's median time per
meta-iteration, and the median of their peak RSS. The Swift side is called as
`BIN --workload W --json` and must print the same JSON line; it is skipped, with a
note, when BIN does not exist. Progress goes to stderr, the table to stdout.
"""

import argparse
import datetime
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import maml_common as mc  # noqa: E402

# Kept in step with maml_bench.PEERS (not imported: that module pins threads on import).
PEERS = ["torch_functional", "torch_func_loop", "torch_func_vmap", "higher_py", "torchopt", "jax_loop", "jax_vmap"]
NOT_APPLICABLE = {("torch_func_vmap", "hyper_k100"), ("jax_vmap", "hyper_k100")}
HIGHER = "Higher"  # the Swift side's column
# Higher's fastest configuration on one thread: reverse-over-reverse (these models are small,
# so its tape costs little memory), task-batched for the MLP, one task at a time for the CNN.
HIGHER_DEFAULT = ["--strategy", "reverseOverReverse", "--mode", "batched"]
HIGHER_OPTIONS = {"cnn_t8_k5": ["--strategy", "reverseOverReverse", "--mode", "loop"]}
# With both cores, on T=32: the per-task loop on one thread against the same loop on two, and
# the task-batched unroll against two task-batched halves run at once.
SPEEDUP_WORKLOAD = "mlp_t32_k5"
SPEEDUP_RUNS = {"1 thread": ["--mode", "loop", "--threads", "1"], "2 threads": ["--mode", "concurrent", "--threads", "2"],
                "batched, 1 thread": ["--mode", "batched", "--threads", "1"],
                "batched, 2 threads": ["--mode", "batched-concurrent", "--threads", "2"]}

LABELS = {
    "mlp_t8_k5": "MLP sinusoid, T=8, K=5",
    "mlp_t32_k5": "MLP sinusoid, T=32, K=5",
    "mlp_t8_k50": "MLP sinusoid, T=8, K=50",
    "cnn_t8_k5": "CNN 5-way 5-shot, T=8, K=5",
    "hyper_k100": "MLP lr hypergradient, K=100",
}
ONE_THREAD = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
}


def run_json(cmd, label):
    """Runs cmd; returns (the JSON object on its last stdout line, None) or (None, error)."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=dict(os.environ, **ONE_THREAD), capture_output=True, text=True)
    took = time.perf_counter() - start
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        print(f"  {label}: FAILED (exit {proc.returncode}) after {took:.0f} s: {' | '.join(tail)}", file=sys.stderr)
        return None, f"exit {proc.returncode}"
    lines = [line for line in proc.stdout.strip().splitlines() if line.startswith("{")]
    if not lines:
        print(f"  {label}: no JSON on stdout", file=sys.stderr)
        return None, "no JSON"
    result = json.loads(lines[-1])
    print(f"  {label}: {result['seconds_per_iteration'] * 1e3:.3f} ms/iter, "
          f"{result['peak_rss_mb']:.0f} MB ({took:.0f} s)", file=sys.stderr, flush=True)
    return result, None


def fmt_time(seconds):
    """Three significant figures (trailing zeros kept), in s or ms."""
    value, unit = (seconds, "s") if seconds >= 1 else (seconds * 1e3, "ms")
    decimals = max(0, 2 - math.floor(math.log10(value))) if value > 0 else 0
    return f"{value:.{decimals}f} {unit}"


def fmt_ratio(x):
    return f"{x:.2f}×" if x < 10 else f"{x:.1f}×"


def aggregate(runs):
    ok = [r for r in runs if r is not None]
    if not ok:
        return None
    return {
        "seconds": statistics.median(r["seconds_per_iteration"] for r in ok),
        "rss": statistics.median(r["peak_rss_mb"] for r in ok),
        "processes": len(ok),
        "failed": len(runs) - len(ok),
    }


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def render(record):
    """The markdown table for a run record (see `main`)."""
    columns, workloads = record["columns"], record["workloads"]
    runs = {(e["workload"], e["column"]): e["runs"] for e in record["cells"]}
    errors = {(e["workload"], e["column"]): e["error"] for e in record["cells"] if e["error"]}
    cells = {key: aggregate(r) for key, r in runs.items()}
    versions = {}
    for r in (r for rs in runs.values() for r in rs if r and "versions" in r):
        versions.update(r["versions"])
    version_text = ", ".join(f"{k} {v}" for k, v in sorted(versions.items()))

    out = [f"# Meta-learning: Higher vs Python peers, CPU, one thread, Float32, {record['date']}", ""]
    out.append(f"{record['cpu']}; {version_text}. {record['processes']} process(es) per cell, median of "
               f"per-process medians{' (--quick)' if record['quick'] else ''}; total {record['elapsed_s'] / 60:.0f} min.")
    out += ["", "| workload | " + " | ".join(columns) + " |", "|---|" + "---:|" * len(columns)]
    higher_present = HIGHER in columns
    for workload in workloads:
        row = [LABELS.get(workload, workload)]
        base = cells.get((workload, HIGHER)) if higher_present else None
        for column in columns:
            if (column, workload) in NOT_APPLICABLE:
                row.append("n/a")
                continue
            cell = cells.get((workload, column))
            if cell is None:
                row.append(f"failed ({errors.get((workload, column), '?')})")
                continue
            text = f"{fmt_time(cell['seconds'])} · {cell['rss']:.0f} MB"
            if base is not None and column != HIGHER:
                text += f" · {fmt_ratio(cell['seconds'] / base['seconds'])} / {fmt_ratio(cell['rss'] / base['rss'])}"
            if cell["failed"]:
                text += f" ({cell['failed']} failed)"
            row.append(text)
        out.append("| " + " | ".join(row) + " |")
    out += ["", "Cells: seconds per meta-iteration (hypergradient row: per hypergradient) · peak RSS of the process."]
    if higher_present:
        out.append("Then, for each peer, peer ÷ Higher for time / for peak RSS (above 1: Higher is faster / smaller).")
    if any((c, w) in NOT_APPLICABLE for c in columns for w in workloads):
        out.append("n/a: vmap over tasks does not apply to the one-task hypergradient.")
    if higher_present:
        out.append("Higher: reverse-over-reverse, task-batched (CNN: one task at a time), "
                   "`MAMLBench --workload W --json` with the options in `HIGHER_OPTIONS`.")
    times = {name: aggregate(runs) for name, runs in record.get("speedup", {}).items()}
    for kind, single, double in [("tasks one at a time", "1 thread", "2 threads"),
                                 ("task-batched (two halves at once on two)", "batched, 1 thread", "batched, 2 threads")]:
        if times.get(single) and times.get(double):
            one, two = times[single]["seconds"], times[double]["seconds"]
            out.append(f"Both cores, {LABELS[SPEEDUP_WORKLOAD]}, {kind}: {fmt_time(one)} on one thread, "
                       f"{fmt_time(two)} on two ({one / two:.2f}× speed-up).")
    out += record["notes"]
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1 process per configuration, fewer iterations")
    parser.add_argument("--higher-bin", default=os.path.join(ROOT, ".build", "release", "MAMLBench"),
                        help="the Swift MAMLBench executable (skipped if it does not exist)")
    parser.add_argument("--python", default=os.path.join(ROOT, ".build", "peers-venv", "bin", "python"),
                        help="the interpreter with torch, higher, torchopt, jax and optax")
    parser.add_argument("--processes", type=int, help="processes per configuration (default 3, --quick 1)")
    parser.add_argument("--peer", action="append", choices=PEERS, help="only these peers (repeatable)")
    parser.add_argument("--workload", action="append", choices=list(mc.WORKLOADS), help="only these workloads")
    parser.add_argument("--raw", help="also write every process's JSON to this file")
    parser.add_argument("--from-raw", help="print the table of a file written by --raw; run nothing")
    args = parser.parse_args()

    if args.from_raw:
        with open(args.from_raw) as f:
            print(render(json.load(f)))
        return

    processes = args.processes or (1 if args.quick else 3)
    peers = args.peer or PEERS
    workloads = args.workload or list(mc.WORKLOADS)
    bench = os.path.join(HERE, "maml_bench.py")
    higher_bin = os.path.abspath(os.path.join(ROOT, args.higher_bin))
    notes = []
    columns = list(peers)
    if os.path.exists(higher_bin):
        columns.insert(0, HIGHER)
    else:
        notes.append(f"Higher (Swift) skipped: `{os.path.relpath(higher_bin, ROOT)}` does not exist.")

    def command(column, workload):
        if column == HIGHER:
            return [higher_bin, "--workload", workload, "--json"] + HIGHER_OPTIONS.get(workload, HIGHER_DEFAULT)
        return [args.python, bench, "--peer", column, "--workload", workload] + (["--quick"] if args.quick else [])

    # Round-robin over repetitions so slow drifts of a shared machine spread over all cells.
    runs = {(w, c): [] for w in workloads for c in columns if (c, w) not in NOT_APPLICABLE}
    errors = {}
    started = time.perf_counter()
    for rep in range(processes):
        for workload in workloads:
            for column in columns:
                if (workload, column) not in runs:
                    continue
                label = f"[{rep + 1}/{processes}] {workload} {column}"
                result, error = run_json(command(column, workload), label)
                runs[(workload, column)].append(result)
                if error:
                    errors[(workload, column)] = error

    speedup = {}
    if HIGHER in columns and SPEEDUP_WORKLOAD in workloads:
        for rep in range(processes):
            for name, options in SPEEDUP_RUNS.items():
                cmd = [higher_bin, "--workload", SPEEDUP_WORKLOAD, "--json", "--strategy", "reverseOverReverse"] + options
                result, _ = run_json(cmd, f"[{rep + 1}/{processes}] {SPEEDUP_WORKLOAD} Higher {name}")
                speedup.setdefault(name, []).append(result)

    record = {
        "date": datetime.date.today().isoformat(),
        "cpu": cpu_model(),
        "processes": processes,
        "quick": args.quick,
        "elapsed_s": time.perf_counter() - started,
        "columns": columns,
        "workloads": workloads,
        "notes": notes,
        "speedup": speedup,
        "cells": [{"workload": w, "column": c, "runs": r, "error": errors.get((w, c))} for (w, c), r in runs.items()],
    }
    if args.raw:
        with open(args.raw, "w") as f:
            json.dump(record, f, indent=1)
    print(render(record))


if __name__ == "__main__":
    main()
