"""The retouch program: the white-box result of one image as an ordered list of filter steps.

A program is a versioned JSON document that users read, edit and apply to other photos::

    {"format": "exposure-program", "version": 1,
     "steps": [{"filter": "exposure", "ev": 1.81},
               {"filter": "gamma", "gamma": 0.862},
               {"filter": "tone_curve", "points": [0, 0.1, 0.22, 0.35, 0.48, 0.61, 0.74, 0.87, 1]}]}

Every parameter is in human units (EV stops, the gamma exponent, white-balance multipliers,
amounts, curve points). Loading validates the document and raises `ProgramError` naming the JSON
path of the bad item and what was expected. Printed form as in the Exposure paper's figures
(`Exposure +1.81`, `Gamma 1/1.16`, `Contrast -0.95`, ...).

This module also holds the one definition of the parameter mapping from raw network outputs to
filter parameters (Exposure REFERENCE, "what the authors' original code does"). It is written
against an array namespace `xp` (numpy here, `keras.ops` in `exposure.filters`), so the Keras
layers and the numpy renderer share one formula. numpy and the standard library only.
"""
import dataclasses
import json
import math

import numpy as np

from mobile.atomic import atomic_output

FORMAT = "exposure-program"
VERSION = 1

# Filter names in the authors' default action-space order (Exposure REFERENCE), then Level, which
# the authors' code has but leaves out of the default action space.
FILTER_NAMES = (
    "exposure",
    "gamma",
    "white_balance",
    "saturation",
    "tone_curve",
    "contrast",
    "black_and_white",
    "color_curve",
    "level",
)
DEFAULT_FILTERS = FILTER_NAMES[:8]

TITLES = {
    "exposure": "Exposure",
    "gamma": "Gamma",
    "white_balance": "White balance",
    "saturation": "Saturation",
    "tone_curve": "Tone curve",
    "contrast": "Contrast",
    "black_and_white": "Black & white",
    "color_curve": "Color curve",
    "level": "Level",
}

EXPOSURE_RANGE_EV = 3.5  # exposure in (-3.5, 3.5) stops (Exposure REFERENCE, authors' code)
GAMMA_RANGE = 3.0  # gamma exponent in (1/3, 3) (Exposure REFERENCE, authors' code)
WB_LOG_RANGE = 0.5  # per-channel log white-balance factor in (-0.5, 0.5) (Exposure REFERENCE)
WB_EPSILON = 1e-5  # added to the luminance normalizer of the white balance (Exposure REFERENCE)
CURVE_SEGMENTS = 8  # eight linear segments per curve (Exposure paper, section 4.2)
TONE_SLOPE_RANGE = (0.5, 2.0)  # tone-curve segment slopes (Exposure supplement, "Tone ... Curves")
COLOR_SLOPE_RANGE = (0.9, 1.1)  # colour-curve segment slopes (Exposure supplement)
COLOR_SLOPE_INITIAL = 1.0  # colour-curve tanh_range initial value (Exposure REFERENCE)
LUMINANCE_WEIGHTS = (0.27, 0.67, 0.06)  # Lum(p) = 0.27 r + 0.67 g + 0.06 b (Exposure supplement)

# Relative slack when checking values against their ranges: the network's open ranges, mapped in
# float32, can land a few ulps outside the closed range of the document.
_TOLERANCE = 1e-6


class ProgramError(ValueError):
    """A program document (or one step of it) is malformed; the message names the JSON path."""


# ------------------------------------------------------------------ parameter mapping (one place)


def tanh_range(x, low, high, initial=None, xp=np):
    """Maps raw network outputs onto the open interval (low, high), as the authors' code does.

    `(tanh(x + b) * 0.5 + 0.5) * (high - low) + low` with `b = atanh(2 (initial - low) / (high -
    low) - 1)` so that x = 0 maps to `initial` (b = 0 when `initial` is None). Elementwise, any
    shape; `xp` is numpy or `keras.ops`.
    """
    bias = 0.0 if initial is None else math.atanh(2.0 * (initial - low) / (high - low) - 1.0)
    return (xp.tanh(x + bias) * 0.5 + 0.5) * (high - low) + low


def _sigmoid(x, xp):
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


