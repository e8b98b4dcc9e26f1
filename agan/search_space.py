"""The AGAN search space: operation vocabularies, segments, architectures and their JSON form.

A *segment* is the controller's output for one module kind (AGAN section 3.1-3.2): a sequence
``o0, a0, o1, a1, ..., a(k-1), ok`` of operations and adjacency vectors. Adjacency vector ``a(i)``
picks, among the tensors ``x0 .. x(i+1)`` that exist when operation ``o(i+1)`` is applied, the ones
summed into its input, so its canonical length is ``i + 2``. An *architecture* is three segments:
the up-sampling module of the generator and the down-sampling and normal modules of the
discriminator.

Every operation token has a *normal* meaning and a *re-sampling* meaning, because the section 3.2
heuristics decide by position (and by the module that precedes) whether an operation re-samples:

- up-sampling meaning: ``deconv_KxK`` is a stride-2 KxK transposed convolution; every other token is
  nearest-neighbour 2x up-sampling followed by the token's normal operation (for the convolutions
  this is the paper's "nearest-neighbour interpolation followed by any convolution"; identity and
  pooling tokens extend the rule to the whole vocabulary).
- down-sampling meaning: ``pool_first_CONV`` is 2x2 stride-2 average pooling followed by CONV; every
  other token is its normal operation followed by 2x2 stride-2 average pooling (for the convolutions
  this is the paper's "convolution followed by stride 2 average pooling").
- normal meaning of ``deconv_KxK``: a stride-1 KxK transposed convolution; of ``pool_first_CONV``:
  CONV.
"""
import json
import pathlib
import reprlib

import numpy as np

from mobile.atomic import write_text_atomically

IDENTITY = "identity"
CONV_1X1 = "conv_1x1"
CONV_3X3 = "conv_3x3"
DIL_CONV_3X3 = "dil_conv_3x3"
SEP_CONV_3X3 = "sep_conv_3x3"
SEP_CONV_5X5 = "sep_conv_5x5"
SEP_CONV_7X7 = "sep_conv_7x7"
CONV_1X3_3X1 = "conv_1x3_3x1"
CONV_1X5_5X1 = "conv_1x5_5x1"
CONV_1X7_7X1 = "conv_1x7_7x1"
MAX_POOL_3X3 = "max_pool_3x3"
MAX_POOL_5X5 = "max_pool_5x5"
MAX_POOL_7X7 = "max_pool_7x7"
AVG_POOL_3X3 = "avg_pool_3x3"
AVG_POOL_5X5 = "avg_pool_5x5"
AVG_POOL_7X7 = "avg_pool_7x7"
DECONV_3X3 = "deconv_3x3"
DECONV_5X5 = "deconv_5x5"
DECONV_7X7 = "deconv_7x7"

# The convolutions of the normal list (AGAN section 3.2).
CONVOLUTIONS = (
    CONV_1X1, CONV_3X3, DIL_CONV_3X3, SEP_CONV_3X3, SEP_CONV_5X5, SEP_CONV_7X7,
    CONV_1X3_3X1, CONV_1X5_5X1, CONV_1X7_7X1,
)
# The 16 normal operations (AGAN section 3.2).
NORMAL_OPERATIONS = (IDENTITY,) + CONVOLUTIONS + (
    MAX_POOL_3X3, MAX_POOL_5X5, MAX_POOL_7X7, AVG_POOL_3X3, AVG_POOL_5X5, AVG_POOL_7X7,
)
# 3x3, 5x5, 7x7 transposed convolutions (AGAN section 3.2, up-sampling operations of type 1).
TRANSPOSED_CONVOLUTIONS = (DECONV_3X3, DECONV_5X5, DECONV_7X7)
POOL_FIRST_PREFIX = "pool_first_"
# Stride-2 average pooling followed by a convolution (AGAN section 3.2, down-sampling type 2).
POOL_FIRST_CONVOLUTIONS = tuple(POOL_FIRST_PREFIX + conv for conv in CONVOLUTIONS)

