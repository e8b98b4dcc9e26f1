"""Writes real Bayer-CFA DNG files (Adobe DNG 1.4) that libraw / rawpy decode.

The file is one uncompressed 16-bit CFA image in IFD 0 with the tags a raw converter needs to
develop it: the CFA layout, black and white levels, a D65 colour matrix (XYZ -> camera) and the
as-shot white balance.
"""
import math
import pathlib

import numpy as np
import tifffile

from mobile.atomic import atomic_output

# Colour of each CFA cell, row-major over the 2x2 repeat: 0 = red, 1 = green, 2 = blue
# (TIFF/EP CFAPattern convention).
CFA_PATTERNS = {
    "RGGB": (0, 1, 1, 2),
    "BGGR": (2, 1, 1, 0),
    "GRBG": (1, 0, 2, 1),
    "GBRG": (1, 2, 0, 1),
}

_DNG_VERSION = (1, 4, 0, 0)  # DNG specification 1.4
_DNG_BACKWARD_VERSION = (1, 1, 0, 0)  # oldest reader able to read this file
_ILLUMINANT_D65 = 21  # DNG specification, CalibrationIlluminant: EXIF LightSource "D65"
_RATIONAL_DENOMINATOR = 1_000_000  # fixed-point precision of the (S)RATIONAL tags we write
_RATIONAL_LIMIT = 2000.0  # |value| bound so the numerator fits a signed 32-bit integer

# TIFF / DNG tag codes and types (DNG specification 1.4, chapter 4).
_BYTE, _ASCII, _SHORT, _LONG, _RATIONAL, _SRATIONAL = 1, 2, 3, 4, 5, 10


def _rationals(values, name):
    """Flattens floats into (numerator, denominator) integer pairs as tifffile expects."""
    pairs = []
    for value in np.asarray(values, dtype=np.float64).ravel():
        if not (math.isfinite(value) and abs(value) <= _RATIONAL_LIMIT):
            raise ValueError(f"{name} must be finite and within +-{_RATIONAL_LIMIT}, got {values!r}")
        pairs += [int(round(value * _RATIONAL_DENOMINATOR)), _RATIONAL_DENOMINATOR]
    return pairs


def _ascii(text, name):
    if not isinstance(text, str) or not text.isascii() or "\x00" in text:
        raise ValueError(f"{name} must be a printable ASCII string, got {text!r}")
    return text


