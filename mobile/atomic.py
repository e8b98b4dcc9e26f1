"""Atomic file output: a reader sees a file absent, its previous version, or completely written,
never a part. Used by mobile/ and by the packages built on it (exposure, export)."""
import contextlib
import os
import pathlib
import tempfile


@contextlib.contextmanager
def atomic_output(path):
    """Yields a temporary path beside `path`; on normal exit it atomically replaces `path`.

    The temporary file lives in the same folder (so `os.replace` is atomic on POSIX and Windows) and
    keeps the final suffix (so writers that pick a format from the extension still work). If the
    body raises, the temporary file is removed and `path` is left untouched.

    Args:
      path: str or os.PathLike, the final file. Its folder must exist.

    Yields:
      pathlib.Path of the temporary file to write.
    """
    path = pathlib.Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot write {path}: folder {path.parent} does not exist")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
    os.close(fd)
    tmp = pathlib.Path(tmp)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes_atomically(path, data):
    """Writes `data` (bytes) to `path` atomically, creating its folder if missing."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(path) as tmp:
        tmp.write_bytes(data)
