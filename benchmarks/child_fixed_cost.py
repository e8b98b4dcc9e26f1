"""What one AGAN search child costs besides its train steps, before and after a change, and its
step time against a static Keras model, in one run. Goal: fixed cost <= 5 s per child.

Not a test. The child settings are a search flagfile's (default: the demo's); the architecture is
drawn at random with 6 operations per module (`--architecture_seed`). For each code version (this
checkout, and `--baseline`, a git revision exported into a temporary folder) a fresh process runs
`agan.train.train` three times, as a search worker does: a warm-up child of another architecture
(the dataset classifier is trained or loaded, TensorFlow warms up), then the measured architecture
with 1 step and with the flagfile's steps. Fixed cost = wall time of the 1-step child minus one
steady train step ((time of the N-step child - time of the 1-step child) / (N - 1)). A version
that writes `timings` into its result (this checkout) also gives the parts: reference (classifier
and real-data statistics; 0 after the warm-up), build (models, optimizers, checkpoint, data),
first step (tracing and graph optimization of the train steps), checkpoints, samples, scoring.
Wall and CPU seconds are printed; on a loaded machine CPU seconds are the steadier figure.
Then this checkout's train step is timed against benchmarks/static_child.py's flat Keras model
of the same architecture (alternating rounds, median), as benchmarks/child_step_time.py does.

    .venv/bin/python benchmarks/child_fixed_cost.py --flagfile=configs/agan/demo.flags \\
        --baseline=227303b
"""
import json
import os
import pathlib
import subprocess
import sys
import tempfile

import numpy as np
import static_child
import tensorflow as tf
from absl import app, flags

from agan import dataclass_flags, search, search_space, train

_TRAIN_FLAGS = dataclass_flags.define_flags(train.TrainConfig)
_SEARCH_FLAGS = dataclass_flags.define_flags(search.SearchConfig)
_BASELINE = flags.DEFINE_string(
    "baseline", None, "Git revision to measure beside this checkout (unset: this checkout only).")
_ARCHITECTURE_SEED = flags.DEFINE_integer(
    "architecture_seed", 1, "Seed of the measured random architecture (the warm-up uses seed + 1).")
flags.DEFINE_integer(
    "local_workers", 0, "Read from search flagfiles and ignored: this benchmark runs its own "
    "processes.")
_ROUNDS = flags.DEFINE_integer("rounds", 3, "Timed rounds of the step-time comparison.",
                               lower_bound=1)
_STEPS_PER_ROUND = flags.DEFINE_integer("steps_per_round", 3, "Train steps per round.",
                                        lower_bound=1)

ROOT = pathlib.Path(__file__).resolve().parents[1]
# Runs in a fresh process against either code version: argv[1] = JSON of TrainConfig fields.
_DRIVER = """
import dataclasses, json, sys, tempfile, time
from agan import search_space, train
settings = json.loads(sys.argv[1])
seed = settings.pop("architecture_seed")
known = {field.name for field in dataclasses.fields(train.TrainConfig)}
print("UNKNOWN " + json.dumps(sorted(set(settings) - known)))
settings = {name: value for name, value in settings.items() if name in known}
out = tempfile.mkdtemp()
measured = {}
for name, arch_seed, steps in (("warmup", seed + 1, 1), ("one", seed, 1),
                               ("all", seed, settings["steps"])):
    config = train.TrainConfig(**{**settings, "steps": steps},
                               architecture=search_space.random_architecture(arch_seed))
    wall, cpu = time.perf_counter(), time.process_time()
    result = train.train(config, f"{out}/{name}", progress=False)
    measured[name] = {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
                      "timings": result.get("timings")}
print("MEASURED " + json.dumps(measured))
"""