GENERATOR_UP = "generator_up"
DISCRIMINATOR_DOWN = "discriminator_down"
DISCRIMINATOR_NORMAL = "discriminator_normal"
SEGMENT_NAMES = (GENERATOR_UP, DISCRIMINATOR_DOWN, DISCRIMINATOR_NORMAL)

# The tokens the controller may emit in each segment, in a fixed order (its softmax classes).
VOCABULARIES = {
    GENERATOR_UP: NORMAL_OPERATIONS + TRANSPOSED_CONVOLUTIONS,
    DISCRIMINATOR_DOWN: NORMAL_OPERATIONS + POOL_FIRST_CONVOLUTIONS,
    DISCRIMINATOR_NORMAL: NORMAL_OPERATIONS,
}
# Every token of any vocabulary, in a fixed order.
ALL_OPERATIONS = NORMAL_OPERATIONS + TRANSPOSED_CONVOLUTIONS + POOL_FIRST_CONVOLUTIONS
# Each controller segment emits 6 operations and 5 adjacency vectors (AGAN section 4.2).
NUM_OPERATIONS = 6
# Most operations a module may hold: well above the paper's 6. The adjacency vectors and the
# figure agan_describe draws grow with the square of the count.
MAX_OPERATIONS = 16

FORMAT = "agan-architecture"
VERSION = 1


class ArchitectureError(ValueError):
    """An architecture, segment or architecture file is malformed; the message names where."""


def is_convolution(token):
    """True for tokens whose operation holds a convolution (pre-activated in the module builder)."""
    return token in CONVOLUTIONS or token in TRANSPOSED_CONVOLUTIONS or token in POOL_FIRST_CONVOLUTIONS


class Segment:
    """One module's program: operations ``o0..ok`` and adjacency vectors ``a0..a(k-1)``.

    ``adjacency[i]`` is a tuple of 0/1 ints of length ``i + 2`` (entry ``j`` selects tensor ``xj``).
    Instances are immutable and compare by value.
    """

    def __init__(self, ops, adjacency, *, vocabulary=NORMAL_OPERATIONS, where="segment"):
        """Validates and stores a segment.

        Args:
          ops: sequence of 1 to MAX_OPERATIONS operation tokens, each in `vocabulary`.
          adjacency: sequence of k vectors of 0/1; vector i has length i + 2, or it is padded to the
            common length k + 1 with zeros in the entries that name tensors not yet built (the form of
            the paper's Figure 2).
          vocabulary: the allowed tokens.
          where: prefix for error messages, e.g. "discriminator_down".
        Raises:
          ArchitectureError naming the offending entry.
        """
        ops = list(ops)
        adjacency = list(adjacency)
        if not ops:
            raise ArchitectureError(f"{where}.ops: needs at least one operation, got none")
        if len(ops) > MAX_OPERATIONS:
            raise ArchitectureError(
                f"{where}.ops: {len(ops)} operations; a module holds at most {MAX_OPERATIONS}")
        for i, op in enumerate(ops):
            if op not in vocabulary:
                raise ArchitectureError(
                    f"{where}.ops[{i}]: unknown operation {reprlib.repr(op)}; known: "
                    f"{', '.join(vocabulary)}")
        if len(adjacency) != len(ops) - 1:
            raise ArchitectureError(
                f"{where}.adjacency: needs {len(ops) - 1} vectors (one fewer than the "
                f"{len(ops)} operations), got {len(adjacency)}")
        padded = len(ops)
        canonical = []
        for i, vector in enumerate(adjacency):
            if isinstance(vector, (str, bytes)) or not hasattr(vector, "__len__"):
                raise ArchitectureError(
                    f"{where}.adjacency[{i}]: expected a list of 0/1, got {reprlib.repr(vector)}")
            vector = list(vector)
            if any(v not in (0, 1) for v in vector):
                raise ArchitectureError(
                    f"{where}.adjacency[{i}]: entries must be 0 or 1, got {reprlib.repr(vector)}")
            available = i + 2
            if len(vector) == padded and padded > available:
                if any(vector[available:]):
                    raise ArchitectureError(
                        f"{where}.adjacency[{i}]: selects tensor "
                        f"x{available + vector[available:].index(1)}, which is not built yet "
                        f"(only x0..x{available - 1} exist before ops[{i + 1}])")
                vector = vector[:available]
            if len(vector) != available:
                raise ArchitectureError(
                    f"{where}.adjacency[{i}]: expected length {available} (tensors x0..x"
                    f"{available - 1}), got length {len(vector)}")
            canonical.append(tuple(int(v) for v in vector))
        self.ops = tuple(ops)
        self.adjacency = tuple(canonical)

    @classmethod
    def from_sequence(cls, sequence, **kwargs):
        """Builds a segment from the controller's interleaved ``[o0, a0, o1, ..., a(k-1), ok]``."""
        sequence = list(sequence)
        return cls(sequence[0::2], sequence[1::2], **kwargs)

    @property
    def num_operations(self):
        return len(self.ops)

    def to_json(self):
        """The JSON-ready form ``{"ops": [...], "adjacency": [[...], ...]}``."""
        return {"ops": list(self.ops), "adjacency": [list(v) for v in self.adjacency]}

    def __eq__(self, other):
        return isinstance(other, Segment) and (self.ops, self.adjacency) == (
            other.ops, other.adjacency)

    def __hash__(self):
        return hash((self.ops, self.adjacency))

    def __repr__(self):
        return f"Segment(ops={list(self.ops)}, adjacency={[list(v) for v in self.adjacency]})"


