"""Importing the agan library defines no absl flags: only the commands in agan/cli do."""
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]

_COUNT_NEW_FLAGS = """
import importlib, pathlib, sys
from absl import app, flags, logging  # absl's own flags (--helpfull, --verbosity, ...)
import keras, keras_tuner, tensorflow  # their own flags (TensorFlow's test and TPU flags)
before = set(flags.FLAGS)
for path in sorted(pathlib.Path("agan").glob("*.py")):
    importlib.import_module("agan." + path.stem)
print(sorted(set(flags.FLAGS) - before))
"""


def test_library_modules_define_no_flags():
    process = subprocess.run([sys.executable, "-c", _COUNT_NEW_FLAGS], capture_output=True,
                             text=True, cwd=ROOT, timeout=300)
    assert process.returncode == 0, process.stderr[-2000:]
    assert process.stdout.strip().splitlines()[-1] == "[]"
