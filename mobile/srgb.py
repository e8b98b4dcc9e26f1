"""The sRGB transfer function (IEC 61966-2-1), numpy only.

Linear values are scene-referred light with 1.0 = display white; sRGB values are the encoded
signal in [0, 1]. Inputs outside [0, 1] are mapped by the same piecewise formula with the sign
kept (the "extended sRGB" convention), so the two functions stay exact inverses everywhere.
"""
import numpy as np

# IEC 61966-2-1 (sRGB) piecewise transfer-function constants.
_LINEAR_THRESHOLD = 0.0031308  # linear value where the curve switches from the linear segment
_ENCODED_THRESHOLD = 0.04045  # encoded value where the curve switches (= 12.92 * 0.0031308)
_SLOPE = 12.92  # slope of the linear segment near black
_ALPHA = 0.055  # offset of the power segment
_GAMMA = 2.4  # exponent of the power segment


def srgb_to_linear(x):
    """Decodes sRGB-encoded values to linear light.

    Args:
      x: array-like of any shape, sRGB-encoded values (normally in [0, 1]).

    Returns:
      float32 array of the same shape; 0 -> 0, 1 -> 1, monotonic, sign kept for negatives.
    """
    x = np.asarray(x, dtype=np.float32)
    a = np.abs(x)
    power = ((a + _ALPHA) / (1.0 + _ALPHA)) ** _GAMMA
    y = np.where(a <= _ENCODED_THRESHOLD, a / _SLOPE, power)
    return (np.sign(x) * y).astype(np.float32)


def linear_to_srgb(x):
    """Encodes linear light with the sRGB curve.

    Args:
      x: array-like of any shape, linear values (normally in [0, 1]).

    Returns:
      float32 array of the same shape; 0 -> 0, 1 -> 1, monotonic, sign kept for negatives.
    """
    x = np.asarray(x, dtype=np.float32)
    a = np.abs(x)
    power = (1.0 + _ALPHA) * a ** (1.0 / _GAMMA) - _ALPHA
    y = np.where(a <= _LINEAR_THRESHOLD, a * _SLOPE, power)
    return (np.sign(x) * y).astype(np.float32)
