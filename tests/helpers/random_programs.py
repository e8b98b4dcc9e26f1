"""Random programs for tests and benchmarks, drawn the way an untrained agent would emit them."""
import numpy as np

from mobile.program import Program, num_raw_params, step_from_raw
from mobile.registry import DEFAULT_FILTERS


def random_raw_outputs(rng, num_steps=5, filters=DEFAULT_FILTERS, raw_scale=1.0):
    """Returns [(filter name, raw network outputs float64 [num_raw_params])] for `num_steps`
    distinct filters in random order, raw outputs drawn from N(0, raw_scale^2).

    Args:
      rng: a numpy Generator.
      num_steps: 1 .. len(filters); the paper's episodes have 5 steps.
      filters: filter names to choose from (default: the paper's eight).
      raw_scale: standard deviation of the raw outputs; larger reaches further toward the ends
        of the parameter ranges.
    """
    if not 1 <= num_steps <= len(filters):
        raise ValueError(f"num_steps must be in [1, {len(filters)}], got {num_steps}")
    names = [str(name) for name in rng.choice(np.asarray(filters), size=num_steps, replace=False)]
    return [(name, rng.normal(0.0, raw_scale, num_raw_params(name))) for name in names]


def random_program(rng, num_steps=5, filters=DEFAULT_FILTERS, raw_scale=1.0):
    """Returns the Program of `random_raw_outputs(rng, num_steps, filters, raw_scale)`, mapped
    with the authors' parameter ranges (`mobile.program.step_from_raw`): every value is valid."""
    return Program(tuple(step_from_raw(name, raw)
                         for name, raw in random_raw_outputs(rng, num_steps, filters, raw_scale)))
