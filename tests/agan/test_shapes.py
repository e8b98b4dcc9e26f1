import keras
import numpy as np
import pytest

from agan import shapes


def test_shapes_and_dtypes():
    images, labels = shapes.generate(20, seed=3)
    assert images.shape == (20, 32, 32, 3) and images.dtype == np.uint8
    assert labels.shape == (20,) and labels.dtype == np.int32
    assert set(labels) <= set(range(len(shapes.SHAPE_NAMES)))


def test_sample_is_a_pure_function_of_seed_and_index():
    images, labels = shapes.generate(30, seed=7)
    again, again_labels = shapes.generate(30, seed=7)
    np.testing.assert_array_equal(images, again)
    np.testing.assert_array_equal(labels, again_labels)
    # Sample 23 alone, and inside a batch starting elsewhere, is the same sample.
    alone, alone_label = shapes.render([23], seed=7)
    np.testing.assert_array_equal(alone[0], images[23])
    assert alone_label[0] == labels[23]
    shifted, _ = shapes.generate(10, seed=7, start=20)
    np.testing.assert_array_equal(shifted[:10], images[20:30])


def test_seeds_and_indices_give_different_images():
    a, _ = shapes.generate(50, seed=0)
    b, _ = shapes.generate(50, seed=1)
    assert np.mean(np.any(a != b, axis=(1, 2, 3))) == 1.0
    flat = a.reshape(len(a), -1)
    assert len(np.unique(flat, axis=0)) == len(a)


def test_labels_balanced_in_every_block_of_ten():
    labels = shapes.labels_for(np.arange(1000), seed=5)
    for block in labels.reshape(-1, 10):
        assert sorted(block) == list(range(10))
    # ... but the order inside blocks is not a fixed cycle.
    assert len({tuple(block) for block in labels.reshape(-1, 10)}) > 50


def test_variety_across_samples_and_classes():
    images, labels = shapes.generate(1000, seed=0)
    pixels = images.astype(np.float32)
    assert pixels.std(axis=0).mean() > 40.0  # each pixel varies a lot across samples
    assert pixels.mean(axis=(1, 2)).std(axis=0).min() > 20.0  # mean colours vary
    class_means = np.stack([pixels[labels == k].mean(axis=0) for k in range(10)])
    assert class_means.std(axis=0).mean() < 20.0  # no class is told apart by a fixed colour layout
    # Anti-aliased edges: many pixels lie strictly between background and shape colours, so the
    # number of distinct values per image is large even on the flattest backgrounds.
    assert np.median([len(np.unique(image.reshape(-1, 3), axis=0)) for image in images]) > 300


def test_negative_index_is_refused():
    with pytest.raises(ValueError, match="non-negative"):
        shapes.render([-1])


def test_small_convnet_tells_classes_apart_on_held_out_samples():
    keras.utils.set_random_seed(0)
    train_x, train_y = shapes.generate(2000, seed=0)
    test_x, test_y = shapes.generate(500, seed=0, start=10_000)
    model = keras.Sequential([
        keras.Input((32, 32, 3)),
        keras.layers.Rescaling(1 / 127.5, offset=-1),
        keras.layers.Conv2D(16, 3, activation="relu", padding="same"),
        keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(32, 3, activation="relu", padding="same"),
        keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(32, 3, activation="relu", padding="same"),
        keras.layers.GlobalMaxPooling2D(),
        keras.layers.Dense(10),
    ])
    model.compile(optimizer=keras.optimizers.Adam(3e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    model.fit(train_x, train_y, batch_size=64, epochs=4, verbose=0)
    _, accuracy = model.evaluate(test_x, test_y, verbose=0)
    print(f"held-out accuracy {accuracy:.3f}")
    assert accuracy > 0.4, f"held-out accuracy {accuracy:.3f} (chance is 0.1)"