def raw_to_op_params(name, raw, xp=np):
    """Maps raw network outputs [..., num_raw_params(name)] to operator parameters [..., k].

    Operator parameters are what `mobile.render` applies: exposure [ev]; gamma [exponent in
    (1/3, 3)]; white balance [r, g, b] multipliers; saturation, contrast, black & white [amount];
    tone curve [8 segment slopes, mean 1]; colour curve [24 slopes, channel-major r0..r7 g0..b7,
    each channel's mean 1]; level [low in (0, 1), high in (1, 2)]. Differentiable when `xp` is
    `keras.ops`.
    """
    if name == "exposure":
        return tanh_range(raw, -EXPOSURE_RANGE_EV, EXPOSURE_RANGE_EV, initial=0.0, xp=xp)
    if name == "gamma":
        log_range = math.log(GAMMA_RANGE)
        return xp.exp(tanh_range(raw, -log_range, log_range, xp=xp))
    if name == "white_balance":
        # Red is fixed: the authors multiply the features by (0, 1, 1) before the mapping.
        masked = xp.concatenate([xp.zeros_like(raw[..., :1]), raw[..., 1:]], axis=-1)
        scale = xp.exp(tanh_range(masked, -WB_LOG_RANGE, WB_LOG_RANGE, xp=xp))
        lum = sum(w * scale[..., c:c + 1] for c, w in enumerate(LUMINANCE_WEIGHTS))
        return scale / (WB_EPSILON + lum)
    if name in ("saturation", "black_and_white"):
        return _sigmoid(raw, xp)
    if name == "contrast":
        return xp.tanh(raw)
    if name == "tone_curve":
        return _normalized_slopes(tanh_range(raw, *TONE_SLOPE_RANGE, xp=xp), 1, xp)
    if name == "color_curve":
        t = tanh_range(raw, *COLOR_SLOPE_RANGE, initial=COLOR_SLOPE_INITIAL, xp=xp)
        return _normalized_slopes(t, 3, xp)
    if name == "level":
        return xp.concatenate([_sigmoid(raw[..., :1], xp), _sigmoid(raw[..., 1:], xp) + 1.0], -1)
    raise ProgramError(_unknown_filter(name, "filter"))


def num_raw_params(name):
    """Number of raw network outputs the filter `name` takes."""
    return {"white_balance": 3, "tone_curve": 8, "color_curve": 24, "level": 2}.get(
        _check_name(name, "filter"), 1)


def step_from_raw(name, raw):
    """The human-unit `Step` for one element's raw network outputs (array of num_raw_params)."""
    raw = np.asarray(raw, dtype=np.float64)
    if raw.shape != (num_raw_params(name),):
        raise ProgramError(
            f"{name}: expected {num_raw_params(name)} raw parameters, got shape {raw.shape}")
    return Step.from_op_params(name, raw_to_op_params(name, raw))


# ------------------------------------------------------------------ parameter kinds


def _check_name(name, path):
    if name not in FILTER_NAMES:
        raise ProgramError(_unknown_filter(name, path))
    return name


def _unknown_filter(name, path):
    return f"{path}: unknown filter {name!r}; known filters: {', '.join(FILTER_NAMES)}"


def _number(value, path):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise ProgramError(f"{path}: expected a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ProgramError(f"{path}: expected a finite number, got {value!r}")
    return value


def _numbers(value, count, path):
    if not isinstance(value, (list, tuple, np.ndarray)):
        raise ProgramError(f"{path}: expected a list of {count} numbers, got {value!r}")
    if len(value) != count:
        raise ProgramError(f"{path}: expected {count} values, got {len(value)}")
    return tuple(_number(v, f"{path}[{i}]") for i, v in enumerate(value))


def _within(value, low, high):
    return low - _TOLERANCE * max(1.0, abs(low)) <= value <= high + _TOLERANCE * max(1.0, abs(high))


@dataclasses.dataclass(frozen=True)
class _Scalar:
    """One number in the closed range [low, high]; printed with `fmt`."""

    low: float
    high: float
    fmt: str = "{:+.2f}"
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


class _Gamma(_Scalar):
    """The gamma exponent, printed `1/x` below 1 as in the paper's figures."""

    def format(self, value):
        return f"1/{1.0 / value:.2f}" if value < 1.0 else f"{value:.2f}"


class _Multipliers:
    """White-balance multipliers (r, g, b), positive, with g/r and b/r within the authors' range."""

    size = 3

    def validate(self, value, path):
        value = _numbers(value, 3, path)
        if min(value) <= 0.0:
            raise ProgramError(f"{path}: multipliers must be positive, got {list(value)}")
        low, high = math.exp(-WB_LOG_RANGE), math.exp(WB_LOG_RANGE)
        for c in (1, 2):
            ratio = value[c] / value[0]
            if not _within(ratio, low, high):
                raise ProgramError(
                    f"{path}: ratio {'rgb'[c]}/r = {ratio:.4g} is out of range; "
                    f"allowed [{low:.4g}, {high:.4g}] (exp(+-{WB_LOG_RANGE:g}))")
        return value

    def to_op(self, value):
        return value

    def from_op(self, values):
        return tuple(float(v) for v in values)

    def format(self, value):
        return "(" + ", ".join(f"{v:.2f}" for v in value) + ")"


@dataclasses.dataclass(frozen=True)
class _Curve:
    """Monotonic piecewise-linear curves, each as the 9 points y(k/8), k = 0..8 (Exposure paper,
    section 4.2): y(0) = 0, y(1) = 1, and the segment slopes 8 (y[k+1] - y[k]) are positive and
    within a factor `high / low` of each other, the curves the slope bounds can express."""

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
                f" got {value!r}")
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
        return " ".join(f"{c} {p}" for c, p in zip("RGB", parts, strict=True))


