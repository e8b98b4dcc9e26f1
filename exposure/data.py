"""The Exposure training data, prepared as the authors' code does (docs/exposure.md#training-data).

Each photo becomes `CROPS_PER_IMAGE` random square crops of side min(H, W), each area-resized to
`PATCH_SIZE` x `PATCH_SIZE`; training batches are random `CROP_SIZE` crops of those patches with
random horizontal flips. Input photos are linear RGB (`read_linear`), target photos sRGB-encoded
(`read_srgb`). Decoded patches are cached on disk (exposure.cache), keyed by file content.
Only `training_dataset` imports TensorFlow: the evaluation reads photos and patches without it.
"""
import dataclasses
import logging
import pathlib

import numpy as np
from tqdm import tqdm

from exposure.cache import ArrayCache, cache_key, file_digest
from exposure.image_io import (
    DEFAULT_MIN_SIZE,
    SUPPORTED_EXTENSIONS,
    TIFF_ENCODINGS,
    ImageReadError,
    list_images,
    read_linear,
    read_srgb,
)

CROPS_PER_IMAGE = 4  # Exposure code (docs/exposure.md#training-data): 4 random square crops per image
PATCH_SIZE = 80  # Exposure code (docs/exposure.md#training-data): crops resized to 80x80 (area)
CROP_SIZE = 64  # Exposure paper, section 4.1: filters are estimated on a 64x64 version
BATCH_SIZE = 64  # Exposure paper, Algorithm 1 (section 5.3): batch size b = 64
KINDS = ("input", "target")

_log = logging.getLogger(__name__)


def _area_weights(n_in, n_out):
    """[n_out, n_in] float64 weights: row i holds the overlap of output cell i (width n_in / n_out
    input pixels) with each input pixel, normalized to sum to 1."""
    edges = np.arange(n_out + 1) * (n_in / n_out)
    cells = np.arange(n_in)[None, :]
    overlap = np.minimum(edges[1:, None], cells + 1) - np.maximum(edges[:-1, None], cells)
    overlap = np.clip(overlap, 0.0, None)
    return overlap / overlap.sum(axis=1, keepdims=True)


def area_resize(image, size):
    """Resizes [H, W, C] float values to [size, size, C] by exact area averaging: each output
    pixel is the mean of the input over its footprint, fractional pixels weighted by their covered
    area (any scale factor, either direction). Returns float32."""
    image = np.asarray(image, dtype=np.float32)
    rows = _area_weights(image.shape[0], size).astype(np.float32)
    cols = _area_weights(image.shape[1], size).astype(np.float32)
    reduced = np.tensordot(rows, image, axes=(1, 0))  # [size, W, C]
    return np.ascontiguousarray(np.tensordot(reduced, cols, axes=(1, 1)).transpose(0, 2, 1))


def random_square_patches(image, rng, *, count=CROPS_PER_IMAGE, size=PATCH_SIZE):
    """`count` random square crops of side min(H, W) of an [H, W, 3] image, each area-resized.

    Args:
      image: float [H, W, 3].
      rng: numpy Generator choosing the crop positions.

    Returns:
      float32 [count, size, size, 3] with the image's value range.
    """
    height, width = image.shape[:2]
    side = min(height, width)
    patches = []
    for _ in range(count):
        top = int(rng.integers(0, height - side + 1))
        left = int(rng.integers(0, width - side + 1))
        patches.append(area_resize(image[top:top + side, left:left + side], size))
    return np.stack(patches)


@dataclasses.dataclass
class CollectionReport:
    """What `load_collection` did: images loaded (from the cache or decoded), and images skipped
    with the reason. `ignored` are files in the folder that are not images by extension."""
    folder: pathlib.Path
    kind: str
    loaded: int = 0
    from_cache: int = 0
    skipped: list = dataclasses.field(default_factory=list)  # [(pathlib.Path, reason str)]
    ignored: list = dataclasses.field(default_factory=list)  # [pathlib.Path]

    def summary(self):
        return (f"{self.folder} ({self.kind}): {self.loaded} images loaded "
                f"({self.from_cache} from cache), {len(self.skipped)} skipped, "
                f"{len(self.ignored)} non-image files ignored")


def _patches_for(path, reader, cache, params, seed, digest):
    """Returns (patches, from_cache) for one file."""
    key = cache_key(digest, **params)
    cached = cache.load(key)
    expected = (CROPS_PER_IMAGE, PATCH_SIZE, PATCH_SIZE, 3)
    if cached is not None and cached.shape == expected and cached.dtype == np.float32:
        return cached, True
    # Crop positions depend on the seed and the content only, not on the file's place in a folder.
    rng = np.random.default_rng([seed, int(digest[:16], 16)])
    patches = random_square_patches(reader(path), rng)
    cache.save(key, patches)
    return patches, False


