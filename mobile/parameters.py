"""The kinds of human-unit parameter a program step holds, and their operator parameters.

A kind is what one JSON key of a step may hold: a number in a range (`Scalar`, `Gamma`),
white-balance multipliers (`Multipliers`) or curves (`Curve`). Each kind validates a JSON value
(raising `ProgramError` that names its JSON path and what is allowed), converts it to and from
its `size` operator parameters (what the renderers apply), prints it as in the Exposure paper's
figures, and describes its operator parameters for the app documents (`op_names` for the export
sidecar; `op_meanings`, `op_expression` and `op_summary` for the shader manifest and the
sidecar). The filter registry (`mobile.registry`) gives each filter its kinds. numpy and the
standard library only.
"""
import dataclasses
import math
import reprlib

import numpy as np

CURVE_SEGMENTS = 8  # eight linear segments per curve (Exposure paper, section 4.2)
CHANNELS = "rgb"

# Relative slack when checking values against their ranges: the network's open ranges, mapped in
# float32, can land a few ulps outside the closed range of the document.
_TOLERANCE = 1e-6


class ProgramError(ValueError):
    """A program document (or one step of it) is malformed; the message names the JSON path."""


def _number(value, path):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise ProgramError(f"{path}: expected a number, got {reprlib.repr(value)}")
    try:
        value = float(value)
    except OverflowError:
        raise ProgramError(f"{path}: {reprlib.repr(value)} is too large for a number") from None
    if not math.isfinite(value):
        raise ProgramError(f"{path}: expected a finite number, got {reprlib.repr(value)}")
    return value


def _numbers(value, count, path):
    if not isinstance(value, (list, tuple, np.ndarray)):
        raise ProgramError(f"{path}: expected a list of {count} numbers, got {reprlib.repr(value)}")
    if len(value) != count:
        raise ProgramError(f"{path}: expected {count} values, got {len(value)}")
    return tuple(_number(v, f"{path}[{i}]") for i, v in enumerate(value))


def _within(value, low, high):
    return low - _TOLERANCE * max(1.0, abs(low)) <= value <= high + _TOLERANCE * max(1.0, abs(high))


@dataclasses.dataclass(frozen=True)
class Scalar:
    """One number in the closed range [low, high]; printed with `fmt`. `meaning` (units and
    effect, e.g. "stops, pixel * 2^ev") describes its operator parameter; without it, the range
    does."""

    low: float
    high: float
    fmt: str = "{:+.2f}"
    meaning: str = ""
    size = 1

    def validate(self, value, path):
        value = _number(value, path)
        if not _within(value, self.low, self.high):
            raise ProgramError(
                f"{path}: {value:g} is out of range; allowed [{self.low:g}, {self.high:g}]")
        return value

    def to_op(self, value):
        return (value,)

    def from_op(self, values):
        return float(values[0])

    def format(self, value):
        return self.fmt.format(value)

    def op_names(self, key):
        return [key]

    def op_meanings(self, key):
        return [f"{key}: {self.meaning}" if self.meaning
                else f"{key} in [{self.low:g}, {self.high:g}]"]

    def op_expression(self, key):
        return f"[{key}]"

    def op_summary(self, key):
        return self.op_meanings(key)[0]


class Gamma(Scalar):
    """The gamma exponent, printed `1/x` below 1 as in the paper's figures."""

    def format(self, value):
        return f"1/{1.0 / value:.2f}" if value < 1.0 else f"{value:.2f}"


@dataclasses.dataclass(frozen=True)
class Multipliers:
    """White-balance multipliers (r, g, b), positive, with g/r and b/r within
    [exp(-log_range), exp(log_range)]."""

    log_range: float
    size = 3

    def validate(self, value, path):
        value = _numbers(value, 3, path)
        if min(value) <= 0.0:
            raise ProgramError(f"{path}: multipliers must be positive, got {list(value)}")
        low, high = math.exp(-self.log_range), math.exp(self.log_range)
        for c in (1, 2):
            ratio = value[c] / value[0]
            if not _within(ratio, low, high):
                raise ProgramError(
                    f"{path}: ratio {CHANNELS[c]}/r = {ratio:.4g} is out of range; "
                    f"allowed [{low:.4g}, {high:.4g}] (exp(+-{self.log_range:g}))")
        return value

    def to_op(self, value):
        return value

    def from_op(self, values):
        return tuple(float(v) for v in values)

    def format(self, value):
        return "(" + ", ".join(f"{v:.2f}" for v in value) + ")"

    def op_names(self, key):
        return list(CHANNELS)

    def op_meanings(self, key):
        return [f"{c} multiplier" for c in CHANNELS]

    def op_expression(self, key):
        return key

    def op_summary(self, key):
        return "per-channel multipliers"


