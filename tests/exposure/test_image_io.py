"""Tests for exposure/image_io.py on real files written by the tests (DNG, TIFF, PNG, JPEG)."""
import os

import numpy as np
import pytest
import tifffile
from PIL import Image, ImageOps

from exposure.image_io import (
    RAW_EXTENSIONS,
    SUPPORTED_EXTENSIONS,
    ImageReadError,
    list_images,
    read_exif,
    read_linear,
    read_srgb,
    write_image,
)
from mobile import pixel_limit
from mobile.srgb import srgb_to_linear
from tests.exposure.photo_fixtures import smooth_linear_image, write_test_dng
from tests.helpers.image_bombs import write_png_bomb, write_tiff_bomb


def random_image(shape=(70, 90, 3), seed=0):
    return np.random.default_rng(seed).random(shape).astype(np.float32)


# ---------------------------------------------------------------- formats

def test_dng_decodes_to_the_linear_image_it_came_from(tmp_path):
    linear = smooth_linear_image()
    write_test_dng(tmp_path / "a.dng", linear)
    out = read_linear(tmp_path / "a.dng")
    assert out.dtype == np.float32 and out.shape == linear.shape
    # Tolerance: 14-bit quantization is 6e-5; bilinear-class demosaicking of a linear ramp is exact
    # away from the 2-pixel border, so 1e-3 leaves room for libraw's rounding to 16 bits.
    np.testing.assert_allclose(out[4:-4, 4:-4], linear[4:-4, 4:-4], atol=1e-3)
    # Targets read from a RAW are the sRGB encoding of the same linear image.
    np.testing.assert_allclose(srgb_to_linear(read_srgb(tmp_path / "a.dng")), out, atol=1e-5)


def test_raw_is_linear_not_brightened(tmp_path):
    linear = smooth_linear_image()
    write_test_dng(tmp_path / "full.dng", linear)
    write_test_dng(tmp_path / "half.dng", linear / 2)
    full, half = read_linear(tmp_path / "full.dng"), read_linear(tmp_path / "half.dng")
    np.testing.assert_allclose(half[4:-4, 4:-4] * 2, full[4:-4, 4:-4], atol=2e-3)


def test_raw_with_near_white_highlight_keeps_its_scale(tmp_path):
    # libraw by default rescales a raw whose maximum lies in 75-100% of the white level; a flat
    # 0.3 field with a 0.85 highlight patch must still decode to 0.3, not brighter.
    linear = np.full((96, 128, 3), 0.3)
    linear[40:56, 56:72] = 0.85
    write_test_dng(tmp_path / "hi.dng", linear)
    out = read_linear(tmp_path / "hi.dng")
    np.testing.assert_allclose(out[4:30, 4:-4], 0.3, atol=1e-3)
    np.testing.assert_allclose(out[44:52, 60:68], 0.85, atol=1e-3)


@pytest.mark.parametrize("name,bits,atol", [
    ("a.png", 8, 0.5 / 255 + 1e-6), ("a.png", 16, 0.5 / 65535 + 1e-6),
    ("a.tif", 8, 0.5 / 255 + 1e-6), ("a.tiff", 16, 0.5 / 65535 + 1e-6),
])
def test_lossless_round_trip(tmp_path, name, bits, atol):
    x = random_image()
    write_image(tmp_path / name, x, bits=bits)
    np.testing.assert_allclose(read_srgb(tmp_path / name), x, atol=atol)


def test_jpeg_round_trip_is_close(tmp_path):
    x = np.repeat(smooth_linear_image()[..., :1], 3, axis=2).astype(np.float32)
    write_image(tmp_path / "a.jpg", x, quality=95)
    assert np.abs(read_srgb(tmp_path / "a.jpg") - x).mean() < 0.01


