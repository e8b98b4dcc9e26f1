"""Tests for mobile/render.py and the pixel operations of mobile/registry.py: each operation
against its definition, edge behaviour at 0, above 1 and below 0, and the renderer's contract.
Parity with the Keras layers is tested in tests/exposure/test_filters.py."""
import math

import numpy as np
import pytest
from skimage.color import hsv2rgb, rgb2hsv

from mobile import program as P
from mobile import render as R
from mobile.registry import FILTER_NAMES

IDENTITY_POINTS = [k / 8 for k in range(9)]
EDGES = np.array([[0.0, 0.0, 0.0], [1.5, 2.0, 1.2], [-0.2, -0.5, 0.3], [0.2, 0.5, 0.8]], np.float32)


def _apply(name, image=EDGES, **params):
    return R.apply_step(P.Step(name, params), image)


def test_saturation_matches_hsv_definition():
    # Supplement: s' = s + (1 - s)(0.5 - |0.5 - v|) 0.8 at fixed hue and value, via skimage's HSV.
    rgb = np.random.default_rng(0).random((2000, 3)).astype(np.float32)
    hsv = rgb2hsv(rgb.astype(np.float64))
    s, v = hsv[:, 1], hsv[:, 2]
    hsv[:, 1] = s + (1 - s) * (0.5 - np.abs(0.5 - v)) * 0.8
    full = hsv2rgb(hsv)
    np.testing.assert_allclose(_apply("saturation", rgb, amount=1.0), full, atol=2e-6)
    np.testing.assert_allclose(_apply("saturation", rgb, amount=0.25),
                               0.75 * rgb + 0.25 * full, atol=2e-6)


def test_saturation_edges():
    out = _apply("saturation", amount=1.0)
    np.testing.assert_array_equal(out[0], [0, 0, 0])  # black stays black
    np.testing.assert_array_equal(out[1], [1, 1, 1])  # clipped at 1, grey has no hue
    assert out[2].min() >= 0.0 and out[2][0] == 0.0  # clipped at 0
    grey = np.full((1, 3), 0.4, np.float32)
    np.testing.assert_array_equal(_apply("saturation", grey, amount=1.0), grey)  # no red tint


def test_exposure_white_balance_black_and_white_are_linear_everywhere():
    np.testing.assert_allclose(_apply("exposure", ev=1.5), EDGES * 2 ** 1.5, rtol=1e-6)
    np.testing.assert_allclose(_apply("white_balance", multipliers=[1.1, 0.9, 1.3]),
                               EDGES * np.float32([1.1, 0.9, 1.3]), rtol=1e-6)
    lum = EDGES @ np.float32([0.27, 0.67, 0.06])
    np.testing.assert_allclose(_apply("black_and_white", amount=1.0), np.repeat(lum[:, None], 3, 1),
                               rtol=1e-6, atol=1e-7)


def test_gamma_clamps_at_0001():
    out = _apply("gamma", gamma=2.0)
    np.testing.assert_allclose(out[0], [1e-6] * 3, rtol=1e-5)  # 0 -> 0.001 ** 2
    np.testing.assert_allclose(out[1], EDGES[1] ** 2, rtol=1e-6)  # above 1 is not clipped
    np.testing.assert_allclose(out[2][:2], [1e-6, 1e-6], rtol=1e-5)  # negatives clamp too


def test_tone_curve_definition_and_clipping():
    points = [0, 0.2, 0.35, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    x = np.array([-0.3, 0.0, 0.1, 0.3, 0.55, 0.99, 1.0, 1.7], np.float32)
    image = np.repeat(x[:, None], 3, axis=1)
    out = _apply("tone_curve", image, points=points)
    np.testing.assert_allclose(out[:, 0], np.interp(x, IDENTITY_POINTS, points), atol=1e-6)
    assert out[0, 0] == 0.0 and out[-1, 0] == pytest.approx(1.0, abs=1e-6)  # clipped to [0, 1]


def test_color_curve_is_per_channel():
    red = [0, 0.13, 0.255, 0.38, 0.505, 0.63, 0.755, 0.88, 1.0]
    image = np.full((1, 3), 0.25, np.float32)
    out = _apply("color_curve", image, points=[red, IDENTITY_POINTS, IDENTITY_POINTS])
    np.testing.assert_allclose(out[0], [0.255, 0.25, 0.25], atol=1e-6)


def test_contrast_definition_and_edges():
    rgb = np.float32([[0.2, 0.4, 0.3]])
    lum = 0.27 * 0.2 + 0.67 * 0.4 + 0.06 * 0.3
    enhanced = rgb / (lum + 1e-6) * (1 - math.cos(math.pi * lum)) / 2
    np.testing.assert_allclose(_apply("contrast", rgb, amount=0.6), 0.4 * rgb + 0.6 * enhanced,
                               rtol=1e-6)
    out = _apply("contrast", amount=1.0)
    np.testing.assert_array_equal(out[0], [0, 0, 0])  # luminance 0 -> 0
    np.testing.assert_allclose(out[1], EDGES[1], rtol=2e-6)  # luminance above 1: unchanged


def test_level_maps_low_high_to_unit_range_and_clips():
    out = _apply("level", image=np.float32([[0.1, 0.3, 0.5], [-1, 2, 1.2]]), low=0.2, high=1.0)
    np.testing.assert_allclose(out, [[0, 0.125, 0.375], [0, 1, 1]], atol=1e-6)


def test_identity_steps_leave_image_unchanged():
    image = np.random.default_rng(1).random((5, 7, 3)).astype(np.float32)
    program = P.Program([
        P.Step("exposure", {"ev": 0.0}), P.Step("gamma", {"gamma": 1.0}),
        P.Step("white_balance", {"multipliers": [1, 1, 1]}), P.Step("contrast", {"amount": 0.0}),
        P.Step("tone_curve", {"points": IDENTITY_POINTS}),
        P.Step("color_curve", {"points": [IDENTITY_POINTS] * 3}),
        P.Step("black_and_white", {"amount": 0.0}), P.Step("saturation", {"amount": 0.0})])
    np.testing.assert_allclose(R.render(program, image), image, atol=1e-6)


def test_render_composes_steps_keeps_input_and_any_shape(monkeypatch):
    rng = np.random.default_rng(2)
    program = P.Program([P.step_from_raw(n, rng.normal(size=P.num_raw_params(n)))
                         for n in FILTER_NAMES])
    image = rng.random((3, 4, 5, 3)).astype(np.float32)
    copy = image.copy()
    expected = image
    for step in program.steps:
        expected = R.apply_step(step, expected)
    monkeypatch.setattr(R, "_CHUNK_PIXELS", 7)  # several blocks, the last one partial
    out = R.render(program, image)
    assert out.dtype == np.float32 and out.shape == image.shape
    # Blocks of 7 pixels and the whole array take different numpy loops (SIMD vs scalar tail).
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(image, copy)
    assert R.render(program, image[0, 0, 0]).shape == (3,)
    assert R.render(P.Program(), image.astype(np.float64)).dtype == np.float32


def test_render_rejects_non_rgb():
    with pytest.raises(ValueError, match=r"image: expected shape \[\.\.\., 3\] \(RGB\), "
                                         r"got \(4, 4\)"):
        R.render(P.Program(), np.zeros((4, 4)))
