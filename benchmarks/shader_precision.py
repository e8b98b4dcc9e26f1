"""How far `mediump` (float16) rendering lands from the float32 renderer, in 8-bit output codes.

Not a test. Uses `tests.helpers.fp16_reference` (every intermediate rounded to float16) on a random
linear RGB image: per filter alone (--programs random one-step programs each), random 5-step
programs of the default filters, and the worst case found (black & white then saturation).
Prints max error, mean error and the fraction of values off by more than 1 code. Then the
highp shader (`program.frag` on llvmpipe, fp32) against the float32 renderer on random programs
of 1-8 steps of all nine filters: the same figures, and how many pixels off by more than 1 code
lie on saturation's grey-axis discontinuity (`fp16_reference.near_grey_saturation_input`), on
an image in [0, 1.2] (clipped highlights) with exact grey rows.

    .venv/bin/python benchmarks/shader_precision.py
"""
import checkout_path  # noqa: F401 (this checkout first on sys.path: tests.helpers)
import numpy as np
from absl import app, flags
from tqdm import tqdm

from mobile import gl_render
from mobile.program import Program, Step
from mobile.registry import FILTER_NAMES
from mobile.render import render
from tests.helpers import fp16_reference
from tests.helpers.random_programs import random_program

_SIZE = flags.DEFINE_integer("size", 128, "Image side in pixels.", lower_bound=1)
_PROGRAMS = flags.DEFINE_integer("programs", 50, "Random programs per row.", lower_bound=1)
_RAW_SCALE = flags.DEFINE_float("raw_scale", 1.0, "Std. dev. of the random raw outputs.")
_GL_PROGRAMS = flags.DEFINE_integer("gl_programs", 500, "Random programs rendered by the shader.",
                                    lower_bound=1)
_SEED = flags.DEFINE_integer("seed", 0, "Random seed.")


def _row(label, errors):
    errors = np.concatenate([e.ravel() for e in errors])
    print(f"| {label} | {errors.max():.0f} | {errors.mean():.2e} | {np.mean(errors > 1):.2e} |")


def main(argv):
    del argv
    rng = np.random.default_rng(_SEED.value)
    image = rng.uniform(0.0, 1.0, (_SIZE.value, _SIZE.value, 3)).astype(np.float32)
    print("| programs | max codes | mean codes | fraction > 1 code |\n|---|---|---|---|")
    report = fp16_reference.single_filter_errors(rng, image, _PROGRAMS.value, _RAW_SCALE.value)
    for name, stats in report.items():
        print(f"| {name} alone | {stats['max']} | {stats['mean']:.3f} | {stats['over_1']:.2e} |")

    def errors_of(programs):
        return [fp16_reference.code_error(render(p, image), fp16_reference.render_fp16(p, image))
                for p in programs]

    _row("random 5-step programs", errors_of(
        random_program(rng, 5, raw_scale=_RAW_SCALE.value) for _ in range(_PROGRAMS.value)))
    for amount in (0.9, 0.99):
        _row(f"black & white {amount} then saturation 1", errors_of([Program((
            Step("black_and_white", {"amount": amount}), Step("saturation", {"amount": 1.0})))]))
    _shader_parity(rng, _SIZE.value)


def _shader_parity(rng, size):
    """Shader vs numpy on linear RGB in [0, 1.2] (clipped highlights) with every 8th row grey."""
    image = rng.uniform(0.0, 1.2, (size, size, 3)).astype(np.float32)
    image[::8] = image[::8, :, :1]
    renderer = gl_render.ShaderRenderer()
    errors, off, off_near_grey = [], 0, 0
    for _ in tqdm(range(_GL_PROGRAMS.value), desc="shader", leave=False):
        program = random_program(rng, int(rng.integers(1, 9)), filters=FILTER_NAMES,
                                 raw_scale=_RAW_SCALE.value)
        error = np.abs(renderer.render_program(program, image).astype(int)
                       - np.rint(np.clip(render(program, image), 0.0, 1.0) * 255.0))
        errors.append(error)
        off_by_more = error.max(axis=-1) > 1
        off += int(off_by_more.sum())
        off_near_grey += int(
            (off_by_more & fp16_reference.near_grey_saturation_input(program, image)).sum())
    renderer.release()
    print(f"\nhighp shader ({_GL_PROGRAMS.value} programs of 1-8 steps, all filters) against the "
          "float32 renderer:")
    print("| programs | max codes | mean codes | fraction > 1 code |\n|---|---|---|---|")
    _row("program.frag on llvmpipe", errors)
    print(f"pixels off by > 1 code: {off}, of which on saturation's grey axis: {off_near_grey}")


def run():
    app.run(main)


if __name__ == "__main__":
    run()
