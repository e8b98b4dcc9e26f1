"""Tests for mobile/fast_render.py: which path each image takes, and that fast equals exact."""
import numpy as np

from mobile import fast_render, lut
from mobile.srgb import srgb_to_linear
from tests.codes import assert_codes_match
from tests.helpers.random_programs import random_program

PROGRAM = random_program(np.random.default_rng(21))


def _codes(seed, shape=(48, 64, 3)):
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def test_as_8bit_codes_recognizes_multiples_of_1_over_255():
    codes = _codes(0)
    np.testing.assert_array_equal(fast_render.as_8bit_codes(codes / np.float32(255)), codes)
    assert fast_render.as_8bit_codes(codes / np.float32(255) + np.float32(0.5 / 65535)) is None


def test_8bit_input_uses_the_table_after_enough_pixels_and_equals_exact():
    renderer = fast_render.Renderer(PROGRAM, table_after_pixels=2 * 48 * 64)
    exact = fast_render.Renderer(PROGRAM, fast=False)
    methods = []
    for seed in range(3):
        srgb = _codes(seed) / np.float32(255)
        methods.append(renderer.method(srgb))
        for bits in (8, 16):
            top = (1 << bits) - 1
            assert_codes_match(np.rint(renderer.render_srgb(srgb, bits) * top),
                               np.rint(exact.render_srgb(srgb, bits) * top))
    assert methods == ["exact", "exact 8-bit table", "exact 8-bit table"]


def test_high_bit_input_uses_the_lut_within_its_bound():
    srgb = np.random.default_rng(5).random((48, 64, 3), dtype=np.float32)
    renderer = fast_render.Renderer(PROGRAM, lut_size=33)
    assert renderer.method(srgb) == "3D LUT"
    exact = np.rint(fast_render.Renderer(PROGRAM, fast=False).render_srgb(srgb) * 255)
    from_srgb = np.rint(renderer.render_srgb(srgb) * 255)
    from_linear = np.rint(renderer.render_linear(srgb_to_linear(srgb)) * 255)
    mean_bound, p99_bound = lut.ERROR_BOUNDS_CODES[33]
    assert np.abs(from_srgb - exact).mean() <= mean_bound
    assert np.percentile(np.abs(from_srgb - exact), 99) <= p99_bound
    assert np.abs(from_linear - from_srgb).max() <= 1
