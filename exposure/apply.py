"""Applying a retouch program to photos at full resolution: files and folders in, files out.

Inputs are RAW, TIFF, PNG or JPEG (`exposure.image_io`); outputs are sRGB-encoded display
values (a program's output, clipped to [0, 1], written as-is) as 8-bit JPEG, 8/16-bit PNG or
8/16-bit TIFF, with the input's EXIF where the format allows. Rendering is fast by default
(`mobile.fast_render`: exact for 8-bit input, a 3D LUT otherwise) or exact. Every output is
written atomically and no input is ever overwritten; a file that fails is reported and the batch
goes on.
"""
import dataclasses
import pathlib

import tqdm

from exposure import image_io
from mobile import cube, lut
from mobile.fast_render import DEFAULT_LUT_SIZE, Renderer
from mobile.srgb import srgb_to_linear
from mobile.strip import write_strip

OUTPUT_BITS = {".jpg": (8,), ".jpeg": (8,), ".png": (8, 16), ".tif": (16, 8), ".tiff": (16, 8)}
STRIP_SUFFIX = ".strip.png"


@dataclasses.dataclass
class ApplyReport:
    """What a batch did: `written` output paths, `failures` as (input path, message)."""

    written: list = dataclasses.field(default_factory=list)
    failures: list = dataclasses.field(default_factory=list)


def output_bits(path, bits=None):
    """Bits per channel for an output path: `bits` if the format holds it, else its default
    (JPEG and PNG 8, TIFF 16). Raises ValueError naming the path for an unsupported format."""
    ext = pathlib.Path(path).suffix.lower()
    if ext not in OUTPUT_BITS:
        raise ValueError(f"{path}: cannot write {ext or 'no extension'!r}; use one of "
                         f"{', '.join(sorted(OUTPUT_BITS))}")
    if bits is None:
        return OUTPUT_BITS[ext][0]
    if bits not in OUTPUT_BITS[ext]:
        raise ValueError(f"{path}: {ext} holds {OUTPUT_BITS[ext]} bits per channel, not {bits}")
    return bits


def strip_path(output):
    """The step strip written beside `output`: same folder, `<stem>.strip.png`."""
    output = pathlib.Path(output)
    return output.with_name(output.stem + STRIP_SUFFIX)


def plan(input_path, output_path, extension=".jpg"):
    """Pairs each input photo with its output path.

    A file in gives [(file, output_path)]. A folder in gives every image under it (recursively)
    with the same relative path under the folder `output_path`, its extension replaced by
    `extension`.

    Returns:
      (pairs, skipped): [(input Path, output Path)], and the non-image files of a folder.
    Raises:
      FileNotFoundError, NotADirectoryError, image_io.ImageReadError (a folder with no images,
      a FIFO or device).
    """
    input_path, output_path = pathlib.Path(input_path), pathlib.Path(output_path)
    if not input_path.exists():
        raise FileNotFoundError(2, f"{input_path}: no such file or folder", str(input_path))
    if input_path.is_file():
        return [(input_path, output_path)], []
    if not input_path.is_dir():
        raise image_io.ImageReadError(
            input_path, f"is {image_io.SPECIAL_FILE}; expected a photo or a folder of photos")
    if output_path.exists() and not output_path.is_dir():
        raise NotADirectoryError(
            20, f"{output_path}: is a file; a folder input needs an output folder", str(output_path))
    images, skipped = image_io.list_images(input_path)
    pairs = [(p, (output_path / p.relative_to(input_path)).with_suffix(extension)) for p in images]
    return pairs, skipped


def plan_batch(input_path, output_path, extension, bits=None):
    """`plan`, then checks that the output format holds `bits` (every output shares it).

    Returns (pairs, skipped) as `plan`; raises OSError/ValueError naming the problem.
    """
    pairs, skipped = plan(input_path, output_path, extension)
    if pairs:
        output_bits(pairs[0][1], bits)
    return pairs, skipped


def apply_one(renderer, source, target, *, bits=None, strip=False, tiff_encoding="srgb",
              linear=None):
    """Renders one photo with `renderer` and writes `target` (and its strip when `strip`).

    `linear`, when given, is the photo already decoded by `image_io.read_linear` (the file is then
    read only for its EXIF). Returns the written paths. Raises OSError/ValueError
    (image_io.ImageReadError) naming the file on bad input or output.
    """
    bits = output_bits(target, bits)
    if linear is not None:
        display = renderer.render_linear(linear)
    elif renderer.fast and tiff_encoding == "srgb":
        srgb = image_io.read_srgb(source)  # 8-bit codes survive: the exact table path applies
        display = renderer.render_srgb(srgb, bits)
        linear = srgb_to_linear(srgb) if strip else None
    else:
        linear = image_io.read_linear(source, tiff_encoding=tiff_encoding)
        display = renderer.render_linear(linear)
    exif = image_io.read_exif(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    image_io.write_image(target, display, bits=bits, exif=exif)
    written = [target]
    if strip:
        write_strip(strip_path(target), renderer.program, linear)
        written.append(strip_path(target))
    return written


def apply_program(program, pairs, *, fast=True, bits=None, strip=False, tiff_encoding="srgb",
                  lut_size=DEFAULT_LUT_SIZE, progress=True):
    """Applies `program` to every (input, output) pair, going on past failures.

    An output that would replace an input of the batch (or the output of an earlier pair) is a
    failure; nothing is written for it.

    Returns:
      ApplyReport with the written paths and the (input, message) failures.
    """
    renderer = Renderer(program, fast=fast, lut_size=lut_size)
    inputs = {source.resolve() for source, _ in pairs}
    claimed = {}
    report = ApplyReport()
    for source, target in tqdm.tqdm(pairs, desc="exposure_apply", unit="image",
                                    disable=not progress):
        targets = [target] + ([strip_path(target)] if strip else [])
        problem = None
        for path in targets:
            resolved = path.resolve()
            if resolved in inputs:
                problem = f"refusing to overwrite the input {path}"
            elif resolved in claimed:
                problem = f"{path} is already the output of {claimed[resolved]}"
        if problem is None:
            claimed.update({path.resolve(): source for path in targets})
            try:
                report.written += apply_one(renderer, source, target, bits=bits, strip=strip,
                                            tiff_encoding=tiff_encoding)
                continue
            except (OSError, ValueError, MemoryError) as error:
                problem = str(error)
        report.failures.append((str(source), problem))
        tqdm.tqdm.write(f"FAILED {source}: {problem}")
    return report


def export_cube(program, path, size=33):
    """Writes `program` as a .cube 3D LUT of `size` nodes (sRGB-encoded input, see mobile/cube.py),
    with the program's printed steps as comment lines."""
    cube.write_cube(path, lut.bake(program, size), title="exposure program",
                    comments=[f"step {i + 1}: {step}" for i, step in enumerate(program.steps)])
