"""AGAN datasets: uint8 arrays from every source, and tf.data pipelines preprocessed as the paper says.

Sources (``name``): "builtin" (default, rendered shapes, no download), "cifar10", "stl10", "folder"
(``data_dir`` is the image folder) and "npz" (``data_dir`` is the .npz file).
Preprocessing (AGAN section 4.1, following SN-GAN): ``x / 128 - 1`` maps uint8 to [-1, 127/128],
then uniform noise in [0, 1/128) is added, fresh for every batch and epoch. Only the tf.data
functions import TensorFlow: the arrays (agan_make_data) are read and written without it.
"""
import numpy as np

from agan import cifar10, image_folder, npz_arrays, shapes, stl10
from agan.subset import subset_indices

DATASETS = ("builtin", "cifar10", "stl10", "folder", "npz")
# Image side in pixels; None: whatever the data holds, or the image_size argument.
IMAGE_SIZES = {
    "builtin": shapes.IMAGE_SIZE,
    "cifar10": cifar10.IMAGE_SIZE,  # AGAN section 4.1
    "stl10": stl10.IMAGE_SIZE,  # resized from 96, AGAN section 4.4
    "folder": None,
    "npz": None,
}
SPLITS = {
    "builtin": ("train", "test"),
    "cifar10": tuple(cifar10.SPLITS),
    "stl10": tuple(stl10.SPLITS),
    "folder": ("train",),
    "npz": ("train",),
}
BUILTIN_SIZES = {"train": 50_000, "test": 10_000}  # default counts, as CIFAR-10's splits
BUILTIN_TEST_START = 1 << 40  # builtin "test" samples are indices from here: disjoint from "train"
PIXEL_SCALE = 128.0  # x / 128 - 1 (AGAN section 4.1)
NOISE_WIDTH = 1.0 / 128.0  # noise ~ U(0, 1/128) (AGAN section 4.1)


def _check(name, split, data_dir):
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    if split not in SPLITS[name]:
        raise ValueError(f"dataset {name!r} has splits {SPLITS[name]}, got split={split!r}")
    if name in ("folder", "npz") and data_dir is None:
        what = "the image folder" if name == "folder" else "the .npz file"
        raise ValueError(f"dataset {name!r} needs data_dir ({what})")


def load_arrays(name="builtin", *, data_dir=None, split="train", limit=None, seed=0,
                image_size=None, progress=False, skipped=None):
    """Loads a dataset as (images uint8 [N, H, W, 3] RGB, labels int32 [N]).

    ``limit`` caps N: the builtin set renders samples 0..limit-1 of stream ``seed`` (default counts
    in BUILTIN_SIZES); the others take a subset chosen by ``seed``. ``image_size`` resizes folder
    and npz images (square, area interpolation) and overrides STL-10's 48. Labels are 0..K-1, or
    -1 for unlabeled images (STL-10 "unlabeled"). Missing files raise DatasetNotFoundError (a
    FileNotFoundError) whose message says what to download and where to put it. The folder
    source skips unreadable files, appending (path, reason) to the list ``skipped`` if given.
    """
    _check(name, split, data_dir)
    if name == "builtin":
        if image_size not in (None, shapes.IMAGE_SIZE):
            raise ValueError(f"the builtin dataset is {shapes.IMAGE_SIZE}x{shapes.IMAGE_SIZE}, "
                             f"got image_size={image_size}")
        count = BUILTIN_SIZES[split] if limit is None else limit
        if count < 1:
            raise ValueError(f"limit must be a positive number of examples or None, got {limit}")
        start = 0 if split == "train" else BUILTIN_TEST_START
        return shapes.generate(count, seed=seed, start=start, progress=progress)
    if name == "cifar10":
        if image_size not in (None, cifar10.IMAGE_SIZE):
            raise ValueError(f"CIFAR-10 is 32x32, got image_size={image_size}")
        images, labels = cifar10.load(data_dir, split)
        if limit is not None:
            chosen = subset_indices(len(images), limit, seed)
            images, labels = images[chosen], labels[chosen]
        return images, labels
    if name == "stl10":
        return stl10.load(data_dir, split, limit=limit, seed=seed,
                          image_size=image_size or stl10.IMAGE_SIZE, progress=progress)
    if name == "folder":
        return image_folder.load(data_dir, limit=limit, seed=seed, image_size=image_size,
                                 progress=progress, skipped=skipped)
    return npz_arrays.load(data_dir, limit=limit, seed=seed, image_size=image_size)


