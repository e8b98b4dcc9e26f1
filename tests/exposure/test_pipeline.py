"""Tests for exposure/pipeline.py: order, per-item failures, fatal errors, bounded memory."""
import threading
import time

import pytest

from exposure.pipeline import pipelined


def test_results_come_in_order_with_failures_in_place():
    def first(x):
        time.sleep(0.01 * (x % 3))  # stages finish out of step with each other
        if x == 2:
            raise ValueError("bad photo 2")
        return x * 10

    def second(y):
        if y == 40:
            raise OSError("disk full")
        return y + 1

    results = list(pipelined(range(6), [first, second]))
    assert [item for item, _ in results] == list(range(6))
    values = [r if not isinstance(r, Exception) else type(r).__name__ for _, r in results]
    assert values == [1, 11, "ValueError", 31, "OSError", 51]


def test_an_unexpected_error_stops_the_batch_and_is_raised():
    seen = []

    def stage(x):
        seen.append(x)
        if x == 1:
            raise KeyError("bug")
        return x

    with pytest.raises(KeyError):
        list(pipelined(range(100), [stage]))
    assert len(seen) < 100
    assert threading.active_count() < 10  # the stage threads have ended


def test_stages_overlap_and_items_in_flight_are_bounded():
    lock, in_flight, peak = threading.Lock(), [0], [0]

    def enter(x):
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        time.sleep(0.02)
        return x

    def leave(x):
        time.sleep(0.02)
        with lock:
            in_flight[0] -= 1
        return x

    assert [r for _, r in pipelined(range(20), [enter, leave], queue_size=1)] == list(range(20))
    # 2 or more: an item entered before the one ahead of it left (the stages overlapped). At
    # most 3: one in (or done with) `enter`, one waiting in the queue, one in `leave`.
    assert 2 <= peak[0] <= 3