def test_sixteen_bit_png_keeps_full_precision(tmp_path):
    levels = (np.arange(100 * 96) * 6).astype(np.uint16)  # 9,600 distinct 16-bit levels
    rgb = np.stack([levels, levels[::-1], levels], -1).reshape(100, 96, 3)
    write_image(tmp_path / "a.png", rgb / 65535.0, bits=16)
    with open(tmp_path / "a.png", "rb") as f:
        assert f.read(25)[24] == 16  # IHDR bit depth really is 16
    out = read_srgb(tmp_path / "a.png")
    assert len(np.unique(out[..., 0])) == 9600
    np.testing.assert_allclose(out, rgb / 65535.0, atol=1e-7)


def test_sixteen_bit_grey_png_from_pillow(tmp_path):
    grey = (np.arange(64 * 80, dtype=np.uint16) * 12).reshape(64, 80)
    Image.fromarray(grey).save(tmp_path / "g.png")
    out = read_srgb(tmp_path / "g.png")
    assert out.shape == (64, 80, 3)
    np.testing.assert_allclose(out[..., 2], grey / 65535.0, atol=1e-7)


def test_tiff_encodings(tmp_path):
    x = random_image()
    write_image(tmp_path / "a.tif", x, bits=16)
    stored = np.round(x * 65535) / 65535
    np.testing.assert_allclose(read_linear(tmp_path / "a.tif", tiff_encoding="linear"), stored,
                               atol=1e-6)
    np.testing.assert_allclose(read_linear(tmp_path / "a.tif", tiff_encoding="prophoto"),
                               stored**1.8, atol=1e-6)
    np.testing.assert_allclose(read_linear(tmp_path / "a.tif"), srgb_to_linear(stored), atol=1e-6)
    with pytest.raises(ValueError, match="tiff_encoding"):
        read_linear(tmp_path / "a.tif", tiff_encoding="adobe")


def test_eight_bit_files_are_always_srgb_decoded(tmp_path):
    x = random_image()
    write_image(tmp_path / "a.png", x, bits=8)
    stored = np.round(x * 255) / 255
    for encoding in ("srgb", "linear", "prophoto"):
        np.testing.assert_allclose(read_linear(tmp_path / "a.png", tiff_encoding=encoding),
                                   srgb_to_linear(stored), atol=1e-6)


def test_float_tiff_is_read_and_nan_is_an_error(tmp_path):
    x = random_image()
    tifffile.imwrite(tmp_path / "f.tif", x, photometric="rgb")
    np.testing.assert_allclose(read_linear(tmp_path / "f.tif", tiff_encoding="linear"), x)
    x[3, 4, 1] = np.nan
    tifffile.imwrite(tmp_path / "nan.tif", x, photometric="rgb")
    with pytest.raises(ImageReadError, match="nan.tif.*NaN"):
        read_linear(tmp_path / "nan.tif")


def test_cmyk_tiff_becomes_rgb(tmp_path):
    cmyk = np.zeros((64, 64, 4), np.uint8)
    cmyk[..., 1:3] = 255  # full magenta + yellow ink = red
    tifffile.imwrite(tmp_path / "c.tif", cmyk, photometric="separated")
    np.testing.assert_allclose(read_srgb(tmp_path / "c.tif")[0, 0], [1, 0, 0], atol=1e-6)


def test_rgba_png_drops_alpha(tmp_path):
    rgba = np.zeros((64, 64, 4), np.uint8)
    rgba[..., 0], rgba[..., 3] = 200, 10
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    np.testing.assert_allclose(read_srgb(tmp_path / "a.png")[0, 0], [200 / 255, 0, 0], atol=1e-6)


# ---------------------------------------------------------------- the bad-input list

def test_truncated_dng(tmp_path):
    write_test_dng(tmp_path / "a.dng", smooth_linear_image())
    data = (tmp_path / "a.dng").read_bytes()
    (tmp_path / "cut.dng").write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageReadError, match=r"cut\.dng: cannot be decoded as RAW") as info:
        read_linear(tmp_path / "cut.dng")
    assert info.value.path == str(tmp_path / "cut.dng")


