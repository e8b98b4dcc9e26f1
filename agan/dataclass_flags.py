"""Command-line flags generated from a settings dataclass: each setting declared once, as a field.

A field becomes a flag when its metadata has a "help" text (`flag_field` makes such fields; a plain
``dataclasses.field(metadata={"help": ...})`` works too). The flag has the field's name (or the
metadata's "flag_name"), its default and its type: bool -> DEFINE_bool, int -> DEFINE_integer,
float -> DEFINE_float, str -> DEFINE_string (DEFINE_enum with "choices"), tuple -> DEFINE_list;
``X | None`` is X with default None. Fields without help are not flags.

    @dataclasses.dataclass
    class Config:
        steps: int = flag_field(100, "Updates.", lower_bound=1)

    CONFIG_FLAGS = define_flags(Config)  # in the command's module: defines --steps
    ...
    config = CONFIG_FLAGS.config()       # in main, after parsing: Config(steps=FLAGS.steps)

Importing this module defines no flags; `define_flags` does, for the module that calls it.
"""
import dataclasses
import types
import typing

from absl import flags

# Flags defined here belong to the module that calls define_flags: its --help lists them.
flags.disclaim_key_flags()

# (id(flag_values), config class) -> (flag_values, ConfigFlags), so that two commands imported into
# one process share one set of flags. flag_values is kept so that its id is never reused.
_DEFINED = {}


def flag_field(default, help, *, flag_name=None, choices=None, lower_bound=None,
               upper_bound=None):
    """A dataclass field that is also a command-line flag.

    Args:
      default: the field's default and the flag's.
      help: the flag's --help text.
      flag_name: the flag's name if it is not the field's.
      choices: allowed values of a str field (an enum flag); a sequence, or a function returning
        one, called when the flag is defined (so the module owning the list is imported then).
      lower_bound, upper_bound: inclusive bounds of an int or float flag.
    """
    options = {"flag_name": flag_name, "choices": choices, "lower_bound": lower_bound,
               "upper_bound": upper_bound}
    metadata = {"help": help, **{k: v for k, v in options.items() if v is not None}}
    return dataclasses.field(default=default, metadata=metadata)


class ConfigFlags:
    """The flags of one settings dataclass: `holders` maps field names to absl FlagHolders."""

    def __init__(self, config_class, holders):
        self.config_class = config_class
        self.holders = holders

    def values(self):
        """{field name: the parsed flag value}; a tuple field gets a tuple (a list flag's value)."""
        return {name: tuple(holder.value) if isinstance(holder.value, list) else holder.value
                for name, holder in self.holders.items()}

    def config(self, **others):
        """The dataclass built from the parsed flags; `others` sets (or overrides) fields."""
        return self.config_class(**{**self.values(), **others})


def _flag_type(field, hints, config_class):
    """The type a field's flag parses: its annotation, with `X | None` taken as X."""
    hint = hints[field.name]
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        members = [a for a in typing.get_args(hint) if a is not type(None)]
        hint = members[0] if len(members) == 1 else hint
    if hint not in (bool, int, float, str, tuple):
        raise TypeError(f"{config_class.__name__}.{field.name}: a flag needs a bool, int, float, "
                        f"str or tuple field (or one of them | None), got {hint!r}")
    return hint


def _define(field, flag_type, flag_values):
    metadata = field.metadata
    name = metadata.get("flag_name", field.name)
    help_text = metadata["help"]
    bounds = {k: metadata[k] for k in ("lower_bound", "upper_bound") if k in metadata}
    if flag_type is bool:
        return flags.DEFINE_bool(name, field.default, help_text, flag_values=flag_values)
    if flag_type is int:
        return flags.DEFINE_integer(name, field.default, help_text, flag_values=flag_values,
                                    **bounds)
    if flag_type is float:
        return flags.DEFINE_float(name, field.default, help_text, flag_values=flag_values,
                                  **bounds)
    if flag_type is tuple:
        return flags.DEFINE_list(name, list(field.default), help_text, flag_values=flag_values)
    choices = metadata.get("choices")
    if choices is None:
        return flags.DEFINE_string(name, field.default, help_text, flag_values=flag_values)
    choices = choices() if callable(choices) else choices
    return flags.DEFINE_enum(name, field.default, list(choices), help_text,
                             flag_values=flag_values)


def define_flags(config_class, flag_values=flags.FLAGS):
    """Defines one flag per field of `config_class` that has help; returns their `ConfigFlags`.

    The flags are key flags of the calling module (its --help lists them). Called again for the
    same class and `flag_values` (two commands in one process), it defines nothing, makes the
    flags key flags of that caller too and returns the same `ConfigFlags`.
    """
    key = (id(flag_values), config_class)
    if key in _DEFINED:
        defined = _DEFINED[key][1]
        for holder in defined.holders.values():
            flags.declare_key_flag(holder)
        return defined
    hints = typing.get_type_hints(config_class)
    holders = {}
    for field in dataclasses.fields(config_class):
        if "help" in field.metadata:
            holders[field.name] = _define(field, _flag_type(field, hints, config_class),
                                          flag_values)
    defined = ConfigFlags(config_class, holders)
    _DEFINED[key] = (flag_values, defined)
    return defined
