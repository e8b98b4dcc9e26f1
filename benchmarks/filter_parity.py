"""Measures how far the numpy renderer is from the Keras filter layers, float32 (not a test).

Random 5-step programs of the default filters: raw outputs ~ N(0, raw_scale^2) go through the
Keras layers (`exposure.filters`) on random images in [0, 1]; the steps read off the layers
(`Filter.steps`) are rendered with `mobile.render.render`. Prints the max absolute difference
overall, where the output is within [-1, 1], and relative to |value| where it is above 1.

    .venv/bin/python benchmarks/filter_parity.py --programs=200 --raw_scale=1
"""
import numpy as np
from absl import app, flags

from exposure import filters
from mobile import program as program_lib
from mobile import render
from mobile.registry import DEFAULT_FILTERS

_PROGRAMS = flags.DEFINE_integer("programs", 200, "Random programs to measure.", lower_bound=1)
_SIZE = flags.DEFINE_integer("size", 32, "Image side in pixels.", lower_bound=1)
_RAW_SCALE = flags.DEFINE_float("raw_scale", 1.0, "Standard deviation of the raw outputs.")
_SEED = flags.DEFINE_integer("seed", 0, "Random seed.")


def main(argv):
    del argv
    rng = np.random.default_rng(_SEED.value)
    layers = {name: cls() for name, cls in filters.FILTERS.items()}
    worst_abs = worst_unit = worst_rel = 0.0
    for _ in range(_PROGRAMS.value):
        names = rng.choice(np.asarray(DEFAULT_FILTERS), size=5, replace=False)
        image = rng.uniform(0.0, 1.0, size=(1, _SIZE.value, _SIZE.value, 3)).astype(np.float32)
        out, steps = image, []
        for name in names:
            layer = layers[str(name)]
            raw = rng.normal(scale=_RAW_SCALE.value, size=(1, layer.num_params)).astype(np.float32)
            out = layer(out, raw)
            steps += layer.steps(raw)
        out = np.asarray(out)[0]
        diff = np.abs(render.render(program_lib.Program(steps), image[0]) - out)
        unit = np.abs(out) <= 1.0
        worst_abs = max(worst_abs, float(diff.max()))
        worst_unit = max(worst_unit, float(diff[unit].max(initial=0.0)))
        worst_rel = max(worst_rel, float((diff / np.maximum(1.0, np.abs(out))).max()))
    print(f"{_PROGRAMS.value} programs, {_SIZE.value}x{_SIZE.value} images, raw ~ N(0, "
          f"{_RAW_SCALE.value:g}^2): max abs {worst_abs:.3g}; max abs where |out| <= 1 "
          f"{worst_unit:.3g}; max relative where |out| > 1 {worst_rel:.3g}")


if __name__ == "__main__":
    app.run(main)
