"""Timing shared by the peer scripts: microseconds per call, median over repeats."""

import gc
import statistics
import time


def time_per_call_us(fn, repeats, min_repeat_s):
    """Median over `repeats` of the mean time per call, in microseconds."""
    for _ in range(10):
        fn()

    # Grow the loop until one repeat lasts long enough that timer resolution
    # and per-repeat overhead are negligible.
    iters = 1
    while True:
        start = time.perf_counter()
        for _ in range(iters):
            fn()
        if time.perf_counter() - start >= min_repeat_s:
            break
        iters *= 2

    samples = []
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeats):
            start = time.perf_counter()
            for _ in range(iters):
                fn()
            samples.append((time.perf_counter() - start) / iters * 1e6)
    finally:
        if gc_was_enabled:
            gc.enable()
    return statistics.median(samples)
