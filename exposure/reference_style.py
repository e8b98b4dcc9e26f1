"""The reference "expert" look of the built-in target collection.

A fixed, documented photographic style: auto-exposure to a fixed log-average luminance, a warm white balance, a
filmic (log-logistic) tone curve, a CIELAB chroma boost and a lifted (matte) black. Per image it is
one global exposure gain followed by a fixed pointwise colour map, so a white-box retoucher can
imitate it, but it is deliberately none of the project's eight filter forms (its tone curve is a
smooth logistic in log exposure, not piecewise linear; its saturation acts on CIELAB chroma, not
HSV), which makes it usable as a black-box filter to reverse-engineer.

Formula, for sRGB input x in [0, 1] (per pixel, channels R, G, B):

    L   = srgb_to_linear(x)
    k   = clip(0.12 / exp(mean(log(0.001 + lum(L)))), 1/4, 4)      lum = BT.709 luminance
    L_w = k * L * w / lum(w),   w = (1.08, 1.00, 0.88)               warm white balance
    s   = log2(max(L_w, 2^-12) / 0.18)                                 stops from middle grey
    y   = (sig(c (s - s0)) - sig(c (lo - s0))) / (sig(c (hi - s0)) - sig(c (lo - s0))), clipped
          to [0, 1]; c = 0.75, s0 = 0.5, lo = -7, hi = 3               filmic curve per channel
    Lab = rgb2lab(y);  a, b *= 1.15                                    chroma boost, hue kept
    out = 0.04 + 0.96 * clip(lab2rgb(Lab), 0, 1)                       lifted black
"""
import numpy as np
from skimage import color

from exposure.unprocess import LUMINANCE_WEIGHTS
from mobile.srgb import srgb_to_linear

MIDDLE_GREY = 0.18  # linear reflectance of middle grey, the tone curve's reference point
EXPOSURE_KEY = 0.12  # log-average luminance after auto-exposure (a typical, slightly low key)
KEY_EPSILON = 0.001  # keeps log() finite on black pixels (as in Reinhard et al. 2002, eq. 1)
EXPOSURE_GAIN_RANGE = (0.25, 4.0)  # auto-exposure corrects at most 2 stops either way
WARM_BALANCE = (1.08, 1.00, 0.88)  # linear RGB multipliers of the warm white balance
CURVE_SLOPE = 0.75  # logistic slope per stop: midtone contrast 1.4x that of plain sRGB
CURVE_CENTER = 0.5  # stops above middle grey of the logistic's centre; grey maps to ~0.47
CURVE_BLACK, CURVE_WHITE = -7.0, 3.0  # stops from middle grey mapped to 0 and 1
CHROMA_GAIN = 1.15  # CIELAB a*, b* multiplier
BLACK_LIFT = 0.04  # output value of black (a matte look)


def exposure_gain(srgb):
    """Auto-exposure gain k of an image: its log-average luminance goes to EXPOSURE_KEY.

    Args:
      srgb: float array [..., 3] sRGB values in [0, 1] (all pixels of one image).

    Returns:
      float in EXPOSURE_GAIN_RANGE.
    """
    luminance = srgb_to_linear(np.clip(srgb, 0.0, 1.0)) @ LUMINANCE_WEIGHTS
    key = float(np.exp(np.mean(np.log(KEY_EPSILON + luminance))))
    return float(np.clip(EXPOSURE_KEY / key, *EXPOSURE_GAIN_RANGE))


def filmic_curve(linear):
    """The style's tone curve: linear light (1 = white) -> display value in [0, 1], increasing."""
    stops = np.log2(np.maximum(linear, 2.0**-12) / MIDDLE_GREY)

    def logistic(s):
        return 1.0 / (1.0 + np.exp(-CURVE_SLOPE * (s - CURVE_CENTER)))

    low, high = logistic(CURVE_BLACK), logistic(CURVE_WHITE)
    return np.clip((logistic(stops) - low) / (high - low), 0.0, 1.0)


def apply_reference_style(srgb, *, gain=None):
    """Applies the reference style (formula in the module docstring) to one image.

    Args:
      srgb: float array [..., 3], sRGB values in [0, 1] (values outside are clipped), one image.
      gain: the auto-exposure gain; None computes `exposure_gain(srgb)` from this image. With a
        fixed gain the style is a pointwise colour map.

    Returns:
      float32 array of the same shape, sRGB values in [BLACK_LIFT, 1].
    """
    srgb = np.clip(np.asarray(srgb, dtype=np.float32), 0.0, 1.0)
    if srgb.shape[-1:] != (3,):
        raise ValueError(f"apply_reference_style needs [..., 3] RGB, got shape {srgb.shape}")
    if gain is None:
        gain = exposure_gain(srgb)
    balance = np.asarray(WARM_BALANCE) / np.dot(LUMINANCE_WEIGHTS, WARM_BALANCE)
    toned = filmic_curve(srgb_to_linear(srgb).astype(np.float64) * gain * balance)
    lab = color.rgb2lab(toned)
    lab[..., 1:] *= CHROMA_GAIN
    styled = np.clip(color.lab2rgb(lab), 0.0, 1.0)
    return (BLACK_LIFT + (1.0 - BLACK_LIFT) * styled).astype(np.float32)
