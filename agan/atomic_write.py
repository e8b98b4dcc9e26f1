"""Atomic file writes: write to a temporary file in the same folder, then os.replace it into place.

A reader (or a resumed run) therefore sees either the old file or the complete new one, never a
partly written file.
"""
import contextlib
import json
import os
import pathlib


@contextlib.contextmanager
def atomic_path(path):
    """Yields a temporary path beside `path` (same suffix) to write; on success it replaces `path`.

    The parent folder is created if missing. On an exception the temporary file is removed and
    `path` is left as it was.
    """
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()


def write_text(path, text):
    """Writes `text` (UTF-8) to `path` atomically."""
    with atomic_path(path) as temporary:
        temporary.write_text(text, encoding="utf-8")


def write_json(path, obj):
    """Writes `obj` as indented JSON to `path` atomically."""
    write_text(path, json.dumps(obj, indent=2, sort_keys=True) + "\n")
