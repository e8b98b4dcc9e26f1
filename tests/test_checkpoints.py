"""Tests for commandline/checkpoints.py on real checkpoints: each kind of damage is named and the
newest intact checkpoint restored, untouched by the damaged one; partial saves are removed."""
import os

import numpy as np
import pytest
import tensorflow as tf

from commandline import checkpoints

SIZE = 20000  # values per variable: a data file of 80 kB


def _state(value=0.0):
    weights = tf.Variable(np.full(SIZE, value, np.float32))
    step = tf.Variable(0, dtype=tf.int64)
    return tf.train.Checkpoint(weights=weights, step=step), weights, step


@pytest.fixture
def folder(tmp_path):
    """tmp_path/checkpoints with ckpt-2, ckpt-4 and ckpt-6, whose weights are 2, 4 and 6."""
    checkpoint, weights, step = _state()
    manager = tf.train.CheckpointManager(checkpoint, str(tmp_path / "checkpoints"), 3)
    for number in (2, 4, 6):
        weights.assign(np.full(SIZE, number, np.float32))
        step.assign(number)
        manager.save(checkpoint_number=number)
    return tmp_path / "checkpoints"


def _cut_index(prefix):
    with open(f"{prefix}.index", "r+b") as handle:
        handle.truncate(100)


def _cut_data(prefix):
    path = f"{prefix}.data-00000-of-00001"
    with open(path, "r+b") as handle:
        handle.truncate(os.path.getsize(path) // 2)


def _overwrite_data(prefix):
    with open(f"{prefix}.data-00000-of-00001", "r+b") as handle:
        handle.seek(1000)
        handle.write(np.random.default_rng(0).bytes(1000))


def _remove_data(prefix):
    os.remove(f"{prefix}.data-00000-of-00001")


@pytest.mark.parametrize("damage, damaged_file", [
    (_cut_index, "ckpt-6.index"), (_cut_data, "ckpt-6.data-00000-of-00001"),
    (_overwrite_data, "ckpt-6.data-00000-of-00001"), (_remove_data, "ckpt-6.data-*")])
def test_a_damaged_latest_checkpoint_is_named_and_the_previous_one_restored(
        folder, damage, damaged_file):
    damage(folder / "ckpt-6")
    checkpoint, weights, step = _state(value=-1.0)
    said = []
    restored = checkpoints.restore_newest_intact(checkpoint, folder, warn=said.append)
    assert restored == str(folder / "ckpt-4")
    assert int(step.numpy()) == 4
    np.testing.assert_array_equal(weights.numpy(), 4.0)
    assert len(said) == 2 and f"damaged checkpoint, passed over: {damaged_file}: " in said[0]
    assert said[1].endswith("using ckpt-4 instead")


def test_every_checkpoint_damaged_names_each_and_restores_nothing(folder):
    for number in (2, 4, 6):
        _overwrite_data(folder / f"ckpt-{number}")
    checkpoint, weights, _ = _state(value=-1.0)
    with pytest.raises(checkpoints.DamagedCheckpoints, match="every checkpoint is damaged") as e:
        checkpoints.restore_newest_intact(checkpoint, folder, warn=lambda _: None)
    for number in (2, 4, 6):
        assert f"ckpt-{number}.data-00000-of-00001: " in str(e.value)
    np.testing.assert_array_equal(weights.numpy(), -1.0)


def test_an_intact_folder_restores_the_newest_and_an_empty_one_nothing(folder, tmp_path):
    checkpoint, weights, _ = _state()
    said = []
    assert checkpoints.restore_newest_intact(checkpoint, folder, warn=said.append).endswith(
        "ckpt-6")
    assert said == [] and weights.numpy()[0] == 6.0
    assert checkpoints.restore_newest_intact(checkpoint, tmp_path / "none") is None


def test_resume_removes_the_partial_save_of_a_killed_run(folder):
    partial = folder / "ckpt-8_temp"
    partial.mkdir()
    (partial / "part-00000-of-00001.data-00000-of-00001").write_bytes(b"\0" * 1000)
    (folder / "notes_temp").mkdir()  # not a checkpoint's: left alone
    said = []
    checkpoint, _, step = _state()
    assert checkpoints.resume(checkpoint, folder, warn=said.append).endswith("ckpt-6")
    assert not partial.exists() and (folder / "notes_temp").is_dir()
    assert said == [f"removed {partial}, a save cut short by a killed run"]
    assert int(step.numpy()) == 6