@dataclasses.dataclass(frozen=True)
class Curve:
    """Monotonic piecewise-linear curves, each as the 9 points y(k/8), k = 0..8 (Exposure paper,
    section 4.2): y(0) = 0, y(1) = 1, and the segment slopes 8 (y[k+1] - y[k]) are positive and
    within a factor `high / low` of each other, the curves the slope bounds can express. One
    curve for all channels, or 3 (r, g, b); operator parameters are the slopes, channel-major."""

    channels: int
    low: float
    high: float

    @property
    def size(self):
        return self.channels * CURVE_SEGMENTS

    def validate(self, value, path):
        if self.channels == 1:
            return self._validate_one(value, path)
        if not isinstance(value, (list, tuple, np.ndarray)) or len(value) != self.channels:
            raise ProgramError(
                f"{path}: expected {self.channels} curves (r, g, b) of {CURVE_SEGMENTS + 1} points,"
                f" got {reprlib.repr(value)}")
        return tuple(self._validate_one(v, f"{path}[{c}]") for c, v in enumerate(value))

    def _validate_one(self, value, path):
        points = _numbers(value, CURVE_SEGMENTS + 1, path)
        if abs(points[0]) > _TOLERANCE or abs(points[-1] - 1.0) > _TOLERANCE:
            raise ProgramError(
                f"{path}: a curve must start at 0 and end at 1, got "
                f"{points[0]:g} .. {points[-1]:g}")
        slopes = [CURVE_SEGMENTS * (b - a) for a, b in zip(points, points[1:], strict=False)]
        ratio = self.high / self.low
        if min(slopes) <= 0.0 or max(slopes) > min(slopes) * ratio * (1 + _TOLERANCE):
            raise ProgramError(
                f"{path}: segment slopes 8*(y[k+1]-y[k]) must be positive and within a factor "
                f"{ratio:.4g} of each other (slope bounds [{self.low:g}, {self.high:g}]); got "
                f"{min(slopes):.4g} .. {max(slopes):.4g}")
        return points

    def to_op(self, value):
        curves = (value,) if self.channels == 1 else value
        return tuple(CURVE_SEGMENTS * (b - a)
                     for y in curves for a, b in zip(y, y[1:], strict=False))

    def from_op(self, values):
        curves = []
        for c in range(self.channels):
            block = values[c * CURVE_SEGMENTS:(c + 1) * CURVE_SEGMENTS]
            ends = np.cumsum(np.asarray(block, np.float64))
            curves.append((0.0,) + tuple(float(v) for v in ends / ends[-1]))
        return curves[0] if self.channels == 1 else tuple(curves)

    def format(self, value):
        curves = (value,) if self.channels == 1 else value
        parts = ["(" + ", ".join(f"{v:.2f}" for v in y) + ")" for y in curves]
        if self.channels == 1:
            return parts[0]
        return " ".join(f"{c} {p}" for c, p in zip(CHANNELS.upper(), parts, strict=True))

    def op_names(self, key):
        if self.channels == 1:
            return [f"slope{i}" for i in range(CURVE_SEGMENTS)]
        return [f"{c}_slope{i}" for c in CHANNELS for i in range(CURVE_SEGMENTS)]

    def op_meanings(self, key):
        n = CURVE_SEGMENTS
        if self.channels == 1:
            return [f"slope {k}: {n} ({key}[{k + 1}] - {key}[{k}])" for k in range(n)]
        return [f"{c} slope {k}: {n} ({key}[{i}][{k + 1}] - {key}[{i}][{k}])"
                for i, c in enumerate(CHANNELS) for k in range(n)]

    def op_expression(self, key):
        n = CURVE_SEGMENTS
        if self.channels == 1:
            return f"{n} * diff({key})"
        return "concat(" + ", ".join(f"{n} * diff({key}[{i}])" for i in range(self.channels)) + ")"

    def op_summary(self, key):
        n = CURVE_SEGMENTS
        if self.channels == 1:
            return f"{n} segment slopes (mean 1); curve points y_k = sum(slopes[:k]) / {n}"
        return f"3 x {n} segment slopes, channel-major r, g, b (each mean 1)"
