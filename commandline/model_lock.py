"""One run at a time in a model folder: a lock that names its holder.

`hold(folder, command)` takes `<folder>/run.lock` for the duration of a run (exposure_train,
agan_train, an agan_search chief). The lock is the operating system's (`flock`, released by the
kernel when its process ends, however it ends; on NFS it is the server's), and the file records
the holder: command, host, process id and start time. A second run on the same folder stops at
once with `FolderInUse` naming the holder. A lock file whose holder ended without releasing it
(killed) is taken over, and the taking over is reported on stderr with the old holder. The run
removes the file when it ends, and the folder too if the run created it and left it empty.

POSIX only (`fcntl`); where the file system has no locks, the run goes on unguarded after a
warning.
"""
import contextlib
import datetime
import errno
import fcntl
import json
import os
import pathlib
import socket
import sys

from commandline import BadInput

LOCK_FILE = "run.lock"
_NO_LOCKS = (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EINVAL)


class FolderInUse(BadInput):
    """Another run holds the folder; the message names it."""


def _describe(record):
    if not record:
        return "another run (its details are not written yet)"
    return (f"{record.get('command', '?')} (pid {record.get('pid', '?')} on host "
            f"{record.get('host', '?')}, started {record.get('started', '?')})")


def _read_record(descriptor):
    try:
        text = os.pread(descriptor, 65536, 0).decode("utf-8")
        return json.loads(text) if text.strip() else None
    except (OSError, UnicodeDecodeError, ValueError):
        return None


def _still_named(descriptor, path):
    """True when `path` still is the file open as `descriptor` (a releasing holder removes the
    file, and a run that opened it just before would otherwise lock a file no one sees)."""
    try:
        return os.stat(path).st_ino == os.fstat(descriptor).st_ino
    except FileNotFoundError:
        return False


def _acquire(path, command):
    """The open, locked descriptor of `path` with this run's record written; None where the file
    system has no locks."""
    while True:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _describe(_read_record(descriptor))
            os.close(descriptor)
            raise FolderInUse(f"{path.parent} is in use by {holder}; wait for that run to end, "
                              f"or use another folder (lock file {path})") from None
        except OSError as error:
            os.close(descriptor)
            if error.errno not in _NO_LOCKS:
                raise
            print(f"warning: {path.parent}: the file system has no locks ({error.strerror}); "
                  f"nothing stops a second run on this folder", file=sys.stderr, flush=True)
            return None
        if not _still_named(descriptor, path):
            os.close(descriptor)
            continue
        previous = _read_record(descriptor)
        if previous:
            print(f"warning: {path.parent}: taking over the lock of {_describe(previous)}, "
                  f"which ended without releasing it", file=sys.stderr, flush=True)
        record = {"command": command, "host": socket.gethostname(), "pid": os.getpid(),
                  "started": datetime.datetime.now().astimezone().isoformat(timespec="seconds")}
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, (json.dumps(record) + "\n").encode("utf-8"), 0)
        os.fsync(descriptor)
        return descriptor


@contextlib.contextmanager
def hold(folder, command):
    """Holds `folder` (created if missing) for the body: see the module docstring.

    Args:
      folder: str or os.PathLike, the model (or search) folder.
      command: the name recorded for others to read, e.g. "exposure_train".

    Raises:
      FolderInUse: another run holds it. BadInput: `folder` cannot be created or locked.
    """
    folder = pathlib.Path(folder)
    created = not folder.exists()
    path = folder / LOCK_FILE
    try:
        folder.mkdir(parents=True, exist_ok=True)
        descriptor = _acquire(path, command)
    except OSError as error:
        raise BadInput(f"{folder}: cannot lock it for this run: "
                       f"{error.strerror or error}") from error
    try:
        yield
    finally:
        if descriptor is not None:
            path.unlink(missing_ok=True)
            os.close(descriptor)
        if created:
            with contextlib.suppress(OSError):
                folder.rmdir()  # only when empty: the run wrote nothing