def _measure(code_root, settings):
    """The driver's figures for the code at `code_root`, in a fresh process."""
    env = dict(os.environ, PYTHONPATH=str(code_root))
    process = subprocess.run([sys.executable, "-c", _DRIVER, json.dumps(settings)],
                             capture_output=True, text=True, env=env, cwd=code_root, check=False)
    if process.returncode != 0:
        raise SystemExit(f"child measurement in {code_root} failed:\n{process.stderr[-3000:]}")
    lines = process.stdout.splitlines()
    unknown = json.loads(next(line for line in lines if line.startswith("UNKNOWN "))
                         .removeprefix("UNKNOWN "))
    if unknown:
        print(f"{code_root}: its TrainConfig lacks {', '.join(unknown)}; measured without")
    line = next(line for line in lines if line.startswith("MEASURED "))
    return json.loads(line.removeprefix("MEASURED "))


def _fixed_cost(measured, steps, key):
    per_step = (measured["all"][key] - measured["one"][key]) / max(steps - 1, 1)
    return measured["one"][key] - per_step, per_step


def _print_version(name, measured, steps):
    for key, unit in (("wall", "wall s"), ("cpu", "CPU s")):
        fixed, per_step = _fixed_cost(measured, steps, key)
        print(f"{name:>10} {unit}: fixed cost per child {fixed:6.2f}; one train step "
              f"{per_step:6.3f}; 1-step child {measured['one'][key]:6.2f}, {steps}-step child "
              f"{measured['all'][key]:6.2f}")
    timings = measured["all"]["timings"]
    if timings:
        for key in ("wall_seconds", "cpu_seconds"):
            parts = ", ".join(f"{part} {seconds:.2f}" for part, seconds in timings[key].items())
            print(f"{'':>10} parts of the {steps}-step child ({key}): {parts}")


def _step_time_ratio(config):
    child_g, child_d = train.build_models(config, image_size=32)
    plain_g, plain_d, check = static_child.static_models(child_g, child_d)
    print(f"step time, {check}")
    rng = np.random.default_rng(0)
    real_images = tf.constant(rng.uniform(-1, 1, (config.real_batch_size, 32, 32, 3)), tf.float32)
    real_labels = tf.zeros([config.real_batch_size], tf.int32)
    child_steps = train.GanSteps(child_g, child_d, config)
    functions = {"D step": (child_steps.d_step, (real_images, real_labels)),
                 "G step": (child_steps.g_step, ())}
    if config.d_steps_per_g_step == 1:
        functions["single step (D and G, what the search runs)"] = (
            child_steps.step, (real_images, real_labels))
    counts = ", ".join(
        f"{name} {len(function.get_concrete_function(*args).graph.get_operations()):,}"
        for name, (function, args) in functions.items())
    print(f"graph operations traced: {counts}")
    medians = static_child.step_time_medians(
        {"child": child_steps,
         "static Keras model": train.GanSteps(plain_g, plain_d, config)},
        real_images, real_labels, warmup=2, rounds=_ROUNDS.value,
        steps_per_round=_STEPS_PER_ROUND.value)
    for name, median in medians.items():
        print(f"{name:>26}: {median * 1000:9.1f} ms per train step "
              f"({config.d_steps_per_g_step} D + 1 G updates)")
    child, plain = medians.values()
    print(f"ratio child / static: {child / plain:.3f} (goal <= 1.1)")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {argv[1:]}")
    config = _TRAIN_FLAGS.config(architecture=search_space.random_architecture(
        _ARCHITECTURE_SEED.value))
    if config.conditional:
        raise app.UsageError("--conditional: the static comparison model is unconditional")
    settings = dict(_TRAIN_FLAGS.values())
    settings["architecture_seed"] = _ARCHITECTURE_SEED.value
    print(f"child flags: {json.dumps({k: v for k, v in settings.items() if v is not None})}")
    versions = {"this checkout": ROOT}
    with tempfile.TemporaryDirectory() as folder:
        if _BASELINE.value:
            baseline = pathlib.Path(folder) / "baseline"
            baseline.mkdir()
            archive = subprocess.run(["git", "-C", str(ROOT), "archive", _BASELINE.value],
                                     capture_output=True, check=True).stdout
            subprocess.run(["tar", "-x", "-C", str(baseline)], input=archive, check=True)
            versions = {_BASELINE.value: baseline, **versions}
        for name, code_root in versions.items():
            _print_version(name, _measure(code_root, settings), config.steps)
    _step_time_ratio(config)


if __name__ == "__main__":
    app.run(main)
