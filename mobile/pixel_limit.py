"""The largest image, in pixels, that the readers of user photos decode: a guard against
decompression bombs.

A small file can declare an enormous image (a 30000 x 30000 PNG of one colour is a few MB and
decodes to 2.7 GB). Every reader of user images (`exposure.image_io`, `agan.image_folder`) takes
the width and height from the file's header (Pillow, tifffile and rawpy open files lazily) and
calls `check` before it decodes any pixel; a file over the limit raises `ImageTooLargeError`
naming it, and batch commands report and skip it. Commands set the limit from `FLAG`
(`commandline.max_image_pixels_flag`).

Importing this module turns off Pillow's own guard (`PIL.Image.MAX_IMAGE_PIXELS`): it raises only
at twice its limit, after warning, and would refuse images the user allowed here.
"""
from PIL import Image

# Default limit: above the largest camera sensors (150 MP medium format); one float32 RGB copy of
# such an image is 2.4 GB.
DEFAULT_MAX_PIXELS = 200_000_000
FLAG = "max_image_pixels"  # the flag of every command that reads photos

Image.MAX_IMAGE_PIXELS = None

_max_pixels = DEFAULT_MAX_PIXELS


class ImageTooLargeError(ValueError):
    """An image whose header declares more pixels than the limit. `.path` names the file and
    `.problem` says what is wrong."""

    def __init__(self, path, problem):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{path}: {problem}")


def max_pixels():
    """The current limit: width x height of the largest image the readers decode."""
    return _max_pixels


def set_max_pixels(count):
    """Sets the limit for this process (a positive int number of pixels)."""
    global _max_pixels
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"the pixel limit must be a positive integer, got {count!r}")
    _max_pixels = count


def check(path, width, height):
    """Raises ImageTooLargeError naming `path` when a `width` x `height` image (from the file's
    header, before decoding) has more pixels than the limit."""
    pixels = int(width) * int(height)
    if pixels > _max_pixels:
        raise ImageTooLargeError(
            path, f"is {width}x{height} px ({pixels:,} pixels), more than the limit of "
                  f"{_max_pixels:,}; not decoded (a larger limit: --{FLAG}=N)")
