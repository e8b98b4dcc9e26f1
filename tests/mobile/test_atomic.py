"""mobile.atomic: a file is either its old version or the complete new one, with the permissions
of any new file, flushed to the disk; what a killed writer leaves is recognized and cleaned."""
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from mobile import atomic
from mobile.atomic import (
    atomic_output,
    is_temporary,
    write_bytes_atomically,
    write_json_atomically,
    write_text_atomically,
)


@pytest.fixture
def umask_022():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_replaces_the_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "out.json"
    path.write_text("old")
    with atomic_output(path) as tmp:
        assert tmp.parent == tmp_path and tmp.suffix == ".json" and tmp != path
        assert is_temporary(tmp) and not tmp.exists()
        tmp.write_text("new")
        assert path.read_text() == "old"
    assert path.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_error_keeps_the_old_file_and_removes_the_temporary(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old")
    with pytest.raises(RuntimeError, match="disk full"):
        with atomic_output(path) as tmp:
            tmp.write_text("partial")
            raise RuntimeError("disk full")
    assert path.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_missing_folder_is_named_unless_it_is_to_be_made(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        with atomic_output(tmp_path / "nowhere" / "out.txt"):
            pass
    with atomic_output(tmp_path / "made" / "out.txt", make_folder=True) as tmp:
        tmp.write_text("x")
    assert (tmp_path / "made" / "out.txt").read_text() == "x"


def test_write_helpers_create_the_folder_and_replace(tmp_path):
    path = tmp_path / "new" / "lut.bin"
    write_bytes_atomically(path, b"one")
    write_bytes_atomically(path, b"two")
    assert path.read_bytes() == b"two"
    write_text_atomically(tmp_path / "a" / "log.txt", "é\n")
    assert (tmp_path / "a" / "log.txt").read_bytes() == "é\n".encode()
    write_json_atomically(tmp_path / "b" / "r.json", {"b": 1, "a": [2]})
    assert (tmp_path / "b" / "r.json").read_text() == '{\n  "a": [\n    2\n  ],\n  "b": 1\n}\n'
    assert sorted(p.name for p in path.parent.iterdir()) == ["lut.bin"]


def test_new_files_and_folders_get_the_permissions_the_umask_gives(tmp_path, umask_022):
    write_bytes_atomically(tmp_path / "photo.jpg", b"jpeg")
    assert (tmp_path / "photo.jpg").stat().st_mode & 0o777 == 0o644
    with atomic_output(tmp_path / "1") as tmp:  # a folder, as a SavedModel export writes
        (tmp / "variables").mkdir(parents=True)
        (tmp / "saved_model.pb").write_bytes(b"pb")
        (tmp / "variables" / "v.index").write_bytes(b"ix")
    assert (tmp_path / "1").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "1" / "saved_model.pb").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "1" / "variables" / "v.index").read_bytes() == b"ix"
    os.umask(0o077)
    write_bytes_atomically(tmp_path / "private.bin", b"x")
    assert (tmp_path / "private.bin").stat().st_mode & 0o777 == 0o600


def test_a_symbolic_link_is_replaced_atomically_too(tmp_path):
    (tmp_path / "a.dng").write_bytes(b"a")
    (tmp_path / "b.dng").write_bytes(b"b")
    for source in ("a.dng", "b.dng"):
        with atomic_output(tmp_path / "link.dng") as tmp:
            os.symlink(tmp_path / source, tmp)
    assert (tmp_path / "link.dng").read_bytes() == b"b"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.dng", "b.dng", "link.dng"]


def test_the_file_is_flushed_before_the_rename_and_the_rename_after(tmp_path, monkeypatch):
    events = []
    fsync, replace = os.fsync, os.replace

    def recorded_fsync(descriptor):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{descriptor}")))
        fsync(descriptor)

    def recorded_replace(source, target):
        events.append(("replace", str(target)))
        replace(source, target)

    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("names open files through /proc (Linux)")
    monkeypatch.setattr(os, "fsync", recorded_fsync)
    monkeypatch.setattr(os, "replace", recorded_replace)
    write_bytes_atomically(tmp_path / "out.bin", b"data")
    kinds = [kind for kind, _ in events]
    assert kinds == ["fsync", "replace", "fsync"], events
    assert is_temporary(events[0][1]) and events[0][1].startswith(str(tmp_path))
    assert events[1][1] == str(tmp_path / "out.bin")
    assert events[2][1] == str(tmp_path)


@pytest.mark.parametrize("name, temporary", [
    (".photo.atomic-0a1b2c3d-4242-deadbeef.jpg", True),
    (".1.atomic-0a1b2c3d-7-00ff00ff", True),
    (".photo.strip.atomic-0a1b2c3d-4242-deadbeef.png", True),
    ("photo.jpg", False),
    (".photo.jpg", False),
    (".big1.w6ro14b1.tif", False),  # tempfile.mkstemp's names: not this writer's, never removed
    ("photo.atomic-0a1b2c3d-4242-deadbeef.jpg", False),
    (".photo.atomic-0a1b2c3d-4242-deadbeef.jpg.bak", False),
])
def test_temporary_names_are_recognized(name, temporary):
    assert is_temporary(name) == temporary


def _dead_pid():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_stale_temporaries_of_this_host_are_removed_by_the_next_write_there(tmp_path):
    host = atomic._HOST
    dead, alive = _dead_pid(), os.getppid()
    stale_file = tmp_path / f".a.atomic-{host}-{dead}-00000001.jpg"
    stale_folder = tmp_path / f".1.atomic-{host}-{dead}-00000002"
    kept = [tmp_path / f".b.atomic-{host}-{alive}-00000003.jpg",  # its writer still runs
            tmp_path / f".c.atomic-{'f' * 8 if host != 'f' * 8 else '0' * 8}-{dead}-00000004.jpg",
            tmp_path / ".big1.w6ro14b1.tif", tmp_path / "photo.jpg"]
    stale_file.write_bytes(b"half")
    (stale_folder / "variables").mkdir(parents=True)
    (stale_folder / "variables" / "v.data").write_bytes(b"half")
    for path in kept:
        path.write_bytes(b"x")
    write_bytes_atomically(tmp_path / "new.jpg", b"new")
    assert sorted(tmp_path.iterdir()) == sorted([*kept, tmp_path / "new.jpg"])


_KILLED_WRITER = textwrap.dedent("""
    import sys, time
    from mobile.atomic import atomic_output
    with atomic_output(sys.argv[1]) as tmp:
        tmp.write_bytes(b"half a photo")
        print(tmp, flush=True)
        time.sleep(600)
""")


def test_a_write_killed_midway_leaves_the_old_file_and_the_next_write_cleans_up(tmp_path):
    path = tmp_path / "big1.tif"
    path.write_bytes(b"old photo")
    writer = subprocess.Popen([sys.executable, "-c", _KILLED_WRITER, str(path)],
                              stdout=subprocess.PIPE, text=True)
    temporary = writer.stdout.readline().strip()
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    writer.stdout.close()
    assert os.path.exists(temporary) and is_temporary(temporary)
    assert path.read_bytes() == b"old photo"
    write_bytes_atomically(tmp_path / "other.tif", b"another photo")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big1.tif", "other.tif"]
