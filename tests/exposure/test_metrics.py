"""Tests of exposure.metrics: histogram intersection, PSNR, CIE ΔE2000."""
import colorsys

import numpy as np
import pytest
from skimage import color, data

from exposure import metrics

# Sharma, Wu & Dalal (2005), "The CIEDE2000 color-difference formula", Table 1: the 34 test
# pairs (L*, a*, b*) and their published ΔE2000.
SHARMA_PAIRS = [
    ((50.0000, 2.6772, -79.7751), (50.0000, 0.0000, -82.7485), 2.0425),
    ((50.0000, 3.1571, -77.2803), (50.0000, 0.0000, -82.7485), 2.8615),
    ((50.0000, 2.8361, -74.0200), (50.0000, 0.0000, -82.7485), 3.4412),
    ((50.0000, -1.3802, -84.2814), (50.0000, 0.0000, -82.7485), 1.0000),
    ((50.0000, -1.1848, -84.8006), (50.0000, 0.0000, -82.7485), 1.0000),
    ((50.0000, -0.9009, -85.5211), (50.0000, 0.0000, -82.7485), 1.0000),
    ((50.0000, 0.0000, 0.0000), (50.0000, -1.0000, 2.0000), 2.3669),
    ((50.0000, -1.0000, 2.0000), (50.0000, 0.0000, 0.0000), 2.3669),
    ((50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0009), 7.1792),
    ((50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0010), 7.1792),
    ((50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0011), 7.2195),
    ((50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0012), 7.2195),
    ((50.0000, -0.0010, 2.4900), (50.0000, 0.0009, -2.4900), 4.8045),
    ((50.0000, -0.0010, 2.4900), (50.0000, 0.0010, -2.4900), 4.8045),
    ((50.0000, -0.0010, 2.4900), (50.0000, 0.0011, -2.4900), 4.7461),
    ((50.0000, 2.5000, 0.0000), (50.0000, 0.0000, -2.5000), 4.3065),
    ((50.0000, 2.5000, 0.0000), (73.0000, 25.0000, -18.0000), 27.1492),
    ((50.0000, 2.5000, 0.0000), (61.0000, -5.0000, 29.0000), 22.8977),
    ((50.0000, 2.5000, 0.0000), (56.0000, -27.0000, -3.0000), 31.9030),
    ((50.0000, 2.5000, 0.0000), (58.0000, 24.0000, 15.0000), 19.4535),
    ((50.0000, 2.5000, 0.0000), (50.0000, 3.1736, 0.5854), 1.0000),
    ((50.0000, 2.5000, 0.0000), (50.0000, 3.2972, 0.0000), 1.0000),
    ((50.0000, 2.5000, 0.0000), (50.0000, 1.8634, 0.5757), 1.0000),
    ((50.0000, 2.5000, 0.0000), (50.0000, 3.2592, 0.3350), 1.0000),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((63.0109, -31.0961, -5.8663), (62.8187, -29.7946, -4.0864), 1.2630),
    ((61.2901, 3.7196, -5.3901), (61.4292, 2.2480, -4.9620), 1.8731),
    ((35.0831, -44.1164, 3.7933), (35.0232, -40.0716, 1.5901), 1.8645),
    ((22.7233, 20.0904, -46.6940), (23.0331, 14.9730, -42.5619), 2.0373),
    ((36.4612, 47.8580, 18.3852), (36.2715, 50.5065, 21.2231), 1.4146),
    ((90.8027, -2.0831, 1.4410), (91.1528, -1.6435, 0.0447), 1.4441),
    ((90.9257, -0.5406, -0.9208), (88.6381, -0.8985, -0.7239), 1.5381),
    ((6.7747, -0.2908, -2.4247), (5.8714, -0.0985, -2.2286), 0.6377),
    ((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082),
]


def _flat(value, height=100, width=120):
    return np.full((height, width, 3), value, dtype=np.float32)


def test_sharma_pairs_all_34_match_the_published_values():
    lab1 = np.array([p[0] for p in SHARMA_PAIRS])
    lab2 = np.array([p[1] for p in SHARMA_PAIRS])
    expected = np.array([p[2] for p in SHARMA_PAIRS])
    assert len(SHARMA_PAIRS) == 34
    np.testing.assert_allclose(metrics.delta_e2000_lab(lab1, lab2), expected, atol=5e-5)
    np.testing.assert_allclose(metrics.delta_e2000_lab(lab2, lab1), expected, atol=5e-5)


def test_delta_e2000_matches_skimage_on_random_colours():
    rng = np.random.default_rng(0)
    lab1 = np.stack([rng.uniform(0, 100, 5000), rng.uniform(-110, 110, 5000),
                     rng.uniform(-110, 110, 5000)], -1)
    lab2 = lab1 + rng.normal(0, 8, lab1.shape)
    np.testing.assert_allclose(metrics.delta_e2000_lab(lab1, lab2),
                               color.deltaE_ciede2000(lab1, lab2), atol=1e-9)


def test_delta_e2000_of_srgb_images_matches_skimage_and_is_zero_for_equal():
    a = data.astronaut()[::8, ::8].astype(np.float32) / 255
    b = np.clip(a * 1.1 + 0.02, 0, 1)
    expected = color.deltaE_ciede2000(color.rgb2lab(a), color.rgb2lab(b))
    np.testing.assert_allclose(metrics.delta_e2000(a, b), expected, atol=0.01)
    assert metrics.delta_e2000(a, a).max() == 0.0
    assert metrics.delta_e2000(a, b).shape == a.shape[:2]


def test_srgb_to_lab_matches_skimage_and_known_white_and_red():
    rgb = np.random.default_rng(1).uniform(0, 1, (500, 3))
    # skimage rounds the sRGB -> XYZ matrix to 6 digits (0.412453, ...): up to ~0.005 apart.
    np.testing.assert_allclose(metrics.srgb_to_lab(rgb), color.rgb2lab(rgb), atol=0.01)
    np.testing.assert_allclose(metrics.srgb_to_lab([1.0, 1.0, 1.0]), [100, 0, 0], atol=1e-3)
    np.testing.assert_allclose(metrics.srgb_to_lab([1.0, 0.0, 0.0]), [53.24, 80.09, 67.20], atol=0.01)


def test_delta_e2000_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="one shape"):
        metrics.delta_e2000(np.zeros((4, 4, 3)), np.zeros((4, 5, 3)))


