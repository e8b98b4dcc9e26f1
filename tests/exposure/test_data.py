"""Tests for exposure/data.py: crops, area resizing, the folder loader and the tf.data pipeline."""
import logging

import numpy as np
import pytest
from PIL import Image

from exposure import data
from exposure.image_io import ImageReadError, write_image
from mobile.srgb import srgb_to_linear
from tests.exposure.photo_fixtures import smooth_linear_image, write_test_dng
from tests.helpers.image_bombs import write_png_bomb


def test_area_resize_averages_blocks_exactly():
    rng = np.random.default_rng(0)
    blocks = rng.random((80, 80, 3)).astype(np.float32)
    image = np.repeat(np.repeat(blocks, 3, axis=0), 3, axis=1)
    noise = rng.normal(0, 0.05, image.shape).astype(np.float32)
    block_mean = noise.reshape(80, 3, 80, 3, 3).mean(axis=(1, 3))
    noise -= np.repeat(np.repeat(block_mean, 3, axis=0), 3, axis=1)  # zero mean in every 3x3 block
    np.testing.assert_allclose(data.area_resize(image + noise, 80), blocks, atol=1e-5)


def test_area_resize_non_integer_factor_keeps_the_mean():
    image = np.random.default_rng(1).random((250, 250, 3)).astype(np.float32)
    out = data.area_resize(image, 80)
    assert out.shape == (80, 80, 3) and out.dtype == np.float32
    np.testing.assert_allclose(out.mean((0, 1)), image.mean((0, 1)), atol=2e-3)
    # Area averaging of noise shrinks its spread by about the factor 250/80.
    assert out.std() < image.std() / 2.5


def test_area_resize_weights_fractional_pixels_by_covered_area():
    # 3 -> 2 pixels: output 0 covers input pixel 0 and half of pixel 1, so [1, 0, 0] gives 2/3, 0.
    image = np.zeros((3, 3, 1), np.float32)
    image[0, 0] = 1.0
    np.testing.assert_allclose(data.area_resize(image, 2)[..., 0], [[4 / 9, 0], [0, 0]], atol=1e-6)
    # A non-square image: rows and columns are averaged over their own footprints.
    ramp = np.broadcast_to(np.arange(96, dtype=np.float32)[None, :, None], (72, 96, 1))
    out = data.area_resize(ramp, 64)[0, :, 0]
    # Independently: split every pixel in two half-pixels; an output cell is 3 of them.
    expected = np.repeat(np.arange(96.0), 2).reshape(64, 3).mean(axis=1)
    np.testing.assert_allclose(out, expected, atol=1e-4)


def test_random_square_patches_are_square_crops_of_the_short_side():
    height, width = 100, 300
    xx = np.broadcast_to(np.arange(width, dtype=np.float32), (height, width))
    image = np.stack([xx, np.zeros_like(xx), np.ones_like(xx)], -1)
    patches = data.random_square_patches(image, np.random.default_rng(0))
    assert patches.shape == (4, 80, 80, 3) and patches.dtype == np.float32
    for patch in patches:
        ramp = patch[..., 0]
        assert 0 <= ramp.min() and ramp.max() <= width - 1
        assert 97 < ramp.max() - ramp.min() < height  # a crop of side 100 (the short side)
        np.testing.assert_allclose(patch[..., 2], 1.0)
    lefts = {round(float(p[0, 0, 0]), 3) for p in patches}
    assert len(lefts) > 1  # positions are random


def _mixed_folder(tmp_path):
    folder = tmp_path / "photos"
    (folder / "sub").mkdir(parents=True)
    write_test_dng(folder / "a.dng", smooth_linear_image())
    write_image(folder / "sub" / "b.jpg", smooth_linear_image(120, 90))
    (folder / "broken.dng").write_text("not a raw file")
    Image.new("RGB", (40, 30)).save(folder / "tiny.png")
    (folder / "notes.txt").write_text("ignored")
    return folder