# The parameters of each filter, in human units, in operator-parameter order.
PARAMETERS = {
    "exposure": {"ev": _Scalar(-EXPOSURE_RANGE_EV, EXPOSURE_RANGE_EV)},
    "gamma": {"gamma": _Gamma(1.0 / GAMMA_RANGE, GAMMA_RANGE)},
    "white_balance": {"multipliers": _Multipliers()},
    "saturation": {"amount": _Scalar(0.0, 1.0)},
    "tone_curve": {"points": _Curve(1, *TONE_SLOPE_RANGE)},
    "contrast": {"amount": _Scalar(-1.0, 1.0)},
    "black_and_white": {"amount": _Scalar(0.0, 1.0)},
    "color_curve": {"points": _Curve(3, *COLOR_SLOPE_RANGE)},
    "level": {"low": _Scalar(0.0, 1.0, "{:.2f}"), "high": _Scalar(1.0, 2.0, "{:.2f}")},
}


def num_op_params(name):
    """Number of operator parameters (see `raw_to_op_params`) of the filter `name`."""
    return sum(kind.size for kind in PARAMETERS[_check_name(name, "filter")].values())


# ------------------------------------------------------------------ steps and programs


@dataclasses.dataclass(frozen=True)
class Step:
    """One filter application: `filter` (one of FILTER_NAMES) and its human-unit `params`.

    params per filter: exposure {ev: stops in [-3.5, 3.5]}; gamma {gamma: exponent in [1/3, 3]};
    white_balance {multipliers: (r, g, b) > 0, g/r and b/r in [e^-0.5, e^0.5]};
    saturation, black_and_white {amount: [0, 1]}; contrast {amount: [-1, 1]};
    tone_curve {points: 9 curve values at x = k/8}; color_curve {points: 3 such curves (r, g, b)};
    level {low: [0, 1], high: [1, 2]}. Construction validates and normalizes (floats, tuples); a
    bad value raises ProgramError.
    """

    filter: str
    params: dict

    def __post_init__(self):
        object.__setattr__(self, "params", _validate_params(self.filter, self.params, "step"))

    @classmethod
    def from_json(cls, obj, path="step"):
        """Builds a Step from its JSON object `{"filter": NAME, PARAM: VALUE, ...}`; errors name
        `path` (e.g. "steps[2]")."""
        if not isinstance(obj, dict):
            raise ProgramError(f"{path}: expected an object with a 'filter' key, got {obj!r}")
        if "filter" not in obj:
            raise ProgramError(f"{path}: missing key 'filter'")
        name = obj["filter"]
        if not isinstance(name, str) or name not in FILTER_NAMES:
            raise ProgramError(_unknown_filter(name, f"{path}.filter"))
        params = {k: v for k, v in obj.items() if k != "filter"}
        step = cls.__new__(cls)
        object.__setattr__(step, "filter", name)
        object.__setattr__(step, "params", _validate_params(name, params, path))
        return step

    def to_json(self):
        """The step's JSON object (plain dict of str, float and lists)."""
        out = {"filter": self.filter}
        for key, value in self.params.items():
            out[key] = _plain(value)
        return out

    @classmethod
    def from_op_params(cls, name, values):
        """The Step whose operator parameters (see `raw_to_op_params`) are `values` [k]."""
        values = np.asarray(values, dtype=np.float64).reshape(-1)
        if values.size != num_op_params(name):
            raise ProgramError(
                f"{name}: expected {num_op_params(name)} operator parameters, got {values.size}")
        params, start = {}, 0
        for key, kind in PARAMETERS[name].items():
            params[key] = kind.from_op(values[start:start + kind.size])
            start += kind.size
        return cls(name, params)

    def op_params(self):
        """The operator parameters as float32 [num_op_params(filter)], what the renderer applies."""
        kinds = PARAMETERS[self.filter]
        return np.array([v for key, kind in kinds.items() for v in kind.to_op(self.params[key])],
                        dtype=np.float32)

    def __str__(self):
        kinds = PARAMETERS[self.filter]
        parts = [kind.format(self.params[key]) for key, kind in kinds.items()]
        text = parts[0] if len(parts) == 1 else "(" + ", ".join(parts) + ")"
        return f"{TITLES[self.filter]} {text}"