def class_names(name="builtin", *, data_dir=None):
    """The class names of a dataset, index = label."""
    _check(name, SPLITS.get(name, ("train",))[0], data_dir)
    readers = {"cifar10": cifar10.class_names, "stl10": stl10.class_names,
               "folder": image_folder.class_names, "npz": npz_arrays.class_names}
    if name == "builtin":
        return shapes.SHAPE_NAMES
    return readers[name](data_dir)


def preprocess(images, seed_or_generator):
    """Maps uint8 images [..., H, W, 3] to float32 ``x / 128 - 1 + U(0, 1/128)``.

    The result lies in [-1, 1] (1 only by float32 rounding). ``seed_or_generator``: an int
    (stateless, the same noise every call), a pair of ints (a stateless TF seed), or a
    ``tf.random.Generator`` or ``np.random.Generator`` (fresh noise each call). Returns a float32
    tf.Tensor of the input's shape.
    """
    import tensorflow as tf

    images = tf.convert_to_tensor(images)
    if images.dtype != tf.uint8:
        raise ValueError(f"preprocess expects uint8 images, got {images.dtype.name}")
    scaled = tf.cast(images, tf.float32) / PIXEL_SCALE - 1.0
    if isinstance(seed_or_generator, tf.random.Generator):
        noise = seed_or_generator.uniform(tf.shape(images), 0.0, NOISE_WIDTH, dtype=tf.float32)
    elif isinstance(seed_or_generator, np.random.Generator):
        noise = seed_or_generator.uniform(0.0, NOISE_WIDTH, images.shape).astype(np.float32)
    else:
        seed = tf.convert_to_tensor(seed_or_generator, dtype=tf.int64)
        seed = tf.stack([seed, tf.zeros_like(seed)]) if seed.shape.rank == 0 else seed
        noise = tf.random.stateless_uniform(tf.shape(images), seed, 0.0, NOISE_WIDTH)
    return scaled + noise


def make_dataset(name="builtin", *, data_dir=None, split="train", batch_size=64, seed=0,
                 shuffle=True, repeat=True, limit=None, image_size=None):
    """A tf.data pipeline of ``(images float32 [B, H, W, 3] in [-1, 1], labels int32 [B])``.

    Images are preprocessed by ``preprocess`` with noise seeded by (seed, batch number), so every
    batch of every epoch gets fresh noise and the whole stream is reproducible from ``seed``.
    With ``repeat`` the stream is endless and every batch is full; without, the last one may be
    smaller. ``shuffle`` reshuffles the examples each epoch.
    """
    import tensorflow as tf

    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    images, labels = load_arrays(name, data_dir=data_dir, split=split, limit=limit, seed=seed,
                                 image_size=image_size)
    dataset = tf.data.Dataset.from_tensor_slices((images, labels))
    if shuffle:
        dataset = dataset.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    if repeat:
        dataset = dataset.repeat()
    dataset = dataset.batch(batch_size, drop_remainder=repeat)
    noise_seeds = tf.data.Dataset.counter().map(lambda step: tf.stack([tf.cast(seed, tf.int64), step]))
    dataset = tf.data.Dataset.zip(dataset, noise_seeds)
    dataset = dataset.map(lambda batch, noise_seed: (preprocess(batch[0], noise_seed), batch[1]),
                          num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return dataset.prefetch(tf.data.AUTOTUNE)
