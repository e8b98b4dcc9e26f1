"""Sample grids: a batch of images tiled into one PNG."""
import math

import numpy as np
from PIL import Image

from mobile.atomic import atomic_output


def to_uint8(images):
    """Float images in [-1, 1] (any shape ending in 3) -> uint8 in [0, 255], values clipped."""
    images = np.asarray(images, dtype=np.float32)
    return np.clip(np.round((images + 1.0) * 127.5), 0, 255).astype(np.uint8)


def tile(images, columns=None, padding=1):
    """Tiles uint8 images [N, H, W, 3] into one [rows*(H+p)+p, columns*(W+p)+p, 3] uint8 array.

    `columns` defaults to ceil(sqrt(N)); empty cells and the padding are black.
    """
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 3 or images.dtype != np.uint8:
        raise ValueError(f"images: expected uint8 [N, H, W, 3], got {images.dtype} {images.shape}")
    count, height, width, _ = images.shape
    columns = columns or max(1, math.ceil(math.sqrt(count)))
    rows = max(1, math.ceil(count / columns))
    grid = np.zeros(
        (rows * (height + padding) + padding, columns * (width + padding) + padding, 3), np.uint8
    )
    for i, image in enumerate(images):
        top = padding + (i // columns) * (height + padding)
        left = padding + (i % columns) * (width + padding)
        grid[top:top + height, left:left + width] = image
    return grid


def save_png(path, images, columns=None):
    """Writes images (float in [-1, 1] or uint8, [N, H, W, 3]) as one grid PNG at `path`, atomically.

    Returns the grid as a uint8 [rows, cols, 3] array.
    """
    images = np.asarray(images)
    grid = tile(images if images.dtype == np.uint8 else to_uint8(images), columns)
    with atomic_output(path, make_folder=True) as temporary:
        Image.fromarray(grid).save(temporary, format="PNG")
    return grid
