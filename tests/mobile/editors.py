"""The real photo editors, run headless on preset files, and the photos and statistics their tests
(tests/mobile/test_hald.py, test_rawtherapee.py, test_darktable.py) and
benchmarks/editor_presets.py use.

Each runner returns the output images as uint8 [H, W, 3] codes, in the order of `sources`, and
raises EditorError with the editor's own messages when it writes nothing: RawTherapee and
darktable both skip a LUT they cannot load without failing, so callers compare the result with
the exact renderer rather than trusting the exit status.
"""
import contextlib
import os
import pathlib
import shutil
import sqlite3
import subprocess
from xml.etree import ElementTree

import imagecodecs
import numpy as np
import pytest
import tifffile
from PIL import Image

from mobile.render import render
from mobile.srgb import srgb_to_linear
from tests.exposure.photo_fixtures import write_test_dng

# Real photos scikit-image ships (CC0 / public domain, see exposure/builtin_data.py): the
# mosaic tiles a crop of each, so one editor run sees skin, sky, fur and saturated colours.
MOSAIC_PHOTOS = ("astronaut.png", "coffee.png", "chelsea.png", "rocket.jpg")
# rawtherapee-cli 5.9 answers "Error loading file" for a DNG of 200 x 200 pixels or fewer (224 and
# up load), so the mosaic's tiles are 128 pixels.
TIMEOUT_SECONDS = 300


class EditorError(RuntimeError):
    """An editor ran but wrote no output."""


def require(tool):
    """Skips the calling test unless `tool` is on PATH, naming the Debian package to install."""
    if shutil.which(tool) is None:
        package = {"rawtherapee-cli": "rawtherapee", "darktable-cli": "darktable"}.get(tool, tool)
        pytest.skip(f"{tool} is not installed (apt-get install {package}; .ci/run does)")


def photo_mosaic(tile=128):
    """uint8 [2 tile, 2 tile, 3]: centre crops of the four MOSAIC_PHOTOS, each downscaled by the
    smallest integer factor that makes its short side at least `tile`, then cropped."""
    import skimage.data  # the photo files sit beside this module

    folder = pathlib.Path(skimage.data.__file__).parent
    tiles = []
    for name in MOSAIC_PHOTOS:
        with Image.open(folder / name) as image:
            pixels = np.asarray(image.convert("RGB"))
        step = max(1, min(pixels.shape[:2]) // tile)
        small = pixels[::step, ::step]
        top, left = (small.shape[0] - tile) // 2, (small.shape[1] - tile) // 2
        tiles.append(small[top:top + tile, left:left + tile])
    return np.concatenate([np.concatenate(tiles[:2], 1), np.concatenate(tiles[2:], 1)], 0)


def write_inputs(folder, codes):
    """Writes, into the new folder `folder`, the 8-bit sRGB photo `codes` as srgb.tif (8-bit
    TIFF without ICC profile: editors read it as sRGB) and its mosaicked raw raw.dng (camera RGB
    = linear sRGB, neutral white balance). Returns (tif, dng)."""
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True)
    tif, dng = folder / "srgb.tif", folder / "raw.dng"
    tifffile.imwrite(tif, codes, photometric="rgb")
    write_test_dng(dng, srgb_to_linear(codes / np.float32(255)).astype(np.float64))
    return tif, dng


def exact_codes(program, linear):
    """What `exposure_apply --exact` writes for linear input: uint8 codes of the display output."""
    return np.rint(np.clip(render(program, linear), 0.0, 1.0) * 255).astype(np.uint8)


