import logging

import numpy as np
import pytest
from PIL import Image

from agan import image_folder
from agan.dataset_files import DatasetFormatError, DatasetNotFoundError
from tests.helpers.image_bombs import write_png_bomb


def _save(path, array, mode=None, **params):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array, mode).save(path, **params)


def _solid(value, size=8):
    return np.full((size, size, 3), value, dtype=np.uint8)


def test_subfolders_are_sorted_classes(tmp_path):
    _save(tmp_path / "zebra" / "a.png", _solid(200))
    _save(tmp_path / "apple" / "nested" / "b.png", _solid(10))
    _save(tmp_path / "apple" / "c.png", _solid(20))
    images, labels = image_folder.load(tmp_path)
    assert images.shape == (3, 8, 8, 3) and images.dtype == np.uint8
    assert image_folder.class_names(tmp_path) == ("apple", "zebra")
    by_value = {int(image[0, 0, 0]): int(label) for image, label in zip(images, labels, strict=True)}
    assert by_value == {10: 0, 20: 0, 200: 1}


def test_images_in_the_root_are_one_class(tmp_path):
    _save(tmp_path / "a.png", _solid(1))
    _save(tmp_path / "b.jpg", _solid(128))
    images, labels = image_folder.load(tmp_path)
    assert len(images) == 2 and labels.tolist() == [0, 0]


def test_what_an_atomic_write_left_half_written_is_not_an_image(tmp_path):
    _save(tmp_path / "cls" / "a.png", _solid(1))
    (tmp_path / "cls" / ".b.atomic-0a1b2c3d-4242-deadbeef.png").write_bytes(b"half a png")
    (tmp_path / ".c.atomic-0a1b2c3d-4242-deadbeef.png").write_bytes(b"half a png")
    images, labels = image_folder.load(tmp_path)
    assert len(images) == 1 and image_folder.class_names(tmp_path) == ("cls",)


def test_root_files_next_to_class_folders_are_ambiguous(tmp_path):
    _save(tmp_path / "cls" / "a.png", _solid(1))
    _save(tmp_path / "loose.png", _solid(1))
    with pytest.raises(DatasetFormatError, match="loose.png"):
        image_folder.load(tmp_path)


def test_colour_modes_become_rgb(tmp_path):
    gray = np.full((8, 8), 90, dtype=np.uint8)
    _save(tmp_path / "gray.png", gray)
    rgba = np.zeros((8, 8, 4), dtype=np.uint8)
    rgba[..., 0], rgba[..., 3] = 255, 255
    rgba[0, 0] = (0, 0, 0, 0)  # a transparent pixel is composited on white
    _save(tmp_path / "rgba.png", rgba, "RGBA")
    Image.new("CMYK", (8, 8), (0, 255, 255, 0)).save(tmp_path / "cmyk.jpg", quality=100)
    sixteen = np.full((8, 8), 65535 // 2, dtype=np.uint16)
    Image.fromarray(sixteen).save(tmp_path / "gray16.png")
    assert Image.open(tmp_path / "gray16.png").mode.startswith("I")
    read = {name: image_folder.read_rgb(tmp_path / name)
            for name in ("gray.png", "rgba.png", "cmyk.jpg", "gray16.png")}
    assert all(image.shape == (8, 8, 3) and image.dtype == np.uint8 for image in read.values())
    assert tuple(read["gray.png"][3, 3]) == (90, 90, 90)
    assert tuple(read["rgba.png"][3, 3]) == (255, 0, 0)
    assert tuple(read["rgba.png"][0, 0]) == (255, 255, 255)
    red, green, blue = read["cmyk.jpg"][4, 4].astype(int)
    assert red > 200 and green < 60 and blue < 60
    assert tuple(read["gray16.png"][0, 0]) == (127, 127, 127)


def test_exif_orientation_is_applied(tmp_path):
    stored = np.zeros((4, 8, 3), dtype=np.uint8)  # 4 rows x 8 columns as stored
    stored[0, 0] = (255, 0, 0)  # top-left as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    _save(tmp_path / "rotated.png", stored, exif=exif.tobytes())
    shown = image_folder.read_rgb(tmp_path / "rotated.png")
    assert shown.shape == (8, 4, 3)
    assert shown[0, 3, 0] == 255  # stored top-left is displayed top-right


def test_centre_crop_and_resize(tmp_path):
    wide = np.zeros((10, 30, 3), dtype=np.uint8)
    wide[:, 10:20] = 200  # the centre square is bright, the sides dark
    _save(tmp_path / "wide.png", wide)
    images, _ = image_folder.load(tmp_path, image_size=5)
    assert images.shape == (1, 5, 5, 3)
    assert images.min() == 200


def test_mixed_sizes_need_image_size(tmp_path):
    _save(tmp_path / "a.png", _solid(1, size=8))
    _save(tmp_path / "b.png", _solid(1, size=16))
    with pytest.raises(DatasetFormatError, match="image_size"):
        image_folder.load(tmp_path)
    images, _ = image_folder.load(tmp_path, image_size=4)
    assert images.shape == (2, 4, 4, 3)


def test_unreadable_files_are_skipped_with_a_warning_and_count(tmp_path, caplog):
    _save(tmp_path / "good.png", _solid(5))
    (tmp_path / "notes.txt").write_text("not an image")
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 10)
    with caplog.at_level(logging.WARNING):
        images, labels = image_folder.load(tmp_path)
    assert len(images) == 1 and labels.tolist() == [0]
    assert "broken.png" in caplog.text and "notes.txt" in caplog.text
    assert "skipped 2 unreadable file(s) of 3" in caplog.text


def test_empty_and_missing_folders(tmp_path):
    with pytest.raises(DatasetFormatError, match="holds no files"):
        image_folder.load(tmp_path)
    with pytest.raises(DatasetNotFoundError, match="does not exist"):
        image_folder.load(tmp_path / "nope")
    (tmp_path / "junk.txt").write_text("x")
    with pytest.raises(DatasetFormatError, match="none of its 1 files"):
        image_folder.load(tmp_path)


def test_limit_selects_a_seeded_subset(tmp_path):
    for value in range(6):
        _save(tmp_path / f"{value}.png", _solid(value * 10))
    images, _ = image_folder.load(tmp_path, limit=3, seed=4)
    again, _ = image_folder.load(tmp_path, limit=3, seed=4)
    assert len(images) == 3
    np.testing.assert_array_equal(images, again)


def test_an_image_over_the_pixel_limit_is_skipped_from_its_header(tmp_path):
    _save(tmp_path / "good.png", _solid(5))
    write_png_bomb(tmp_path / "bomb.png")
    skipped = []
    images, _ = image_folder.load(tmp_path, skipped=skipped)
    assert len(images) == 1
    ((path, reason),) = skipped
    assert path.name == "bomb.png"
    assert "is 30000x30000 px" in reason and "--max_image_pixels" in reason