def _validate_params(name, params, path):
    _check_name(name, f"{path}.filter")
    if not isinstance(params, dict):
        raise ProgramError(f"{path}: expected a dict of parameters, got {params!r}")
    kinds = PARAMETERS[name]
    for key in kinds:
        if key not in params:
            raise ProgramError(f"{path}: missing key {key!r} ({name} takes: {', '.join(kinds)})")
    for key in params:
        if key not in kinds:
            raise ProgramError(f"{path}: unexpected key {key!r} ({name} takes: {', '.join(kinds)})")
    return {key: kind.validate(params[key], f"{path}.{key}") for key, kind in kinds.items()}


def _plain(value):
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


@dataclasses.dataclass(frozen=True)
class Program:
    """An ordered tuple of `Step`s; `str(program)` prints one line per step."""

    steps: tuple = ()

    def __post_init__(self):
        steps = tuple(self.steps)
        for i, step in enumerate(steps):
            if not isinstance(step, Step):
                raise ProgramError(f"steps[{i}]: expected a Step, got {step!r}")
        object.__setattr__(self, "steps", steps)

    @classmethod
    def from_dict(cls, doc):
        """Validates a parsed JSON document and returns the Program (ProgramError otherwise)."""
        if not isinstance(doc, dict):
            raise ProgramError(f"document: expected a JSON object, got {type(doc).__name__}")
        expected = ("format", "version", "steps")
        for key in expected:
            if key not in doc:
                raise ProgramError(f"document: missing key {key!r}")
        for key in doc:
            if key not in expected:
                raise ProgramError(
                    f"document: unexpected key {key!r} (a program has: {', '.join(expected)})")
        if doc["format"] != FORMAT:
            raise ProgramError(f"format: expected {FORMAT!r}, got {doc['format']!r}")
        if doc["version"] != VERSION or isinstance(doc["version"], bool):
            raise ProgramError(
                f"version: unsupported version {doc['version']!r}; this reader knows {VERSION}")
        if not isinstance(doc["steps"], list):
            raise ProgramError(f"steps: expected a list of steps, got {doc['steps']!r}")
        return cls(tuple(Step.from_json(s, f"steps[{i}]") for i, s in enumerate(doc["steps"])))

    def to_dict(self):
        """The JSON document as plain Python objects."""
        return {"format": FORMAT, "version": VERSION, "steps": [s.to_json() for s in self.steps]}

    @classmethod
    def from_json(cls, text):
        """Parses and validates JSON text."""
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as e:
            raise ProgramError(f"not valid JSON: {e}") from e
        return cls.from_dict(doc)

    def to_json(self):
        """The JSON text: one step per line, floats at full precision (exact round trip)."""
        steps = ",\n".join("    " + json.dumps(s.to_json()) for s in self.steps)
        body = f"[\n{steps}\n  ]" if steps else "[]"
        return f'{{\n  "format": "{FORMAT}",\n  "version": {VERSION},\n  "steps": {body}\n}}\n'

    @classmethod
    def load(cls, path):
        """Reads and validates a program file; errors start with the file name."""
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError as e:
            raise ProgramError(f"{path}: cannot read program: {e.strerror}") from e
        try:
            return cls.from_json(text)
        except ProgramError as e:
            raise ProgramError(f"{path}: {e}") from e

    def save(self, path):
        """Writes the program atomically (temp file in the same folder, then os.replace)."""
        with atomic_output(path) as tmp:
            tmp.write_text(self.to_json(), encoding="utf-8")

    def __str__(self):
        return "\n".join(str(step) for step in self.steps)


def load(path):
    """Reads and validates the program file at `path` (same as `Program.load`)."""
    return Program.load(path)


def save(program, path):
    """Writes `program` to `path` atomically (same as `program.save(path)`)."""
    program.save(path)
