"""Tests for mobile/shaders/: GLSL ES validation, and rendering on llvmpipe against the numpy
renderer (the program shader) and mobile.lut.apply (the 3D LUT shader), within 1/255."""
import shutil
import subprocess

import numpy as np
import pytest

from mobile import lut, manifest, shader_source
from mobile.program import Program, Step
from mobile.registry import FILTER_NAMES
from mobile.render import render
from tests.helpers import fp16_reference
from tests.helpers.random_programs import random_program
from tests.mobile.gl_fixtures import gl_renderer  # noqa: F401 (pytest fixture)

GLSLANG = shutil.which("glslangValidator")
needs_glslang = pytest.mark.skipif(
    GLSLANG is None, reason="glslangValidator not found (Debian package glslang-tools)")


def _validate(path):
    return subprocess.run([GLSLANG, str(path)], capture_output=True, text=True, check=False)


def _codes(display):
    return np.rint(np.clip(display, 0.0, 1.0) * 255.0).astype(int)


def _test_image(rng, height=29, width=41):
    """Linear RGB with uniform values in [0, 1.2], dark log-spaced values, exact greys, 0 and 1."""
    image = rng.uniform(0.0, 1.2, (height, width, 3)).astype(np.float32)
    image[::3] = 10.0 ** rng.uniform(-4.0, 0.0, image[::3].shape)
    image[1::5, ::2] = rng.uniform(0.0, 1.0, image[1::5, ::2].shape[:2])[..., None]
    image[0, 0], image[0, 1] = 0.0, 1.0
    return image


@needs_glslang
@pytest.mark.parametrize("name", shader_source.SHADERS)
def test_every_shader_is_valid_glsl_es(name):
    result = _validate(shader_source.shader_path(name))
    assert result.returncode == 0, result.stdout + result.stderr
    assert shader_source.load(name).startswith("#version 300 es\n")


@needs_glslang
def test_validator_rejects_a_broken_shader(tmp_path):
    # The validation above can fail: the same source with a type error does not pass.
    source = shader_source.load(shader_source.PROGRAM_SHADER)
    broken = tmp_path / "program.frag"
    broken.write_text(source.replace("return c * exp2(p.x);", "return exp2(p.x);"))
    result = _validate(broken)
    assert result.returncode != 0
    assert "ERROR" in result.stdout


