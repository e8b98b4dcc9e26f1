"""Tests for tests/helpers/fp16_reference.py: the float16 model of `mediump`, and what it finds.

Findings held here (numbers in mobile/README.md): each filter alone stays within 1 code of the
float32 renderer in float16 arithmetic except on rare pixels (level with high close to low,
saturation on near-grey pixels); chained programs miss by up to ~20 codes on rare pixels, and
black & white followed by saturation by tens of codes on many near-grey pixels (the hue ratio
(v - c) / (v - min) is ill-conditioned). So the shaders declare highp, which GLSL ES 3.0
fragment shaders must support.
"""
import numpy as np
import pytest

from mobile import shader_source
from mobile.program import Program, Step
from mobile.registry import FILTER_NAMES
from mobile.render import render
from tests.helpers import fp16_reference
from tests.helpers.random_programs import random_program


def _image(rng, size=48):
    return rng.uniform(0.0, 1.0, (size, size, 3)).astype(np.float32)


def test_fp16_render_rounds_to_half_precision():
    rng = np.random.default_rng(0)
    image = _image(rng)
    program = Program((Step("exposure", {"ev": 0.0}),))
    out = fp16_reference.render_fp16(program, image)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, image.astype(np.float16).astype(np.float32))
    assert not np.array_equal(out, image)


def test_fp16_render_close_to_float32_renderer():
    rng = np.random.default_rng(1)
    image = _image(rng)
    program = random_program(rng, num_steps=3)
    np.testing.assert_allclose(fp16_reference.render_fp16(program, image),
                               render(program, image), atol=2e-2)


def test_code_error_counts_8bit_codes():
    a = np.array([[0.0, 0.25, 1.0]], np.float32)
    b = np.array([[-0.1, 0.25 + 1.0 / 255.0, 2.0]], np.float32)
    assert fp16_reference.code_error(a, b).tolist() == [[0, 1, 0]]


def test_bad_image_shape():
    with pytest.raises(ValueError, match=r"image: expected shape \[\.\.\., 3\]"):
        fp16_reference.render_fp16(Program(), np.zeros((4, 4)))


def test_each_filter_alone_is_within_one_code_in_fp16_but_on_rare_pixels():
    rng = np.random.default_rng(2)
    report = fp16_reference.single_filter_errors(rng, _image(rng), programs_per_filter=8,
                                                 raw_scale=2.0)
    assert set(report) == set(FILTER_NAMES)
    for name, stats in report.items():
        assert stats["mean"] < 0.1, (name, stats)
        assert stats["over_1"] < 1e-3, (name, stats)


def test_black_and_white_then_saturation_breaks_in_fp16():
    rng = np.random.default_rng(3)
    image = _image(rng, 96)
    program = Program((Step("black_and_white", {"amount": 0.99}),
                       Step("saturation", {"amount": 1.0})))
    error = fp16_reference.code_error(render(program, image),
                                      fp16_reference.render_fp16(program, image))
    assert error.max() >= 10
    assert np.mean(error > 1) > 0.01


def test_chained_programs_miss_one_code_in_fp16_so_shaders_use_highp():
    rng = np.random.default_rng(4)
    image = _image(rng)
    worst = max(
        int(fp16_reference.code_error(render(p, image), fp16_reference.render_fp16(p, image)).max())
        for p in (random_program(rng, num_steps=5) for _ in range(30)))
    assert worst > 1
    for name in (shader_source.PROGRAM_SHADER, shader_source.LUT_SHADER):
        assert "precision highp float;" in shader_source.load(name)
        assert "precision mediump" not in shader_source.load(name)


def test_near_grey_saturation_input_marks_pixels_at_the_saturation_step():
    image = np.array([[[0.5, 0.5, 0.5], [0.5, 0.5, 0.500001], [0.2, 0.5, 0.9], [1.2, 1.5, 1.0]]],
                     np.float32)
    saturation = Step("saturation", {"amount": 1.0})
    assert fp16_reference.near_grey_saturation_input(
        Program((saturation,)), image).tolist() == [[True, True, False, True]]
    grey_first = Program((Step("black_and_white", {"amount": 1.0}), saturation))
    assert fp16_reference.near_grey_saturation_input(grey_first, image).all()
    assert not fp16_reference.near_grey_saturation_input(
        Program((Step("black_and_white", {"amount": 1.0}),)), image).any()
