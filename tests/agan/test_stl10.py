"""The STL-10 reader on tiny files written in the byte layout of stl10_binary/."""
import numpy as np
import pytest

from agan import stl10
from agan.dataset_files import DatasetFormatError, DatasetNotFoundError

SIDE = 96
PLANE = SIDE * SIDE


def _marked_bytes(count, markers):
    """Image bytes as the STL-10 files hold them, written element by element from the spec.

    Each image is 3 planes (R, G, B); inside a plane the byte at ``column * 96 + row`` is the
    pixel at (row, column). ``markers``: {(image, row, column, channel): value}, the rest 10.
    """
    data = np.full((count, 3 * PLANE), 10, dtype=np.uint8)
    for (image, row, column, channel), value in markers.items():
        data[image, channel * PLANE + column * SIDE + row] = value
    return data.tobytes()


def _write(folder, name, count, labels=None, markers=None):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}_X.bin").write_bytes(_marked_bytes(count, markers or {}))
    if labels is not None:
        (folder / f"{name}_y.bin").write_bytes(np.asarray(labels, dtype=np.uint8).tobytes())


def test_orientation_and_channels_at_full_size(tmp_path):
    folder = tmp_path / "stl10_binary"
    # Red at row 5, column 80 of image 0; blue at row 90, column 2 of image 1.
    _write(folder, "train", 2, labels=[1, 10], markers={(0, 5, 80, 0): 250, (1, 90, 2, 2): 200})
    images, labels = stl10.load(tmp_path, "train", image_size=96)
    assert images.shape == (2, 96, 96, 3) and images.dtype == np.uint8
    np.testing.assert_array_equal(labels, [0, 9])
    assert tuple(images[0, 5, 80]) == (250, 10, 10)
    assert tuple(images[1, 90, 2]) == (10, 10, 200)
    assert np.count_nonzero(images != 10) == 2


def test_resized_to_48_by_area_averaging(tmp_path):
    folder = tmp_path / "stl10_binary"
    markers = {(0, 5, 80, 0): 250, (0, 4, 80, 0): 250, (0, 10, 11, 1): 50}
    _write(folder, "test", 1, labels=[3], markers=markers)
    images, labels = stl10.load(folder, "test")
    assert images.shape == (1, 48, 48, 3) and stl10.IMAGE_SIZE == 48
    # Output (2, 40) averages input rows 4-5, columns 80-81: (250 + 250 + 10 + 10) / 4 = 130.
    assert images[0, 2, 40, 0] == 130
    # Output (5, 5) averages rows 10-11, columns 10-11: (50 + 3 * 10) / 4 = 20.
    assert images[0, 5, 5, 1] == 20
    assert images[0, 0, 0, 0] == 10 and labels[0] == 2


def test_unlabeled_and_the_unsupervised_split(tmp_path):
    folder = tmp_path / "stl10_binary"
    _write(folder, "train", 3, labels=[1, 2, 3])
    _write(folder, "unlabeled", 4, markers={(i, 0, 0, 0): 100 + i for i in range(4)})
    images, labels = stl10.load(folder, "unlabeled", image_size=96)
    np.testing.assert_array_equal(labels, [-1] * 4)
    np.testing.assert_array_equal(images[:, 0, 0, 0], [100, 101, 102, 103])
    images, labels = stl10.load(folder, "train+unlabeled", image_size=96)
    np.testing.assert_array_equal(labels, [0, 1, 2, -1, -1, -1, -1])
    np.testing.assert_array_equal(images[3:, 0, 0, 0], [100, 101, 102, 103])


def test_limit_picks_a_seeded_subset_across_parts(tmp_path):
    folder = tmp_path / "stl10_binary"
    _write(folder, "train", 3, labels=[1, 2, 3], markers={(i, 0, 0, 0): i for i in range(3)})
    _write(folder, "unlabeled", 5, markers={(i, 0, 0, 0): 50 + i for i in range(5)})
    first = stl10.load(folder, "train+unlabeled", limit=4, seed=1, image_size=96)
    again = stl10.load(folder, "train+unlabeled", limit=4, seed=1, image_size=96)
    np.testing.assert_array_equal(first[0], again[0])
    assert len(first[0]) == 4
    every = dict(zip([0, 1, 2, 50, 51, 52, 53, 54], [0, 1, 2, -1, -1, -1, -1, -1], strict=True))
    for image, label in zip(*first, strict=True):
        assert every[int(image[0, 0, 0])] == label


def test_missing_files_name_the_url(tmp_path):
    with pytest.raises(FileNotFoundError) as raised:
        stl10.load(tmp_path, "train")
    assert isinstance(raised.value, DatasetNotFoundError)
    assert stl10.URL in str(raised.value) and "train_y.bin" in str(raised.value)


def test_truncated_images_and_wrong_labels_are_reported(tmp_path):
    folder = tmp_path / "stl10_binary"
    _write(folder, "train", 2, labels=[1, 2])
    with open(folder / "train_X.bin", "ab") as file:
        file.write(b"\x00" * 7)
    with pytest.raises(DatasetFormatError, match="train_X.bin.*truncated"):
        stl10.load(folder, "train")
    _write(folder, "train", 2, labels=[1, 2, 3])
    with pytest.raises(DatasetFormatError, match="train_y.bin: 3 labels for 2 images"):
        stl10.load(folder, "train")
    _write(folder, "train", 2, labels=[0, 2])
    with pytest.raises(DatasetFormatError, match="outside 1..10"):
        stl10.load(folder, "train")


def test_class_names(tmp_path):
    folder = tmp_path / "stl10_binary"
    folder.mkdir()
    names = ["airplane", "bird", "car", "cat", "deer", "dog", "horse", "monkey", "ship", "truck"]
    (folder / "class_names.txt").write_text("\n".join(names) + "\n")
    assert stl10.class_names(tmp_path) == tuple(names)
