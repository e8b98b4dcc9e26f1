"""Tests for mobile/srgb.py against the IEC 61966-2-1 definition."""
import ast
import pathlib

import numpy as np
import pytest

from mobile.srgb import linear_to_srgb, srgb_to_linear


def test_known_values_of_the_standard():
    # 8-bit code 128 is 0.2158605 linear; 0.5 linear encodes to 0.7353570 (IEC 61966-2-1 formula).
    np.testing.assert_allclose(srgb_to_linear(128 / 255), 0.21586050, rtol=1e-6)
    np.testing.assert_allclose(linear_to_srgb(0.5), 0.73535698, rtol=1e-6)
    np.testing.assert_array_equal(srgb_to_linear([0.0, 1.0]), [0.0, 1.0])
    np.testing.assert_allclose(linear_to_srgb([0.0, 1.0]), [0.0, 1.0], atol=1e-7)


def test_linear_segment_near_black():
    x = np.array([0.0, 0.01, 0.04], dtype=np.float32)
    np.testing.assert_allclose(srgb_to_linear(x), x / 12.92, rtol=1e-6)
    y = np.array([0.001, 0.003], dtype=np.float32)
    np.testing.assert_allclose(linear_to_srgb(y), y * 12.92, rtol=1e-6)


def test_curve_is_continuous_at_the_switch_points():
    eps = 1e-6
    below, above = srgb_to_linear([0.04045 - eps, 0.04045 + eps])
    assert abs(above - below) < 1e-5
    below, above = linear_to_srgb([0.0031308 - eps, 0.0031308 + eps])
    assert abs(above - below) < 1e-4


def test_inverse_pair_float32_any_shape():
    x = np.random.default_rng(0).random((2, 5, 7, 3)).astype(np.float32)
    for f in (srgb_to_linear, linear_to_srgb):
        out = f(x)
        assert out.dtype == np.float32 and out.shape == x.shape
    np.testing.assert_allclose(srgb_to_linear(linear_to_srgb(x)), x, atol=1e-6)
    np.testing.assert_allclose(linear_to_srgb(srgb_to_linear(x)), x, atol=1e-6)


@pytest.mark.parametrize("f", [srgb_to_linear, linear_to_srgb])
def test_monotonic_and_odd_outside_unit_range(f):
    x = np.linspace(-2, 2, 4001, dtype=np.float32)
    y = f(x)
    assert np.all(np.diff(y) > 0)
    np.testing.assert_allclose(f(-x), -y, atol=0)


def test_mobile_srgb_imports_no_tensorflow():
    source = pathlib.Path(__file__).resolve().parents[2] / "mobile" / "srgb.py"
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(ast.parse(source.read_text()))
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module)])
    }
    assert imported <= {"numpy"}, imported
