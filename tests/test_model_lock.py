"""Tests for commandline/model_lock.py: a second run on a held folder stops naming the holder
(library and the three commands that take the lock), a killed holder's lock is taken over."""
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys

import pytest

from commandline import model_lock

ROOT = pathlib.Path(__file__).resolve().parents[1]
ENV = dict(os.environ, PYTHONPATH=str(ROOT))

# Takes the lock of argv[1] as "exposure_train", says so, then waits for stdin to close.
_HOLDER = """
import sys
from commandline import model_lock
with model_lock.hold(sys.argv[1], "exposure_train"):
    print("held", flush=True)
    sys.stdin.read()
"""
# Takes the lock of argv[1], then is killed (SIGKILL: nothing is released by the process).
_KILLED = """
import os, signal, sys
from commandline import model_lock
with model_lock.hold(sys.argv[1], "agan_train"):
    os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.fixture
def holder(tmp_path):
    """A process holding tmp_path/model; yields (folder, its pid)."""
    folder = tmp_path / "model"
    process = subprocess.Popen([sys.executable, "-c", _HOLDER, str(folder)], env=ENV,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "held"
    yield folder, process.pid
    process.stdin.close()
    assert process.wait(timeout=60) == 0


def test_a_held_folder_is_refused_naming_the_holder(holder):
    folder, pid = holder
    with pytest.raises(model_lock.FolderInUse) as error:
        with model_lock.hold(folder, "exposure_train"):
            pytest.fail("the body ran although the folder is held")
    message = str(error.value)
    assert f"{folder} is in use by exposure_train (pid {pid} on host {socket.gethostname()}, " \
           f"started 20" in message
    assert str(folder / model_lock.LOCK_FILE) in message


def test_the_lock_is_released_and_the_empty_folder_it_made_removed(tmp_path):
    folder = tmp_path / "new" / "model"
    with model_lock.hold(folder, "agan_train"):
        record = json.loads((folder / model_lock.LOCK_FILE).read_text())
        assert (record["command"], record["pid"]) == ("agan_train", os.getpid())
    assert not folder.exists()
    with model_lock.hold(folder, "agan_train"):
        (folder / "result.json").write_text("{}")
    assert [p.name for p in folder.iterdir()] == ["result.json"]
    with model_lock.hold(folder, "agan_train"):  # free again
        pass


def test_the_lock_of_a_killed_run_is_taken_over_and_the_takeover_reported(tmp_path, capfd):
    folder = tmp_path / "model"
    killed = subprocess.run([sys.executable, "-c", _KILLED, str(folder)], env=ENV, timeout=60)
    assert killed.returncode == -signal.SIGKILL
    stale = json.loads((folder / model_lock.LOCK_FILE).read_text())
    with model_lock.hold(folder, "agan_train"):
        assert json.loads((folder / model_lock.LOCK_FILE).read_text())["pid"] == os.getpid()
    err = capfd.readouterr().err
    assert f"taking over the lock of agan_train (pid {stale['pid']} on host" in err
    assert "ended without releasing it" in err


def test_a_file_in_the_way_is_bad_input(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(model_lock.BadInput, match="file: cannot lock it"):
        with model_lock.hold(tmp_path / "file", "exposure_train"):
            pass


@pytest.mark.parametrize("module, flags", [
    ("exposure.cli.train", ["--raw_dir=raw", "--target_dir=target"]),
    ("agan.cli.train", ["--architecture=dcgan"]),
    ("agan.cli.search", []),
])
def test_a_second_run_on_a_held_folder_exits_2_naming_the_holder(holder, module, flags):
    folder, pid = holder
    result = subprocess.run([sys.executable, "-m", module, f"--output_dir={folder}",
                             "--noprogress" if module != "agan.cli.search" else "--top_k=1",
                             *flags], capture_output=True, text=True, env=ENV, timeout=300)
    assert result.returncode == 2, result.stderr[-2000:]
    command = module.replace(".cli.", "_")
    assert f"{command}: error: {folder} is in use by exposure_train (pid {pid} on host " \
           f"{socket.gethostname()}" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in folder.iterdir()) == [model_lock.LOCK_FILE]
