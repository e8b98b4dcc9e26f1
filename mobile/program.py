"""The retouch program: the white-box result of one image as an ordered list of filter steps.

A program is a versioned JSON document that users read, edit and apply to other photos::

    {"format": "exposure-program", "version": 1,
     "steps": [{"filter": "exposure", "ev": 1.81},
               {"filter": "gamma", "gamma": 0.862},
               {"filter": "tone_curve", "points": [0, 0.1, 0.22, 0.35, 0.48, 0.61, 0.74, 0.87, 1]}]}

Every parameter is in human units (EV stops, the gamma exponent, white-balance multipliers,
amounts, curve points); which filters exist, their parameters and ranges are the filter registry's
(`mobile.registry`). Loading validates the document and raises `ProgramError` naming the JSON
path of the bad item and what was expected. Printed form as in the Exposure paper's figures
(`Exposure +1.81`, `Gamma 1/1.16`, `Contrast -0.95`, ...). numpy and the standard library only.
"""
import dataclasses
import json
import reprlib
import sys

import numpy as np

from mobile import registry
from mobile.atomic import atomic_output
from mobile.parameters import ProgramError

FORMAT = "exposure-program"
VERSION = 1
# Most steps a program may hold: far above the agent's five (Exposure paper, section 5.2), so
# hand-made programs fit, and a bound on the work and memory a document can ask for.
MAX_STEPS = 100


def _filter(name, path):
    """The registry entry of filter `name`; ProgramError naming `path` if there is none."""
    if not isinstance(name, str) or name not in registry.FILTERS:
        raise ProgramError(
            f"{path}: unknown filter {reprlib.repr(name)}; known filters: "
            f"{', '.join(registry.FILTERS)}")
    return registry.FILTERS[name]


def raw_to_op_params(name, raw, xp=np):
    """Maps raw network outputs [..., num_raw_params(name)] to operator parameters
    [..., num_op_params(name)], what `mobile.render` applies, with the authors' ranges (the
    filter's `from_raw` in `mobile.registry`). Differentiable when `xp` is `keras.ops`."""
    return _filter(name, "filter").from_raw(raw, xp)


def num_raw_params(name):
    """Number of raw network outputs the filter `name` takes."""
    return _filter(name, "filter").num_raw


def num_op_params(name):
    """Number of operator parameters (see `raw_to_op_params`) of the filter `name`."""
    return _filter(name, "filter").num_op_params


def step_from_raw(name, raw):
    """The human-unit `Step` for one element's raw network outputs (array of num_raw_params)."""
    raw = np.asarray(raw, dtype=np.float64)
    if raw.shape != (num_raw_params(name),):
        raise ProgramError(
            f"{name}: expected {num_raw_params(name)} raw parameters, got shape {raw.shape}")
    return Step.from_op_params(name, raw_to_op_params(name, raw))


# ------------------------------------------------------------------ steps and programs


@dataclasses.dataclass(frozen=True)
class Step:
    """One filter application: `filter` (a name in `mobile.registry.FILTERS`) and its human-unit
    `params`, one value per key of the filter's `parameters` (keys, units and ranges in
    `mobile.registry`; e.g. exposure {ev: stops in [-3.5, 3.5]}). Construction validates and
    normalizes (floats, tuples); a bad value raises ProgramError.
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
            raise ProgramError(
                f"{path}: expected an object with a 'filter' key, got {reprlib.repr(obj)}")
        if "filter" not in obj:
            raise ProgramError(f"{path}: missing key 'filter'")
        name = obj["filter"]
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
        for key, kind in registry.FILTERS[name].parameters.items():
            params[key] = kind.from_op(values[start:start + kind.size])
            start += kind.size
        return cls(name, params)

    def op_params(self):
        """The operator parameters as float32 [num_op_params(filter)], what the renderer applies."""
        kinds = registry.FILTERS[self.filter].parameters
        return np.array([v for key, kind in kinds.items() for v in kind.to_op(self.params[key])],
                        dtype=np.float32)

    def __str__(self):
        spec = registry.FILTERS[self.filter]
        parts = [kind.format(self.params[key]) for key, kind in spec.parameters.items()]
        text = parts[0] if len(parts) == 1 else "(" + ", ".join(parts) + ")"
        return f"{spec.title} {text}"


def _check_step_count(count):
    if count > MAX_STEPS:
        raise ProgramError(f"steps: {count} steps; a program holds at most {MAX_STEPS}")


def _validate_params(name, params, path):
    kinds = _filter(name, f"{path}.filter").parameters
    if not isinstance(params, dict):
        raise ProgramError(f"{path}: expected a dict of parameters, got {reprlib.repr(params)}")
    for key in kinds:
        if key not in params:
            raise ProgramError(f"{path}: missing key {key!r} ({name} takes: {', '.join(kinds)})")
    for key in params:
        if key not in kinds:
            raise ProgramError(f"{path}: unexpected key {reprlib.repr(key)} ({name} takes: "
                               f"{', '.join(kinds)})")
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
        _check_step_count(len(steps))
        for i, step in enumerate(steps):
            if not isinstance(step, Step):
                raise ProgramError(f"steps[{i}]: expected a Step, got {reprlib.repr(step)}")
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
                    f"document: unexpected key {reprlib.repr(key)} (a program has: "
                    f"{', '.join(expected)})")
        if doc["format"] != FORMAT:
            raise ProgramError(f"format: expected {FORMAT!r}, got {reprlib.repr(doc['format'])}")
        if doc["version"] != VERSION or isinstance(doc["version"], bool):
            raise ProgramError(
                f"version: unsupported version {reprlib.repr(doc['version'])}; this reader "
                f"knows {VERSION}")
        if not isinstance(doc["steps"], list):
            raise ProgramError(f"steps: expected a list of steps, got {reprlib.repr(doc['steps'])}")
        _check_step_count(len(doc["steps"]))
        return cls(tuple(Step.from_json(s, f"steps[{i}]") for i, s in enumerate(doc["steps"])))

    def to_dict(self):
        """The JSON document as plain Python objects."""
        return {"format": FORMAT, "version": VERSION, "steps": [s.to_json() for s in self.steps]}

    @classmethod
    def from_json(cls, text):
        """Parses and validates JSON text."""
        try:
            doc = json.loads(text)
        except RecursionError:
            raise ProgramError("not valid JSON for a program: nested too deeply") from None
        except json.JSONDecodeError as e:
            raise ProgramError(f"not valid JSON: {e}") from None
        except ValueError:  # Python's int-conversion limit
            raise ProgramError(f"not valid JSON for a program: an integer of more than "
                               f"{sys.get_int_max_str_digits()} digits") from None
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
        except UnicodeDecodeError as e:
            raise ProgramError(f"{path}: not UTF-8 text (byte 0x{e.object[e.start]:02x} at offset "
                               f"{e.start}); a program is UTF-8 JSON") from None
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
