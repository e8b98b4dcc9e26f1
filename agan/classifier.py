"""A small CNN classifier trained once on an AGAN dataset, cached on disk, used for IS and FID.

For data without a published Inception network (the built-in shapes, a folder of images) the
Inception Score and FID are computed with this classifier instead: its softmax gives p(y|x) and its
penultimate layer gives the pool features. Scores are only comparable between runs that use the same
cached classifier (same dataset, sample count, epochs and seed).
"""
import dataclasses
import hashlib
import json
import os
import pathlib
import time

import numpy as np

from agan import metrics
from mobile.atomic import atomic_output, write_json_atomically

# 2: a fourth conv block and Adam with a cosine-decayed learning rate (1: three blocks, 0.001)
FORMAT_VERSION = 2
FEATURE_LAYER = "pool_features"
# Small on purpose: trained once per dataset on a few CPU cores in well under a minute. Each width
# but the last is followed by 2x2 max pooling; the last block works at 1/8 of the image size.
CONV_WIDTHS = (16, 32, 64, 128)


@dataclasses.dataclass(frozen=True)
class ClassifierSettings:
    """What the cached classifier is trained on and how; every field is part of the cache key.

    num_samples: training images drawn from the dataset's train split (plus 10% held out).
    epochs: passes over them. learning_rate: Adam's at the start, decayed to 0 along a cosine.
    feature_dim: width of the pool-feature layer.
    """

    dataset: str = "builtin"
    data_dir: str | None = None
    num_samples: int = 10000
    epochs: int = 5
    batch_size: int = 64
    learning_rate: float = 0.003
    feature_dim: int = 128
    seed: int = 0

    def cache_key(self):
        """A file-name-safe string naming these settings."""
        where = ""
        if self.data_dir:
            digest = hashlib.sha1(str(pathlib.Path(self.data_dir).resolve()).encode()).hexdigest()
            where = f"-d{digest[:8]}"
        return (
            f"{self.dataset}{where}-n{self.num_samples}-e{self.epochs}-b{self.batch_size}"
            f"-lr{self.learning_rate:g}-f{self.feature_dim}-s{self.seed}-v{FORMAT_VERSION}"
        )


def default_cache_dir():
    """$AGAN_CACHE_DIR, else ~/.cache/agan/classifiers."""
    root = os.environ.get("AGAN_CACHE_DIR")
    if root:
        return pathlib.Path(root)
    return pathlib.Path(os.path.expanduser("~")) / ".cache" / "agan" / "classifiers"


def build_model(image_size, num_classes, feature_dim=128):
    """A small conv net: images [B, S, S, 3] in [-1, 1] -> softmax over `num_classes`.

    Conv3x3-BN-ReLU blocks (CONV_WIDTHS), all but the last followed by 2x2 max pooling, global
    average pooling, a dense layer.

    The layer named FEATURE_LAYER ([B, feature_dim], after ReLU) gives the pool features.
    """
    import keras

    inputs = keras.Input((image_size, image_size, 3))
    x = inputs
    for index, width in enumerate(CONV_WIDTHS):
        x = keras.layers.Conv2D(width, 3, padding="same", use_bias=False)(x)
        x = keras.layers.BatchNormalization(momentum=0.9)(x)
        x = keras.layers.ReLU()(x)
        if index < len(CONV_WIDTHS) - 1:
            x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dense(feature_dim, activation="relu", name=FEATURE_LAYER)(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="probs")(x)
    return keras.Model(inputs, outputs, name="dataset_classifier")


