"""Tests for mobile/cube.py: the .cube format, and ffmpeg's lut3d as an independent consumer."""
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image

from exposure.image_io import read_linear
from mobile import cube, lut
from mobile.render import render
from tests.helpers.random_programs import random_program


def _ramp_lut(size):
    """A LUT whose node (b, g, r) holds (r, g, b) / (size - 1) * (0.9, 0.8, 0.7)."""
    axis = np.linspace(0.0, 1.0, size, dtype=np.float32)
    b, g, r = np.meshgrid(axis, axis, axis, indexing="ij")
    return np.stack([r * 0.9, g * 0.8, b * 0.7], axis=-1)


def test_write_then_read_gives_the_lut_back_with_red_fastest(tmp_path):
    table = _ramp_lut(3)
    path = tmp_path / "sub" / "ramp.cube"
    cube.write_cube(path, table, title="ramp", comments=["step 1: Exposure +1.00"])
    text = path.read_text().splitlines()
    assert text[0] == 'TITLE "ramp"'
    assert cube.INPUT_SPACE_COMMENT in text and "# step 1: Exposure +1.00" in text
    assert "LUT_3D_SIZE 3" in text
    data = [line for line in text if line[0].isdigit()]
    assert len(data) == 27
    assert data[1] == "0.450000 0.000000 0.000000"  # second line: red = 1/2, green = blue = 0
    assert data[3] == "0.000000 0.400000 0.000000"  # after 3 reds: green steps
    np.testing.assert_allclose(cube.read_cube(path), table, atol=1e-6)
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["ramp.cube"]  # no temporary left


@pytest.mark.parametrize("body, message", [
    ("DOMAIN_MIN 0 0 0\n0 0 0\n", "no LUT_3D_SIZE"),
    ("LUT_3D_SIZE 2\n" + "0 0 0\n" * 7, "needs 8 data lines, found 7"),
    ("LUT_1D_SIZE 4\n", "1D LUT"),
    ("LUT_3D_SIZE 2\n0 0 x\n", ":2: cannot parse"),
    ("LUT_3D_SIZE 2\n0 0\n", ":2: expected 3 numbers"),
    ("LUT_3D_SIZE 2\nDOMAIN_MAX 2 2 2\n" + "0 0 0\n" * 8, "domain"),
    ("LUT_3D_SIZE 100000\n0 0 0\n", ":1: LUT_3D_SIZE must be 2 to 256, got 100000"),
])
def test_malformed_files_are_named(tmp_path, body, message):
    path = tmp_path / "bad.cube"
    path.write_text(body)
    with pytest.raises(cube.CubeError, match=message) as info:
        cube.read_cube(path)
    assert str(path) in str(info.value)


def test_bad_lut_shape_is_refused(tmp_path):
    with pytest.raises(ValueError, match="shape"):
        cube.write_cube(tmp_path / "x.cube", np.zeros((3, 3, 2, 3)))


@pytest.mark.skipif(shutil.which("ffmpeg") is None,
                    reason="ffmpeg is not installed (apt-get install ffmpeg; .ci/run does)")
def test_ffmpeg_lut3d_matches_the_exact_renderer(tmp_path):
    rng = np.random.default_rng(7)
    size = 33
    codes = rng.integers(0, 256, (96, 128, 3), dtype=np.uint8)
    Image.fromarray(codes).save(tmp_path / "in.png")
    program = random_program(rng)
    table = lut.bake(program, size)
    cube.write_cube(tmp_path / "edit.cube", table)
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-i", str(tmp_path / "in.png"), "-vf",
         f"lut3d=file={tmp_path / 'edit.cube'}:interp=tetrahedral", "-pix_fmt", "rgb24",
         str(tmp_path / "out.png")], check=True, timeout=60)
    theirs = np.asarray(Image.open(tmp_path / "out.png").convert("RGB")).astype(np.float64)
    exact = np.rint(np.clip(render(program, read_linear(tmp_path / "in.png")), 0, 1) * 255)
    ours = lut.apply(table, codes / np.float32(255)) * 255
    # ffmpeg truncates its 8-bit output where we round: 1 code apart from our own LUT at most.
    assert np.abs(theirs - ours).max() < 1.0 + 1e-3
    error = np.abs(theirs - exact)
    mean_bound, p99_bound = lut.ERROR_BOUNDS_CODES[size]
    assert error.mean() <= mean_bound + 0.5  # + truncation, 0.5 codes on average
    assert np.percentile(error, 99) <= p99_bound + 1
