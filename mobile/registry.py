"""The filter registry: one entry per filter; everything else that knows a filter reads it here.

An entry (`FilterSpec`) holds a filter's JSON name, printed title, human parameters (kinds from
`mobile.parameters`, with their units and ranges), its number of raw network outputs and their
mapping to operator parameters, its pixel operation and the shader's filter id. Program
validation and printing (`mobile.program`), the numpy renderer (`mobile.render`), the Keras layers
(`exposure.filters`), the export sidecar (`export.sidecar`), the shader manifest and its uniform
layout (`mobile.manifest`) are derived from `FILTERS`. `shaders/program.frag` repeats the pixel
formulas in GLSL; tests/mobile/test_registry.py checks its filter ids, parameter slots and
constants against this table. A new filter is a mapping, an operation and an entry here, plus
its branch in `program.frag`.

Each filter is a pointwise RGB -> RGB map (Exposure paper, section 4.2 and supplement; exact
formulas from the authors' code, docs/exposure.md#filter-parameters). The raw mappings and pixel operations are
written against an array namespace `xp`: numpy in the renderer, `keras.ops` in the layers, so
both run one formula. `img` is [..., 3]; `p` holds the filter's operator parameters on its last
axis and broadcasts against `img` (shape [k] in the renderer, [B, 1, 1, k] in the layers).

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
import dataclasses
import math
from collections.abc import Callable

import numpy as np

from mobile.parameters import CURVE_SEGMENTS, Curve, Gamma, Multipliers, Scalar

EXPOSURE_RANGE_EV = 3.5  # exposure in (-3.5, 3.5) stops (authors' code, docs/exposure.md#filter-parameters)
GAMMA_RANGE = 3.0  # gamma exponent in (1/3, 3) (authors' code, docs/exposure.md#filter-parameters)
WB_LOG_RANGE = 0.5  # per-channel log white-balance factor in (-0.5, 0.5) (authors' code, docs/exposure.md#filter-parameters)
WB_EPSILON = 1e-5  # added to the luminance normalizer of the white balance (authors' code, docs/exposure.md#filter-parameters)
TONE_SLOPE_RANGE = (0.5, 2.0)  # tone-curve segment slopes (Exposure supplement, "Tone ... Curves")
COLOR_SLOPE_RANGE = (0.9, 1.1)  # colour-curve segment slopes (Exposure supplement)
COLOR_SLOPE_INITIAL = 1.0  # colour-curve tanh_range initial value (authors' code, docs/exposure.md#filter-parameters)
LUMINANCE_WEIGHTS = (0.27, 0.67, 0.06)  # Lum(p) = 0.27 r + 0.67 g + 0.06 b (Exposure supplement)
GAMMA_FLOOR = 0.001  # gamma input clamp (authors' code, docs/exposure.md#filter-parameters)
SATURATION_GAIN = 0.8  # s' = s + (1 - s) (0.5 - |0.5 - v|) 0.8 (Exposure supplement)
# Saturation: max - min at or below this counts as grey (no hue). Below one 16-bit step (1.5e-5),
# above float32 rounding of values near 1 (6e-8).
GREY_TOLERANCE = 1e-5
CONTRAST_EPSILON = 1e-6  # img / (L + 1e-6) in the contrast filter (authors' code, docs/exposure.md#filter-parameters)
LEVEL_EPSILON = 1e-6  # (img - low) / (high - low + 1e-6) in the level filter (authors' code)
_LN2 = math.log(2.0)


# ------------------------------------------------------------------ raw outputs -> operator units


def tanh_range(x, low, high, initial=None, xp=np):
    """Maps raw network outputs onto the open interval (low, high), as the authors' code does.

    `(tanh(x + b) * 0.5 + 0.5) * (high - low) + low` with `b = atanh(2 (initial - low) / (high -
    low) - 1)` so that x = 0 maps to `initial` (b = 0 when `initial` is None). Elementwise, any
    shape; `xp` is numpy or `keras.ops`.
    """
    bias = 0.0 if initial is None else math.atanh(2.0 * (initial - low) / (high - low) - 1.0)
    return (xp.tanh(x + bias) * 0.5 + 0.5) * (high - low) + low


def sigmoid(x, xp=np):
    """The logistic function, written with tanh so that it is exact-valued and overflow-free in
    both numpy and keras.ops."""
    return xp.tanh(x * 0.5) * 0.5 + 0.5


def _normalized_slopes(t, channels, xp):
    """Scales curve slopes [..., channels * 8] so that each channel's 8 slopes sum to 8 (its curve
    ends at 1), the authors' `t_i * 8 / sum(t)`."""
    parts = []
    for c in range(channels):
        block = t[..., c * CURVE_SEGMENTS:(c + 1) * CURVE_SEGMENTS]
        parts.append(block * (CURVE_SEGMENTS / xp.sum(block, axis=-1, keepdims=True)))
    return parts[0] if channels == 1 else xp.concatenate(parts, axis=-1)


