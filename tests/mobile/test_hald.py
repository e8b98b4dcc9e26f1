"""Tests for mobile/hald.py: the Hald CLUT layout, PNG round trip, and ffmpeg's haldclut filter as
an independent consumer on a real photo."""
import numpy as np
import pytest
from PIL import Image

from mobile import hald, lut
from mobile.srgb import linear_to_srgb, srgb_to_linear
from tests.helpers.random_programs import random_program
from tests.mobile import editors


def test_pixel_i_is_the_node_with_red_fastest_then_green_then_blue():
    image = hald.bake(linear_to_srgb, level=2)  # identity: each node holds its own input
    assert image.shape == (8, 8, 3)
    flat = image.reshape(-1, 3)
    index = np.arange(64)
    nodes = np.stack([index % 4, index // 4 % 4, index // 16], axis=-1) / 3.0
    np.testing.assert_allclose(flat, nodes, atol=1e-5)
    np.testing.assert_array_equal(hald.lut_from_image(image), lut.bake(linear_to_srgb, 4))


@pytest.mark.parametrize("bits, tolerance", [(16, 0.5 / 65535 + 1e-7), (8, 0.5 / 255 + 1e-7)])
def test_write_then_read_gives_the_lut_back_rounded_to_its_bits(tmp_path, bits, tolerance):
    program = random_program(np.random.default_rng(3))
    path = tmp_path / "edit.png"
    hald.write(path, program, level=4, bits=bits, comments=["step 1: x", hald.INPUT_DESCRIPTION])
    with Image.open(path) as image:
        assert image.size == (64, 64)
        assert image.info["Description"] == f"step 1: x\n{hald.INPUT_DESCRIPTION}"
    table = hald.read(path)
    assert table.shape == (16, 16, 16, 3)
    np.testing.assert_allclose(table, np.clip(lut.bake(program, 16), 0, 1), atol=tolerance)
    assert [p.name for p in tmp_path.iterdir()] == ["edit.png"]  # no temporary left


@pytest.mark.parametrize("level", [1, 17, 2.5, True, "8"])
def test_bad_levels_are_refused_with_the_range(level):
    with pytest.raises(hald.HaldError, match=r"level must be an integer in \[2, 16\]"):
        hald.check_level(level)


@pytest.mark.parametrize("bits", [4, 12, 32, True])
def test_bad_bit_depths_are_refused(bits):
    with pytest.raises(hald.HaldError, match="must be 8 or 16"):
        hald.check_bits(bits)


@pytest.mark.parametrize("shape", [(10, 10, 3), (64, 63, 3), (8, 8, 4), (28, 28, 3)])
def test_images_that_are_not_hald_cluts_are_named(tmp_path, shape):
    path = tmp_path / "bad.png"
    Image.fromarray(np.zeros(shape, np.uint8)).save(path)
    with pytest.raises(hald.HaldError) as info:
        hald.read(path)
    assert str(path) in str(info.value)


@pytest.fixture(scope="module")
def photo():
    return editors.photo_mosaic()


@pytest.mark.parametrize("seed", [11, 12])
def test_ffmpeg_haldclut_matches_the_exact_renderer(tmp_path, photo, seed):
    editors.require("ffmpeg")
    program = random_program(np.random.default_rng(seed))
    tif, _ = editors.write_inputs(tmp_path / "in", photo)
    hald.write(tmp_path / "edit.png", program)
    theirs = editors.ffmpeg_haldclut(tmp_path / "edit.png", tif, tmp_path / "out")
    # ffmpeg reads the CLUT at the input's depth (8-bit nodes) and works in 8-bit integers: within
    # 2 codes of our tetrahedral lookup of the same file (a misread layout is tens of codes off).
    ours = lut.apply(hald.read(tmp_path / "edit.png"), photo) * 255
    assert np.abs(theirs - ours).max() <= 2
    exact = editors.exact_codes(program, srgb_to_linear(photo / np.float32(255)))
    mean, p99, _ = editors.error_codes(theirs, exact)
    mean_bound, p99_bound = hald.ERROR_BOUNDS_CODES
    assert mean <= mean_bound + 0.5 and p99 <= p99_bound + 1, (mean, p99)  # + truncation
