"""Inception Score and Frechet Inception Distance, with a pluggable image classifier.

The formulas follow the field's conventions (docs/agan.md#conventions-of-the-field):
IS is exp(E_x KL(p(y|x) || p(y))) averaged over splits of the samples (mean and std across splits);
FID is computed as in TF-GAN, in float64 with unbiased covariances, and the trace of the matrix
square root taken through symmetric eigendecompositions.

A `Classifier` maps images in [-1, 1] to (class probabilities, pool features). Two are provided:
`InceptionV3Classifier` (Keras ImageNet weights, read from the Keras cache, never downloaded) here, and
a small classifier trained on the dataset itself in `agan.classifier`.
"""
import abc
import os
import pathlib

import numpy as np
from threadpoolctl import threadpool_limits
from tqdm import tqdm

# Paper section 4.2: "Inception Score is then calculated based on 50,000 generated samples divided
# into 10 groups."
DEFAULT_SPLITS = 10

INCEPTION_WEIGHTS_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels.h5"
INCEPTION_WEIGHTS_URL = (
    "https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/"
    + INCEPTION_WEIGHTS_FILE
)
NOT_COMPARABLE_NOTE = (
    "not comparable to published scores: those use the 2015 Inception graph (1008 classes, "
    "pool_3 features); this classifier differs"
)