@needs_glslang
@pytest.mark.parametrize("name", shader_source.SHADERS)
def test_desktop_form_is_valid_glsl_330(name, tmp_path):
    path = tmp_path / name
    path.write_text(shader_source.load(name, "desktop"))
    result = _validate(path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_random_programs_match_numpy_renderer_within_one_code(gl_renderer):  # noqa: F811
    rng = np.random.default_rng(11)
    off, pixels = 0, 0
    for _ in range(100):
        program = random_program(rng, num_steps=int(rng.integers(1, 9)),
                                 filters=FILTER_NAMES, raw_scale=float(rng.choice([1.0, 2.0])))
        image = _test_image(rng)
        off_by_more = np.abs(gl_renderer.render_program(program, image).astype(int)
                             - _codes(render(program, image))).max(-1) > 1
        # Every pixel is within 1 code but those on saturation's grey-axis discontinuity.
        near_grey = fp16_reference.near_grey_saturation_input(program, image)
        assert not (off_by_more & ~near_grey).any(), program
        off, pixels = off + int(off_by_more.sum()), pixels + off_by_more.size
    assert off <= 1e-3 * pixels


@pytest.mark.parametrize("name", FILTER_NAMES)
def test_each_filter_alone_matches(gl_renderer, name):  # noqa: F811
    rng = np.random.default_rng(FILTER_NAMES.index(name))
    program = random_program(rng, num_steps=1, filters=(name,), raw_scale=2.0)
    image = _test_image(rng)
    want = _codes(render(program, image))
    assert np.abs(gl_renderer.render_program(program, image).astype(int) - want).max() <= 1
    assert len(np.unique(want)) > 20  # the filter did something visible to compare


def test_empty_program_clips_the_input(gl_renderer):  # noqa: F811
    image = _test_image(np.random.default_rng(2))
    np.testing.assert_array_equal(gl_renderer.render_program(Program(), image), _codes(image))


def test_rows_are_not_flipped(gl_renderer):  # noqa: F811
    image = np.zeros((4, 3, 3), np.float32)
    image[0, 2] = (1.0, 0.0, 0.0)
    got = gl_renderer.render_program(Program((Step("exposure", {"ev": 0.0}),)), image)
    assert got[0, 2].tolist() == [255, 0, 0] and got.sum() == 255


def test_half_float_input_texture_is_the_fp16_rounded_image(gl_renderer):  # noqa: F811
    rng = np.random.default_rng(5)
    program = random_program(rng, num_steps=5)
    image = _test_image(rng)
    rounded = image.astype(np.float16).astype(np.float32)
    got = gl_renderer.render_program(program, image, dtype="f2").astype(int)
    assert np.abs(got - _codes(render(program, rounded))).max() <= 1


def test_lut_shader_matches_lut_apply_within_one_code(gl_renderer):  # noqa: F811
    rng = np.random.default_rng(7)
    for size in (2, 17, 33):
        program = random_program(rng, num_steps=5)
        table = lut.bake(program, size)
        image = _test_image(rng)
        want = lut.apply(table, image, encoding="linear", out_bits=8).astype(int)
        assert np.abs(gl_renderer.render_lut(table, image).astype(int) - want).max() <= 1


def test_half_float_lut_texture(gl_renderer):  # noqa: F811
    rng = np.random.default_rng(8)
    program = random_program(rng, num_steps=5)
    table = lut.bake(program, 33)
    image = _test_image(rng)
    rounded = table.astype(np.float16).astype(np.float32)
    want = lut.apply(rounded, image, encoding="linear", out_bits=8).astype(int)
    got = gl_renderer.render_lut(table, image, lut_dtype="f2").astype(int)
    assert np.abs(got - want).max() <= 1


def test_lut_shader_error_against_exact_renderer_within_lut_bounds(gl_renderer):  # noqa: F811
    rng = np.random.default_rng(9)
    program = random_program(rng, num_steps=5)
    image = rng.uniform(0.0, 1.0, (64, 64, 3)).astype(np.float32)
    error = np.abs(gl_renderer.render_lut(lut.bake(program, 33), image).astype(int)
                   - _codes(render(program, image)))
    mean_bound, p99_bound = lut.ERROR_BOUNDS_CODES[33]
    # Integer codes: the shader's own output rounding adds up to half a code to the LUT error.
    assert error.mean() <= mean_bound + 0.5
    assert np.percentile(error, 99) <= p99_bound + 1


def test_ill_conditioned_saturation_matches_in_highp(gl_renderer):  # noqa: F811
    # Black & white then saturation is off by tens of codes in fp16 (test_fp16_reference.py);
    # the highp shader still matches the float32 renderer.
    image = _test_image(np.random.default_rng(10), 64, 64)
    program = Program((Step("black_and_white", {"amount": 0.99}),
                       Step("saturation", {"amount": 1.0})))
    got = gl_renderer.render_program(program, image).astype(int)
    assert np.abs(got - _codes(render(program, image))).max() <= 1


def test_predictor_outputs_render_like_the_program(gl_renderer):  # noqa: F811
    # The app path: predictor outputs (export sidecar layout) -> uniforms -> one draw.
    rng = np.random.default_rng(12)
    program = random_program(rng, num_steps=5)
    names = list(rng.permutation(FILTER_NAMES))
    sidecar = {"format": "exposure-predictor", "version": 1,
               "filters": [{"index": i, "name": n} for i, n in enumerate(names)]}
    params = np.zeros((1, 5, 24), np.float32)
    for s, step in enumerate(program.steps):
        params[0, s, :step.op_params().size] = step.op_params()
    outputs = {"filter_index": np.array([[names.index(s.filter) for s in program.steps]]),
               "parameters": params}
    image = _test_image(rng)
    texture = gl_renderer.upload_image(image)
    framebuffer = gl_renderer.draw_uniforms(
        texture, manifest.uniforms_from_predictor(outputs, sidecar))
    got = gl_renderer.read(framebuffer).astype(int)
    framebuffer.release()
    texture.release()
    assert np.abs(got - _codes(render(program, image))).max() <= 1
