"""Atomic file output: a reader sees a file absent, its previous version, or completely written,
never a part, and after a crash the disk holds one of those too. The one writer of every package
(mobile imports nothing from the others; agan, exposure and export use it).

A file (or a folder, or a symbolic link) is written under a temporary name beside its final one,
flushed to the disk, renamed into place with `os.replace`, and the rename is flushed. Permissions
are the writer's defaults under the umask (0644 under umask 022), as for any new file.

The temporary name is hidden and recognizable, `.<stem>.atomic-<host>-<pid>-<random><suffix>`
(the suffix is kept, so writers that pick a format from the extension still work). Folder
listings skip such names (`is_temporary`); a process killed while writing leaves one behind, and
the next process that writes into the same folder removes it: a temporary of this host whose
process is gone. Nothing else is ever removed.
"""
import contextlib
import errno
import json
import os
import pathlib
import re
import secrets
import shutil
import socket
import zlib

# A temporary's name: ".<stem>.atomic-<host>-<pid>-<random><suffix>"; host: crc32 of the host name.
_TEMPORARY = re.compile(r"\..*\.atomic-(?P<host>[0-9a-f]{8})-(?P<pid>[0-9]+)-[0-9a-f]{8}"
                        r"(\.[^.]*)?")
_HOST = f"{zlib.crc32(socket.gethostname().encode('utf-8')):08x}"
_SWEPT = set()  # folders this process has already cleaned of stale temporaries


def is_temporary(path):
    """True when the name of `path` is one that `atomic_output` writes to (not a finished file)."""
    return _TEMPORARY.fullmatch(pathlib.PurePath(path).name) is not None


def _temporary_for(path):
    name = f".{path.stem}.atomic-{_HOST}-{os.getpid()}-{secrets.token_hex(4)}{path.suffix}"
    return path.with_name(name)


def _writer_is_gone(match):
    """True when the temporary named by `match` was written by a process of this host that no
    longer runs. Only POSIX can tell (os.kill(pid, 0)); elsewhere nothing is stale."""
    pid = int(match["pid"])
    if os.name != "posix" or match["host"] != _HOST or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # PermissionError: it runs, as another user
        return False
    return False


def _remove(path):
    """Removes a file, a symbolic link or a folder tree; an absent path is no error."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def remove_stale_temporaries(folder):
    """Removes the temporaries in `folder` (not its subfolders) left by writers of this host that
    no longer run; returns their paths. Best effort: a folder that cannot be listed or an entry
    that cannot be removed is left as it is (the writes themselves report such folders)."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _TEMPORARY.fullmatch(entry.name)
        if match and _writer_is_gone(match):
            path = pathlib.Path(entry.path)
            try:
                _remove(path)
            except OSError:
                continue
            removed.append(path)
    return removed


def _fsync_file(path):
    descriptor = os.open(path, os.O_RDONLY if os.name == "posix" else os.O_RDWR)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _fsync_folder(path):
    """Flushes a folder's entries (names, renames); POSIX only, and only where supported."""
    if os.name != "posix":
        return
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(descriptor)
    except OSError as error:
        if error.errno not in (errno.EINVAL, errno.ENOTSUP):  # file systems without folder sync
            raise
    finally:
        os.close(descriptor)


def _fsync_written(path):
    """Flushes what was written at `path`: a file, or every file and folder of a folder tree (a
    symbolic link's target is not the writer's)."""
    if path.is_symlink():
        return
    if not path.is_dir():
        _fsync_file(path)
        return
    for root, _, files in os.walk(path):
        for name in files:
            if not os.path.islink(os.path.join(root, name)):
                _fsync_file(os.path.join(root, name))
        _fsync_folder(root)


@contextlib.contextmanager
def atomic_output(path, *, make_folder=False):
    """Yields a temporary path beside `path` to write; on normal exit it replaces `path`.

    The body creates the temporary itself (a file, a folder or a symbolic link; it does not exist
    when yielded), so it gets the usual permissions under the umask. On normal exit it is flushed
    to the disk, renamed to `path` and the rename flushed. If the body raises, the temporary is
    removed and `path` is left untouched. Stale temporaries in the folder are removed first
    (once per process and folder; see the module docstring).

    Args:
      path: str or os.PathLike, the final file.
      make_folder: create the folder of `path` (and its parents) if missing; otherwise a missing
        folder raises FileNotFoundError naming it.

    Yields:
      pathlib.Path of the temporary, in the same folder, with the same suffix.
    """
    path = pathlib.Path(path)
    if make_folder:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not path.parent.is_dir():
        raise FileNotFoundError(f"cannot write {path}: folder {path.parent} does not exist")
    folder = os.path.abspath(path.parent)
    if folder not in _SWEPT:
        remove_stale_temporaries(folder)
        _SWEPT.add(folder)
    temporary = _temporary_for(path)
    try:
        yield temporary
        _fsync_written(temporary)
        os.replace(temporary, path)
    finally:
        if os.path.lexists(temporary):
            _remove(temporary)
    _fsync_folder(path.parent)


def write_bytes_atomically(path, data):
    """Writes `data` (bytes) to `path` atomically, creating its folder if missing."""
    with atomic_output(path, make_folder=True) as temporary:
        temporary.write_bytes(data)


def write_text_atomically(path, text):
    """Writes `text` (UTF-8) to `path` atomically, creating its folder if missing."""
    with atomic_output(path, make_folder=True) as temporary:
        temporary.write_text(text, encoding="utf-8")


def write_json_atomically(path, obj):
    """Writes `obj` as indented JSON with sorted keys and a final newline to `path` atomically,
    creating its folder if missing."""
    write_text_atomically(path, json.dumps(obj, indent=2, sort_keys=True) + "\n")
