"""Rendering speed of a 5-step program on a 24-megapixel photo, against the memory-copy floor.

Not a test. For 8-bit and 16-bit sRGB-encoded input (6000x4000x3 codes in, codes of the same
depth out) it times, median of --repeats runs:

* copy floor: `np.copyto` of the input's bytes (the least any renderer must move);
* naive: the exact numpy renderer (`mobile.render.render`) with decoding and quantization;
* fast: 8-bit input, the exact 8-bit table (`lut.apply_exact_8bit`); 16-bit input, a 65-node
  3D LUT with tetrahedral interpolation (`lut.apply`, codes in and out); each with 1 thread and
  with all cores;
* TF: the Keras filter layers (`exposure.filters`) in a `tf.function`, when TensorFlow imports,

and prints ms per image and the ratio to the copy floor of the same run. Baking costs are
printed separately (they are paid once per program).

    .venv/bin/python benchmarks/render_speed.py --repeats=5
"""
import functools
import statistics
import time

import checkout_path  # noqa: F401 (this checkout first on sys.path: tests.helpers)
import numpy as np
from absl import app, flags

from mobile import lut
from mobile.program import Program, step_from_raw
from mobile.render import render
from mobile.srgb import srgb_to_linear
from tests.helpers.random_programs import random_raw_outputs

_HEIGHT = flags.DEFINE_integer("height", 4000, "Image rows (24 MP = 4000 x 6000).")
_WIDTH = flags.DEFINE_integer("width", 6000, "Image columns.")
_REPEATS = flags.DEFINE_integer("repeats", 5, "Timed runs per method (median reported).",
                                lower_bound=1)
_NAIVE_REPEATS = flags.DEFINE_integer("naive_repeats", 3, "Timed runs of the slow renderers.",
                                      lower_bound=1)
_LUT_SIZE = flags.DEFINE_integer("lut_size", 65, "3D LUT nodes per axis for 16-bit input.")
_TF = flags.DEFINE_bool("tf", True, "Also time the TF/Keras filter layers.")
_SEED = flags.DEFINE_integer("seed", 0, "Random seed of the program and the image.")


def _median_ms(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000.0 * statistics.median(times)


def _photo_codes(rng, bits):
    """A smooth photo-like image (gradients + noise) as sRGB codes of `bits` bits."""
    rows, cols = _HEIGHT.value, _WIDTH.value
    y = np.linspace(0.0, 1.0, rows, dtype=np.float32)[:, None]
    x = np.linspace(0.0, 1.0, cols, dtype=np.float32)[None, :]
    image = np.empty((rows, cols, 3), dtype=np.float32)
    image[..., 0] = 0.1 + 0.8 * x * (1 - 0.5 * y)
    image[..., 1] = 0.2 + 0.6 * y
    image[..., 2] = 0.5 + 0.4 * (x - y) * (x + y - 1)
    image += rng.normal(0.0, 0.02, (rows, 1, 3)).astype(np.float32)
    top = (1 << bits) - 1
    return np.rint(np.clip(image, 0, 1) * top).astype(np.uint8 if bits == 8 else np.uint16)


def _naive(program, codes, bits):
    top = np.float32((1 << bits) - 1)
    display = render(program, srgb_to_linear(codes / top))
    return np.rint(np.clip(display, 0, 1) * top).astype(codes.dtype)


def _tf_renderer(raw_outputs, codes, bits):
    """Returns a function running the Keras filter layers (in a tf.function) on the image, given
    to TF as linear float32 once up front (decoding not timed), and quantizing to codes."""
    import tensorflow as tf

    from exposure import filters

    layers = filters.build_filters([name for name, _ in raw_outputs])
    raws = [tf.constant(raw[None], tf.float32) for _, raw in raw_outputs]
    top = float((1 << bits) - 1)
    linear = tf.constant(srgb_to_linear(codes / np.float32(top))[None])

    @tf.function
    def run(image):
        for layer, raw in zip(layers, raws, strict=True):
            image = layer(image, raw)
        return tf.cast(tf.round(tf.clip_by_value(image[0], 0.0, 1.0) * top), codes.dtype)

    return lambda: run(linear).numpy()


def main(argv):
    del argv
    rng = np.random.default_rng(_SEED.value)
    raw_outputs = random_raw_outputs(rng, 5)
    program = Program(tuple(step_from_raw(name, raw) for name, raw in raw_outputs))
    workers = lut.default_workers()
    megapixels = _HEIGHT.value * _WIDTH.value / 1e6
    print(f"program:\n{program}\nimage: {_WIDTH.value}x{_HEIGHT.value} ({megapixels:.1f} MP), "
          f"cores: {workers}, median of {_REPEATS.value} (slow renderers {_NAIVE_REPEATS.value})")

    start = time.perf_counter()
    table8 = lut.bake_exact_8bit(program, out_bits=8)
    bake_table_ms = 1000 * (time.perf_counter() - start)
    start = time.perf_counter()
    cube = lut.bake(program, _LUT_SIZE.value)
    bake_lut_ms = 1000 * (time.perf_counter() - start)
    print(f"bake: exact 8-bit table {bake_table_ms:.0f} ms ({table8.nbytes / 2**20:.0f} MiB), "
          f"{_LUT_SIZE.value}^3 LUT {bake_lut_ms:.0f} ms ({cube.nbytes / 2**20:.1f} MiB)")
    rows = []
    for bits in (8, 16):
        codes = _photo_codes(rng, bits)
        target = np.empty_like(codes)
        exact = _naive(program, codes, bits)
        copy_ms = _median_ms(functools.partial(np.copyto, target, codes), _REPEATS.value)
        rows.append((bits, "copy floor (np.copyto)", copy_ms, copy_ms, None))
        methods = [("naive numpy renderer", functools.partial(_naive, program, codes, bits),
                    _NAIVE_REPEATS.value)]
        for threads in sorted({1, workers}):
            if bits == 8:
                name = f"fast: exact 8-bit table, {threads} thread(s)"
                fast = functools.partial(lut.apply_exact_8bit, table8, codes, workers=threads)
            else:
                name = f"fast: {_LUT_SIZE.value}^3 LUT tetrahedral, {threads} thread(s)"
                fast = functools.partial(lut.apply, cube, codes, out_bits=16, workers=threads)
            methods.append((name, fast, _REPEATS.value))
        if _TF.value:
            tf_render = _tf_renderer(raw_outputs, codes, bits)
            tf_render()  # trace once
            methods.append(("TF/Keras filter layers (linear float input)", tf_render,
                            _NAIVE_REPEATS.value))
        for name, fn, repeats in methods:
            ms = _median_ms(fn, repeats)
            error = np.abs(fn().astype(np.float64) - exact) / ((1 << bits) - 1) * 255
            rows.append((bits, name, ms, copy_ms, f"{error.mean():.3f}"))
        print(f"{bits}-bit done", flush=True)

    print("\n| input | method | ms / image | x copy floor | mean abs error vs naive (8-bit codes) |")
    print("|---|---|---|---|---|")
    for bits, name, ms, copy_ms, error in rows:
        print(f"| {bits}-bit | {name} | {ms:.0f} | {ms / copy_ms:.1f} | {error or '-'} |")


if __name__ == "__main__":
    app.run(main)