def load_collection(folder, *, kind="input", cache_dir=None, seed=0, tiff_encoding="srgb",
                    min_size=DEFAULT_MIN_SIZE, progress=True):
    """Loads every image in a folder (recursively) as training patches.

    Args:
      folder: folder of RAW/TIFF/PNG/JPEG photos.
      kind: "input" (linear RGB via read_linear) or "target" (sRGB-encoded via read_srgb).
      cache_dir: folder of the patch cache; None means exposure.cache.default_cache_dir().
      seed: seed of the random crop positions.
      tiff_encoding: encoding of 16-bit TIFF/PNG inputs (see read_linear); unused for targets.
      min_size: smallest side in pixels a photo may have.
      progress: show a tqdm progress bar.

    Returns:
      (patches float32 [N * 4, 80, 80, 3] in [0, 1], CollectionReport). Unreadable files are
      skipped with a logged warning naming each and listed in `report.skipped`.

    Raises:
      ValueError: bad `kind` or `tiff_encoding`.
      FileNotFoundError / ImageReadError: missing folder, a folder with no images, or a folder
        where no image could be read (the message gives the first reasons).
    """
    if kind not in KINDS:
        raise ValueError(f"kind={kind!r}; expected one of {KINDS}")
    if tiff_encoding not in TIFF_ENCODINGS:
        raise ValueError(f"tiff_encoding={tiff_encoding!r}; expected one of {TIFF_ENCODINGS}")
    if kind == "input":
        def reader(path):
            return read_linear(path, tiff_encoding=tiff_encoding, min_size=min_size)
        params = {"kind": kind, "tiff_encoding": tiff_encoding}
    else:
        def reader(path):
            return read_srgb(path, min_size=min_size)
        params = {"kind": kind}
    params.update(seed=seed, min_size=min_size, crops=CROPS_PER_IMAGE, size=PATCH_SIZE)

    folder = pathlib.Path(folder)
    paths, ignored = list_images(folder, SUPPORTED_EXTENSIONS)
    report = CollectionReport(folder=folder, kind=kind, ignored=ignored)
    cache = ArrayCache(cache_dir)
    all_patches = []
    for path in tqdm(paths, desc=f"{kind} images", unit="img", disable=not progress):
        try:
            patches, hit = _patches_for(path, reader, cache, params, seed, file_digest(path))
        except (ImageReadError, OSError) as e:
            _log.warning("skipping %s: %s", path, getattr(e, "problem", e))
            report.skipped.append((path, str(getattr(e, "problem", e))))
            continue
        all_patches.append(patches)
        report.loaded += 1
        report.from_cache += hit
    if not all_patches:
        reasons = "; ".join(f"{p.name}: {r}" for p, r in report.skipped[:3])
        raise ImageReadError(folder, f"none of its {len(paths)} images could be read ({reasons})")
    _log.info(report.summary())
    return np.concatenate(all_patches), report


def training_dataset(patches, *, batch_size=BATCH_SIZE, seed=0):
    """An endless, shuffled tf.data.Dataset of augmented training batches.

    Args:
      patches: float32 [N, 80, 80, 3] from load_collection.
      batch_size: images per batch.
      seed: seed of shuffling, crop positions and flips (same seed, same stream).

    Returns:
      tf.data.Dataset of float32 [batch_size, 64, 64, 3]: random 64x64 crops of the patches,
      each flipped left-right with probability 1/2; reshuffled every pass over the patches.
    """
    import tensorflow as tf

    patches = np.asarray(patches, dtype=np.float32)
    if patches.ndim != 4 or patches.shape[3] != 3 or min(patches.shape[1:3]) < CROP_SIZE:
        raise ValueError(
            f"patches have shape {patches.shape}; expected [N, H, W, 3] with H, W >= {CROP_SIZE}"
        )
    if len(patches) == 0:
        raise ValueError("patches is empty; expected at least one patch")

    def augment(patch, op_seeds):
        crop = tf.image.stateless_random_crop(patch, (CROP_SIZE, CROP_SIZE, 3), op_seeds[0])
        return tf.image.stateless_random_flip_left_right(crop, op_seeds[1])

    images = (tf.data.Dataset.from_tensor_slices(patches)
              .shuffle(len(patches), seed=seed, reshuffle_each_iteration=True)
              .repeat())
    op_seeds = tf.data.Dataset.random(seed=seed).batch(4).map(lambda s: tf.reshape(s, (2, 2)))
    return (tf.data.Dataset.zip(images, op_seeds)
            .map(augment, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
            .batch(batch_size, drop_remainder=True)
            .prefetch(tf.data.AUTOTUNE))
