"""A fast synthetic trial objective for search tests, and a process entry point that runs it.

`SyntheticEvaluator` scores an architecture by how many of its operations are convolutions (no GAN
is trained), optionally sleeping to stand in for training time. Run as a script
(``python -m tests.agan.search_fixtures OUTPUT_DIR MAX_TRIALS SECONDS LEASE``) it is one search
process whose role comes from the keras-tuner environment, as `agan.search.run` reads it.
"""
import json
import pathlib
import sys
import time

from agan import search, search_space

# The synthetic real-data IS (the reward's IS_max).
REAL_SCORE = 10.0


def synthetic_score(architecture):
    """1 + 8 * (fraction of the architecture's operations that are convolutions): in [1, 9]."""
    ops = [op for segment in architecture.segments().values() for op in segment.ops]
    return 1.0 + 8.0 * sum(search_space.is_convolution(op) for op in ops) / len(ops)


class SyntheticEvaluator:
    """`evaluate(architecture, trial_dir)` for `agan.search`: sleeps `seconds`, writes
    `trial_dir/evaluated_<pid>.json`, returns the synthetic IS."""

    def __init__(self, seconds=0.0):
        self.seconds = seconds

    def __call__(self, architecture, trial_dir):
        time.sleep(self.seconds)
        score = synthetic_score(architecture)
        marker = pathlib.Path(trial_dir) / f"evaluated_{time.time_ns()}.json"
        marker.write_text(json.dumps({"inception_score": score}))
        return {search.OBJECTIVE: score, search.REAL_SCORE: REAL_SCORE}


def read_log(path):
    """The entries of a search log (one JSON object per line)."""
    return [json.loads(line) for line in pathlib.Path(path).read_text().splitlines()]


def config(max_trials, lease_seconds=3.0, **overrides):
    """A search configuration for tests: updates every 2 rewards, short leases and back-off."""
    settings = dict(max_trials=max_trials, rewards_per_update=2, lease_seconds=lease_seconds,
                    idle_backoff_max_seconds=0.5, chief_patience_seconds=120.0, top_k=2)
    settings.update(overrides)
    return search.SearchConfig(**settings)


def main(argv):
    output_dir, max_trials, seconds, lease = argv[1:5]
    search.run(config(int(max_trials), float(lease)), output_dir,
               evaluate=SyntheticEvaluator(float(seconds)))


if __name__ == "__main__":
    main(sys.argv)
