"""Tests for exposure/apply.py and the exposure_apply command, on real files in tmp_path."""
import io
import os
import pathlib
import subprocess
import sys

import imagecodecs
import numpy as np
import pytest
import tifffile
from PIL import Image

from exposure import apply as apply_lib
from exposure.image_io import ImageReadError, read_linear
from mobile import cube, lut
from mobile.fast_render import Renderer
from mobile.program import Program, Step
from mobile.render import render
from tests.exposure.photo_fixtures import smooth_linear_image, write_test_dng

ROOT = pathlib.Path(__file__).resolve().parents[2]
PROGRAM = Program((
    Step("exposure", {"ev": 0.8}),
    Step("gamma", {"gamma": 1 / 1.6}),
    Step("contrast", {"amount": 0.4}),
    Step("saturation", {"amount": 0.5}),
    Step("white_balance", {"multipliers": (1.1, 1.0, 0.9)}),
))


def _command(*args):
    """Runs exposure_apply; returns (exit status, stdout + stderr)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-m", "exposure.cli.apply", "--noprogress", *args],
                            capture_output=True, text=True, env=env, timeout=300)
    return result.returncode, result.stdout + result.stderr


def _photo(seed=0, rows=72, cols=96):
    """An 8-bit sRGB photo-like image: smooth ramps plus noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:rows, 0:cols]
    base = np.stack([x / cols, y / rows, (x + y) / (rows + cols)], axis=-1) * 200 + 20
    return np.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(np.uint8)


def _exact_codes(path, bits=8):
    top = (1 << bits) - 1
    return np.rint(np.clip(render(PROGRAM, read_linear(path)), 0, 1) * top)


@pytest.fixture
def program_file(tmp_path):
    path = tmp_path / "edit.json"
    PROGRAM.save(path)
    return path


def test_jpeg_in_jpeg_out_keeps_exif_and_matches_the_renderer(tmp_path, program_file):
    exif = Image.Exif()
    exif[271], exif[272] = "TestMake", "TestModel 1"
    Image.fromarray(_photo()).save(tmp_path / "in.jpg", quality=95, exif=exif.tobytes())
    status, output = _command(f"--program={program_file}", f"--input={tmp_path / 'in.jpg'}",
                              f"--output={tmp_path / 'out.jpg'}", "--strip")
    assert status == 0, output
    assert "1 of 1 photos written (fast" in output
    with Image.open(tmp_path / "out.jpg") as written:
        assert written.format == "JPEG"
        assert written.getexif()[271] == "TestMake" and written.getexif()[272] == "TestModel 1"
        pixels = np.asarray(written.convert("RGB")).astype(float)
    # The same encoder on the exact renderer's codes gives the same pixels, but where the fast
    # table sits one code off (float32 rounding, see tests/codes.py) and the encoder spreads it.
    buffer = io.BytesIO()
    Image.fromarray(_exact_codes(tmp_path / "in.jpg").astype(np.uint8)).save(
        buffer, "JPEG", quality=95)
    error = np.abs(pixels - np.asarray(Image.open(buffer)).astype(float))
    assert error.max() <= 3 and np.mean(error > 0) <= 0.01, (error.max(), np.mean(error > 0))
    assert (tmp_path / "out.strip.png").is_file()


def test_png_16bit_out_equals_the_exact_renderer(tmp_path, program_file):
    Image.fromarray(_photo(1)).save(tmp_path / "in.png")
    status, output = _command(f"--program={program_file}", f"--input={tmp_path / 'in.png'}",
                              f"--output={tmp_path / 'out.png'}", "--bits=16", "--exact")
    assert status == 0, output
    assert "(exact rendering)" in output
    pixels = imagecodecs.png_decode((tmp_path / "out.png").read_bytes())
    assert pixels.dtype == np.uint16 and pixels.shape == (72, 96, 3)
    assert np.abs(pixels - _exact_codes(tmp_path / "in.png", bits=16)).max() <= 1


def test_raw_in_16bit_tiff_out_fast_is_within_the_lut_bound(tmp_path, program_file):
    write_test_dng(tmp_path / "in.dng", smooth_linear_image())
    out = apply_lib.apply_program(PROGRAM, [(tmp_path / "in.dng", tmp_path / "out.tif")],
                                  lut_size=33, progress=False)
    assert out.failures == [] and out.written == [tmp_path / "out.tif"]
    linear = read_linear(tmp_path / "out.tif", tiff_encoding="linear")  # the stored values
    assert linear.shape == (96, 128, 3)
    error = np.abs(np.rint(linear * 255) - _exact_codes(tmp_path / "in.dng"))
    mean_bound, p99_bound = lut.ERROR_BOUNDS_CODES[33]
    assert error.mean() <= mean_bound and np.percentile(error, 99) <= p99_bound


