"""Reader for images stored as numpy arrays in an ``.npz`` file.

Images under key ``x`` (or ``images``): uint8 [N, H, W, 3] (or [N, H, W] / [N, H, W, 1] grayscale,
repeated to RGB). Labels under ``y`` (or ``labels``): N integers, optional (all zeros when absent).
"""
import pathlib
import zipfile

import numpy as np

from agan.dataset_files import DatasetFormatError, DatasetNotFoundError
from agan.resize import resize_area
from agan.subset import subset_indices

IMAGE_KEYS = ("x", "images")
LABEL_KEYS = ("y", "labels")


def _pick(arrays, keys, path, required):
    present = [key for key in keys if key in arrays.files]
    if len(present) > 1:
        raise DatasetFormatError(f"{path}: holds both {present}; keep one of them")
    if not present:
        if required:
            raise DatasetFormatError(f"{path}: no image array; expected a key in {list(keys)}, "
                                     f"found {arrays.files}")
        return None
    try:
        return arrays[present[0]]
    except ValueError as error:  # object arrays need pickle, which is refused
        raise DatasetFormatError(f"{path}: key {present[0]!r} is not a plain array ({error})") from error


def load(path, limit=None, seed=0, image_size=None):
    """Arrays of ``path`` as (uint8 [N, S, S, 3], int32 [N]); ``limit`` picks a subset by ``seed``.

    With ``image_size`` the images are area-resized to it; without, they must be square.
    """
    path = pathlib.Path(path).expanduser()
    if not path.is_file():
        raise DatasetNotFoundError(f"npz file {path} does not exist")
    try:
        arrays = np.load(path, allow_pickle=False)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        raise DatasetFormatError(f"{path}: not a readable .npz file ({error})") from error
    if not isinstance(arrays, np.lib.npyio.NpzFile):
        raise DatasetFormatError(f"{path}: a single .npy array, not an .npz archive of named arrays")
    with arrays:
        images = _pick(arrays, IMAGE_KEYS, path, required=True)
        labels = _pick(arrays, LABEL_KEYS, path, required=False)
    if images.dtype != np.uint8:
        raise DatasetFormatError(f"{path}: images must be uint8 (0..255), got {images.dtype}")
    if images.ndim == 3 or (images.ndim == 4 and images.shape[-1] == 1):
        images = np.repeat(images.reshape(images.shape[:3] + (1,)), 3, axis=-1)
    if images.ndim != 4 or images.shape[-1] != 3 or len(images) == 0:
        raise DatasetFormatError(f"{path}: images must be [N>0, H, W, 3] (RGB), got {images.shape}")
    if labels is None:
        labels = np.zeros(len(images), dtype=np.int32)
    if labels.shape != (len(images),) or not np.issubdtype(labels.dtype, np.integer):
        raise DatasetFormatError(
            f"{path}: labels must be {len(images)} integers, got {labels.dtype} {labels.shape}"
        )
    if labels.min() < 0 and labels.min() != -1:
        raise DatasetFormatError(f"{path}: labels must be >= 0 (or -1 for unlabeled)")
    if image_size is None and images.shape[1] != images.shape[2]:
        raise DatasetFormatError(f"{path}: images are {images.shape[1]}x{images.shape[2]}, not square; "
                                 f"pass image_size (--image_size) to resize them")
    chosen = subset_indices(len(images), limit, seed)
    images = images[chosen]
    if image_size is not None:
        images = resize_area(images, image_size)
    return np.ascontiguousarray(images), labels[chosen].astype(np.int32)


def class_names(path):
    """Names "0".."K-1" for the labels present in the file (K = largest label + 1)."""
    _, labels = load(path)
    return tuple(str(k) for k in range(int(labels.max()) + 1))