def test_psnr_known_values():
    a = _flat(0.5, 10, 10)
    assert metrics.psnr(a, a + 0.1) == pytest.approx(20.0, abs=1e-4)  # MSE 0.01
    assert metrics.psnr(a, a + 0.01) == pytest.approx(40.0, abs=1e-3)  # MSE 1e-4
    b = a.copy()
    b[:5] += 0.2  # half the pixels off by 0.2: MSE 0.02
    assert metrics.psnr(a, b) == pytest.approx(10 * np.log10(1 / 0.02), abs=1e-4)
    assert metrics.psnr(a, a) == float("inf")
    assert metrics.psnr(a * 255, a * 255 + 25.5, peak=255.0) == pytest.approx(20.0, abs=1e-4)


def test_hls_saturation_matches_colorsys():
    rgb = np.random.default_rng(2).uniform(0, 1, (300, 3))
    expected = [colorsys.rgb_to_hls(*pixel)[2] for pixel in rgb]
    np.testing.assert_allclose(metrics.hls_saturation(rgb), expected, atol=1e-12)
    assert metrics.hls_saturation([0.3, 0.3, 0.3]) == 0.0
    assert metrics.hls_saturation([1.0, 1.0, 1.0]) == 0.0


def test_patch_statistics_of_flat_and_split_images_computed_by_hand():
    rng = np.random.default_rng(0)
    stats = metrics.patch_statistics(_flat([0.8, 0.4, 0.2]), rng)
    assert stats.shape == (16, 3)
    lum = 0.27 * 0.8 + 0.67 * 0.4 + 0.06 * 0.2  # 0.496
    saturation = (0.8 - 0.2) / (0.8 + 0.2)  # lightness 0.5: 0.6
    np.testing.assert_allclose(stats, [[lum, 0.0, saturation]] * 16, atol=1e-6)

    # Left half black, right half white, on a square image: every patch of the 80x80 square is a
    # 64-px window of 40 black and 40 white columns; its luminance std is sqrt(p (1 - p)) for its
    # white fraction p, and the patch statistics must agree with that by hand (the default is the
    # paper's 2 x variance, "std" the authors' code's 2 x standard deviation).
    image = np.zeros((80, 80, 3), np.float32)
    image[:, 40:] = 1.0
    stats = metrics.patch_statistics(image, np.random.default_rng(3))
    p = stats[:, 0]
    assert ((p >= 24 / 64 - 1e-6) & (p <= 40 / 64 + 1e-6)).all()
    np.testing.assert_allclose(stats[:, 1], 2 * p * (1 - p), atol=1e-5)
    np.testing.assert_allclose(stats[:, 2], 0.0)
    std = metrics.patch_statistics(image, np.random.default_rng(3), contrast="std")
    np.testing.assert_allclose(std[:, 1], 2 * np.sqrt(p * (1 - p)), atol=1e-5)


