"""exposure.dng: the DNG files the project writes decode back through libraw (rawpy)."""
import numpy as np
import pytest
import rawpy
import tifffile

from exposure.dng import CFA_PATTERNS, write_dng
from exposure.image_io import read_linear
from exposure.unprocess import XYZ_TO_CAMERA_MATRICES, mosaic, quantize, rgb_to_camera_matrix

BLACK, WHITE = 512, 16383
GAINS = np.array([2.1, 1.0, 1.7])  # daylight white-balance gains of a typical camera
XYZ_TO_CAMERA = XYZ_TO_CAMERA_MATRICES[3]


def smooth_image(height=64, width=96):
    """Linear sRGB ramps in [0.1, 0.6]: smooth, so demosaicking is near exact away from borders."""
    yy, xx = np.mgrid[0:height, 0:width] / np.array([height, width]).reshape(2, 1, 1)
    return np.stack([0.1 + 0.5 * xx, 0.2 + 0.3 * yy, 0.3 + 0.2 * xx * yy], -1)


def write_linear_as_dng(path, linear, *, pattern="RGGB", orientation=1):
    """Converts linear sRGB to camera RGB, removes the white balance, mosaics and writes a DNG."""
    camera = linear @ rgb_to_camera_matrix(XYZ_TO_CAMERA).T / GAINS
    counts = quantize(mosaic(camera, pattern), BLACK, WHITE)
    write_dng(path, counts, pattern=pattern, black_level=BLACK, white_level=WHITE,
              color_matrix=XYZ_TO_CAMERA, as_shot_neutral=1.0 / GAINS, orientation=orientation)


def develop(path, **overrides):
    """Linear develop with rawpy, as the authors' code does (docs/exposure.md#training-data); float in [0, 1]."""
    options = dict(gamma=(1, 1), no_auto_bright=True, output_bps=16, use_camera_wb=True,
                   adjust_maximum_thr=0.0)
    options.update(overrides)
    with rawpy.imread(str(path)) as raw:
        return raw.postprocess(**options) / 65535.0


# Tolerance of the round trip, in linear units: 14-bit quantization is 1/15871 = 6e-5 per sample,
# times at most 2.1 (the red gain) and ~2 (the inverse colour matrix's row norm) = 2.6e-4; AHD
# demosaicking of a smooth ramp is near exact 4 px from the border; libraw rounds to 16 bits (8e-6).
# 1e-3 covers all of it with margin, and is 100x smaller than the colour errors of a wrong matrix,
# gain or pattern (checked below).
ROUND_TRIP_ATOL = 1e-3


def test_round_trip_through_rawpy_and_read_linear(tmp_path):
    linear = smooth_image()
    write_linear_as_dng(tmp_path / "a.dng", linear)
    developed = develop(tmp_path / "a.dng")
    assert developed.shape == linear.shape
    np.testing.assert_allclose(developed[4:-4, 4:-4], linear[4:-4, 4:-4], atol=ROUND_TRIP_ATOL)
    via_loader = read_linear(tmp_path / "a.dng")
    np.testing.assert_allclose(via_loader[4:-4, 4:-4], linear[4:-4, 4:-4], atol=ROUND_TRIP_ATOL)


@pytest.mark.parametrize("pattern", sorted(CFA_PATTERNS))
def test_every_bayer_pattern_decodes_to_the_same_colours(tmp_path, pattern):
    linear = smooth_image()
    write_linear_as_dng(tmp_path / "a.dng", linear, pattern=pattern)
    developed = develop(tmp_path / "a.dng")
    np.testing.assert_allclose(developed[4:-4, 4:-4], linear[4:-4, 4:-4], atol=ROUND_TRIP_ATOL)


def test_grey_stays_grey_with_camera_white_balance(tmp_path):
    grey = np.full((32, 32, 3), 0.3)
    write_linear_as_dng(tmp_path / "grey.dng", grey)
    balanced = develop(tmp_path / "grey.dng")[8:-8, 8:-8].mean(axis=(0, 1))
    np.testing.assert_allclose(balanced, [0.3, 0.3, 0.3], atol=ROUND_TRIP_ATOL)
    # Without the as-shot neutral the raw is visibly green: the neutral tag is what makes it grey.
    unbalanced = develop(tmp_path / "grey.dng", use_camera_wb=False, user_wb=[1, 1, 1, 1])
    red, green, blue = unbalanced[8:-8, 8:-8].mean(axis=(0, 1))
    assert green > 1.3 * red and green > 1.2 * blue


