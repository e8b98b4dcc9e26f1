"""mobile.atomic: a file is either its old version or the complete new one."""
import pytest

from mobile.atomic import atomic_output, write_bytes_atomically


def test_replaces_the_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "out.json"
    path.write_text("old")
    with atomic_output(path) as tmp:
        assert tmp.parent == tmp_path and tmp.suffix == ".json" and tmp != path
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


def test_missing_folder_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        with atomic_output(tmp_path / "nowhere" / "out.txt"):
            pass


def test_write_bytes_creates_the_folder_and_replaces(tmp_path):
    path = tmp_path / "new" / "lut.bin"
    write_bytes_atomically(path, b"one")
    write_bytes_atomically(path, b"two")
    assert path.read_bytes() == b"two"
    assert sorted(p.name for p in path.parent.iterdir()) == ["lut.bin"]
