"""Timing shared by the benchmark scripts."""
import time


def best_of(repeats, fn):
    """(best seconds, last result) of `repeats` calls of `fn()`."""
    times, result = [], None
    for _ in range(repeats):
        began = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - began)
    return min(times), result
