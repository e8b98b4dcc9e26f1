"""Hald CLUT images: a program's 3D LUT as a PNG, for RawTherapee, darktable and ffmpeg (tested
against each) and ImageMagick's -hald-clut and G'MIC, which read the same layout; numpy only.

A Hald CLUT of level L is a 3D LUT of L^2 nodes per axis stored as an L^3 x L^3 RGB image: pixel
`i` in raster order (`i = x + L^3 y`) is the node with red index `i mod L^2`, green index
`(i // L^2) mod L^2` and blue index `i // L^4`. That is the memory order of this project's LUT
arrays (shape (N, N, N, 3) indexed [b, g, r], `mobile/lut.py`), so a Hald image is the LUT
reshaped. An identity Hald holds the node's own input value.

Files written here are indexed by the sRGB-encoded input in [0, 1] and hold the program's
sRGB-encoded display output, like the .cube files of `mobile/cube.py`; an iTXt "Description"
chunk says which program they encode and what input they expect.
"""
import math
import pathlib

import imagecodecs
import numpy as np

from mobile import lut as lut_lib
from mobile import png_chunks
from mobile.atomic import atomic_output
from mobile.cube import INPUT_SPACE_COMMENT

# Levels written: 2 .. 16. darktable's lut 3D module reads cubes of at most 256 nodes per axis
# (level 16, a 4096 x 4096 image); level 8 (64 nodes, 512 x 512) is the common film-simulation
# size and what RawTherapee's bundled CLUTs use.
LEVELS = range(2, 17)
DEFAULT_LEVEL = 8
BITS = (8, 16)
DEFAULT_BITS = 16  # 8-bit nodes alone add up to half an output code of error
# (mean, 99th percentile) bound on |CLUT - exact| in 8-bit output codes per random 5-step program
# on a real photo, at DEFAULT_LEVEL and DEFAULT_BITS, output rounded: the worst of 40 programs on
# the four-photo mosaic has mean 0.17 and p99 3 (`benchmarks/editor_presets.py --programs=40
# --tools=`, "model" row); the maximum is tens of codes, where saturation's grey-axis jump and
# clipping kinks fall between nodes (`mobile/lut.py`).
ERROR_BOUNDS_CODES = (0.3, 5)
INPUT_DESCRIPTION = INPUT_SPACE_COMMENT.removeprefix("# ")  # the same convention as .cube files


class HaldError(ValueError):
    """An image is not a Hald CLUT, or a level or bit depth is not one this module writes."""


def check_level(level):
    """Returns `level` if it is an integer in LEVELS, else raises HaldError naming it."""
    if isinstance(level, bool) or not isinstance(level, int | np.integer) or level not in LEVELS:
        raise HaldError(f"Hald CLUT level must be an integer in [{LEVELS[0]}, {LEVELS[-1]}] "
                        f"({LEVELS[0]}^2 .. {LEVELS[-1]}^2 nodes per axis), got {level!r}")
    return int(level)


def check_bits(bits):
    """Returns `bits` if it is 8 or 16, else raises HaldError naming it."""
    if bits not in BITS or isinstance(bits, bool):
        raise HaldError(f"Hald CLUT bits per channel must be 8 or 16, got {bits!r}")
    return bits


def image_from_lut(lut):
    """Returns the Hald image (L^3, L^3, 3) of a LUT of L^2 nodes per axis, same dtype."""
    lut = np.asarray(lut)
    size = lut.shape[0]
    level = math.isqrt(size)
    if lut.ndim != 4 or lut.shape[1:] != (size, size, 3) or level * level != size:
        raise HaldError(f"a Hald CLUT holds a LUT of L^2 nodes per axis, got shape {lut.shape}")
    return lut.reshape(level**3, level**3, 3)


def lut_from_image(image):
    """Returns the LUT (L^2, L^2, L^2, 3) [b, g, r] held by a Hald image (L^3, L^3, 3)."""
    image = np.asarray(image)
    side = image.shape[0]
    level = round(side ** (1.0 / 3.0))
    if image.ndim != 3 or image.shape != (side, side, 3) or level**3 != side or level < 2:
        raise HaldError(f"a Hald CLUT image is L^3 x L^3 RGB (L >= 2), got shape {image.shape}")
    return image.reshape(level * level, level * level, level * level, 3)


def bake(program, level=DEFAULT_LEVEL):
    """Bakes a program (or pointwise callable, see `mobile.lut.bake`) into a Hald image.

    Returns:
      float32 (level^3, level^3, 3): display values, clipped to [0, 1].
    """
    level = check_level(level)
    return np.clip(image_from_lut(lut_lib.bake(program, level * level)), 0.0, 1.0)


def encode(image, bits=DEFAULT_BITS, comments=()):
    """Encodes a Hald image (floats in [0, 1]) as PNG bytes of `bits` per channel, rounded; the
    `comments` lines go in an iTXt "Description" chunk."""
    bits = check_bits(bits)
    lut_from_image(image)  # checks the shape
    top = (1 << bits) - 1
    codes = np.rint(np.clip(image, 0.0, 1.0) * top).astype(np.uint8 if bits == 8 else np.uint16)
    chunks = [png_chunks.text_chunk("Description", "\n".join(comments))] if comments else []
    return png_chunks.insert_after_header(imagecodecs.png_encode(codes), chunks)


def write(path, program, level=DEFAULT_LEVEL, bits=DEFAULT_BITS, comments=()):
    """Bakes `program` and writes it as a Hald CLUT PNG at `path`, atomically.

    Args:
      path: output .png; its folder must exist.
      program: a `mobile.program.Program` or a pointwise callable.
      level: LEVELS; the image is level^3 pixels square, level^2 nodes per axis.
      bits: 8 or 16 bits per channel.
      comments: lines for the PNG's Description (what program, what input: `mobile.presets`).
    """
    data = encode(bake(program, level), bits, comments)
    with atomic_output(path) as tmp:
        tmp.write_bytes(data)


def read(path):
    """Reads a Hald CLUT PNG (8 or 16 bits, RGB) as a float32 LUT (N, N, N, 3) [b, g, r] in [0, 1].

    Raises:
      HaldError naming the file if it is not an RGB PNG of L^3 x L^3 pixels.
    """
    try:
        codes = imagecodecs.png_decode(pathlib.Path(path).read_bytes())
    except (OSError, imagecodecs.PngError) as error:
        raise HaldError(f"{path}: cannot read a Hald CLUT PNG: {error}") from error
    if codes.ndim != 3 or codes.shape[2] != 3:
        raise HaldError(f"{path}: a Hald CLUT is an RGB PNG, found pixel shape {codes.shape}")
    try:
        table = lut_from_image(codes)
    except HaldError as error:
        raise HaldError(f"{path}: {error}") from error
    return table.astype(np.float32) / np.float32(np.iinfo(codes.dtype).max)
