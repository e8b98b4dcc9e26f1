"""Flags generated from a settings dataclass: one per field with help, typed, bounded, shared."""
import dataclasses
import sys
import types

import pytest
from absl import flags

from agan import dataclass_flags
from agan.dataclass_flags import flag_field


@dataclasses.dataclass
class Toy:
    name: str = flag_field("a", "A name.")
    kind: str = flag_field("x", "A kind.", choices=("x", "y"))
    late: str = flag_field("p", "Choices given by a function.", choices=lambda: ("p", "q"))
    steps: int = flag_field(3, "Steps.", lower_bound=1)
    rate: float = flag_field(0.5, "Rate.", lower_bound=0.0, upper_bound=1.0)
    on: bool = flag_field(False, "Switch.")
    parts: tuple = flag_field(("u", "v"), "Parts.")
    limit: int | None = flag_field(None, "Optional limit.")
    seed: int = flag_field(0, "Seed.", flag_name="toy_seed")
    hidden: int = 7  # no help: not a flag


def _parse(flag_values, *args):
    flag_values(["prog", *args])
    return flag_values


def test_each_field_with_help_is_a_flag_of_its_type_and_default():
    flag_values = flags.FlagValues()
    toy_flags = dataclass_flags.define_flags(Toy, flag_values)
    assert set(toy_flags.holders) == {f.name for f in dataclasses.fields(Toy)} - {"hidden"}
    assert "hidden" not in flag_values and "toy_seed" in flag_values and "seed" not in flag_values
    _parse(flag_values)
    assert toy_flags.config() == Toy()
    assert flag_values["kind"].parser.enum_values == ["x", "y"]
    assert flag_values["late"].parser.enum_values == ["p", "q"]
    assert flag_values["on"].boolean
    assert flag_values["steps"].help == "Steps."


def test_parsed_values_build_the_config():
    flag_values = flags.FlagValues()
    toy_flags = dataclass_flags.define_flags(Toy, flag_values)
    _parse(flag_values, "--name=b", "--kind=y", "--steps=5", "--rate=0.25", "--on",
           "--parts=w", "--limit=9", "--toy_seed=4")
    assert toy_flags.config(hidden=1) == Toy(name="b", kind="y", steps=5, rate=0.25, on=True,
                                             parts=("w",), limit=9, seed=4, hidden=1)


@pytest.mark.parametrize("arg", ["--steps=0", "--rate=1.5", "--kind=z", "--steps=two"])
def test_out_of_range_or_mistyped_values_are_rejected(arg):
    flag_values = flags.FlagValues()
    dataclass_flags.define_flags(Toy, flag_values)
    with pytest.raises(flags.IllegalFlagValueError):
        _parse(flag_values, arg)


def test_a_second_definition_shares_the_flags_and_makes_them_key_flags_of_its_caller(
        monkeypatch):
    flag_values = flags.FlagValues()
    first = dataclass_flags.define_flags(Toy, flag_values)
    other = types.ModuleType("other_command")  # a second command module in the same process
    other.__dict__.update(Toy=Toy, flag_values=flag_values)
    monkeypatch.setitem(sys.modules, other.__name__, other)
    exec("from agan import dataclass_flags\n"
         "second = dataclass_flags.define_flags(Toy, flag_values)\n", other.__dict__)
    assert other.second is first
    expected = {flag.metadata.get("flag_name", flag.name) for flag in dataclasses.fields(Toy)
                if "help" in flag.metadata}
    for module in (sys.modules[__name__], other):
        keys = {f.name for f in flag_values.get_key_flags_for_module(module)}
        assert keys == expected, module


def test_unsupported_field_types_name_the_field():
    @dataclasses.dataclass
    class Bad:
        things: dict = flag_field(None, "A dict.")

    with pytest.raises(TypeError, match="Bad.things"):
        dataclass_flags.define_flags(Bad, flags.FlagValues())