def test_tags_read_back(tmp_path):
    write_linear_as_dng(tmp_path / "a.dng", smooth_image(), pattern="GRBG")
    with rawpy.imread(str(tmp_path / "a.dng")) as raw:
        assert raw.raw_type == rawpy.RawType.Flat
        assert raw.white_level == WHITE
        assert list(raw.black_level_per_channel) == [BLACK] * 4
        np.testing.assert_allclose(raw.camera_whitebalance[:3], GAINS, rtol=1e-5)
        colours = raw.color_desc.decode()
        assert [colours[i] for i in raw.raw_pattern.ravel()] == ["G", "R", "B", "G"]
    with tifffile.TiffFile(tmp_path / "a.dng") as tif:
        tags = tif.pages[0].tags
        assert tags["PhotometricInterpretation"].value == 32803
        assert tuple(tags["DNGVersion"].value) == (1, 4, 0, 0)
        assert tags["CalibrationIlluminant1"].value == 21
        assert tags["UniqueCameraModel"].value == "agan-exposure Unprocessed sRGB"
        matrix = np.array(tags["ColorMatrix1"].value, dtype=float).reshape(9, 2)
        np.testing.assert_allclose(matrix[:, 0] / matrix[:, 1], XYZ_TO_CAMERA.ravel(), atol=1e-6)


def test_orientation_is_honoured(tmp_path):
    linear = np.full((32, 48, 3), 0.1)
    linear[:8, :8] = 0.6  # a bright marker in the stored top-left corner
    write_linear_as_dng(tmp_path / "rotated.dng", linear, orientation=6)
    developed = develop(tmp_path / "rotated.dng")
    # Orientation 6: rotate 90 degrees clockwise for display; stored top-left -> displayed top-right.
    assert developed.shape == (48, 32, 3)
    assert developed[:6, -6:].mean() > 0.5 and developed[:6, :6].mean() < 0.2


def test_rewrites_an_existing_file_completely(tmp_path):
    path = tmp_path / "a.dng"
    path.write_bytes(b"not a dng")
    write_linear_as_dng(path, smooth_image())
    np.testing.assert_allclose(develop(path)[4:-4, 4:-4], smooth_image()[4:-4, 4:-4],
                               atol=ROUND_TRIP_ATOL)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.dng"]


GOOD = dict(black_level=BLACK, white_level=WHITE, color_matrix=XYZ_TO_CAMERA,
            as_shot_neutral=1.0 / GAINS)


@pytest.mark.parametrize("cfa,overrides,message", [
    (np.zeros((4, 4), np.float32), {}, "uint16"),
    (np.zeros((5, 4), np.uint16), {}, "even"),
    (np.zeros((4, 4, 3), np.uint16), {}, "even"),
    (np.full((4, 4), WHITE + 1, np.uint16), {}, "above white_level"),
    (np.zeros((4, 4), np.uint16), {"pattern": "RGBW"}, "pattern"),
    (np.zeros((4, 4), np.uint16), {"black_level": WHITE}, "black_level"),
    (np.zeros((4, 4), np.uint16), {"color_matrix": np.ones((3, 3))}, "singular"),
    (np.zeros((4, 4), np.uint16), {"as_shot_neutral": (1.0, 0.0, 1.0)}, "as_shot_neutral"),
    (np.zeros((4, 4), np.uint16), {"orientation": 9}, "orientation"),
])
def test_bad_arguments_name_the_file_and_write_nothing(tmp_path, cfa, overrides, message):
    path = tmp_path / "bad.dng"
    with pytest.raises(ValueError, match=message) as error:
        write_dng(path, cfa, **{**GOOD, **overrides})
    assert "bad.dng" in str(error.value)
    assert list(tmp_path.iterdir()) == []
