"""exposure_apply: applies a retouch program to a photo or a folder of photos, or exports it as .cube.

    exposure_apply --program=edit.json --input=photo.dng --output=photo.jpg
    exposure_apply --program=edit.json --input=raws/ --output=out/ --format=tif --strip
    exposure_apply --program=edit.json --cube=edit.cube

Exit status: 0 when everything was written, 1 when some photos failed (each is reported, the
batch goes on), 2 for a bad program or bad flags.
"""
from absl import app, flags

from commandline import (
    BadInput,
    check_usage,
    finish_batch,
    max_image_pixels_flag,
    progress_flag,
    run_main,
)
from exposure import apply as apply_lib
from exposure.cli import photo_batch_flags
from mobile import lut, pixel_limit
from mobile import program as program_lib
from mobile.fast_render import DEFAULT_LUT_SIZE

_PROGRAM = flags.DEFINE_string("program", None, "Program JSON file (an exposure-program document).")
_PHOTOS = photo_batch_flags()
_FAST = flags.DEFINE_bool(
    "fast", True,
    "Fast rendering (default): exact 8-bit table for 8-bit input, a 3D LUT otherwise "
    "(error in README). --nofast is --exact.")
_EXACT = flags.DEFINE_bool(
    "exact", False, "Render with the exact numpy renderer (same as --nofast).")
_LUT_SIZE = flags.DEFINE_integer(
    "lut_size", DEFAULT_LUT_SIZE, "3D LUT nodes per axis for fast rendering of >8-bit input.",
    lower_bound=2, upper_bound=lut.MAX_SIZE)
_CUBE = flags.DEFINE_string(
    "cube", None,
    "Also (or only) write the program as a .cube 3D LUT here: indexed by sRGB-encoded input, "
    "for 8-bit sRGB images in Resolve, Photoshop or ffmpeg's lut3d.")
_CUBE_SIZE = flags.DEFINE_integer(
    "cube_size", lut.DEFAULT_SIZE, "Nodes per axis of the --cube LUT.", lower_bound=2,
    upper_bound=lut.MAX_SIZE)
_PROGRESS = progress_flag()
_MAX_IMAGE_PIXELS = max_image_pixels_flag()


def main(argv):
    check_usage(argv, _PROGRAM)
    if _FAST.present and _EXACT.present and _FAST.value == _EXACT.value:
        raise app.UsageError("--fast and --exact contradict each other; give one")
    if bool(_PHOTOS.input.value) != bool(_PHOTOS.output.value):
        raise app.UsageError("--input and --output go together")
    if not _PHOTOS.input.value and not _CUBE.value:
        raise app.UsageError("nothing to do: give --input and --output, or --cube")
    pixel_limit.set_max_pixels(_MAX_IMAGE_PIXELS.value)
    try:
        program = program_lib.load(_PROGRAM.value)
    except program_lib.ProgramError as error:
        raise BadInput(f"bad program: {error}") from error
    if _CUBE.value:
        apply_lib.export_cube(program, _CUBE.value, _CUBE_SIZE.value)
        print(f"wrote {_CUBE.value} ({_CUBE_SIZE.value}^3 LUT, sRGB-encoded input)")
    if not _PHOTOS.input.value:
        return 0
    fast = _FAST.value and not _EXACT.value
    bits = int(_PHOTOS.bits.value) if _PHOTOS.bits.value else None
    try:
        pairs, skipped = apply_lib.plan_batch(_PHOTOS.input.value, _PHOTOS.output.value,
                                              "." + _PHOTOS.format.value, bits)
    except (OSError, ValueError) as error:
        raise BadInput(error) from error
    report = apply_lib.apply_program(
        program, pairs, fast=fast, bits=bits, strip=_PHOTOS.strip.value,
        tiff_encoding=_PHOTOS.tiff_encoding.value, lut_size=_LUT_SIZE.value,
        progress=_PROGRESS.value)
    mode = "fast (exact 8-bit table / 3D LUT)" if fast else "exact"
    return finish_batch(
        "exposure_apply",
        f"{len(pairs) - len(report.failures)} of {len(pairs)} photos written ({mode} rendering), "
        f"{len(report.failures)} failed, {len(skipped)} non-image files skipped",
        report.failures)


def run():
    run_main(main, __name__)


if __name__ == "__main__":
    run()