def inception_score(probs, splits=DEFAULT_SPLITS):
    """Inception Score of class probabilities.

    Args:
      probs: [N, K] array of class probabilities (rows non-negative, summing to 1).
      splits: number of equal groups the N samples are split into (the last N % splits samples are
        dropped so that groups have equal size); 1 <= splits <= N.

    Returns:
      (mean, std) of exp(mean_x KL(p(y|x) || p(y))) over the splits, as Python floats. The score
      lies in [1, K]: 1 when every sample has the same distribution, K when samples are confidently
      and evenly spread over the K classes.
    """
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim != 2 or probs.shape[0] == 0:
        raise ValueError(f"probs: expected a non-empty [N, K] array, got shape {probs.shape}")
    if not 1 <= splits <= probs.shape[0]:
        raise ValueError(f"splits: expected 1..{probs.shape[0]} (the sample count), got {splits}")
    if np.any(probs < 0) or not np.allclose(probs.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError("probs: rows must be non-negative and sum to 1 (softmax outputs)")
    size = probs.shape[0] // splits
    scores = []
    for i in range(splits):
        part = probs[i * size:(i + 1) * size]
        marginal = part.mean(axis=0, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(part > 0, part * (np.log(part) - np.log(marginal)), 0.0)
        scores.append(np.exp(terms.sum(axis=1).mean()))
    return float(np.mean(scores)), float(np.std(scores))


def _symmetric_sqrt(matrix):
    """Square root of a symmetric positive semi-definite matrix (negative eigenvalues clipped)."""
    values, vectors = np.linalg.eigh(matrix)
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def trace_sqrt_product(sigma1, sigma2):
    """tr(sqrt(sigma1 @ sigma2)) for symmetric PSD matrices, as a float.

    Uses tr sqrt(A B) = sum sqrt(eig(sqrt(A) B sqrt(A))), where sqrt(A) B sqrt(A) is symmetric.
    """
    root = _symmetric_sqrt(sigma1)
    inner = root @ sigma2 @ root
    eigenvalues = np.linalg.eigvalsh((inner + inner.T) / 2)
    return float(np.sqrt(np.clip(eigenvalues, 0.0, None)).sum())


def frechet_distance(mu1, sigma1, mu2, sigma2):
    """Frechet distance between Gaussians N(mu1, sigma1) and N(mu2, sigma2) (float64).

    Args:
      mu1, mu2: [D] means. sigma1, sigma2: [D, D] symmetric PSD covariances.

    Returns:
      |mu1 - mu2|^2 + tr(sigma1) + tr(sigma2) - 2 tr(sqrt(sigma1 sigma2)), a float >= 0 up to
      rounding.
    """
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    sigma1, sigma2 = np.asarray(sigma1, np.float64), np.asarray(sigma2, np.float64)
    if mu1.shape != mu2.shape or mu1.ndim != 1:
        raise ValueError(f"means: expected two [D] vectors, got {mu1.shape} and {mu2.shape}")
    expected = (mu1.shape[0], mu1.shape[0])
    if sigma1.shape != expected or sigma2.shape != expected:
        raise ValueError(
            f"covariances: expected {expected}, got {sigma1.shape} and {sigma2.shape}"
        )
    diff = mu1 - mu2
    return float(
        diff @ diff + np.trace(sigma1) + np.trace(sigma2)
        - 2.0 * trace_sqrt_product(sigma1, sigma2)
    )


def fid(features_a, features_b):
    """Frechet Inception Distance between two sets of pool features.

    Args:
      features_a, features_b: [N, D] and [M, D] arrays (N, M >= 2) of classifier pool features.

    Returns:
      The Frechet distance of the Gaussians fitted to each set (means, unbiased covariances), float.
    """
    # One BLAS thread: at a search's feature sizes the threads' start-up and spinning cost far
    # more CPU time than they save (docs/benchmarks.md#child-fixed-cost).
    with threadpool_limits(1, user_api="blas"):
        return _fid(features_a, features_b)


def _fid(features_a, features_b):
    stats = []
    for name, features in (("features_a", features_a), ("features_b", features_b)):
        features = np.asarray(features, dtype=np.float64)
        if features.ndim != 2 or features.shape[0] < 2:
            raise ValueError(f"{name}: expected [N >= 2, D] features, got shape {features.shape}")
        stats.append((features.mean(axis=0), np.cov(features, rowvar=False, ddof=1)))
    if stats[0][0].shape != stats[1][0].shape:
        raise ValueError(
            f"features: dimensions differ ({stats[0][0].shape[0]} vs {stats[1][0].shape[0]})"
        )
    (mu1, sigma1), (mu2, sigma2) = stats
    return frechet_distance(mu1, np.atleast_2d(sigma1), mu2, np.atleast_2d(sigma2))


class Classifier(abc.ABC):
    """Maps images in [-1, 1] to class probabilities and pool features.

    Attributes:
      name: short description, printed with every score.
      comparable_to_published: True only for the exact network published scores were computed with
        (none here: see NOT_COMPARABLE_NOTE).
    """

    name = "classifier"
    comparable_to_published = False

    @abc.abstractmethod
    def predict(self, images):
        """Args: images float32 [B, H, W, 3] in [-1, 1].

        Returns: (probs float64 [B, K] softmax rows, features float64 [B, D] pool features).
        """

    def note(self):
        """A sentence to print beside any score computed with this classifier."""
        if self.comparable_to_published:
            return f"scores from {self.name}"
        return f"scores from {self.name}: {NOT_COMPARABLE_NOTE}"


def classify(classifier, batches, total=None, desc="classifying"):
    """Runs `classifier` over an iterable of image batches ([B, H, W, 3] in [-1, 1]).

    Returns: (probs [N, K], features [N, D]) float64, concatenated over the batches.
    """
    probs, features = [], []
    for images in tqdm(batches, total=total, desc=desc, unit="batch", leave=False):
        p, f = classifier.predict(np.asarray(images, dtype=np.float32))
        probs.append(p)
        features.append(f)
    if not probs:
        raise ValueError("classify: no image batches given")
    return np.concatenate(probs).astype(np.float64), np.concatenate(features).astype(np.float64)


def real_data_inception_score(classifier, images, splits=DEFAULT_SPLITS, batch_size=500):
    """Inception Score of real images under `classifier` (the IS_max of the paper's reward, 4.2).

    Args:
      images: [N, H, W, 3] array, uint8 in [0, 255] or float in [-1, 1].

    Returns: (mean, std) as in `inception_score`.
    """
    images = np.asarray(images)
    if images.dtype == np.uint8:
        images = images.astype(np.float32) / 127.5 - 1.0
    batches = (images[i:i + batch_size] for i in range(0, len(images), batch_size))
    probs, _ = classify(classifier, batches, total=-(-len(images) // batch_size), desc="real IS")
    return inception_score(probs, splits=splits)


def default_inception_weights_path():
    """Where Keras caches the InceptionV3 ImageNet weights ($KERAS_HOME or ~/.keras, models/)."""
    keras_home = os.environ.get("KERAS_HOME", os.path.join(os.path.expanduser("~"), ".keras"))
    return pathlib.Path(keras_home) / "models" / INCEPTION_WEIGHTS_FILE


class InceptionV3Classifier(Classifier):
    """Keras InceptionV3 with ImageNet weights (1000 classes, 2048-d average-pool features).

    Images are resized (bilinear) to 299x299; Inception expects [-1, 1] inputs, so no other scaling.
    The weights are read from `weights_path` (default: the Keras cache) and never downloaded.
    """

    name = "Keras InceptionV3 (ImageNet, 1000 classes)"
    comparable_to_published = False
    INPUT_SIZE = 299

    def __init__(self, weights_path=None, batch_size=100):
        import keras

        path = pathlib.Path(weights_path or default_inception_weights_path())
        if not path.is_file():
            raise FileNotFoundError(
                f"InceptionV3 weights not found at {path}. This machine does not download them: "
                f"fetch {INCEPTION_WEIGHTS_URL} and put it at {path} (or pass its path), or use the "
                "dataset classifier (--classifier=dataset)."
            )
        model = keras.applications.InceptionV3(weights=None, include_top=True)
        model.load_weights(str(path))
        self._model = keras.Model(
            model.inputs, [model.get_layer("predictions").output, model.get_layer("avg_pool").output]
        )
        self._batch_size = batch_size

    def predict(self, images):
        import tensorflow as tf

        resized = tf.image.resize(images, (self.INPUT_SIZE, self.INPUT_SIZE), method="bilinear")
        probs, features = self._model.predict(resized, batch_size=self._batch_size, verbose=0)
        return np.asarray(probs, np.float64), np.asarray(features, np.float64)