def write_dng(
    path,
    cfa,
    *,
    black_level,
    white_level,
    color_matrix,
    as_shot_neutral,
    pattern="RGGB",
    orientation=1,
    make="agan-exposure",
    model="Unprocessed sRGB",
):
    """Writes a Bayer CFA raw image as a DNG file, atomically.

    Args:
      path: output file; its folder must exist. Replaced atomically if it exists.
      cfa: uint16 array [H, W], H and W even, the mosaicked sensor values (ADC counts), laid out
        with `pattern` starting at the top-left pixel.
      black_level: int, the sensor value of no light (0 <= black_level < white_level).
      white_level: int, the sensor value at saturation (<= 65535).
      color_matrix: 3x3 float, XYZ (D65) -> camera native RGB, the DNG ColorMatrix1 (its rows are
        normalized by readers; only its direction matters per row). Must be invertible.
      as_shot_neutral: 3 positive floats, the camera RGB of a neutral (white) object as shot: the
        reciprocal of the white-balance multipliers (green is usually 1).
      pattern: one of CFA_PATTERNS ("RGGB", "BGGR", "GRBG", "GBRG").
      orientation: EXIF/TIFF orientation 1..8 that a reader applies for display.
      make, model: ASCII camera make and model; UniqueCameraModel is "make model".

    Raises:
      ValueError naming `path` and the offending argument when an argument is out of range.
    """
    path = pathlib.Path(path)
    cfa = np.asarray(cfa)

    def fail(message):
        raise ValueError(f"write_dng({path}): {message}")

    if cfa.dtype != np.uint16:
        fail(f"cfa must be uint16, got {cfa.dtype}")
    if cfa.ndim != 2 or cfa.shape[0] < 2 or cfa.shape[1] < 2 or cfa.shape[0] % 2 or cfa.shape[1] % 2:
        fail(f"cfa must be [H, W] with even H, W >= 2, got shape {cfa.shape}")
    if pattern not in CFA_PATTERNS:
        fail(f"pattern must be one of {sorted(CFA_PATTERNS)}, got {pattern!r}")
    if not (0 <= int(black_level) < int(white_level) <= 65535):
        fail(f"need 0 <= black_level < white_level <= 65535, got {black_level}, {white_level}")
    if int(cfa.max()) > int(white_level):
        fail(f"cfa has values up to {int(cfa.max())}, above white_level {white_level}")
    color_matrix = np.asarray(color_matrix, dtype=np.float64)
    if color_matrix.shape != (3, 3) or not np.all(np.isfinite(color_matrix)):
        fail(f"color_matrix must be a finite 3x3 matrix, got {color_matrix.tolist()}")
    if abs(np.linalg.det(color_matrix)) < 1e-6:
        fail(f"color_matrix is singular: {color_matrix.tolist()}")
    as_shot_neutral = np.asarray(as_shot_neutral, dtype=np.float64)
    if as_shot_neutral.shape != (3,) or not np.all(as_shot_neutral > 0):
        fail(f"as_shot_neutral must be 3 positive numbers, got {as_shot_neutral.tolist()}")
    if int(orientation) not in range(1, 9):
        fail(f"orientation must be 1..8, got {orientation}")
    make, model = _ascii(make, "make"), _ascii(model, "model")

    height, width = cfa.shape
    try:
        color_matrix_tag = _rationals(color_matrix, "color_matrix")
        neutral_tag = _rationals(as_shot_neutral, "as_shot_neutral")
    except ValueError as error:
        fail(str(error))
    tags = [
        (254, _LONG, 1, 0, True),  # NewSubFileType: main image
        (271, _ASCII, 0, make, True),  # Make
        (272, _ASCII, 0, model, True),  # Model
        (274, _SHORT, 1, int(orientation), True),  # Orientation
        (33421, _SHORT, 2, (2, 2), True),  # CFARepeatPatternDim
        (33422, _BYTE, 4, bytes(CFA_PATTERNS[pattern]), True),  # CFAPattern
        (50706, _BYTE, 4, bytes(_DNG_VERSION), True),  # DNGVersion
        (50707, _BYTE, 4, bytes(_DNG_BACKWARD_VERSION), True),  # DNGBackwardVersion
        (50708, _ASCII, 0, f"{make} {model}", True),  # UniqueCameraModel
        (50710, _BYTE, 3, bytes((0, 1, 2)), True),  # CFAPlaneColor: red, green, blue
        (50711, _SHORT, 1, 1, True),  # CFALayout: rectangular
        (50713, _SHORT, 2, (1, 1), True),  # BlackLevelRepeatDim
        (50714, _LONG, 1, int(black_level), True),  # BlackLevel
        (50717, _LONG, 1, int(white_level), True),  # WhiteLevel
        (50718, _RATIONAL, 2, _rationals((1, 1), "DefaultScale"), True),  # DefaultScale
        (50719, _LONG, 2, (0, 0), True),  # DefaultCropOrigin
        (50720, _LONG, 2, (width, height), True),  # DefaultCropSize
        (50721, _SRATIONAL, 9, color_matrix_tag, True),  # ColorMatrix1
        (50728, _RATIONAL, 3, neutral_tag, True),  # AsShotNeutral
        (50730, _SRATIONAL, 1, _rationals(0.0, "BaselineExposure"), True),  # BaselineExposure
        (50778, _SHORT, 1, _ILLUMINANT_D65, True),  # CalibrationIlluminant1
    ]
    with atomic_output(path) as tmp:
        tifffile.imwrite(
            tmp,
            cfa,
            photometric="cfa",
            compression=None,
            metadata=None,
            software="agan-exposure",
            extratags=tags,
        )
