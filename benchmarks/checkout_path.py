"""Puts this checkout's root first on `sys.path`, so `python benchmarks/NAME.py` run from anywhere
imports `tests.helpers` (test and benchmark code that setup.py does not install) and this
checkout's packages. Imported for that effect by the benchmarks that use `tests.helpers`."""
import pathlib
import sys

ROOT = str(pathlib.Path(__file__).resolve().parents[1])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
