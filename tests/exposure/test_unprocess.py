"""exposure.unprocess: sRGB photos -> camera raw, invertible where a camera pipeline is."""
import numpy as np
import pytest
import rawpy
from PIL import Image

from exposure import unprocess
from exposure.builtin_data import INPUT_PHOTOS
from exposure.dng import CFA_PATTERNS, write_dng
from mobile.srgb import srgb_to_linear


def params(**overrides):
    """A mid-range camera and shot, noise-free unless overridden."""
    base = dict(
        xyz_to_camera=tuple(map(tuple, unprocess.XYZ_TO_CAMERA_MATRICES[1])),
        wb_gains=(2.0, 1.0, 1.6),
        exposure_ev=0.0,
        illuminant_cast=(1.0, 1.0, 1.0),
        shot_noise=0.0,
        read_noise=0.0,
        black_level=512,
        white_level=16383,
    )
    return unprocess.RawParams(**{**base, **overrides})


def block_mean(image, k=4):
    """Means over k x k blocks: averages out demosaicking error at edges."""
    h, w = image.shape[0] // k * k, image.shape[1] // k * k
    return image[:h, :w].reshape(h // k, k, w // k, k, -1).mean(axis=(1, 3))


def test_inverse_tone_curve_inverts_the_smoothstep():
    x = np.linspace(0.0, 1.0, 1001, dtype=np.float32)
    np.testing.assert_allclose(unprocess.tone_curve(unprocess.inverse_tone_curve(x)), x, atol=2e-6)
    np.testing.assert_allclose(unprocess.inverse_tone_curve(unprocess.tone_curve(x)), x, atol=1e-3)
    assert np.all(np.diff(unprocess.inverse_tone_curve(x)) > 0)


def test_camera_matrix_maps_white_to_white():
    for xyz_to_camera in unprocess.XYZ_TO_CAMERA_MATRICES:
        matrix = unprocess.rgb_to_camera_matrix(xyz_to_camera)
        np.testing.assert_allclose(matrix @ np.ones(3), np.ones(3), atol=1e-12)
        assert np.linalg.cond(matrix) < 10


def test_photo_to_scene_applies_decoding_exposure_and_cast():
    srgb = np.random.default_rng(0).random((8, 8, 3)).astype(np.float32)
    plain = unprocess.photo_to_scene(srgb, params(), inverse_tone=False)
    np.testing.assert_allclose(plain, srgb_to_linear(srgb), atol=1e-7)
    cast = unprocess.illuminant_cast(0.2, 0.0)
    brighter = unprocess.photo_to_scene(srgb, params(exposure_ev=1.0, illuminant_cast=cast),
                                        inverse_tone=False)
    np.testing.assert_allclose(brighter, plain * 2.0 * np.array(cast), rtol=1e-6)


def test_illuminant_cast_keeps_grey_luminance_and_has_the_right_sign():
    warm = np.array(unprocess.illuminant_cast(0.2, 0.0))
    cool = np.array(unprocess.illuminant_cast(-0.2, 0.05))
    for cast in (warm, cool):
        assert np.dot(unprocess.LUMINANCE_WEIGHTS, cast) == pytest.approx(1.0)
    assert warm[0] > warm[1] > warm[2] and cool[2] > cool[0]


def test_sensor_signal_inverts_to_the_scene_where_not_clipped():
    scene = np.random.default_rng(1).uniform(0.05, 0.9, (16, 16, 3))
    p = params(exposure_ev=0.5)
    sensor = unprocess.scene_to_sensor(scene, p).astype(np.float64)
    developed = (sensor * p.wb_gains) @ np.linalg.inv(unprocess.rgb_to_camera_matrix(p.xyz_to_camera)).T
    unclipped = ((sensor > 0) & (sensor < 1)).all(axis=-1)
    assert unclipped.mean() > 0.5
    np.testing.assert_allclose(developed[unclipped], scene[unclipped], atol=1e-5)


def test_overexposure_clips_like_a_sensor():
    white = np.ones((4, 4, 3), np.float32)
    sensor = unprocess.scene_to_sensor(unprocess.photo_to_scene(white, params(exposure_ev=1.0)),
                                       params())
    assert sensor.max() == 1.0 and sensor.min() >= 0.0
    # Green has gain 1 and clips first; red and blue, divided by gains > 1, clip later.
    np.testing.assert_array_equal(sensor[..., 1], 1.0)


def test_noise_has_the_documented_variance():
    flat = np.full((256, 256, 3), 0.2)
    p = params(shot_noise=1e-3, read_noise=1e-5, wb_gains=(1.0, 1.0, 1.0),
               xyz_to_camera=tuple(map(tuple, np.linalg.inv(unprocess.SRGB_TO_XYZ))))
    noisy = unprocess.scene_to_sensor(flat, p, np.random.default_rng(0))
    assert np.var(noisy) == pytest.approx(0.2 * 1e-3 + 1e-5, rel=0.05)
    again = unprocess.scene_to_sensor(flat, p, np.random.default_rng(0))
    np.testing.assert_array_equal(noisy, again)


@pytest.mark.parametrize("pattern", sorted(CFA_PATTERNS))
def test_mosaic_takes_the_pattern_colour_at_each_site(pattern):
    sensor = np.zeros((4, 6, 3), np.float32)
    for channel in range(3):
        sensor[..., channel] = channel + 1
    cfa = unprocess.mosaic(sensor, pattern)
    np.testing.assert_array_equal(cfa[:2, :2].ravel(), np.array(CFA_PATTERNS[pattern]) + 1)
    np.testing.assert_array_equal(cfa[2:, 4:], cfa[:2, :2])


def test_mosaic_rejects_odd_sizes():
    with pytest.raises(ValueError, match="even"):
        unprocess.mosaic(np.zeros((3, 4, 3)))


def test_quantize_maps_zero_to_black_and_one_to_white():
    counts = unprocess.quantize(np.array([-0.1, 0.0, 0.5, 1.0, 1.5]), 256, 4095)
    assert counts.dtype == np.uint16
    np.testing.assert_array_equal(counts, [256, 256, 2176, 4095, 4095])


def test_sampled_parameters_are_deterministic_and_in_the_documented_ranges():
    draws = [unprocess.sample_raw_params(np.random.default_rng([0, i])) for i in range(200)]
    assert draws[7] == unprocess.sample_raw_params(np.random.default_rng([0, 7]))
    assert draws[7] != draws[8]
    evs = np.array([d.exposure_ev for d in draws])
    assert evs.min() >= -2.0 and evs.max() <= 1.5 and (evs < -1).any() and (evs > 0.5).any()
    for d in draws:
        red, green, blue = d.wb_gains
        assert 1.9 <= red <= 2.4 and green == 1.0 and 1.5 <= blue <= 1.9
        assert (d.black_level, d.white_level) in unprocess.ADC_LEVELS
        assert 1e-4 <= d.shot_noise <= 2e-3 and d.read_noise > 0
    warmth = np.log([d.illuminant_cast[0] / d.illuminant_cast[2] for d in draws]) / 2
    assert warmth.min() < -0.1 and warmth.max() > 0.1 and np.abs(warmth).max() <= 0.25 + 1e-9


def test_a_real_photo_develops_back_to_its_scene_through_rawpy(tmp_path):
    """Unprocess -> DNG -> libraw (camera WB, linear) recovers the scene light.

    Tolerance: on 4x4 block means of unclipped blocks, the median error is below 0.004 and the
    mean (bias) per channel below 0.002 (linear units, white = 1). Noise is off; what remains is
    AHD demosaicking error at the photo's edges (zero-mean, a few percent on edge blocks, hence
    the median) and 14-bit quantization (6e-5). A wrong matrix, gain, pattern or black level
    biases every block by > 0.01.
    """
    photo = INPUT_PHOTOS[0]
    srgb = np.asarray(Image.open(photo.path()).convert("RGB"), np.float32)[:256, 128:384] / 255.0
    p = params(exposure_ev=-0.5, illuminant_cast=unprocess.illuminant_cast(0.15, 0.02))
    raw = unprocess.unprocess(srgb, p)
    assert raw.cfa.dtype == np.uint16 and raw.cfa.shape == (256, 256)
    assert p.black_level <= raw.cfa.min() and raw.cfa.max() <= p.white_level
    write_dng(tmp_path / "a.dng", raw.cfa, **raw.dng_tags)
    with rawpy.imread(str(tmp_path / "a.dng")) as decoded:
        developed = decoded.postprocess(gamma=(1, 1), no_auto_bright=True, output_bps=16,
                                        use_camera_wb=True, adjust_maximum_thr=0.0) / 65535.0
    sensor = unprocess.scene_to_sensor(raw.scene, p)
    unclipped = block_mean(((sensor > 0) & (sensor < 1)).all(-1, keepdims=True).astype(float))
    keep = unclipped[..., 0] == 1.0
    assert keep.mean() > 0.9
    error = (block_mean(developed) - block_mean(raw.scene))[keep]
    assert np.median(np.abs(error)) < 0.004
    np.testing.assert_array_less(np.abs(error.mean(axis=0)), 0.002)


def test_unprocess_is_deterministic_for_a_seed():
    srgb = np.random.default_rng(2).random((32, 32, 3)).astype(np.float32)
    p = params(shot_noise=1e-3, read_noise=1e-6)
    first = unprocess.unprocess(srgb, p, rng=np.random.default_rng(5))
    second = unprocess.unprocess(srgb, p, rng=np.random.default_rng(5))
    third = unprocess.unprocess(srgb, p, rng=np.random.default_rng(6))
    np.testing.assert_array_equal(first.cfa, second.cfa)
    assert not np.array_equal(first.cfa, third.cfa)
