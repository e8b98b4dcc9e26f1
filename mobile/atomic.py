"""Atomic file writes for mobile/: a reader sees the old file or the complete new one, never a part."""
import os
import pathlib
import tempfile


def write_bytes_atomically(path, data):
    """Writes `data` (bytes) to `path` through a temporary file in the same folder + os.replace.

    The folder is created if missing. On any error the temporary file is removed and `path` is
    left as it was.
    """
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
