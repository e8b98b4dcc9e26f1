"""Applying a retouch program to photos at full resolution: files and folders in, files out.

Inputs are RAW, TIFF, PNG or JPEG (`exposure.image_io`); outputs are sRGB-encoded display
values (a program's output, clipped to [0, 1], written as-is) as 8-bit JPEG, 8/16-bit PNG or
8/16-bit TIFF, with the input's EXIF where the format allows. Rendering is fast by default
(`mobile.fast_render`: exact for 8-bit input, a 3D LUT otherwise, from the stored codes to the
output codes) or exact. A batch decodes, renders and writes on overlapping threads
(`exposure.pipeline`). Every output is written atomically and no input is ever overwritten; a
file that fails is reported and the batch goes on.
"""
import dataclasses
import pathlib

import tqdm

from exposure import image_io
from exposure.pipeline import pipelined
from mobile import cube, lut
from mobile.fast_render import DEFAULT_LUT_SIZE, Renderer
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


@dataclasses.dataclass
class DecodedPhoto:
    """One input read for rendering: the photo as stored and its EXIF bytes (or None)."""

    photo: image_io.StoredPhoto
    exif: bytes | None


def decode(source, *, tiff_encoding="srgb", demosaic=image_io.DEFAULT_DEMOSAIC):
    """Reads one input for `render`. Raises OSError/ValueError (image_io.ImageReadError) naming
    the file."""
    photo = image_io.read_photo(source, tiff_encoding=tiff_encoding, demosaic=demosaic)
    return DecodedPhoto(photo, image_io.read_exif(source))


def render(renderer, photo, bits):
    """The output of one photo (an image_io.StoredPhoto) at `bits` per channel: codes from the
    fast paths, float32 display values from the exact renderer."""
    if renderer.fast:
        return renderer.render_codes(photo.pixels, photo.to_srgb, bits)
    return renderer.render_linear(photo.linear())


def write(renderer, decoded, output, target, *, bits=None, strip=False):
    """Writes `output` (from `render`) to `target` with the input's EXIF, and its strip when
    `strip`. Returns the written paths."""
    bits = output_bits(target, bits)
    target.parent.mkdir(parents=True, exist_ok=True)
    image_io.write_image(target, output, bits=bits, exif=decoded.exif)
    written = [target]
    if strip:
        write_strip(strip_path(target), renderer.program, decoded.photo.linear())
        written.append(strip_path(target))
    return written


def apply_one(renderer, source, target, *, bits=None, strip=False, tiff_encoding="srgb",
              demosaic=image_io.DEFAULT_DEMOSAIC, decoded=None):
    """Renders one photo with `renderer` and writes `target` (and its strip when `strip`).

    `decoded`, when given, is the photo already read by `decode`. Returns the written paths.
    Raises OSError/ValueError (image_io.ImageReadError) naming the file on bad input or output.
    """
    bits = output_bits(target, bits)
    if decoded is None:
        decoded = decode(source, tiff_encoding=tiff_encoding, demosaic=demosaic)
    return write(renderer, decoded, render(renderer, decoded.photo, bits), target, bits=bits,
                 strip=strip)


def apply_program(program, pairs, *, fast=True, bits=None, strip=False, tiff_encoding="srgb",
                  demosaic=image_io.DEFAULT_DEMOSAIC, lut_size=DEFAULT_LUT_SIZE, progress=True):
    """Applies `program` to every (input, output) pair, going on past failures.

    Decoding, rendering and writing overlap (`exposure.pipeline`: at most 5 decoded photos, one
    in each stage and one waiting between two stages, and 3 outputs in memory at once). An output that would replace an input of the batch (or the
    output of an earlier pair) is a failure; nothing is written for it.

    Returns:
      ApplyReport with the written paths and the (input, message) failures, in input order.
    """
    renderer = Renderer(program, fast=fast, lut_size=lut_size)
    inputs = {source.resolve() for source, _ in pairs}
    claimed = {}
    report = ApplyReport()

    def read(pair):
        source, target = pair
        targets = [target] + ([strip_path(target)] if strip else [])
        for path in targets:
            resolved = path.resolve()
            if resolved in inputs:
                raise ValueError(f"refusing to overwrite the input {path}")
            if resolved in claimed:
                raise ValueError(f"{path} is already the output of {claimed[resolved]}")
        claimed.update({path.resolve(): source for path in targets})
        output_bits(target, bits)
        return pair, decode(source, tiff_encoding=tiff_encoding, demosaic=demosaic)

    def draw(job):
        (source, target), decoded = job
        return job, render(renderer, decoded.photo, output_bits(target, bits))

    def save(rendered):
        ((_, target), decoded), output = rendered
        return write(renderer, decoded, output, target, bits=bits, strip=strip)

    with tqdm.tqdm(total=len(pairs), desc="exposure_apply", unit="image",
                   disable=not progress) as bar:
        for (source, _), result in pipelined(pairs, [read, draw, save]):
            bar.update()
            if isinstance(result, Exception):
                report.failures.append((str(source), str(result)))
                tqdm.tqdm.write(f"FAILED {source}: {result}")
            else:
                report.written += result
    return report


def export_cube(program, path, size=33):
    """Writes `program` as a .cube 3D LUT of `size` nodes (sRGB-encoded input, see mobile/cube.py),
    with the program's printed steps as comment lines."""
    cube.write_cube(path, lut.bake(program, size), title="exposure program",
                    comments=[f"step {i + 1}: {step}" for i, step in enumerate(program.steps)])
