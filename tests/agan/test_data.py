import numpy as np
import pytest
import tensorflow as tf

from agan import data, shapes
from agan.dataset_files import DatasetNotFoundError


def test_unknown_dataset_lists_the_choices():
    with pytest.raises(ValueError, match="builtin, cifar10, stl10, folder, npz"):
        data.load_arrays("mnist")
    with pytest.raises(ValueError, match="splits"):
        data.load_arrays("builtin", split="validation")
    with pytest.raises(ValueError, match="needs data_dir"):
        data.load_arrays("folder")


def test_image_sizes():
    assert data.IMAGE_SIZES["builtin"] == 32
    assert data.IMAGE_SIZES["cifar10"] == 32
    assert data.IMAGE_SIZES["stl10"] == 48
    assert data.IMAGE_SIZES["folder"] is None and data.IMAGE_SIZES["npz"] is None


def test_builtin_arrays_and_disjoint_test_split():
    train, train_labels = data.load_arrays("builtin", limit=20, seed=2)
    test, _ = data.load_arrays("builtin", split="test", limit=20, seed=2)
    assert train.shape == (20, 32, 32, 3) and train.dtype == np.uint8
    assert train_labels.dtype == np.int32
    np.testing.assert_array_equal(train, shapes.generate(20, seed=2)[0])
    assert not any(np.array_equal(a, b) for a in train for b in test)
    assert data.class_names("builtin") == shapes.SHAPE_NAMES


def test_cifar10_without_files_is_a_file_not_found_error(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(DatasetNotFoundError, match="cifar-10-python.tar.gz"):
        data.load_arrays("cifar10")
    with pytest.raises(FileNotFoundError, match="stl10_binary.tar.gz"):
        data.load_arrays("stl10", data_dir=tmp_path)


def test_preprocess_is_the_papers_scaling_plus_small_uniform_noise():
    images = np.array([[[[0, 128, 255]]]], dtype=np.uint8)
    rng = np.random.default_rng(0)
    many = np.repeat(images, 4000, axis=0)
    out = data.preprocess(many, 0).numpy()
    assert out.dtype == np.float32
    noise = out - (many.astype(np.float32) / 128.0 - 1.0)
    assert noise.min() >= 0.0 and noise.max() < 1.0 / 128.0 + 1e-7
    assert abs(noise.mean() - 0.5 / 128.0) < 1e-4  # U(0, 1/128) has mean 1/256
    assert noise.std() > 0.25 / 128.0  # spread like U(0, 1/128) (std 0.29 / 128), not a constant
    assert out.min() >= -1.0 and out.max() <= 1.0
    np.testing.assert_array_equal(out, data.preprocess(many, 0).numpy())  # an int seed is stateless
    generator = tf.random.Generator.from_seed(1)
    first, second = data.preprocess(images, generator), data.preprocess(images, generator)
    assert not np.array_equal(first.numpy(), second.numpy())
    numpy_noise = data.preprocess(images, rng).numpy() - (images / 128.0 - 1.0)
    assert np.all((numpy_noise >= 0) & (numpy_noise < 1.0 / 128.0 + 1e-7))
    with pytest.raises(ValueError, match="uint8"):
        data.preprocess(images.astype(np.float32), 0)


def test_make_dataset_batches_with_fresh_noise_each_epoch():
    dataset = data.make_dataset("builtin", batch_size=8, limit=8, seed=3, shuffle=False)
    batches = list(dataset.take(3))
    images, labels = batches[0]
    assert images.shape == (8, 32, 32, 3) and images.dtype == tf.float32
    assert labels.shape == (8,) and labels.dtype == tf.int32
    raw, raw_labels = data.load_arrays("builtin", limit=8, seed=3)
    np.testing.assert_array_equal(labels.numpy(), raw_labels)
    base = raw.astype(np.float32) / 128.0 - 1.0
    for epoch_images, _ in batches:  # every epoch is the same 8 images ...
        noise = epoch_images.numpy() - base
        assert noise.min() >= -1e-6 and noise.max() < 1.0 / 128.0 + 1e-6
    # ... with new noise each time.
    assert not np.array_equal(batches[0][0].numpy(), batches[1][0].numpy())
    again = list(data.make_dataset("builtin", batch_size=8, limit=8, seed=3, shuffle=False).take(3))
    for (a, _), (b, _) in zip(batches, again, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_make_dataset_shuffles_each_epoch_and_finite_mode_keeps_the_tail():
    dataset = data.make_dataset("builtin", batch_size=10, limit=10, seed=0)
    first, second = (labels.numpy() for _, labels in dataset.take(2))
    assert sorted(first) == sorted(second) == sorted(data.load_arrays("builtin", limit=10)[1])
    assert not np.array_equal(first, second)
    finite = data.make_dataset("builtin", batch_size=4, limit=10, repeat=False, shuffle=False)
    assert [len(labels) for _, labels in finite] == [4, 4, 2]


def test_make_dataset_from_npz(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, x=np.full((6, 16, 16, 3), 255, np.uint8), y=np.arange(6) % 2)
    dataset = data.make_dataset("npz", data_dir=str(path), batch_size=3, image_size=8)
    images, labels = next(iter(dataset))
    assert images.shape == (3, 8, 8, 3)
    assert np.all(images.numpy() >= 127 / 128 - 1e-6) and np.all(images.numpy() <= 1.0)
    with pytest.raises(ValueError, match="batch_size"):
        data.make_dataset("npz", data_dir=str(path), batch_size=0)