def test_histograms_bin_edges_and_normalization():
    stats = np.array([[0.0, 1.0, 0.5], [1 / 32 - 1e-9, 0.999, 0.5], [1 / 32, 1.5, -0.2]])
    histograms = metrics.statistic_histograms(stats)
    assert histograms.shape == (3, 32)
    np.testing.assert_allclose(histograms.sum(axis=1), 1.0)
    assert histograms[0, 0] == pytest.approx(2 / 3) and histograms[0, 1] == pytest.approx(1 / 3)
    assert histograms[1, 31] == pytest.approx(1.0)  # 1.0 and values above 1 go to the last bin
    assert histograms[2, 16] == pytest.approx(2 / 3) and histograms[2, 0] == pytest.approx(1 / 3)


def test_intersection_of_small_sets_computed_by_hand():
    # a: luminance bins {3, 3, 10, 20}; b: bins {3, 10, 10, 25}. min per bin: bin 3 -> 1/4,
    # bin 10 -> 1/4: 0.5. Contrast all in bin 0 for both: 1. Saturation bin 5 vs bin 6: 0.
    a = np.array([[3.5, 0, 5.5], [3.2, 0, 5.5], [10.1, 0, 5.5], [20.9, 0, 5.5]]) / 32
    b = np.array([[3.9, 0, 6.5], [10.5, 0, 6.5], [10.7, 0, 6.5], [25.0, 0, 6.5]]) / 32
    scores = metrics.intersections(a, b)
    assert scores == pytest.approx({"luminance": 0.5, "contrast": 1.0, "saturation": 0.0})
    # Collections of different sizes: a (4 patches) against 2 of its own rows.
    assert metrics.intersections(a, a[:2])["luminance"] == pytest.approx(0.5)


def test_histogram_intersection_of_a_set_with_itself_is_one_and_seeded():
    photos = [data.astronaut().astype(np.float32) / 255, data.coffee().astype(np.float32) / 255]
    assert metrics.histogram_intersection(photos, photos, seed=4) == pytest.approx(
        {"luminance": 1.0, "contrast": 1.0, "saturation": 1.0})
    first = metrics.collection_statistics(photos, seed=4)
    assert first.shape == (32, 3)
    np.testing.assert_array_equal(first, metrics.collection_statistics(photos, seed=4))
    assert not np.array_equal(first, metrics.collection_statistics(photos, seed=5))


def test_histogram_intersection_of_disjoint_distributions_is_zero():
    dark = [_flat(0.1), _flat([0.05, 0.1, 0.15])]
    bright = [_flat(0.9), _flat([0.95, 0.9, 0.85])]
    scores = metrics.histogram_intersection(dark, bright, seed=0)
    assert scores["luminance"] == 0.0
    assert scores["contrast"] == 1.0  # both flat: zero contrast everywhere
    grey, red = [_flat(0.5)], [_flat([0.9, 0.1, 0.1])]
    assert metrics.histogram_intersection(grey, red)["saturation"] == 0.0


def test_histogram_intersection_falls_as_a_style_moves_away():
    photo = data.chelsea().astype(np.float32) / 255
    scores = [metrics.histogram_intersection([photo], [np.clip(photo * gain, 0, 1)], seed=1)
              for gain in (1.0, 1.02, 1.6)]
    luminance = [s["luminance"] for s in scores]
    assert luminance[0] == 1.0 > luminance[1] > luminance[2]


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="empty"):
        metrics.histogram_intersection([], [_flat(0.5)])
    with pytest.raises(ValueError, match="H, W >= 64"):
        metrics.patch_statistics(np.zeros((32, 100, 3)), np.random.default_rng(0))
    with pytest.raises(ValueError, match="contrast"):
        metrics.patch_statistics(_flat(0.5), np.random.default_rng(0), contrast="range")
