"""Architectures evaluated per hour by `agan_search` with 1 and 2 local workers (demo setting).

Not a test. For each worker count the script runs the real command, in a fresh folder:

    agan_search --flagfile=configs/agan/demo.flags --output_dir=<out>/workers_<n> --local_workers=<n>

and reports two rates from the search log: overall (rewarded architectures / wall time of the
whole command, process start-up and the controller's first trace included) and steady state
(architectures rewarded after the first one / time between the first and the last reward). The
dataset classifier is trained and cached before the first timed run so that neither run pays it.
Results go to <out>/search_throughput.json (written atomically).

    .venv/bin/python benchmarks/search_throughput.py --output_dir=/tmp/search_throughput
"""
import json
import pathlib
import shutil
import subprocess
import sys
import time

from absl import app, flags

from agan import search
from mobile.atomic import write_json_atomically

_FLAGFILE = flags.DEFINE_string(
    "search_flagfile", "configs/agan/demo.flags", "Flagfile of the timed agan_search runs.")
_OUTPUT_DIR = flags.DEFINE_string("output_dir", None, "Folder for the runs and the JSON result.")
flags.mark_flag_as_required("output_dir")
_WORKERS = flags.DEFINE_list("workers", ["1", "2"], "Local worker counts to time.")
_EXTRA = flags.DEFINE_list(
    "extra_flags", [], "Further agan_search flags for every run, e.g. --max_trials=4.")


def timed_search(output_dir, workers):
    """Runs agan_search with `workers` local workers; returns the measured figures."""
    if output_dir.exists():
        shutil.rmtree(output_dir)
    command = [sys.executable, "-m", "agan.cli.search", f"--flagfile={_FLAGFILE.value}",
               f"--output_dir={output_dir}", f"--local_workers={workers}", *_EXTRA.value]
    start = time.time()
    subprocess.run(command, check=True)
    wall = time.time() - start
    entries = [json.loads(line) for line in
               (output_dir / search.LOG_FILE).read_text().splitlines()]
    times = sorted(e["time"] for e in entries)
    steady = (3600 * (len(times) - 1) / (times[-1] - times[0])) if len(times) > 1 else None
    return {"workers": workers, "architectures": len(entries), "wall_seconds": round(wall, 1),
            "per_hour_overall": round(3600 * len(entries) / wall, 2),
            "per_hour_steady": None if steady is None else round(steady, 2),
            "best_inception_score": max(e["inception_score"] for e in entries)}


def main(argv):
    del argv
    output_dir = pathlib.Path(_OUTPUT_DIR.value)
    warmup = [sys.executable, "-m", "agan.cli.search", f"--flagfile={_FLAGFILE.value}",
              f"--output_dir={output_dir / 'warmup'}", "--max_trials=1", *_EXTRA.value]
    subprocess.run(warmup, check=True)  # trains and caches the dataset classifier
    results = [timed_search(output_dir / f"workers_{n}", int(n)) for n in _WORKERS.value]
    write_json_atomically(output_dir / "search_throughput.json", results)
    print(f"{'workers':>8} {'archs':>6} {'wall s':>8} {'per hour':>9} {'steady/h':>9}")
    for r in results:
        print(f"{r['workers']:>8} {r['architectures']:>6} {r['wall_seconds']:>8} "
              f"{r['per_hour_overall']:>9} {r['per_hour_steady']!s:>9}")


if __name__ == "__main__":
    app.run(main)
