"""Runs the OpenGL test modules (`gl_test_*.py`) each in a pytest child process.

Mesa's llvmpipe and TensorFlow each load their own LLVM: in one process they crash (a segfault,
measured with TF 2.21 and Mesa llvmpipe, whichever is loaded first). This suite imports TensorFlow
while collecting, so the GL tests live in files the default collection skips, and each runs here in a
child that imports only numpy and `mobile`.
"""
import pathlib
import subprocess
import sys

import pytest

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
GL_MODULES = sorted(HERE.glob("gl_test_*.py"))


def test_gl_modules_exist():
    assert GL_MODULES, f"no gl_test_*.py files in {HERE}"


@pytest.mark.parametrize("module", GL_MODULES, ids=lambda path: path.stem)
def test_gl_module_in_child_process(module):
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", str(module)],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False)
    assert result.returncode == 0, (
        f"{module.name} failed in its child process (exit {result.returncode}):\n"
        f"{result.stdout[-8000:]}\n{result.stderr[-3000:]}")
    summary = result.stdout.strip().splitlines()[-1]
    if "passed" not in summary:
        pytest.skip(f"{module.name}: {summary}")