def test_folder_with_a_bad_file_writes_the_others_and_reports_it(tmp_path, program_file):
    photos = tmp_path / "photos"
    (photos / "sub").mkdir(parents=True)
    Image.fromarray(_photo(2)).save(photos / "a.png")
    Image.fromarray(_photo(3)).save(photos / "sub" / "b.jpg")
    (photos / "broken.jpg").write_bytes(b"this is not a JPEG")
    (photos / "notes.txt").write_text("not an image")
    status, output = _command(f"--program={program_file}", f"--input={photos}",
                              f"--output={tmp_path / 'out'}", "--format=png")
    assert status == 1, output
    assert (tmp_path / "out" / "a.png").is_file() and (tmp_path / "out" / "sub" / "b.png").is_file()
    assert not (tmp_path / "out" / "broken.png").exists()
    assert "2 of 3 photos written" in output and "1 failed" in output
    assert "broken.jpg" in output and "cannot be decoded" in output
    assert "1 non-image files skipped" in output
    leftovers = [p for p in (tmp_path / "out").rglob("*") if p.name.startswith(".")]
    assert leftovers == []


def test_refuses_to_overwrite_the_input(tmp_path, program_file):
    Image.fromarray(_photo(4)).save(tmp_path / "in.png")
    before = (tmp_path / "in.png").read_bytes()
    status, output = _command(f"--program={program_file}", f"--input={tmp_path / 'in.png'}",
                              f"--output={tmp_path / 'in.png'}")
    assert status == 1
    assert "refusing to overwrite the input" in output
    assert (tmp_path / "in.png").read_bytes() == before


def test_bad_program_gives_its_error_and_exit_2(tmp_path):
    Image.fromarray(_photo(5)).save(tmp_path / "in.png")
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "exposure-program", "version": 1, "steps": [{"filter": "blur"}]}')
    status, output = _command(f"--program={bad}", f"--input={tmp_path / 'in.png'}",
                              f"--output={tmp_path / 'out.png'}")
    assert status == 2
    assert "bad program" in output and "unknown filter 'blur'" in output and "steps[0]" in output
    assert not (tmp_path / "out.png").exists()


def test_cube_export_and_bad_flags(tmp_path, program_file):
    status, output = _command(f"--program={program_file}", f"--cube={tmp_path / 'edit.cube'}",
                              "--cube_size=9")
    assert status == 0, output
    np.testing.assert_allclose(cube.read_cube(tmp_path / "edit.cube"), lut.bake(PROGRAM, 9),
                               atol=1e-6)
    assert "# step 2: Gamma 1/1.60" in (tmp_path / "edit.cube").read_text()
    status, output = _command(f"--program={program_file}", f"--input={tmp_path / 'x.png'}",
                              f"--output={tmp_path / 'y.jpg'}", "--bits=16")
    assert status == 2 and "x.png: no such file" in output
    Image.fromarray(_photo(6)).save(tmp_path / "x.png")
    status, output = _command(f"--program={program_file}", f"--input={tmp_path / 'x.png'}",
                              f"--output={tmp_path / 'y.jpg'}", "--bits=16")
    assert status == 2 and "y.jpg: .jpg holds (8,) bits per channel, not 16" in output


def test_float_rgb_tiffs_are_written_without_exif(tmp_path):
    rng = np.random.default_rng(7)
    renderer = Renderer(PROGRAM)
    for dtype in ("float32", "float16"):
        source = tmp_path / f"{dtype}.tif"
        tifffile.imwrite(source, rng.random((64, 80, 3)).astype(dtype), photometric="rgb")
        (target,) = apply_lib.apply_one(renderer, source, tmp_path / f"{dtype}.jpg")
        with Image.open(target) as image:
            assert image.size == (80, 64) and not image.getexif()


def test_a_fifo_as_input_is_named_as_such(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(ImageReadError, match=r"pipe: is not a regular file or folder \(a FIFO"):
        apply_lib.plan(tmp_path / "pipe", tmp_path / "out.jpg")
