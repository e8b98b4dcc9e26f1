"""Render time of a 12-megapixel image with the GLSL shaders on Mesa llvmpipe, against numpy.

Not a test. One random 5-step program (default filters) on a 4000x3000 linear RGB float32 image;
median of --repeats runs, in one process, as wall time and as CPU time of the process (all
threads, llvmpipe's included: the figure that survives a machine shared with other jobs):

* numpy: the exact renderer `mobile.render.render`, then clip and round to 8-bit codes;
* shader, program path (`program.frag`): draw only (image texture already uploaded, output left
  in the RGBA8 framebuffer, `ctx.finish()`), and end to end (upload RGB32F + draw + readback);
* shader, LUT path (`lut3d.frag`, --lut_size nodes): draw only, and end to end (image and LUT
  upload + draw + readback); the LUT bake (`mobile.lut.bake`) is timed separately.

It also checks that both shader outputs agree with numpy (max 8-bit code difference) and prints
the GL renderer string, so the numbers say which device made them.

    .venv/bin/python benchmarks/shader_render.py --repeats=5
"""
import statistics
import time

import checkout_path  # noqa: F401 (this checkout first on sys.path: tests.helpers)
import numpy as np
from absl import app, flags
from tqdm import tqdm

from mobile import gl_render, lut
from mobile.render import render
from tests.helpers.random_programs import random_program

_HEIGHT = flags.DEFINE_integer("height", 3000, "Image rows (12 MP = 3000 x 4000).")
_WIDTH = flags.DEFINE_integer("width", 4000, "Image columns.")
_REPEATS = flags.DEFINE_integer("repeats", 5, "Timed runs per method (median reported).",
                                lower_bound=1)
_LUT_SIZE = flags.DEFINE_integer("lut_size", 33, "3D LUT nodes per axis for the LUT path.",
                                 lower_bound=2)
_SEED = flags.DEFINE_integer("seed", 0, "Random seed of the program and the image.")


def _median_ms(fn, repeats, label):
    """Returns (median wall ms, median CPU ms of this process, llvmpipe's threads included)."""
    wall, cpu = [], []
    for _ in tqdm(range(repeats), desc=label, leave=False):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return 1000.0 * statistics.median(wall), 1000.0 * statistics.median(cpu)


def main(argv):
    del argv
    rng = np.random.default_rng(_SEED.value)
    program = random_program(rng, num_steps=5)
    image = rng.uniform(0.0, 1.0, (_HEIGHT.value, _WIDTH.value, 3)).astype(np.float32)
    repeats = _REPEATS.value
    renderer = gl_render.ShaderRenderer()
    megapixels = image.shape[0] * image.shape[1] / 1e6
    print(f"GL: {renderer.ctx.info['GL_RENDERER']}; image {image.shape[1]}x{image.shape[0]} "
          f"({megapixels:.1f} MP); program:\n{program}")

    rows = []
    want = None

    def numpy_render():
        nonlocal want
        want = np.rint(np.clip(render(program, image), 0.0, 1.0) * 255.0).astype(np.uint8)

    rows.append(("numpy renderer (exact, float32) + 8-bit rounding",
                 _median_ms(numpy_render, repeats, "numpy")))

    texture = renderer.upload_image(image)
    got = renderer.render_program(program, image)
    program_error = int(np.abs(got.astype(int) - want).max())

    def program_draw():
        renderer.draw_program(texture, program).release()

    rows.append(("shader, program path: draw only", _median_ms(program_draw, repeats, "draw")))
    rows.append(("shader, program path: upload + draw + readback",
                 _median_ms(lambda: renderer.render_program(program, image), repeats, "e2e")))

    bake_ms = _median_ms(lambda: lut.bake(program, _LUT_SIZE.value), repeats, "bake")
    table = lut.bake(program, _LUT_SIZE.value)
    lut_texture = renderer.upload_lut(table)
    lut_want = lut.apply(table, image, encoding="linear", out_bits=8)
    lut_error = int(np.abs(renderer.render_lut(table, image).astype(int) - lut_want).max())

    def lut_draw():
        renderer.draw_lut(texture, lut_texture).release()

    rows.append((f"shader, LUT path ({_LUT_SIZE.value}^3): draw only",
                 _median_ms(lut_draw, repeats, "lut draw")))
    rows.append((f"shader, LUT path ({_LUT_SIZE.value}^3): LUT + image upload + draw + readback",
                 _median_ms(lambda: renderer.render_lut(table, image), repeats, "lut e2e")))
    rows.append((f"LUT bake ({_LUT_SIZE.value}^3, numpy; once per program)", bake_ms))
    texture.release()
    lut_texture.release()
    renderer.release()

    print(f"\nmedian of {repeats} runs | wall ms per image | MP/s (wall) | CPU ms (all threads)")
    for label, (ms, cpu_ms) in rows:
        print(f"{label} | {ms:.1f} | {megapixels / ms * 1000.0:.1f} | {cpu_ms:.1f}")
    print(f"\nmax |shader - numpy| (program path): {program_error} code(s); "
          f"max |shader - lut.apply| (LUT path): {lut_error} code(s)")


def run():
    app.run(main)


if __name__ == "__main__":
    run()
