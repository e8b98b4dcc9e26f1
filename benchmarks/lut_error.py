"""Measures the 3D LUT error against the exact renderer, in 8-bit output codes (not a test).

Random 5-step programs (`tests.helpers.random_programs`, raw outputs ~ N(0, 1)) on random 8-bit
sRGB pixels: the exact result is round(255 clip(render(program, decode(codes)))), the LUT result
round(255 lut.apply(bake(program, N), codes / 255)). Prints, per LUT size and interpolation, the
mean absolute error (over all programs and the worst program's), the worst program's 99th and 99.9th percentile, and the maximum.

    .venv/bin/python benchmarks/lut_error.py --programs=50
"""
import checkout_path  # noqa: F401 (this checkout first on sys.path: tests.helpers)
import numpy as np
from absl import app, flags

from mobile import lut
from mobile.render import render
from mobile.srgb import srgb_to_linear
from tests.helpers.random_programs import random_program

_PROGRAMS = flags.DEFINE_integer("programs", 50, "Random programs to measure.", lower_bound=1)
_PIXELS = flags.DEFINE_integer("pixels", 1 << 18, "Random pixels per program.", lower_bound=1)
_SIZES = flags.DEFINE_list("sizes", ["17", "33", "65"], "LUT sizes (nodes per axis).")
_SEED = flags.DEFINE_integer("seed", 0, "Random seed.")


def main(argv):
    del argv
    rng = np.random.default_rng(_SEED.value)
    codes = rng.integers(0, 256, (_PIXELS.value, 3), dtype=np.uint8)
    srgb = codes / np.float32(255)
    linear = srgb_to_linear(srgb)
    stats = {}
    for _ in range(_PROGRAMS.value):
        program = random_program(rng)
        exact = np.rint(np.clip(render(program, linear), 0, 1) * 255)
        for size in map(int, _SIZES.value):
            table = lut.bake(program, size)
            for method in lut.INTERPOLATIONS:
                error = np.abs(np.rint(lut.apply(table, srgb, method=method) * 255) - exact)
                stats.setdefault((size, method), []).append(
                    (error.mean(), np.percentile(error, 99), np.percentile(error, 99.9),
                     error.max()))
    print(f"{_PROGRAMS.value} random 5-step programs x {_PIXELS.value} random 8-bit pixels, "
          "|LUT - exact| in 8-bit codes")
    print("| nodes | interpolation | mean | worst mean | worst p99 | worst p99.9 | max |")
    print("|---|---|---|---|---|---|---|")
    for (size, method), rows in stats.items():
        rows = np.array(rows)
        print(f"| {size} | {method} | {rows[:, 0].mean():.3f} | {rows[:, 0].max():.3f} | "
              f"{rows[:, 1].max():.0f} | "
              f"{rows[:, 2].max():.0f} | {rows[:, 3].max():.0f} |")


if __name__ == "__main__":
    app.run(main)
