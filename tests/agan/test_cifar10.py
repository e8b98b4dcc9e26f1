"""The CIFAR-10 reader on tiny archives written in the exact format of cifar-10-python.tar.gz."""
import pickle
import tarfile

import numpy as np
import pytest

from agan import cifar10
from agan.dataset_files import DatasetFormatError, DatasetNotFoundError

NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def _batch_images(batch_number, count=2):
    """Images [count, 32, 32, 3] with a marker: red 255 at row 1, column 30 of image 0."""
    rng = np.random.default_rng(batch_number)
    images = rng.integers(0, 200, size=(count, 32, 32, 3), dtype=np.uint8)
    images[0, 1, 30] = (255, 0, 7)
    return images


def _write_batches(folder):
    """Writes cifar-10-batches-py/ under ``folder``; returns {name: (images, labels)}."""
    batches = folder / "cifar-10-batches-py"
    batches.mkdir(parents=True)
    written = {}
    for number, name in enumerate([f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]):
        images = _batch_images(number)
        labels = [number % 10, (number + 3) % 10]
        # The archive's layout: 1024 red, 1024 green, 1024 blue values, each plane row-major.
        data = np.concatenate([images[..., c].reshape(len(images), 1024) for c in range(3)], axis=1)
        record = {b"batch_label": name.encode(), b"labels": labels, b"data": data,
                  b"filenames": [b"a.png", b"b.png"]}
        (batches / name).write_bytes(pickle.dumps(record, protocol=2))
        written[name] = (images, np.array(labels))
    meta = {b"label_names": [n.encode() for n in NAMES], b"num_cases_per_batch": 2, b"num_vis": 3072}
    (batches / "batches.meta").write_bytes(pickle.dumps(meta, protocol=2))
    return written


def test_reads_train_and_test_with_correct_orientation(tmp_path):
    written = _write_batches(tmp_path)
    images, labels = cifar10.load(tmp_path, "train")
    assert images.shape == (10, 32, 32, 3) and images.dtype == np.uint8
    assert labels.dtype == np.int32
    expected = np.concatenate([written[f"data_batch_{i}"][0] for i in range(1, 6)])
    np.testing.assert_array_equal(images, expected)
    np.testing.assert_array_equal(labels[:4], [0, 3, 1, 4])
    assert tuple(images[0, 1, 30]) == (255, 0, 7)
    test_images, test_labels = cifar10.load(tmp_path / "cifar-10-batches-py", "test")
    np.testing.assert_array_equal(test_images, written["test_batch"][0])
    np.testing.assert_array_equal(test_labels, [5, 8])
    assert cifar10.class_names(tmp_path) == tuple(NAMES)


def test_reads_the_tarball_without_extracting(tmp_path):
    written = _write_batches(tmp_path / "src")
    tarball = tmp_path / "cache" / "cifar-10-python.tar.gz"
    tarball.parent.mkdir()
    with tarfile.open(tarball, "w:gz") as tar:
        tar.add(tmp_path / "src" / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    for location in (tarball.parent, tarball):
        images, _ = cifar10.load(location, "test")
        np.testing.assert_array_equal(images, written["test_batch"][0])
    assert list(tarball.parent.iterdir()) == [tarball]


def test_finds_the_keras_3_cache_layout(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    written = _write_batches(tmp_path / "keras" / "datasets" / "cifar-10-batches-py-target")
    images, _ = cifar10.load(None, "train")
    np.testing.assert_array_equal(images[:2], written["data_batch_1"][0])


def test_missing_archive_names_the_url_and_places(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "empty"))
    with pytest.raises(FileNotFoundError) as raised:
        cifar10.load(None, "train")
    assert isinstance(raised.value, DatasetNotFoundError)
    message = str(raised.value)
    assert cifar10.URL in message and str(tmp_path / "empty" / "datasets") in message


def test_corrupt_and_malformed_batches_name_the_file(tmp_path):
    _write_batches(tmp_path)
    batch = tmp_path / "cifar-10-batches-py" / "data_batch_3"
    batch.write_bytes(b"not a pickle")
    with pytest.raises(DatasetFormatError, match="data_batch_3"):
        cifar10.load(tmp_path, "train")
    batch.write_bytes(pickle.dumps({b"data": np.zeros((2, 100), np.uint8), b"labels": [0, 1]}))
    with pytest.raises(DatasetFormatError, match=r"data_batch_3.*uint8 \[N, 3072\]"):
        cifar10.load(tmp_path, "train")
    (tmp_path / "cifar-10-batches-py" / "data_batch_3").unlink()
    with pytest.raises(DatasetFormatError, match="data_batch_3"):
        cifar10.load(tmp_path, "train")


def test_not_a_tarball_is_reported(tmp_path):
    fake = tmp_path / "cifar-10-python.tar.gz"
    fake.write_text("hello")
    with pytest.raises(DatasetFormatError, match="not a readable tar archive"):
        cifar10.load(fake, "train")


def test_unknown_split(tmp_path):
    with pytest.raises(ValueError, match="split"):
        cifar10.load(tmp_path, "validation")