def test_text_file_named_dng(tmp_path):
    (tmp_path / "notes.dng").write_text("this is not a raw file\n" * 20)
    with pytest.raises(ImageReadError, match=r"notes\.dng: cannot be decoded as RAW"):
        read_linear(tmp_path / "notes.dng")


def test_unknown_extension_lists_supported_ones(tmp_path):
    Image.new("RGB", (64, 64)).save(tmp_path / "a.bmp")
    with pytest.raises(ImageReadError, match=r"a\.bmp: unknown extension '\.bmp'.*\.dng.*\.jpg"):
        read_linear(tmp_path / "a.bmp")


def test_grayscale_jpeg_becomes_three_equal_channels(tmp_path):
    Image.fromarray(np.full((64, 72), 100, np.uint8), "L").save(tmp_path / "g.jpg")
    out = read_srgb(tmp_path / "g.jpg")
    assert out.shape == (64, 72, 3)
    np.testing.assert_allclose(out, 100 / 255, atol=2 / 255)
    np.testing.assert_allclose(read_linear(tmp_path / "g.jpg"), srgb_to_linear(out), atol=1e-6)


def test_cmyk_jpeg_becomes_rgb(tmp_path):
    Image.new("CMYK", (64, 64), (0, 255, 255, 0)).save(tmp_path / "c.jpg", quality=95)
    out = read_srgb(tmp_path / "c.jpg")
    assert out.shape == (64, 64, 3)
    np.testing.assert_allclose(out[32, 32], [1, 0, 0], atol=0.03)


@pytest.mark.parametrize("size", [(40, 30), (1, 1), (64, 63)])
def test_too_small_image(tmp_path, size):
    Image.new("RGB", size).save(tmp_path / "small.png")
    with pytest.raises(ImageReadError,
                       match=rf"small\.png: is {size[0]}x{size[1]} px; needs at least 64 px"):
        read_linear(tmp_path / "small.png")
    assert read_srgb(tmp_path / "small.png", min_size=1).shape == (size[1], size[0], 3)


def test_exif_rotated_jpeg_marker_pixel(tmp_path):
    stored = np.zeros((64, 96, 3), np.uint8)  # landscape as stored by the sensor
    stored[:16, :16] = (255, 0, 0)  # red marker in the stored top-left corner
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    Image.fromarray(stored).save(tmp_path / "r.jpg", exif=exif.tobytes(), quality=95)
    out = read_srgb(tmp_path / "r.jpg")
    assert out.shape == (96, 64, 3)  # portrait once upright
    np.testing.assert_allclose(out[4, -5], [1, 0, 0], atol=0.05)  # marker now top-right
    assert out[4, 4].max() < 0.05 and out[-5, -5].max() < 0.05


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_orientation_matches_pillow(tmp_path, orientation):
    stored = (random_image((64, 80, 3), seed=orientation) * 255).astype(np.uint8)
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.fromarray(stored).save(tmp_path / "o.png", exif=exif.tobytes())
    tifffile.imwrite(tmp_path / "o.tif", stored, photometric="rgb",
                     extratags=[(274, "H", 1, orientation, True)])
    expected = np.asarray(ImageOps.exif_transpose(Image.open(tmp_path / "o.png"))) / 255
    np.testing.assert_allclose(read_srgb(tmp_path / "o.png"), expected, atol=1e-6)
    np.testing.assert_allclose(read_srgb(tmp_path / "o.tif"), expected, atol=1e-6)


def test_raw_orientation_is_honoured(tmp_path):
    write_test_dng(tmp_path / "a.dng", smooth_linear_image())
    write_test_dng(tmp_path / "r.dng", smooth_linear_image(), orientation=6)
    upright, rotated = read_linear(tmp_path / "a.dng"), read_linear(tmp_path / "r.dng")
    assert rotated.shape == (128, 96, 3)
    np.testing.assert_allclose(rotated, np.rot90(upright, -1), atol=1e-6)


def test_missing_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothere.dng"):
        read_linear(tmp_path / "nothere.dng")
    with pytest.raises(FileNotFoundError, match="no_folder"):
        list_images(tmp_path / "no_folder")