class Architecture:
    """A GAN architecture: the generator's up-sampling module and the discriminator's down-sampling
    and normal modules, each a `Segment` over its vocabulary in `VOCABULARIES`."""

    def __init__(self, generator_up, discriminator_down, discriminator_normal, *, description=""):
        segments = {
            GENERATOR_UP: generator_up,
            DISCRIMINATOR_DOWN: discriminator_down,
            DISCRIMINATOR_NORMAL: discriminator_normal,
        }
        for name, segment in segments.items():
            if not isinstance(segment, Segment):
                raise ArchitectureError(f"{name}: expected a Segment, got {type(segment).__name__}")
            Segment(segment.ops, segment.adjacency, vocabulary=VOCABULARIES[name], where=name)
        self.generator_up = generator_up
        self.discriminator_down = discriminator_down
        self.discriminator_normal = discriminator_normal
        self.description = str(description)

    def segments(self):
        """``{segment name: Segment}`` in `SEGMENT_NAMES` order."""
        return {name: getattr(self, name) for name in SEGMENT_NAMES}

    def to_json(self):
        """The versioned JSON-ready dict (see `from_json`)."""
        obj = {"format": FORMAT, "version": VERSION, "description": self.description}
        obj.update({name: segment.to_json() for name, segment in self.segments().items()})
        return obj

    @classmethod
    def from_json(cls, obj):
        """Parses ``{"format": "agan-architecture", "version": 1, "description": str,
        "generator_up": {"ops": [...], "adjacency": [[...]]}, "discriminator_down": ...,
        "discriminator_normal": ...}``; raises `ArchitectureError` naming what is wrong."""
        where = "architecture"
        if not isinstance(obj, dict):
            raise ArchitectureError(f"{where}: expected a JSON object, got {type(obj).__name__}")
        if obj.get("format") != FORMAT:
            raise ArchitectureError(
                f"{where}: 'format' must be {FORMAT!r}, got {obj.get('format')!r}")
        if obj.get("version") != VERSION:
            raise ArchitectureError(
                f"{where}: unsupported 'version' {obj.get('version')!r}; this code reads {VERSION}")
        known = {"format", "version", "description", *SEGMENT_NAMES}
        unknown = sorted(set(obj) - known)
        if unknown:
            raise ArchitectureError(
                f"{where}: unknown keys {unknown}; known: {sorted(known)}")
        segments = {}
        for name in SEGMENT_NAMES:
            if name not in obj:
                raise ArchitectureError(f"{where}: missing segment {name!r}")
            entry = obj[name]
            if not isinstance(entry, dict) or set(entry) != {"ops", "adjacency"}:
                raise ArchitectureError(
                    f"{name}: expected an object with keys 'ops' and 'adjacency', got "
                    f"{reprlib.repr(entry)}")
            if not isinstance(entry["ops"], list) or not isinstance(entry["adjacency"], list):
                raise ArchitectureError(f"{name}: 'ops' and 'adjacency' must be lists")
            segments[name] = Segment(entry["ops"], entry["adjacency"],
                                     vocabulary=VOCABULARIES[name], where=name)
        return cls(**segments, description=obj.get("description", ""))

    @classmethod
    def load(cls, path):
        """Reads and validates an architecture JSON file; errors name the file."""
        path = pathlib.Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise ArchitectureError(f"{path}: cannot read architecture file ({error})") from error
        except UnicodeDecodeError as error:
            raise ArchitectureError(f"{path}: not UTF-8 text ({error})") from None
        try:
            obj = json.loads(text)
        except RecursionError:
            raise ArchitectureError(
                f"{path}: not an architecture: JSON nested too deeply") from None
        except ValueError as error:  # JSONDecodeError, or an integer of more than 4300 digits
            raise ArchitectureError(f"{path}: not valid JSON ({error})") from None
        try:
            return cls.from_json(obj)
        except ArchitectureError as error:
            raise ArchitectureError(f"{path}: {error}") from error

    def to_json_text(self):
        """The JSON form as text for people: one line per operation list and adjacency list."""
        obj = self.to_json()
        lines = [f"  {json.dumps(key)}: {json.dumps(obj[key])}," for key in
                 ("format", "version", "description")]
        for i, name in enumerate(SEGMENT_NAMES):
            lines.append(f"  {json.dumps(name)}: {{")
            lines.append(f"    \"ops\": {json.dumps(obj[name]['ops'])},")
            lines.append(f"    \"adjacency\": {json.dumps(obj[name]['adjacency'])}")
            lines.append("  }" + ("," if i < len(SEGMENT_NAMES) - 1 else ""))
        return "{\n" + "\n".join(lines) + "\n}\n"

    def save(self, path):
        """Writes `to_json_text()` to `path` atomically (temporary file + os.replace)."""
        write_text_atomically(path, self.to_json_text())

    def __eq__(self, other):
        return isinstance(other, Architecture) and self.segments() == other.segments()

    def __hash__(self):
        return hash(tuple(self.segments().values()))

    def __repr__(self):
        return (f"Architecture(generator_up={self.generator_up!r}, "
                f"discriminator_down={self.discriminator_down!r}, "
                f"discriminator_normal={self.discriminator_normal!r})")


ARCHITECTURES_DIR = pathlib.Path(__file__).resolve().parent / "architectures"


def builtin_architectures():
    """``{name: path}`` of the hand-designed baselines shipped with the package (e.g. "dcgan")."""
    return {path.stem: path for path in sorted(ARCHITECTURES_DIR.glob("*.json"))}


def random_segment(rng, vocabulary, num_operations=NUM_OPERATIONS, *, where="segment"):
    """A uniformly random segment: each op uniform over `vocabulary`, each adjacency entry a fair
    coin. `rng` is a `numpy.random.Generator`."""
    ops = [vocabulary[i] for i in rng.integers(len(vocabulary), size=num_operations)]
    adjacency = [rng.integers(2, size=i + 2).tolist() for i in range(num_operations - 1)]
    return Segment(ops, adjacency, vocabulary=vocabulary, where=where)


def random_architecture(rng, num_operations=NUM_OPERATIONS):
    """A random `Architecture` with `num_operations` operations per segment.

    `rng` is a `numpy.random.Generator` or an int seed.
    """
    rng = np.random.default_rng(rng)
    return Architecture(**{
        name: random_segment(rng, VOCABULARIES[name], num_operations, where=name)
        for name in SEGMENT_NAMES
    }, description="random architecture")