def error_codes(actual, expected, border=0):
    """(mean, 99th percentile, max) of |actual - expected| in codes; `actual` may be smaller
    (an editor that crops demosaic borders) and is compared with the centre of `expected`;
    `border` more pixels are left out on every side."""
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    dy, dx = [(e - a) // 2 for e, a in zip(expected.shape[:2], actual.shape[:2], strict=True)]
    expected = expected[dy:dy + actual.shape[0], dx:dx + actual.shape[1]]
    error = np.abs(actual - expected)
    if border:
        error = error[border:-border, border:-border]
    return float(error.mean()), float(np.percentile(error, 99)), float(error.max())


def _run(command, outputs, env=None):
    result = subprocess.run([str(part) for part in command], capture_output=True, text=True,
                            timeout=TIMEOUT_SECONDS, env=env, check=False)
    missing = [path for path in outputs if not path.exists()]
    if missing:
        raise EditorError(f"{command[0]} wrote no {missing[0]} (exit {result.returncode}):\n"
                          f"{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return [_read_codes(path) for path in outputs]


def _read_codes(path):
    pixels = tifffile.imread(path) if path.suffix == ".tif" else imagecodecs.imread(path)
    if pixels.dtype != np.uint8:
        raise EditorError(f"{path}: expected 8-bit output, got {pixels.dtype}")
    return pixels[..., :3]


def ffmpeg_haldclut(hald_png, source, out_dir):
    """ffmpeg's haldclut filter (tetrahedral) on one 8-bit image, as `ffmpeg -i in -i clut.png
    -filter_complex haldclut out.png` does it: the CLUT is read at the input's 8-bit depth."""
    out_dir = pathlib.Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / (pathlib.Path(source).stem + ".png")
    command = ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", source, "-i", hald_png,
               "-filter_complex", "[0][1]haldclut=interp=tetrahedral", "-pix_fmt", "rgb24",
               target]
    return _run(command, [target])[0]


def rawtherapee(profile, inputs, out_dir, home, over_default=False):
    """rawtherapee-cli with `profile` over its neutral values (`-p`), or over its default profile
    for the file type when `over_default` (`-d -p`), on every photo of `inputs` (from
    `write_inputs`), 8-bit TIFF out. `home` is its HOME (options, cache).

    Returns:
      {input file stem: uint8 codes}.
    """
    sources = sorted(pathlib.Path(inputs).iterdir())
    out_dir = pathlib.Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    command = ["rawtherapee-cli", "-q", "-Y", "-t", "-b8", "-o", out_dir,
               *(["-d"] if over_default else []), "-p", profile, "-c", *sources]
    targets = [out_dir / (source.stem + ".tif") for source in sources]
    outputs = _run(command, targets, env={**os.environ, "HOME": str(home)})
    return {source.stem: codes for source, codes in zip(sources, outputs, strict=True)}


def _darktable_command(source, xmp, target, options, lut_root, config_dir, lua=None):
    """darktable-cli's arguments: its own `options` first, darktable's (--core ...) last."""
    return (["darktable-cli", source] + ([xmp] if xmp else []) + [target, *options] +
            ["--core", "--configdir", config_dir, "--cachedir", pathlib.Path(config_dir) / "cache",
             "--library", ":memory:", "--conf", f"plugins/darkroom/lut3d/def_path={lut_root}",
             "--conf", "opencl=FALSE"] + (["--luacmd", lua] if lua else []))


def _import_style(style_file, config_dir, photo, scratch):
    """Imports a .dtstyle into darktable's database in `config_dir` (darktable 4.2 has no command
    for it; its Lua API does). darktable-cli runs a --luacmd asynchronously, beside the export it
    was started for, so the import gets a run of its own (exporting `photo` to `scratch`), and
    the database is read back to see that the style arrived."""
    name = ElementTree.parse(style_file).getroot().findtext("info/name")
    command = _darktable_command(photo, None, pathlib.Path(scratch) / "import.png", [], "",
                                 config_dir, f'require("darktable").styles.import("{style_file}")')
    for _ in range(3):
        _run(command, [pathlib.Path(scratch) / "import.png"])
        with contextlib.closing(sqlite3.connect(pathlib.Path(config_dir) / "data.db")) as db:
            if db.execute("SELECT 1 FROM styles WHERE name = ?", (name,)).fetchone():
                return name
    raise EditorError(f"darktable did not import the style {name!r} from {style_file}")


def darktable(inputs, out_dir, lut_root, config_dir, xmp=None, style_file=None):
    """darktable-cli on every photo of `inputs` (from `write_inputs`) with an XMP sidecar (their
    whole history) or a style (imported from `style_file` into `config_dir` first, then added to
    each photo's default history), 8-bit sRGB PNG out. `lut_root` is darktable's LUT folder.

    Returns:
      {input file stem: uint8 codes}.
    """
    sources = sorted(pathlib.Path(inputs).iterdir())
    out_dir = pathlib.Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    options = ["--out-ext", "png"]
    if style_file:
        scratch = out_dir / "style_import"
        scratch.mkdir()
        options += ["--style", _import_style(style_file, config_dir, sources[0], scratch)]
    command = _darktable_command(inputs, xmp, out_dir / "$(FILE_NAME)", options, lut_root,
                                 config_dir)
    targets = [out_dir / (source.stem + ".png") for source in sources]
    outputs = _run(command, targets)
    return {source.stem: codes for source, codes in zip(sources, outputs, strict=True)}
