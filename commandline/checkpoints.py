"""Restoring the newest intact checkpoint of a folder: a damaged one is named and passed over.

A disk fault, a copy cut short or a stray write can leave a checkpoint of a
`tf.train.CheckpointManager` folder damaged: its `.index` truncated, a `.data-*` file truncated,
overwritten or missing. The checkpoints of a folder (`<prefix>-<N>.index`) are tried from the
highest N down; each is read in full (TensorFlow verifies every tensor's checksum as it reads)
before anything is restored from it, so a damaged one changes no variable. A damaged checkpoint
is reported on stderr, naming its file and what is wrong, and the next older one is restored;
when none is intact, `DamagedCheckpoints` names them all.

A process killed while saving leaves TensorFlow's partial save, a `<prefix>-<N>_temp/` folder
beside the checkpoints; `resume`, for the folder's one writer, removes such folders.

Used by the trainers (exposure_train, agan_train) and by what loads a trained Exposure model
(exposure_retouch, exposure_export, ...). Unlike the rest of commandline, this module imports
TensorFlow.
"""
import pathlib
import re
import shutil
import sys

import tensorflow as tf

_NUMBERED = re.compile(r"(?P<prefix>.+)-(?P<number>[0-9]+)")
_MESSAGE_LENGTH = 200  # characters of a reader's error kept in a report


class DamagedCheckpoints(ValueError):
    """Every checkpoint of a folder is damaged; the message names each file and its problem."""


def _warn(message):
    print(f"warning: {message}", file=sys.stderr, flush=True)


def candidates(directory):
    """The checkpoint prefixes (str) in `directory`, newest (highest number) first; [] when there
    are none or the folder does not exist."""
    numbered = []
    for index in pathlib.Path(directory).glob("*.index"):
        match = _NUMBERED.fullmatch(index.name[:-len(".index")])
        if match:
            numbered.append((int(match["number"]), str(index.with_suffix(""))))
    return [prefix for _, prefix in sorted(numbered, reverse=True)]


def _short(error):
    text = str(error).strip().splitlines()
    text = text[0] if text else type(error).__name__
    return text if len(text) <= _MESSAGE_LENGTH else text[:_MESSAGE_LENGTH] + "..."


def damage(prefix):
    """None when the checkpoint `prefix` reads in full; else a message naming the damaged file
    (its index or its data) and what is wrong."""
    name = pathlib.Path(prefix).name
    try:
        reader = tf.train.load_checkpoint(prefix)
    except Exception as error:  # the native reader raises OpError, IndexError, ...
        return f"{name}.index: {_short(error)}"
    try:
        for key in reader.get_variable_to_shape_map():
            reader.get_tensor(key)
    except Exception as error:
        data = sorted(p.name for p in pathlib.Path(prefix).parent.glob(f"{name}.data-*"))
        return f"{', '.join(data) or name + '.data-*'}: {_short(error)}"
    return None


def restore_newest_intact(checkpoint, directory, *, partial=False, warn=_warn):
    """Restores the newest intact checkpoint of `directory` into `checkpoint` (a
    `tf.train.Checkpoint`) and asserts that every object of `checkpoint` got its values.

    Args:
      partial: the checkpoint may hold more than `checkpoint` (e.g. only the policy of a
        training checkpoint is wanted); no warning about the values left unread.
      warn: called with a message (str) for each damaged checkpoint passed over.

    Returns:
      the restored prefix (str), or None when `directory` holds no checkpoint.
    Raises:
      DamagedCheckpoints: every checkpoint of `directory` is damaged.
    """
    problems = []
    for prefix in candidates(directory):
        problem = damage(prefix)
        if problem is None:
            status = checkpoint.restore(prefix)
            if partial:
                status.expect_partial()
            status.assert_existing_objects_matched()
            if problems:
                warn(f"{directory}: using {pathlib.Path(prefix).name} instead")
            return prefix
        problems.append(problem)
        warn(f"{directory}: damaged checkpoint, passed over: {problem}")
    if problems:
        raise DamagedCheckpoints(f"{directory}: every checkpoint is damaged: {'; '.join(problems)}")
    return None


def remove_partial_saves(directory):
    """Removes the partial saves (`<prefix>-<N>_temp/` folders) of `directory`; returns them.
    Only the folder's one writer may call it (a save in progress looks the same)."""
    removed = []
    for folder in pathlib.Path(directory).glob("*_temp"):
        if folder.is_dir() and _NUMBERED.fullmatch(folder.name[:-len("_temp")]):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def resume(checkpoint, directory, *, warn=_warn):
    """What a trainer does on start, as the one writer of `directory`: removes the partial saves
    a killed run left (says so) and restores the newest intact checkpoint (see
    `restore_newest_intact`). Returns the restored prefix, or None for a fresh start."""
    for folder in remove_partial_saves(directory):
        warn(f"removed {folder}, a save cut short by a killed run")
    return restore_newest_intact(checkpoint, directory, warn=warn)
