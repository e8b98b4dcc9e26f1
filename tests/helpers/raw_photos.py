"""Bayer DNGs made from a real photo (`exposure.unprocess` + `exposure.dng`), for tests and
benchmarks that need a camera-like RAW of a given size."""
import numpy as np
from PIL import Image
from skimage import data as skimage_data

from exposure import unprocess
from exposure.dng import write_dng

_BAND_ROWS = 512  # rows unprocessed at a time: bounds the float64 temporaries of a 24 MP photo


def photo_srgb(width, height):
    """scikit-image's astronaut photo resized (bicubic) to float32 sRGB [height, width, 3]."""
    photo = Image.fromarray(skimage_data.astronaut()).resize((width, height), Image.BICUBIC)
    return np.asarray(photo, dtype=np.float32) / np.float32(255.0)


def write_photo_dng(path, width, height, *, seed=0, noise=True):
    """Writes the astronaut photo, unprocessed with camera parameters drawn from `seed`, as a
    `width` x `height` Bayer DNG (both even). `noise`: add the sensor noise of those parameters.

    Returns:
      float32 [height, width, 3], the linear sRGB scene the raw records (before noise and
      clipping): what a perfect demosaic with camera white balance develops back to.
    """
    rng = np.random.default_rng(seed)
    params = unprocess.sample_raw_params(rng)
    srgb = photo_srgb(width, height)
    cfa = np.empty((height, width), np.uint16)
    scene = np.empty((height, width, 3), np.float32)
    tags = None
    for top in range(0, height, _BAND_ROWS):
        band = unprocess.unprocess(srgb[top:top + _BAND_ROWS], params,
                                   rng=rng if noise else None)
        cfa[top:top + _BAND_ROWS], scene[top:top + _BAND_ROWS] = band.cfa, band.scene
        tags = band.dng_tags
    write_dng(path, cfa, **tags)
    return scene
