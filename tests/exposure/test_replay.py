"""Tests for exposure/replay.py: draws, refills of finished states, the finished-image ring,
edited states for the critic."""
import numpy as np
import pytest

from exposure.replay import ReplayMemory


def _images(n, value):
    return np.full((n, 4, 4, 3), value, np.float32)


def test_draw_returns_distinct_slots_and_put_back_stores_the_new_states():
    memory = ReplayMemory(np.arange(6, dtype=np.float32)[:, None, None, None] * np.ones(
        (6, 4, 4, 3), np.float32), num_filters=3, num_steps=2, seed=1)
    slots, images, usage, steps = memory.draw(4, _images(4, -1.0))
    assert len(set(slots.tolist())) == 4
    np.testing.assert_array_equal(images[:, 0, 0, 0], slots)  # fresh slots hold their own image
    assert usage.shape == (4, 3) and (usage == 0).all() and (steps == 0).all()
    memory.put_back(slots, images + 10, np.eye(3, dtype=np.float32)[[0, 1, 2, 0]], steps + 1)
    np.testing.assert_array_equal(memory.steps[slots], 1)
    np.testing.assert_array_equal(memory.images[slots, 0, 0, 0], slots + 10)
    assert memory.num_finished == 0


def test_finished_states_are_refilled_with_fresh_images_and_kept_for_the_critic():
    memory = ReplayMemory(_images(4, 0.5), num_filters=2, num_steps=1, seed=0)
    slots, images, usage, steps = memory.draw(4, _images(4, 0.0))
    memory.put_back(slots, images + 0.25, np.ones((4, 2), np.float32), steps + 1)
    assert memory.finished.all() and memory.num_finished == 4
    _, images, usage, steps = memory.draw(2, _images(2, 0.1))
    np.testing.assert_array_equal(images, _images(2, 0.1))  # finished -> fresh RAW images
    assert (usage == 0).all() and (steps == 0).all()
    np.testing.assert_array_equal(memory.sample_finished(8), _images(8, 0.75))


def test_the_finished_ring_keeps_the_latest_capacity_images():
    memory = ReplayMemory(_images(2, 0.0), num_filters=1, num_steps=1, seed=0)
    for value in (1.0, 2.0, 3.0):
        slots, images, usage, steps = memory.draw(2, _images(2, 0.0))
        memory.put_back(slots, _images(2, value), usage, steps + 1)
    assert memory.num_finished == 2
    assert set(np.unique(memory.sample_finished(16))) == {3.0}


def test_edited_states_are_sampled_without_the_fresh_ones():
    memory = ReplayMemory(_images(6, 0.0), num_filters=2, num_steps=3, seed=0)
    with pytest.raises(ValueError, match="no edited state"):
        memory.sample_edited(2)
    slots, images, usage, steps = memory.draw(2, _images(2, 0.0))
    memory.put_back(slots, _images(2, 0.5), usage, steps + 1)  # edited once, not finished
    assert memory.num_finished == 0
    np.testing.assert_array_equal(memory.sample_edited(8), _images(8, 0.5))


def test_bad_use_is_reported():
    with pytest.raises(ValueError, match="expected images"):
        ReplayMemory(np.zeros((3, 4, 4)), num_filters=2, num_steps=5)
    memory = ReplayMemory(_images(3, 0.0), num_filters=2, num_steps=5)
    with pytest.raises(ValueError, match="no finished images"):
        memory.sample_finished(2)
    with pytest.raises(ValueError, match="batch size 4"):
        memory.draw(4, _images(4, 0.0))
