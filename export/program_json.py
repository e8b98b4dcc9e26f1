"""The program JSON document (`mobile.program`, format "exposure-program" version 1) built in
TF ops, so a served model can return it as a string with no Python on the server.

Numbers are written with 9 significant digits (float32 round-trips); parameters are converted
from operator units to the document's human units as `mobile.program.Step.from_op_params` does:
scalars and multipliers as they are, curve slopes to the 9 points y(k/8) = cumsum / total.
"""
import tensorflow as tf

from mobile import program as program_lib
from mobile import registry
from mobile.parameters import CURVE_SEGMENTS

_DIGITS = 9  # significant digits of a float32


def _number(x):
    return tf.strings.as_string(x, precision=_DIGITS - 1, scientific=True)


def _list(values):
    return "[" + tf.strings.reduce_join(_number(values), separator=", ") + "]"


def _curve_points(slopes):
    """[8] slopes -> the JSON list of the 9 points 0, cumsum / total."""
    ends = tf.cumsum(slopes)
    return _list(tf.concat([[0.0], ends / ends[-1]], axis=0))


def _value(kind, values):
    """The JSON text of one parameter of kind `kind` from its operator parameters [kind.size]."""
    channels = getattr(kind, "channels", None)
    if channels is None:
        return _number(values[0]) if kind.size == 1 else _list(values)
    n = CURVE_SEGMENTS
    curves = [_curve_points(values[c * n:(c + 1) * n]) for c in range(channels)]
    return curves[0] if channels == 1 else "[" + tf.strings.join(curves, separator=", ") + "]"


def step_json(name, op_params):
    """The JSON object text of one step of filter `name` from op_params [>= num_op_params]."""
    text, start = f'{{"filter": "{name}"', 0
    for key, kind in registry.FILTERS[name].parameters.items():
        text = text + f', "{key}": ' + _value(kind, op_params[start:start + kind.size])
        start += kind.size
    return text + "}"


def program_json(filter_index, parameters, filter_names):
    """The program document text (tf.string scalar) of one image.

    Args:
      filter_index: int32 [S] filter chosen per step (indices into `filter_names`).
      parameters: float32 [S, K] operator parameters per step (see `export.predictor`).
    """
    steps = []
    for k in range(filter_index.shape[0]):
        branches = [lambda name=name, p=parameters[k]: step_json(name, p) for name in filter_names]
        steps.append(tf.switch_case(filter_index[k], branches))
    return (f'{{"format": "{program_lib.FORMAT}", "version": {program_lib.VERSION}, '
            '"steps": [' + tf.strings.reduce_join(tf.stack(steps), separator=", ") + "]}")
