"""Real photo files for the Exposure data tests: a smooth linear image and its DNG."""
import numpy as np
from PIL import Image

from exposure.dng import write_dng

# XYZ (D65) -> linear sRGB (IEC 61966-2-1). As a DNG ColorMatrix1 it makes camera RGB = linear
# sRGB, so a neutral-balanced DNG develops back to the values that were mosaicked into it.
XYZ_TO_LINEAR_SRGB = np.array([
    [3.2404542, -1.5371385, -0.4985314],
    [-0.9692660, 1.8760108, 0.0415560],
    [0.0556434, -0.2040259, 1.0572252],
])
BLACK, WHITE = 512, 16383  # a 14-bit sensor with a black pedestal


def smooth_linear_image(height=96, width=128):
    """A smooth linear-RGB image [height, width, 3] in [0.1, 0.7]: demosaicking reproduces it."""
    yy, xx = np.mgrid[0:height, 0:width] / np.array([height, width]).reshape(2, 1, 1)
    return np.stack([0.1 + 0.6 * xx, 0.2 + 0.5 * yy, 0.4 + 0.2 * xx * yy], -1)


def write_test_dng(path, linear, orientation=1):
    """Mosaics a linear image (RGGB) into a 14-bit DNG with neutral as-shot white balance."""
    cfa = np.empty(linear.shape[:2])
    cfa[0::2, 0::2] = linear[0::2, 0::2, 0]
    cfa[0::2, 1::2] = linear[0::2, 1::2, 1]
    cfa[1::2, 0::2] = linear[1::2, 0::2, 1]
    cfa[1::2, 1::2] = linear[1::2, 1::2, 2]
    counts = np.round(BLACK + cfa * (WHITE - BLACK)).astype(np.uint16)
    write_dng(path, counts, black_level=BLACK, white_level=WHITE, color_matrix=XYZ_TO_LINEAR_SRGB,
              as_shot_neutral=(1.0, 1.0, 1.0), orientation=orientation)


def write_training_photos(root):
    """Writes a tiny unpaired training set: `root/raw` (a DNG and two 16-bit grey PNGs) and
    `root/target` (three 8-bit JPEGs). Returns `root`."""
    (root / "raw").mkdir()
    (root / "target").mkdir()
    write_test_dng(root / "raw" / "ramp.dng", smooth_linear_image(96, 128))
    rng = np.random.default_rng(0)
    for k in range(2):
        pixels = (smooth_linear_image(80, 100) * rng.uniform(0.3, 1.0, 3) * 65535).astype(np.uint16)
        Image.fromarray(pixels[..., 0]).save(root / "raw" / f"grey_{k}.png")
    for k in range(3):
        srgb = np.clip(smooth_linear_image(90, 90) ** 0.5 * rng.uniform(0.8, 1.3, 3), 0, 1)
        Image.fromarray((srgb * 255).astype(np.uint8)).save(root / "target" / f"t{k}.jpg")
    return root