def test_folder_instead_of_file(tmp_path):
    (tmp_path / "d.png").mkdir()
    with pytest.raises(ImageReadError, match=r"d\.png: is a folder"):
        read_srgb(tmp_path / "d.png")


@pytest.mark.parametrize("write", [write_png_bomb, write_tiff_bomb])
def test_a_decompression_bomb_is_refused_from_its_header(tmp_path, write):
    bomb = write(tmp_path / f"bomb.{'png' if write is write_png_bomb else 'tif'}")
    with pytest.raises(ImageReadError, match=r"is 30000x30000 px \(900,000,000 pixels\), more "
                                             r"than the limit.*--max_image_pixels") as info:
        read_linear(bomb)
    assert info.value.path == str(bomb)


@pytest.fixture
def small_limit():
    """A limit of 64 x 64 pixels for one test."""
    pixel_limit.set_max_pixels(64 * 64)
    yield
    pixel_limit.set_max_pixels(pixel_limit.DEFAULT_MAX_PIXELS)


def test_every_format_checks_the_limit_before_decoding(tmp_path, small_limit):
    write_image(tmp_path / "fits.png", random_image((64, 64, 3)))
    assert read_linear(tmp_path / "fits.png").shape == (64, 64, 3)
    write_test_dng(tmp_path / "over.dng", smooth_linear_image(66, 64))
    over = {"over.jpg": (65, 64), "over.png": (64, 65), "over.tif": (70, 90), "over.dng": (66, 64)}
    for name in ("over.jpg", "over.png", "over.tif"):
        write_image(tmp_path / name, random_image(over[name] + (3,)))
    for name, (height, width) in over.items():
        with pytest.raises(ImageReadError, match=rf"{name}: is {width}x{height} px"):
            read_srgb(tmp_path / name)


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_float_rgb_tiff_has_no_exif_and_is_still_read(tmp_path, dtype):
    tifffile.imwrite(tmp_path / "f.tif", random_image().astype(dtype), photometric="rgb")
    assert read_exif(tmp_path / "f.tif") is None  # Pillow cannot open it; EXIF is optional
    assert read_srgb(tmp_path / "f.tif").shape == (70, 90, 3)


def test_a_fifo_is_neither_an_image_nor_a_folder(tmp_path):
    os.mkfifo(tmp_path / "pipe.jpg")
    with pytest.raises(ImageReadError, match=r"pipe\.jpg: is not a regular file or folder "
                                             r"\(a FIFO"):
        read_linear(tmp_path / "pipe.jpg")  # refused without opening it (open would block)
    with pytest.raises(NotADirectoryError, match=r"pipe\.jpg: is not a regular file or folder"):
        list_images(tmp_path / "pipe.jpg")


# ---------------------------------------------------------------- folders

def test_empty_folder(tmp_path):
    with pytest.raises(ImageReadError, match="holds no images.*it is empty"):
        list_images(tmp_path)
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ImageReadError, match="1 other files.*notes.txt"):
        list_images(tmp_path)


def test_list_images_sorted_recursive_and_skipped(tmp_path):
    (tmp_path / "sub").mkdir()
    for name in ("b.JPG", "a.dng", "sub/c.tif", "readme.txt"):
        (tmp_path / name).write_bytes(b"x")
    paths, skipped = list_images(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in paths] == ["a.dng", "b.JPG", "sub/c.tif"]
    assert [p.name for p in skipped] == ["readme.txt"]
    paths, _ = list_images(tmp_path, RAW_EXTENSIONS, recursive=False)
    assert [p.name for p in paths] == ["a.dng"]
    assert {".dng", ".cr2", ".cr3", ".nef", ".arw", ".raf", ".jpg", ".png", ".tiff"} <= set(
        SUPPORTED_EXTENSIONS)


