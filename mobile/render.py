"""The numpy renderer of retouch programs, and the one definition of every filter's pixel operation.

Each filter is a pointwise RGB -> RGB map (Exposure paper, section 4.2 and supplement; exact
formulas from the authors' code, Exposure REFERENCE). The operations below are written against an
array namespace `xp`: numpy here, `keras.ops` in `exposure.filters`, so the renderer and the
differentiable Keras layers share one formula. `img` is [..., 3]; `p` holds the filter's operator
parameters (`mobile.program.raw_to_op_params`) on its last axis and broadcasts against `img`
(shape [k] here, [B, 1, 1, k] in the layers).

Edge behaviour (inputs are linear RGB, nominally in [0, 1]):
  exposure, white balance, black & white: linear everywhere (negative and > 1 values pass through).
  gamma: input clamped below at 0.001 (authors), so 0 and negative values map to 0.001 ** gamma.
  saturation: input clipped to [0, 1] (authors clip at 1; below 0 HSV is undefined, so we clip at 0
    too); a grey pixel (r = g = b) has no hue and is left unchanged (the authors' TF code gave it
    hue 0, tinting greys red).
  tone / colour curves: defined on [0, 1]; input below 0 maps to 0, above 1 maps to 1.
  contrast: luminance clipped to [0, 1]; where it is 0 the enhanced image is 0, above 1 it is the
    input.
  level: output clipped to [0, 1].
numpy and the standard library only.
"""
import math

import numpy as np

from mobile import program as program_lib

_LN2 = math.log(2.0)
GAMMA_FLOOR = 0.001  # gamma input clamp (Exposure REFERENCE, authors' code)
SATURATION_GAIN = 0.8  # s' = s + (1 - s) (0.5 - |0.5 - v|) 0.8 (Exposure supplement)
# Saturation: max - min at or below this counts as grey (no hue). Below one 16-bit step (1.5e-5),
# above float32 rounding of values near 1 (6e-8).
GREY_TOLERANCE = 1e-5
CONTRAST_EPSILON = 1e-6  # img / (L + 1e-6) in the contrast filter (Exposure REFERENCE)
LEVEL_EPSILON = 1e-6  # (img - low) / (high - low + 1e-6) in the level filter (authors' code)
_CHUNK_PIXELS = 1 << 20  # pixels per block in `render`: bounds temporaries at a few 10 MB


def luminance(img, xp=np):
    """Lum = 0.27 r + 0.67 g + 0.06 b (Exposure supplement), shape [..., 1]."""
    r, g, b = program_lib.LUMINANCE_WEIGHTS
    return img[..., 0:1] * r + img[..., 1:2] * g + img[..., 2:3] * b


def lerp(a, b, t):
    """(1 - t) a + t b, the authors' blend of the input and the fully enhanced image."""
    return (1.0 - t) * a + t * b


def exposure(img, p, xp=np):
    """img * 2 ** ev, p = [ev]."""
    return img * xp.exp(p[..., 0:1] * _LN2)


def gamma(img, p, xp=np):
    """max(img, 0.001) ** gamma, p = [gamma]."""
    return xp.power(xp.maximum(img, GAMMA_FLOOR), p[..., 0:1])


def white_balance(img, p, xp=np):
    """img * (r, g, b) multipliers, p = [r, g, b]."""
    return img * p


def saturation(img, p, xp=np):
    """Raises HSV saturation to s + (1 - s)(0.5 - |0.5 - v|) 0.8 at fixed hue and value, blended by
    p = [amount]. Written without an explicit hue: at fixed h and v each channel is
    v - (v - c) s' / s, i.e. c - w m (v - c) / (v - m) with w = 0.8 (0.5 - |0.5 - v|), m = min.
    Pixels with v - m <= GREY_TOLERANCE have no hue and stay unchanged, so float rounding (a
    clipped highlight at (1, 0.99999994, 1)) does not decide whether a grey pixel is tinted."""
    img = xp.clip(img, 0.0, 1.0)
    v = xp.max(img, axis=-1, keepdims=True)
    m = xp.min(img, axis=-1, keepdims=True)
    delta = v - m
    has_hue = delta > GREY_TOLERANCE
    # Both branches of the where stay finite, so the gradient of the grey branch is 0, not NaN.
    ratio = xp.where(has_hue, (v - img) / xp.where(has_hue, delta, 1.0), 0.0)
    w = (0.5 - xp.abs(0.5 - v)) * SATURATION_GAIN
    return lerp(img, img - w * m * ratio, p[..., 0:1])


def curve(img, p, xp=np):
    """Piecewise-linear curves with 8 segments (Exposure paper, section 4.2), one per channel or
    one for all: sum_i clip(img - i/8, 0, 1/8) * slope_i, p = [8 slopes] or [24 slopes, channel-
    major]; slopes are normalized so each curve maps 1 to 1."""
    n = program_lib.CURVE_SEGMENTS
    out = 0.0
    for i in range(n):
        out = out + xp.clip(img - i / n, 0.0, 1.0 / n) * p[..., i::n]
    return out


def contrast(img, p, xp=np):
    """Blends img with img / L * (1 - cos(pi L)) / 2 by p = [amount in [-1, 1]], L = clip(Lum)."""
    lum = xp.clip(luminance(img, xp), 0.0, 1.0)
    enhanced_lum = 0.5 - 0.5 * xp.cos(math.pi * lum)
    return lerp(img, img / (lum + CONTRAST_EPSILON) * enhanced_lum, p[..., 0:1])


def black_and_white(img, p, xp=np):
    """Blends img with its luminance grey by p = [amount]."""
    return lerp(img, luminance(img, xp), p[..., 0:1])


def level(img, p, xp=np):
    """Maps [low, high] to [0, 1] and clips, p = [low, high]."""
    low, high = p[..., 0:1], p[..., 1:2]
    return xp.clip((img - low) / (high - low + LEVEL_EPSILON), 0.0, 1.0)


OPERATIONS = {
    "exposure": exposure,
    "gamma": gamma,
    "white_balance": white_balance,
    "saturation": saturation,
    "tone_curve": curve,
    "contrast": contrast,
    "black_and_white": black_and_white,
    "color_curve": curve,
    "level": level,
}


def _as_rgb(image):
    image = np.asarray(image, dtype=np.float32)
    if image.ndim < 1 or image.shape[-1] != 3:
        raise ValueError(f"image: expected shape [..., 3] (RGB), got {image.shape}")
    return image


def apply_step(step, image):
    """Applies one `mobile.program.Step` to float32 RGB [..., 3]; returns a new float32 array."""
    return OPERATIONS[step.filter](_as_rgb(image), step.op_params(), np)


def render(program, image):
    """Applies every step of `program` (a `mobile.program.Program`) to a float32 image [..., 3].

    The input is linear RGB as the agent sees it; the output is in the program's output space
    (the display encoding the agent was trained towards), not clipped. Works in blocks of 2^20
    pixels, so memory stays bounded on large photos; the input is never modified.
    """
    image = _as_rgb(image)
    flat = image.reshape(-1, 3)
    out = np.empty_like(flat)
    params = [(OPERATIONS[s.filter], s.op_params()) for s in program.steps]
    for start in range(0, flat.shape[0], _CHUNK_PIXELS):
        block = flat[start:start + _CHUNK_PIXELS]
        for operation, p in params:
            block = operation(block, p, np)
        out[start:start + _CHUNK_PIXELS] = block
    return out.reshape(image.shape)
