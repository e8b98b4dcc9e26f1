"""Random programs for tests and benchmarks, drawn the way an untrained agent would emit them."""
import numpy as np

from mobile.program import DEFAULT_FILTERS, Program, num_raw_params, step_from_raw


def random_program(rng, num_steps=5, filters=DEFAULT_FILTERS, raw_scale=1.0):
    """Returns a Program of `num_steps` distinct filters in random order.

    Each step's parameters come from raw network outputs drawn from N(0, raw_scale^2) and mapped
    with the authors' parameter ranges (`mobile.program.step_from_raw`), so every value is valid
    and larger `raw_scale` reaches further toward the range ends.

    Args:
      rng: a numpy Generator.
      num_steps: 1 .. len(filters); the paper's episodes have 5 steps.
      filters: filter names to choose from (default: the paper's eight).
      raw_scale: standard deviation of the raw outputs.
    """
    if not 1 <= num_steps <= len(filters):
        raise ValueError(f"num_steps must be in [1, {len(filters)}], got {num_steps}")
    names = rng.choice(np.asarray(filters), size=num_steps, replace=False)
    return Program(tuple(
        step_from_raw(str(name), rng.normal(0.0, raw_scale, num_raw_params(str(name))))
        for name in names))