def _exposure_from_raw(raw, xp):
    return tanh_range(raw, -EXPOSURE_RANGE_EV, EXPOSURE_RANGE_EV, initial=0.0, xp=xp)


def _gamma_from_raw(raw, xp):
    log_range = math.log(GAMMA_RANGE)
    return xp.exp(tanh_range(raw, -log_range, log_range, xp=xp))


def _white_balance_from_raw(raw, xp):
    # Red is fixed: the authors multiply the features by (0, 1, 1) before the mapping.
    masked = xp.concatenate([xp.zeros_like(raw[..., :1]), raw[..., 1:]], axis=-1)
    scale = xp.exp(tanh_range(masked, -WB_LOG_RANGE, WB_LOG_RANGE, xp=xp))
    lum = sum(w * scale[..., c:c + 1] for c, w in enumerate(LUMINANCE_WEIGHTS))
    return scale / (WB_EPSILON + lum)


def _contrast_from_raw(raw, xp):
    return xp.tanh(raw)


def _tone_curve_from_raw(raw, xp):
    return _normalized_slopes(tanh_range(raw, *TONE_SLOPE_RANGE, xp=xp), 1, xp)


def _color_curve_from_raw(raw, xp):
    t = tanh_range(raw, *COLOR_SLOPE_RANGE, initial=COLOR_SLOPE_INITIAL, xp=xp)
    return _normalized_slopes(t, 3, xp)


def _level_from_raw(raw, xp):
    return xp.concatenate([sigmoid(raw[..., :1], xp), sigmoid(raw[..., 1:], xp) + 1.0], -1)


# ------------------------------------------------------------------ pixel operations


def luminance(img, xp=np):
    """Lum = 0.27 r + 0.67 g + 0.06 b (Exposure supplement), shape [..., 1]."""
    r, g, b = LUMINANCE_WEIGHTS
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
    n = CURVE_SEGMENTS
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


# ------------------------------------------------------------------ the table


@dataclasses.dataclass(frozen=True)
class FilterSpec:
    """One filter.

    name: the step's "filter" value in a program document; title: its printed name.
    shader_id: the `u_filter` value of `program.frag` (`#define FILTER_<NAME>`).
    parameters: {JSON key: kind (`mobile.parameters`)}, in operator-parameter order.
    num_raw: raw network outputs the filter takes.
    from_raw: (raw [..., num_raw], xp) -> operator parameters [..., num_op_params].
    from_raw_text: `from_raw` written out for app developers (the manifest).
    operation: (img [..., 3], p [..., num_op_params], xp) -> img [..., 3].
    default: in the authors' default action space.
    """

    name: str
    title: str
    shader_id: int
    parameters: dict
    num_raw: int
    from_raw: Callable
    from_raw_text: str
    operation: Callable
    default: bool = True

    @property
    def num_op_params(self):
        """Number of operator parameters: what `from_raw` returns and `operation` applies."""
        return sum(kind.size for kind in self.parameters.values())

    def op_param_names(self):
        """Short names of the operator parameters, in order (e.g. ["r", "g", "b"])."""
        return [n for key, kind in self.parameters.items() for n in kind.op_names(key)]

    def op_param_meanings(self):
        """What each operator parameter is, in order (e.g. "high in [1, 2]")."""
        return [m for key, kind in self.parameters.items() for m in kind.op_meanings(key)]

    def op_param_summary(self):
        """The operator parameters in one line (e.g. "low in [0, 1], high in [1, 2]")."""
        return ", ".join(kind.op_summary(key) for key, kind in self.parameters.items())

    def from_program_text(self):
        """How the operator parameters follow from the step's JSON keys, e.g. "[low, high]" or
        "8 * diff(points)"."""
        if all(isinstance(kind, Scalar) for kind in self.parameters.values()):
            return "[" + ", ".join(self.parameters) + "]"
        parts = [kind.op_expression(key) for key, kind in self.parameters.items()]
        return parts[0] if len(parts) == 1 else "concat(" + ", ".join(parts) + ")"


