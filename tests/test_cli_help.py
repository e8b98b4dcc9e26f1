"""Every command's `--help` describes it: its docstring and its own flags.

absl prints the main module's docstring and key flags; an installed console script's main module
is a generated wrapper, so each command lends them to it (agan.cli.run_main, mobile.cli.run_main).
The commands run here as their console-script wrappers do: `from MODULE import run; run()`.
"""
import subprocess
import sys

import pytest

from tests.test_build import _console_scripts

SCRIPTS = sorted(_console_scripts().items())


@pytest.fixture(scope="module")
def helps():
    """{command: (stdout, stderr) of `command --help`}, run in parallel."""
    running = {}
    for name, target in SCRIPTS:
        module, function = target.split(":")
        code = (f"import sys; from {module} import {function}; sys.argv[0] = {name!r}; "
                f"sys.exit({function}())")
        running[name] = subprocess.Popen([sys.executable, "-c", code, "--help"],
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                         text=True)
    return {name: process.communicate(timeout=300) for name, process in running.items()}


@pytest.mark.parametrize("name", [name for name, _ in SCRIPTS])
def test_help_gives_the_commands_docstring_and_flags(helps, name):
    text, errors = helps[name]
    assert "Traceback" not in errors, errors[-3000:]  # absl's --help exits with status 1
    assert text.lstrip().startswith(f"{name}:"), text[:300]
    assert "flags:" in text
    described = [line for line in text.splitlines() if line.startswith("  --")]
    assert len(described) >= 2, text


def test_shared_training_flags_are_listed_where_they_are_used(helps):
    for name in ("agan_train", "agan_search"):
        assert "  --channels:" in helps[name][0]
    for name in ("exposure_train", "exposure_benchmark"):
        assert "  --[no]mask_used_filters:" in helps[name][0]