def test_list_images_ignores_what_an_atomic_write_left_half_written(tmp_path):
    # A run killed while writing leaves mobile.atomic temporaries (a file, or a SavedModel folder),
    # under the earlier versions' mkstemp names too; systems leave hidden files beside photos.
    (tmp_path / "sub" / ".1.atomic-0a1b2c3d-4242-00ff00ff").mkdir(parents=True)
    for name in ("a.jpg", ".big1.atomic-0a1b2c3d-4242-deadbeef.tif", ".big1.w6ro14b1.tif",
                 "sub/.1.atomic-0a1b2c3d-4242-00ff00ff/thumb.png", "._a.jpg", ".DS_Store"):
        (tmp_path / name).write_bytes(b"x")
    paths, skipped = list_images(tmp_path)
    assert [p.name for p in paths] == ["a.jpg"] and skipped == []


# ---------------------------------------------------------------- writing and EXIF

def exif_with(orientation=6, make="TestCam"):
    exif = Image.Exif()
    exif[0x0112], exif[271], exif[272] = orientation, make, "Model 1"
    exif[0x8769] = {0x829A: 0.01}  # ExposureTime in the Exif sub-IFD
    return exif.tobytes()


@pytest.mark.parametrize("name,bits", [("o.jpg", 8), ("o.png", 8), ("o.png", 16), ("o.tif", 16)])
def test_exif_is_carried_with_orientation_reset(tmp_path, name, bits):
    Image.new("RGB", (80, 64)).save(tmp_path / "in.jpg", exif=exif_with())
    exif = read_exif(tmp_path / "in.jpg")
    write_image(tmp_path / name, random_image(), bits=bits, exif=exif)
    with Image.open(tmp_path / name) as image:
        written = image.getexif()
    assert written[271] == "TestCam"
    assert written.get(0x0112, 1) == 1
    assert read_srgb(tmp_path / name).shape == (70, 90, 3)  # pixels are not rotated again


def test_read_exif_keeps_descriptive_tags_only(tmp_path):
    write_image(tmp_path / "a.tif", random_image(), bits=16)
    assert read_exif(tmp_path / "a.tif") is None  # no descriptive tags in a bare TIFF
    Image.new("RGB", (80, 64)).save(tmp_path / "in.jpg", exif=exif_with())
    parsed = Image.Exif()
    parsed.load(read_exif(tmp_path / "in.jpg"))
    assert parsed[271] == "TestCam" and parsed[0x0112] == 6
    assert float(parsed.get_ifd(0x8769)[0x829A]) == pytest.approx(0.01)
    write_test_dng(tmp_path / "a.dng", smooth_linear_image())
    assert read_exif(tmp_path / "a.dng") is None


def test_write_image_rejects_bad_combinations_naming_the_path(tmp_path):
    x = random_image()
    with pytest.raises(ValueError, match=r"out\.jpg.*not 16"):
        write_image(tmp_path / "out.jpg", x, bits=16)
    with pytest.raises(ValueError, match=r"out\.bmp: cannot write"):
        write_image(tmp_path / "out.bmp", x)
    with pytest.raises(ValueError, match=r"out\.png: pixels have shape"):
        write_image(tmp_path / "out.png", x[..., 0])
    with pytest.raises(ValueError, match=r"out\.png: pixels contain NaN"):
        write_image(tmp_path / "out.png", np.full((4, 4, 3), np.nan))
    assert list(tmp_path.iterdir()) == []


def test_write_image_is_atomic_and_clips(tmp_path):
    write_image(tmp_path / "a.png", np.full((64, 64, 3), 0.5), bits=16)
    before = (tmp_path / "a.png").read_bytes()
    with pytest.raises(ValueError):
        write_image(tmp_path / "a.png", np.full((64, 64, 3), np.inf), bits=16)
    assert (tmp_path / "a.png").read_bytes() == before
    write_image(tmp_path / "a.png", np.full((64, 64, 3), 2.0), bits=16)
    np.testing.assert_array_equal(read_srgb(tmp_path / "a.png"), 1.0)
    assert [p.name for p in tmp_path.iterdir()] == ["a.png"]  # no temporary files left
