"""exposure.reference_style: the documented properties of the built-in targets' look."""
import numpy as np
import pytest
from skimage import color

from exposure import reference_style as style
from mobile.srgb import linear_to_srgb, srgb_to_linear


def photo_like(seed=0, shape=(48, 64, 3)):
    """Smooth colourful image with a spread of brightness, like a photo's colours."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]] / np.array(shape[:2]).reshape(2, 1, 1)
    base = np.stack([0.2 + 0.6 * xx, 0.1 + 0.7 * yy, 0.5 - 0.4 * xx * yy], -1)
    return np.clip(base + rng.normal(0, 0.03, shape), 0, 1).astype(np.float32)


def test_output_range_shape_and_determinism():
    x = photo_like()
    y = style.apply_reference_style(x)
    assert y.shape == x.shape and y.dtype == np.float32
    assert y.min() >= style.BLACK_LIFT - 1e-6 and y.max() <= 1.0
    np.testing.assert_array_equal(y, style.apply_reference_style(x))
    assert np.abs(y - x).mean() > 0.03  # it is a visible edit


def test_auto_exposure_makes_the_look_independent_of_input_exposure():
    x = photo_like()
    darker = linear_to_srgb(srgb_to_linear(x) * 0.5)
    # Exact up to the log-average's epsilon (0.001 against luminances of 0.01..0.6).
    assert style.exposure_gain(darker) == pytest.approx(2 * style.exposure_gain(x), rel=0.01)
    np.testing.assert_allclose(style.apply_reference_style(darker), style.apply_reference_style(x),
                               atol=5e-3)


def test_exposure_gain_is_bounded():
    assert style.exposure_gain(np.zeros((8, 8, 3))) == style.EXPOSURE_GAIN_RANGE[1]
    assert style.exposure_gain(np.ones((8, 8, 3))) == style.EXPOSURE_GAIN_RANGE[0]


def test_with_a_fixed_gain_it_is_a_pointwise_colour_map():
    x = photo_like()
    whole = style.apply_reference_style(x, gain=1.3)
    left = style.apply_reference_style(x[:, :20], gain=1.3)
    np.testing.assert_allclose(whole[:, :20], left, atol=1e-6)
    shuffled = np.random.default_rng(0).permutation(x.reshape(-1, 3))
    np.testing.assert_allclose(
        np.sort(style.apply_reference_style(shuffled, gain=1.3), axis=0),
        np.sort(whole.reshape(-1, 3), axis=0), atol=1e-6)


def test_filmic_curve_is_an_increasing_s_curve_with_more_midtone_contrast_than_srgb():
    # Strictly increasing between the black point (-7 stops) and the white point (+3 stops).
    linear = style.MIDDLE_GREY * np.geomspace(2.0**-6.9, 2.0**2.9, 500)
    curve = style.filmic_curve(linear)
    assert np.all(np.diff(curve) > 0) and curve[0] < 0.01 and curve[-1] > 0.98
    assert style.filmic_curve(style.MIDDLE_GREY) == pytest.approx(0.47, abs=0.01)
    stops = np.log2(linear)
    slope = np.gradient(curve, stops)
    srgb_slope = np.gradient(linear_to_srgb(linear), stops)
    mid = np.argmin(np.abs(linear - style.MIDDLE_GREY))
    assert slope[mid] > 1.3 * srgb_slope[mid]
    # Soft shoulder: highlights are compressed, not clipped, up to 2.5 stops above grey...
    assert style.filmic_curve(style.MIDDLE_GREY * 2**2.5) < 0.97
    # ...and its second derivative changes sign (toe and shoulder), unlike a piecewise-linear curve.
    bend = np.diff(curve, 2)
    assert (bend > 1e-6).any() and (bend < -1e-6).any()


def test_grey_turns_warm_and_black_is_lifted():
    grey = np.full((4, 4, 3), 0.5, np.float32)
    red, green, blue = style.apply_reference_style(grey, gain=1.0)[0, 0]
    assert red > green > blue
    black = style.apply_reference_style(np.zeros((4, 4, 3)), gain=1.0)
    np.testing.assert_allclose(black, style.BLACK_LIFT, atol=5e-3)


def test_chroma_is_boosted():
    x = photo_like()
    y = style.apply_reference_style(x)
    chroma_in = np.hypot(*np.moveaxis(color.rgb2lab(x)[..., 1:], -1, 0)).mean()
    chroma_out = np.hypot(*np.moveaxis(color.rgb2lab(y)[..., 1:], -1, 0)).mean()
    assert chroma_out > 1.1 * chroma_in


def test_rejects_non_rgb():
    with pytest.raises(ValueError, match="RGB"):
        style.apply_reference_style(np.zeros((4, 4)))
