import numpy as np
import pytest

from agan.resize import resize_area


def test_integer_factor_is_the_rounded_block_mean():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(3, 8, 8, 3), dtype=np.uint8)
    expected = images.astype(np.float64).reshape(3, 4, 2, 4, 2, 3).mean(axis=(2, 4))
    resized = resize_area(images, 4)
    assert resized.dtype == np.uint8 and resized.shape == (3, 4, 4, 3)
    assert np.abs(resized.astype(np.float64) - expected).max() <= 0.5 + 1e-3


def test_same_size_is_unchanged_and_bad_input_refused():
    images = np.zeros((1, 4, 4, 3), np.uint8)
    assert resize_area(images, 4) is images
    with pytest.raises(ValueError, match="uint8"):
        resize_area(images.astype(np.float32), 2)