_LUMINANCE_TEXT = " + ".join(f"{w:g} s_{c}" for c, w in zip("rgb", LUMINANCE_WEIGHTS, strict=True))
_TONE_LOW, _TONE_HIGH = TONE_SLOPE_RANGE
_COLOR_LOW, _COLOR_HIGH = COLOR_SLOPE_RANGE

# Every filter, in the authors' default action-space order (authors' code, docs/exposure.md#filter-parameters), then Level, which
# the authors' code has but leaves out of the default action space.
FILTERS = {spec.name: spec for spec in (
    FilterSpec(
        "exposure", "Exposure", shader_id=0,
        parameters={"ev": Scalar(-EXPOSURE_RANGE_EV, EXPOSURE_RANGE_EV,
                                 meaning="stops, pixel * 2^ev")},
        num_raw=1, from_raw=_exposure_from_raw,
        from_raw_text=f"[tanh_range(x0, {-EXPOSURE_RANGE_EV:g}, {EXPOSURE_RANGE_EV:g})]",
        operation=exposure),
    FilterSpec(
        "gamma", "Gamma", shader_id=1,
        parameters={"gamma": Gamma(1.0 / GAMMA_RANGE, GAMMA_RANGE,
                                   meaning=f"exponent, max(pixel, {GAMMA_FLOOR:g})^gamma")},
        num_raw=1, from_raw=_gamma_from_raw,
        from_raw_text=f"[exp(tanh_range(x0, -ln {GAMMA_RANGE:g}, ln {GAMMA_RANGE:g}))]",
        operation=gamma),
    FilterSpec(
        "white_balance", "White balance", shader_id=2,
        parameters={"multipliers": Multipliers(WB_LOG_RANGE)},
        num_raw=3, from_raw=_white_balance_from_raw,
        from_raw_text=(f"s = exp(tanh_range((0, x1, x2), {-WB_LOG_RANGE:g}, {WB_LOG_RANGE:g})); "
                       f"s / ({WB_EPSILON:g} + {_LUMINANCE_TEXT})"),
        operation=white_balance),
    FilterSpec(
        "saturation", "Saturation", shader_id=3,
        parameters={"amount": Scalar(0.0, 1.0)},
        num_raw=1, from_raw=sigmoid, from_raw_text="[sigmoid(x0)]",
        operation=saturation),
    FilterSpec(
        "tone_curve", "Tone curve", shader_id=4,
        parameters={"points": Curve(1, *TONE_SLOPE_RANGE)},
        num_raw=CURVE_SEGMENTS, from_raw=_tone_curve_from_raw,
        from_raw_text=(f"t = tanh_range(x, {_TONE_LOW:g}, {_TONE_HIGH:g}); "
                       f"{CURVE_SEGMENTS} t / sum(t)"),
        operation=curve),
    FilterSpec(
        "contrast", "Contrast", shader_id=5,
        parameters={"amount": Scalar(-1.0, 1.0)},
        num_raw=1, from_raw=_contrast_from_raw, from_raw_text="[tanh(x0)]",
        operation=contrast),
    FilterSpec(
        "black_and_white", "Black & white", shader_id=6,
        parameters={"amount": Scalar(0.0, 1.0)},
        num_raw=1, from_raw=sigmoid, from_raw_text="[sigmoid(x0)]",
        operation=black_and_white),
    FilterSpec(
        "color_curve", "Color curve", shader_id=7,
        parameters={"points": Curve(3, *COLOR_SLOPE_RANGE)},
        num_raw=3 * CURVE_SEGMENTS, from_raw=_color_curve_from_raw,
        from_raw_text=(
            f"t = tanh_range(x, {_COLOR_LOW:g}, {_COLOR_HIGH:g}) (initial "
            f"{COLOR_SLOPE_INITIAL:g}: x + atanh(2 ({COLOR_SLOPE_INITIAL:g} - {_COLOR_LOW:g}) / "
            f"({_COLOR_HIGH:g} - {_COLOR_LOW:g}) - 1)); per channel c: "
            f"{CURVE_SEGMENTS} t_c / sum(t_c)"),
        operation=curve),
    FilterSpec(
        "level", "Level", shader_id=8,
        parameters={"low": Scalar(0.0, 1.0, "{:.2f}"), "high": Scalar(1.0, 2.0, "{:.2f}")},
        num_raw=2, from_raw=_level_from_raw, from_raw_text="[sigmoid(x0), 1 + sigmoid(x1)]",
        operation=level, default=False),
)}
# The filters above, in order; fixed at import (code that must see every registered filter reads
# FILTERS itself).
FILTER_NAMES = tuple(FILTERS)
DEFAULT_FILTERS = tuple(name for name, spec in FILTERS.items() if spec.default)