def train_model(images, labels, *, epochs=5, batch_size=64, learning_rate=0.003, feature_dim=128,
                seed=0, holdout_fraction=0.1, verbose=0):
    """Trains `build_model` on uint8 images [N, S, S, 3] and int labels [N] (0..K-1) with Adam,
    its learning rate decayed from `learning_rate` to 0 along a cosine over the training steps.

    Returns: (keras model, held-out accuracy in [0, 1]); the last `holdout_fraction` of the samples
    are held out.
    """
    import keras

    images = np.asarray(images)
    labels = np.asarray(labels)
    if images.ndim != 4 or images.shape[-1] != 3 or images.shape[1] != images.shape[2]:
        raise ValueError(f"images: expected [N, S, S, 3], got shape {images.shape}")
    if labels.shape != (images.shape[0],) or labels.min() < 0:
        raise ValueError(f"labels: expected [N] non-negative ints, got shape {labels.shape}")
    num_classes = int(labels.max()) + 1
    if num_classes < 2:
        raise ValueError("labels: the dataset has a single class; a classifier needs at least two")
    x = images.astype(np.float32) / 127.5 - 1.0
    held = max(1, int(len(x) * holdout_fraction))
    keras.utils.set_random_seed(seed)
    model = build_model(images.shape[1], num_classes, feature_dim)
    steps = epochs * -(-(len(x) - held) // batch_size)
    model.compile(
        optimizer=keras.optimizers.Adam(
            keras.optimizers.schedules.CosineDecay(learning_rate, steps)),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(x[:-held], labels[:-held], epochs=epochs, batch_size=batch_size, verbose=verbose)
    _, accuracy = model.evaluate(x[-held:], labels[-held:], batch_size=256, verbose=0)
    return model, float(accuracy)


class DatasetClassifier(metrics.Classifier):
    """A trained `build_model` network as a `metrics.Classifier`."""

    comparable_to_published = False

    def __init__(self, model, name="small CNN", batch_size=500):
        import keras

        self.name = name
        self._model = keras.Model(
            model.inputs, [model.output, model.get_layer(FEATURE_LAYER).output]
        )
        self._batch_size = batch_size
        self.num_classes = int(model.output.shape[-1])
        self.image_size = int(model.inputs[0].shape[1])

    def predict(self, images):
        images = np.asarray(images, np.float32)
        if images.ndim != 4 or images.shape[1:] != (self.image_size, self.image_size, 3):
            raise ValueError(
                f"images: expected [B, {self.image_size}, {self.image_size}, 3], "
                f"got {images.shape}"
            )
        probs, features = self._model.predict(images, batch_size=self._batch_size, verbose=0)
        return np.asarray(probs, np.float64), np.asarray(features, np.float64)


def load_or_train(settings=None, cache_dir=None, verbose=0):
    """The classifier for `settings`, trained on first use and then loaded from `cache_dir`.

    The model is stored as `<cache_dir>/<settings.cache_key()>.keras` with a `.json` beside it
    (settings, held-out accuracy, wall seconds of rendering and training); both are written
    atomically.

    Returns: a DatasetClassifier; `.info` holds the stored JSON (including "holdout_accuracy").
    """
    import keras

    from agan import data

    settings = settings or ClassifierSettings()
    cache_dir = pathlib.Path(cache_dir or default_cache_dir())
    model_path = cache_dir / f"{settings.cache_key()}.keras"
    info_path = cache_dir / f"{settings.cache_key()}.json"
    if model_path.is_file() and info_path.is_file():
        model = keras.models.load_model(model_path, compile=False)
        info = json.loads(info_path.read_text())
    else:
        started = time.perf_counter()
        holdout = max(1, settings.num_samples // 9)
        images, labels = data.load_arrays(
            settings.dataset, data_dir=settings.data_dir, split="train",
            limit=settings.num_samples + holdout, seed=settings.seed,
        )
        model, accuracy = train_model(
            images, labels, epochs=settings.epochs, batch_size=settings.batch_size,
            learning_rate=settings.learning_rate, feature_dim=settings.feature_dim, seed=settings.seed,
            holdout_fraction=holdout / len(images), verbose=verbose,
        )
        info = {
            "settings": dataclasses.asdict(settings),
            "holdout_accuracy": accuracy,
            "train_samples": len(images) - holdout,
            "holdout_samples": holdout,
            "train_seconds": round(time.perf_counter() - started, 1),
        }
        with atomic_output(model_path, make_folder=True) as temporary:
            model.save(temporary)
        write_json_atomically(info_path, info)
    classifier = DatasetClassifier(model, name=f"small CNN trained on {settings.dataset}")
    classifier.info = info
    return classifier

