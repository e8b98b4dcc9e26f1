"""Tests for mobile/pixel_limit.py: the pixel limit every reader of user photos checks."""
import pytest
from PIL import Image

from mobile import pixel_limit


@pytest.fixture
def limit():
    """Sets the limit for one test and puts the default back."""
    yield pixel_limit.set_max_pixels
    pixel_limit.set_max_pixels(pixel_limit.DEFAULT_MAX_PIXELS)


def test_check_refuses_more_pixels_than_the_limit_naming_file_and_flag(limit):
    limit(100)
    pixel_limit.check("ok.png", 10, 10)
    with pytest.raises(pixel_limit.ImageTooLargeError) as caught:
        pixel_limit.check("big.png", 10, 11)
    assert caught.value.path == "big.png"
    assert str(caught.value) == ("big.png: is 10x11 px (110 pixels), more than the limit of 100; "
                                 "not decoded (a larger limit: --max_image_pixels=N)")
    assert pixel_limit.max_pixels() == 100


def test_the_default_admits_the_largest_sensors_and_refuses_a_bomb():
    assert pixel_limit.max_pixels() == pixel_limit.DEFAULT_MAX_PIXELS
    pixel_limit.check("gfx100.raf", 11648, 8736)  # a 102-megapixel medium-format photo
    with pytest.raises(pixel_limit.ImageTooLargeError):
        pixel_limit.check("bomb.png", 30000, 30000)


@pytest.mark.parametrize("count", [0, -1, 2.5, True, "9"])
def test_the_limit_is_a_positive_integer(limit, count):
    with pytest.raises(ValueError, match="positive integer"):
        limit(count)


def test_pillows_own_guard_is_off_so_a_larger_limit_is_honoured():
    assert Image.MAX_IMAGE_PIXELS is None