def test_loader_skips_bad_files_with_a_warning_and_a_count(tmp_path, caplog):
    folder = _mixed_folder(tmp_path)
    with caplog.at_level(logging.WARNING, logger="exposure.data"):
        patches, report = data.load_collection(folder, cache_dir=tmp_path / "c", progress=False)
    assert patches.shape == (8, 80, 80, 3) and patches.dtype == np.float32
    assert report.loaded == 2
    assert [p.name for p, _ in report.skipped] == ["broken.dng", "tiny.png"]
    assert "cannot be decoded as RAW" in report.skipped[0][1]
    assert "40x30 px" in report.skipped[1][1]
    assert [p.name for p in report.ignored] == ["notes.txt"]
    warned = caplog.text
    assert "broken.dng" in warned and "tiny.png" in warned
    assert "2 images loaded" in report.summary() and "2 skipped" in report.summary()


def test_inputs_are_linear_and_targets_srgb(tmp_path):
    folder = tmp_path / "one"
    folder.mkdir()
    value = np.array([0.2, 0.5, 0.9], np.float32)
    write_image(folder / "p.png", np.broadcast_to(value, (70, 90, 3)), bits=16)
    inputs, _ = data.load_collection(folder, cache_dir=tmp_path / "c", progress=False)
    targets, _ = data.load_collection(folder, kind="target", cache_dir=tmp_path / "c",
                                      progress=False)
    stored = np.round(value * 65535) / 65535
    np.testing.assert_allclose(targets, np.broadcast_to(stored, targets.shape), atol=1e-6)
    np.testing.assert_allclose(inputs, np.broadcast_to(srgb_to_linear(stored), inputs.shape),
                               atol=1e-6)


def test_nothing_loadable_is_an_error(tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "x.dng").write_text("text")
    Image.new("L", (1, 1)).save(folder / "dot.jpg")
    with pytest.raises(ImageReadError, match=r"bad: none of its 2 images could be read.*dot\.jpg"):
        data.load_collection(folder, cache_dir=tmp_path / "c", progress=False)


def test_loader_argument_errors(tmp_path):
    with pytest.raises(ValueError, match="kind='raw'"):
        data.load_collection(tmp_path, kind="raw")
    with pytest.raises(ValueError, match="tiff_encoding"):
        data.load_collection(tmp_path, tiff_encoding="gamma")
    with pytest.raises(ImageReadError, match="holds no images"):
        data.load_collection(tmp_path, cache_dir=tmp_path / "c")
    with pytest.raises(FileNotFoundError, match="missing"):
        data.load_collection(tmp_path / "missing")


def test_training_dataset_crops_flips_and_is_deterministic():
    rng = np.random.default_rng(0)
    patches = rng.random((6, 80, 80, 3)).astype(np.float32)
    batches = list(data.training_dataset(patches, batch_size=16, seed=3).take(4).as_numpy_iterator())
    assert all(b.shape == (16, 64, 64, 3) and b.dtype == np.float32 for b in batches)
    again = list(data.training_dataset(patches, batch_size=16, seed=3).take(4).as_numpy_iterator())
    np.testing.assert_array_equal(batches[0], again[0])
    flips = offsets = 0
    seen = set()
    for crop in np.concatenate(batches):
        for i, patch in enumerate(patches):
            for flipped, view in ((False, patch), (True, patch[:, ::-1])):
                hit = _find_crop(view, crop)
                if hit is not None:
                    seen.add(i)
                    flips += flipped
                    offsets += hit != (0, 0)
    assert seen == set(range(6))  # every patch appears; each crop is found in a patch
    assert 0 < flips < 64  # some crops flipped, some not
    assert offsets > 0


def _find_crop(patch, crop):
    """(top, left) where `crop` sits in `patch`, or None."""
    for top in range(17):
        for left in range(17):
            if np.array_equal(patch[top:top + 64, left:left + 64], crop):
                return top, left
    return None


def test_training_dataset_rejects_bad_patches():
    with pytest.raises(ValueError, match="expected .N, H, W, 3."):
        data.training_dataset(np.zeros((2, 32, 32, 3), np.float32))
    with pytest.raises(ValueError, match="empty"):
        data.training_dataset(np.zeros((0, 80, 80, 3), np.float32))


def test_loader_skips_a_decompression_bomb_from_its_header(tmp_path):
    folder = _mixed_folder(tmp_path)
    write_png_bomb(folder / "bomb.png")
    _, report = data.load_collection(folder, cache_dir=tmp_path / "c", progress=False)
    assert report.loaded == 2
    reasons = dict((p.name, r) for p, r in report.skipped)
    assert "is 30000x30000 px" in reasons["bomb.png"]
    assert "--max_image_pixels" in reasons["bomb.png"]
