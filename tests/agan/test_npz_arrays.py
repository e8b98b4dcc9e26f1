import numpy as np
import pytest

from agan import npz_arrays
from agan.dataset_files import DatasetFormatError, DatasetNotFoundError


def _images(count=4, side=6):
    return np.arange(count * side * side * 3, dtype=np.uint8).reshape(count, side, side, 3)


def test_reads_x_and_y(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, x=_images(), y=np.array([3, 1, 0, 2], dtype=np.int64))
    images, labels = npz_arrays.load(path)
    np.testing.assert_array_equal(images, _images())
    assert labels.dtype == np.int32 and labels.tolist() == [3, 1, 0, 2]
    assert npz_arrays.class_names(path) == ("0", "1", "2", "3")


def test_alternative_keys_and_missing_labels(tmp_path):
    path = tmp_path / "d.npz"
    np.savez_compressed(path, images=_images(), labels=np.array([1, 1, 0, 0]))
    assert npz_arrays.load(path)[1].tolist() == [1, 1, 0, 0]
    np.savez(path, images=_images())
    assert npz_arrays.load(path)[1].tolist() == [0, 0, 0, 0]


def test_grayscale_is_repeated_to_rgb(tmp_path):
    path = tmp_path / "g.npz"
    gray = np.arange(2 * 5 * 5, dtype=np.uint8).reshape(2, 5, 5)
    np.savez(path, x=gray)
    images, _ = npz_arrays.load(path)
    assert images.shape == (2, 5, 5, 3)
    np.testing.assert_array_equal(images[..., 2], gray)


def test_resize_and_limit(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, x=np.full((5, 8, 8, 3), 77, np.uint8), y=np.arange(5))
    images, labels = npz_arrays.load(path, image_size=4, limit=3, seed=2)
    assert images.shape == (3, 4, 4, 3) and np.all(images == 77)
    assert len(set(labels.tolist())) == 3


@pytest.mark.parametrize("arrays, message", [
    ({"x": np.zeros((2, 4, 4, 3), np.float32)}, "must be uint8"),
    ({"x": np.zeros((2, 4, 4, 2), np.uint8)}, r"\[N>0, H, W, 3\]"),
    ({"x": np.zeros((0, 4, 4, 3), np.uint8)}, r"\[N>0, H, W, 3\]"),
    ({"x": np.zeros((2, 4, 6, 3), np.uint8)}, "not square"),
    ({"x": np.zeros((2, 4, 4, 3), np.uint8), "y": np.zeros(3, np.int32)}, "labels must be 2"),
    ({"x": np.zeros((2, 4, 4, 3), np.uint8), "y": np.zeros(2, np.float32)}, "labels must be 2"),
    ({"x": np.zeros((2, 4, 4, 3), np.uint8), "images": np.zeros((2, 4, 4, 3), np.uint8)}, "both"),
    ({"pictures": np.zeros((2, 4, 4, 3), np.uint8)}, "no image array"),
])
def test_bad_arrays_get_clear_errors(tmp_path, arrays, message):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(DatasetFormatError, match=message) as raised:
        npz_arrays.load(path)
    assert "bad.npz" in str(raised.value)


def test_missing_and_corrupt_files(tmp_path):
    with pytest.raises(DatasetNotFoundError, match="does not exist"):
        npz_arrays.load(tmp_path / "none.npz")
    (tmp_path / "text.npz").write_text("hello")
    with pytest.raises(DatasetFormatError, match="text.npz"):
        npz_arrays.load(tmp_path / "text.npz")
    np.save(tmp_path / "plain.npy", np.zeros((2, 4, 4, 3), np.uint8))
    with pytest.raises(DatasetFormatError, match="not an .npz archive"):
        npz_arrays.load(tmp_path / "plain.npy")
