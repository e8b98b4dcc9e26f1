"""Every console script (setup.py CONSOLE_SCRIPTS) keeps the exit-status convention of
commandline: `--help` describes the command (its docstring and its own flags) and exits 0, an
unknown flag exits 2 with a message, a missing required flag exits 2 naming it.

absl prints the main module's docstring and key flags; an installed console script's main module
is a generated wrapper, so each command lends them to it (commandline.run_main). Each command runs
here as its console-script wrapper does (`from MODULE import run; run()`), one child process per
command (importing TensorFlow costs seconds); the cases are successive `run()` calls in it (absl
parses the flags again when app.run runs a second time).
"""
import concurrent.futures
import json
import os
import subprocess
import sys

import pytest

from tests.test_build import _console_scripts

SCRIPTS = sorted(_console_scripts().items())
CASES = {"help": ["--help"], "unknown_flag": ["--no_such_flag=1"], "no_flags": [],
         "noprogress": ["--noprogress"]}
# The commands that draw progress bars; each takes --[no]progress (commandline.progress_flag).
PROGRESS = ("agan_make_data", "agan_train", "exposure_apply", "exposure_benchmark", "exposure_eval",
            "exposure_make_data", "exposure_retouch", "exposure_train")

_CHILD = """
import contextlib, io, json, sys
from absl import flags
from {module} import {function}
results = {{}}
for case, args in json.loads(sys.argv[1]).items():
    sys.argv = [{name!r}, *args]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            {function}()
            code = 0
        except SystemExit as stop:
            code = 0 if stop.code is None else stop.code
    flags.FLAGS.unparse_flags()
    results[case] = [code, out.getvalue(), err.getvalue()]
print(json.dumps(results))
"""


def _run_cases(name, target):
    module, function = target.split(":")
    code = _CHILD.format(module=module, function=function, name=name)
    done = subprocess.run([sys.executable, "-c", code, json.dumps(CASES)], capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def outcomes():
    """{command: {case: (exit status, stdout, stderr)}}, three commands at a time."""
    workers = min(3, os.cpu_count() or 1)
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        running = {name: pool.submit(_run_cases, name, target) for name, target in SCRIPTS}
        return {name: future.result() for name, future in running.items()}


@pytest.mark.parametrize("name", [name for name, _ in SCRIPTS])
def test_help_gives_the_commands_docstring_and_flags_and_exits_0(outcomes, name):
    status, text, errors = outcomes[name]["help"]
    assert status == 0, errors[-3000:]
    assert "Traceback" not in errors, errors[-3000:]
    assert text.lstrip().startswith(f"{name}:"), text[:300]
    assert "flags:" in text
    described = [line for line in text.splitlines() if line.startswith("  --")]
    assert len(described) >= 2, text


@pytest.mark.parametrize("name", [name for name, _ in SCRIPTS])
def test_an_unknown_flag_exits_2_with_a_message(outcomes, name):
    status, _, errors = outcomes[name]["unknown_flag"]
    assert status == 2, errors[-3000:]
    assert f"{name}: error: Unknown command line flag 'no_such_flag'" in errors, errors[-3000:]
    assert "Traceback" not in errors


@pytest.mark.parametrize("name", [name for name, _ in SCRIPTS])
def test_a_missing_required_flag_exits_2_naming_it(outcomes, name):
    status, _, errors = outcomes[name]["no_flags"]
    assert status == 2, errors[-3000:]
    last = errors.strip().splitlines()[-1]
    assert last.startswith(f"{name}: error: --") and last.endswith(" is required"), errors[-3000:]
    assert "Traceback" not in errors


@pytest.mark.parametrize("name", [name for name, _ in SCRIPTS])
def test_commands_with_progress_bars_take_noprogress(outcomes, name):
    status, _, errors = outcomes[name]["noprogress"]
    assert status == 2, errors[-3000:]
    if name in PROGRESS:
        assert "  --[no]progress:" in outcomes[name]["help"][1]
        assert errors.strip().endswith(" is required"), errors[-3000:]  # --noprogress was taken
    else:
        assert "Unknown command line flag 'noprogress'" in errors, errors[-3000:]


def test_shared_flags_are_listed_where_they_are_used(outcomes):
    for name in ("agan_train", "agan_search"):
        assert "  --channels:" in outcomes[name]["help"][1]
    for name in ("exposure_train", "exposure_benchmark"):
        assert "  --[no]mask_used_filters:" in outcomes[name]["help"][1]
        assert "  --stop_after:" in outcomes[name]["help"][1]
    for name in ("exposure_retouch", "exposure_export"):  # commandline.overwrite_flag
        assert "  --[no]overwrite:" in outcomes[name]["help"][1], name
    for name in ("exposure_apply", "exposure_retouch"):
        for flag in ("--input:", "--output:", "--format:", "--bits:", "--tiff_encoding:",
                     "--[no]strip:"):
            assert f"  {flag}" in outcomes[name]["help"][1], (name, flag)
