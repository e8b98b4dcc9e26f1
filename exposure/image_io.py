"""Reading photos as linear or sRGB float arrays, writing sRGB results, and listing image folders.

Every reader returns float32 [H, W, 3] in [0, 1], upright (EXIF orientation applied), and raises
`ImageReadError` naming the file and the problem for anything it cannot read. Formats:

- RAW (every extension libraw reads, `RAW_EXTENSIONS`): rawpy, camera white balance, no
  auto-brightening, gamma 1, 16 bits, linear sRGB primaries.
- TIFF (tifffile, 8/16/32-bit integer or float, RGB, grey, CMYK) and PNG (imagecodecs/libpng,
  8 or 16 bits at full precision, grey, palette, alpha).
- JPEG (Pillow; grey and CMYK converted to RGB).

Alpha channels are dropped, not composited: photos for retouching are opaque, and compositing
onto a colour would invent pixel values. An image whose header declares more pixels than
`mobile.pixel_limit` allows is refused before any pixel is decoded.
"""
import io
import pathlib
import struct
import zlib

import imagecodecs
import numpy as np
import rawpy
import tifffile
from PIL import Image, UnidentifiedImageError

from mobile import pixel_limit, png_chunks
from mobile.atomic import atomic_output
from mobile.srgb import linear_to_srgb, srgb_to_linear

# Every raw format extension LibRaw decodes (LibRaw supported-cameras list).
RAW_EXTENSIONS = frozenset({
    ".3fr", ".ari", ".arw", ".bay", ".cap", ".cr2", ".cr3", ".crw", ".cs1", ".dc2", ".dcr",
    ".dng", ".drf", ".eip", ".erf", ".fff", ".gpr", ".iiq", ".k25", ".kc2", ".kdc", ".mdc",
    ".mef", ".mos", ".mrw", ".nef", ".nrw", ".obm", ".orf", ".ori", ".pef", ".ptx", ".pxn",
    ".qtk", ".raf", ".raw", ".rdc", ".rw2", ".rwl", ".rwz", ".sr2", ".srf", ".srw", ".sti",
    ".x3f",
})
JPEG_EXTENSIONS = frozenset({".jpg", ".jpeg"})
PNG_EXTENSIONS = frozenset({".png"})
TIFF_EXTENSIONS = frozenset({".tif", ".tiff"})
IMAGE_EXTENSIONS = JPEG_EXTENSIONS | PNG_EXTENSIONS | TIFF_EXTENSIONS
SUPPORTED_EXTENSIONS = RAW_EXTENSIONS | IMAGE_EXTENSIONS

# How 16-bit and float TIFF/PNG values are encoded; 8-bit files are always sRGB.
TIFF_ENCODINGS = ("srgb", "prophoto", "linear")
# Exposure paper's code (docs/exposure.md#training-data): Lightroom ProPhoto TIFFs linearized with x ** 1.8.
PROPHOTO_GAMMA = 1.8
# Smallest side a training photo may have: the 64x64 agent input (Exposure paper, section 6).
DEFAULT_MIN_SIZE = 64

_ORIENTATION_TAG = 0x0112
_EXIF_IFD_TAG = 0x8769
_GPS_IFD_TAG = 0x8825
# IFD0 text tags that describe the photo (not its pixel layout), carried from input to output.
_DESCRIPTIVE_TAGS = {
    270: "ImageDescription", 271: "Make", 272: "Model", 305: "Software", 306: "DateTime",
    315: "Artist", 33432: "Copyright",
}
_EXIF_PREFIX = b"Exif\x00\x00"
# What a path that exists but is neither a regular file nor a folder is.
SPECIAL_FILE = "not a regular file or folder (a FIFO, socket or device)"

# What the decoders raise on a damaged or foreign file (rawpy, Pillow, tifffile, imagecodecs).
_DECODER_ERRORS = (
    rawpy.LibRawError, OSError, ValueError, RuntimeError, KeyError, IndexError, EOFError,
    struct.error, zlib.error, MemoryError,
)


class ImageReadError(ValueError):
    """A file that exists but is not a readable, usable image. `.path` names it."""

    def __init__(self, path, problem):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{path}: {problem}")


def _supported_list():
    return " ".join(sorted(SUPPORTED_EXTENSIONS))


def _check_path(path):
    path = pathlib.Path(path)
    if not path.exists():
        raise FileNotFoundError(2, f"{path}: no such file", str(path))
    if path.is_dir():
        raise ImageReadError(path, "is a folder, not an image file")
    if not path.is_file():
        raise ImageReadError(path, f"is {SPECIAL_FILE}, not an image file")
    ext = path.suffix.lower()
    if ext not in SUPPORTED_EXTENSIONS:
        raise ImageReadError(
            path, f"unknown extension {ext or '(none)'!r}; supported: {_supported_list()}"
        )
    return path, ext


def _orient(pixels, orientation):
    """Applies an EXIF orientation value (1-8) to an [H, W, C] array, giving the upright image."""
    if orientation in (5, 6, 7, 8):
        pixels = np.swapaxes(pixels, 0, 1)  # transpose; 6 and 8 then flip to rotate
    flips = {2: (1,), 3: (0, 1), 4: (0,), 6: (1,), 7: (0, 1), 8: (0,)}.get(orientation, ())
    for axis in flips:
        pixels = np.flip(pixels, axis)
    return np.ascontiguousarray(pixels)


def _to_three_channels(pixels, path):
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    if pixels.ndim != 3:
        raise ImageReadError(path, f"has pixel array shape {pixels.shape}; expected H x W x C")
    channels = pixels.shape[2]
    if channels in (1, 2):  # grey, grey + alpha
        return np.repeat(pixels[:, :, :1], 3, axis=2)
    if channels in (3, 4):  # RGB, RGB + alpha
        return pixels[:, :, :3]
    raise ImageReadError(path, f"has {channels} channels; expected 1 to 4")


def _to_unit_float(pixels, path):
    """Returns (float32 values in [0, 1], True when the source had more than 8 bits)."""
    if pixels.dtype == np.bool_:
        return pixels.astype(np.float32), False
    if pixels.dtype == np.uint8:
        return pixels.astype(np.float32) / 255.0, False
    if pixels.dtype == np.uint16:  # float32 holds every 16-bit level exactly
        return pixels.astype(np.float32) / np.float32(65535.0), True
    if pixels.dtype == np.uint32:
        return (pixels.astype(np.float64) / np.iinfo(np.uint32).max).astype(np.float32), True
    if np.issubdtype(pixels.dtype, np.floating):
        pixels = pixels.astype(np.float32)
        if not np.isfinite(pixels).all():
            raise ImageReadError(path, "has NaN or infinite pixel values")
        return np.clip(pixels, 0.0, 1.0), True
    raise ImageReadError(path, f"has pixel type {pixels.dtype}; expected unsigned integer or float")


def _decode_raw(path):
    with rawpy.imread(str(path)) as raw:
        pixel_limit.check(path, raw.sizes.width, raw.sizes.height)
        rgb = raw.postprocess(
            gamma=(1, 1),
            no_auto_bright=True,
            output_bps=16,
            use_camera_wb=True,
            output_color=rawpy.ColorSpace.sRGB,
            # libraw's default (0.75) rescales any raw whose brightest pixel lies in 75-100% of
            # the white level, brightening it; the linear decode must keep the sensor's scale.
            adjust_maximum_thr=0.0,
        )
    return rgb, 1


def _white(dtype):
    return np.iinfo(dtype).max if np.issubdtype(dtype, np.integer) else 1.0


def _invert(pixels):
    """white - pixels, in the array's own type (ink amounts to light, or MINISWHITE to grey)."""
    return (_white(pixels.dtype) - pixels).astype(pixels.dtype)


def _decode_tiff(path):
    with tifffile.TiffFile(path) as tif:
        page = tif.pages.first
        pixel_limit.check(path, page.imagewidth, page.imagelength)
        pixels = page.asarray()
        orientation = page.tags.valueof("Orientation", 1)
        photometric = page.photometric
        separate = page.planarconfig == tifffile.PLANARCONFIG.SEPARATE and pixels.ndim == 3
    if separate:
        pixels = np.moveaxis(pixels, 0, -1)
    if photometric == tifffile.PHOTOMETRIC.MINISWHITE:
        pixels = _invert(pixels)
    elif photometric == tifffile.PHOTOMETRIC.SEPARATED:
        if pixels.ndim != 3 or pixels.shape[2] < 4:
            raise ImageReadError(path, f"is a CMYK TIFF with pixel shape {pixels.shape}")
        white = _white(pixels.dtype)
        rgb = _invert(pixels[:, :, :3]).astype(np.float64) * _invert(pixels[:, :, 3:4]) / white
        pixels = rgb.astype(pixels.dtype)
    elif photometric not in (tifffile.PHOTOMETRIC.RGB, tifffile.PHOTOMETRIC.MINISBLACK):
        raise ImageReadError(
            path, f"has TIFF photometric {photometric.name}; expected RGB, grey or CMYK"
        )
    return pixels, int(orientation)


def _decode_png(path):
    with Image.open(path) as image:  # the header only: size and EXIF
        pixel_limit.check(path, *image.size)
        orientation = int(image.getexif().get(_ORIENTATION_TAG, 1))
    return imagecodecs.png_decode(path.read_bytes()), orientation


def _decode_jpeg(path):
    with Image.open(path) as image:
        if image.format != "JPEG":
            raise ImageReadError(path, f"is named like a JPEG but is {image.format or 'unknown'}")
        pixel_limit.check(path, *image.size)
        orientation = int(image.getexif().get(_ORIENTATION_TAG, 1))
        pixels = np.asarray(image.convert("RGB"))  # grey, CMYK and YCbCr to RGB
    return pixels, orientation


def _describe(error):
    """`Type: message` of a decoder error; libraw gives its message as bytes."""
    message = error.args[0] if len(error.args) == 1 else str(error)
    if isinstance(message, bytes):
        message = message.decode(errors="replace")
    return f"{type(error).__name__}: {message}"


def _decode(path, min_size):
    """Returns (upright float32 [H, W, 3] in [0, 1] as stored, is_raw, high_precision)."""
    path, ext = _check_path(path)
    if ext in RAW_EXTENSIONS:
        decoder = _decode_raw
    elif ext in TIFF_EXTENSIONS:
        decoder = _decode_tiff
    elif ext in PNG_EXTENSIONS:
        decoder = _decode_png
    else:
        decoder = _decode_jpeg
    try:
        pixels, orientation = decoder(path)
    except ImageReadError:
        raise
    except pixel_limit.ImageTooLargeError as e:
        raise ImageReadError(path, e.problem) from None
    except _DECODER_ERRORS as e:
        kind = "RAW" if ext in RAW_EXTENSIONS else ext[1:].upper()
        raise ImageReadError(
            path, f"cannot be decoded as {kind}, damaged or not that format ({_describe(e)})"
        ) from e
    pixels, high_precision = _to_unit_float(np.asarray(pixels), path)
    pixels = _orient(_to_three_channels(pixels, path), orientation)
    height, width = pixels.shape[:2]
    if min(height, width) < min_size:
        raise ImageReadError(
            path, f"is {width}x{height} px; needs at least {min_size} px on each side"
        )
    return pixels, ext in RAW_EXTENSIONS, high_precision or ext in RAW_EXTENSIONS


def read_linear(path, *, tiff_encoding="srgb", min_size=DEFAULT_MIN_SIZE):
    """Reads a photo as linear RGB, the Exposure agent's input.

    Args:
      path: a RAW, TIFF, PNG or JPEG file.
      tiff_encoding: how 16-bit/float TIFF and PNG values are encoded: "srgb" (decoded with the
        sRGB curve), "prophoto" (the authors' `x ** 1.8`, primaries left as stored), or "linear".
        8-bit files are always decoded as sRGB; RAW files are linear already.
      min_size: smallest allowed side in pixels.

    Returns:
      float32 [H, W, 3] in [0, 1], upright, linear light (RAW: linear sRGB primaries, camera white
      balance, not brightened).

    Raises:
      FileNotFoundError: `path` does not exist.
      ImageReadError: unsupported extension, undecodable file, NaN/Inf values or too small.
      ValueError: `tiff_encoding` is not one of TIFF_ENCODINGS.
    """
    if tiff_encoding not in TIFF_ENCODINGS:
        raise ValueError(f"tiff_encoding={tiff_encoding!r}; expected one of {TIFF_ENCODINGS}")
    pixels, is_raw, high_precision = _decode(path, min_size)
    if is_raw or (high_precision and tiff_encoding == "linear"):
        return pixels
    if high_precision and tiff_encoding == "prophoto":
        return (pixels**PROPHOTO_GAMMA).astype(np.float32)
    return srgb_to_linear(pixels)


def read_srgb(path, *, min_size=DEFAULT_MIN_SIZE):
    """Reads a photo as sRGB-encoded RGB, the form of the Exposure target collection.

    TIFF/PNG/JPEG values are taken as sRGB-encoded (16-bit precision kept); RAW files are decoded
    linearly and encoded with the sRGB curve.

    Returns:
      float32 [H, W, 3] in [0, 1], upright. Raises as `read_linear`.
    """
    pixels, is_raw, _ = _decode(path, min_size)
    return linear_to_srgb(pixels) if is_raw else pixels


def _descriptive_exif(exif):
    """Keeps the tags of a PIL Exif that describe the photo, dropping pixel-layout tags."""
    kept = Image.Exif()
    for tag in (*_DESCRIPTIVE_TAGS, _ORIENTATION_TAG):
        if tag in exif:
            kept[tag] = exif[tag]
    for ifd_tag in (_EXIF_IFD_TAG, _GPS_IFD_TAG):
        ifd = exif.get_ifd(ifd_tag)
        if ifd:
            kept[ifd_tag] = dict(ifd)
    return kept


def read_exif(path):
    """Returns the EXIF metadata of a JPEG, PNG or TIFF as bytes ("Exif\\0\\0" + TIFF structure),
    or None for RAW files, files without EXIF and TIFFs Pillow cannot parse (float RGB, which
    tifffile decodes): EXIF is optional. Only descriptive tags are kept (camera, date, exposure,
    GPS, orientation), never pixel-layout tags."""
    path, ext = _check_path(path)
    if ext in RAW_EXTENSIONS:
        return None
    try:
        with Image.open(path) as image:
            exif = _descriptive_exif(image.getexif())
    except _DECODER_ERRORS as e:
        if isinstance(e, UnidentifiedImageError) and ext in TIFF_EXTENSIONS:
            return None
        raise ImageReadError(path, f"cannot read EXIF ({_describe(e)})") from e
    return exif.tobytes() if len(exif) else None


def _upright_exif(exif):
    """EXIF bytes for an output whose pixels are already upright: Orientation set to 1."""
    parsed = Image.Exif()
    parsed.load(exif)
    parsed[_ORIENTATION_TAG] = 1
    return parsed


def _encode_png(pixels, exif, quality):
    del quality  # PNG is lossless
    png = imagecodecs.png_encode(pixels)
    if exif is None:
        return png
    return png_chunks.insert_after_header(
        png, [png_chunks.chunk(b"eXIf", exif.tobytes()[len(_EXIF_PREFIX):])])


def _encode_jpeg(pixels, exif, quality):
    buffer = io.BytesIO()
    extra = {"exif": exif.tobytes()} if exif is not None else {}
    Image.fromarray(pixels, "RGB").save(buffer, "JPEG", quality=quality, **extra)
    return buffer.getvalue()


def _encode_tiff(pixels, exif, quality):
    del quality  # written losslessly (deflate)
    tags = {}
    if exif is not None:
        tags = {code: exif[code] for code in _DESCRIPTIVE_TAGS if isinstance(exif.get(code), str)}
    buffer = io.BytesIO()
    tifffile.imwrite(
        buffer,
        pixels,
        photometric="rgb",
        compression="zlib",
        metadata=None,
        software=tags.pop(305, False),  # False: no 'tifffile.py' stamp
        description=tags.pop(270, None),
        datetime=tags.pop(306, None),
        extratags=[(code, "s", 0, value, True) for code, value in tags.items()],
    )
    return buffer.getvalue()


_ENCODERS = {
    ".jpg": (_encode_jpeg, (8,)),
    ".jpeg": (_encode_jpeg, (8,)),
    ".png": (_encode_png, (8, 16)),
    ".tif": (_encode_tiff, (8, 16)),
    ".tiff": (_encode_tiff, (8, 16)),
}


def write_image(path, srgb, *, bits=8, exif=None, quality=95):
    """Writes sRGB-encoded values as an image file, atomically.

    Args:
      path: output file; .jpg/.jpeg (8 bits), .png or .tif/.tiff (8 or 16 bits). Its folder must
        exist.
      srgb: float array [H, W, 3], sRGB-encoded; clipped to [0, 1] and rounded to `bits`.
      bits: 8 or 16 bits per channel.
      exif: EXIF bytes (as `read_exif` returns) or None. Written with Orientation reset to 1 (the
        pixels are upright): fully in JPEG and PNG (eXIf chunk); TIFF keeps the descriptive text
        tags (make, model, date, software, ...).
      quality: JPEG quality, 1-95.

    Raises:
      ValueError naming `path` for an unsupported extension, a bits/format combination the format
      cannot hold, or pixels that are not a finite [H, W, 3] array.
    """
    path = pathlib.Path(path)
    ext = path.suffix.lower()
    if ext not in _ENCODERS:
        raise ValueError(f"{path}: cannot write {ext or 'no extension'!r}; use {sorted(_ENCODERS)}")
    encoder, allowed_bits = _ENCODERS[ext]
    if bits not in allowed_bits:
        raise ValueError(f"{path}: {ext} holds {allowed_bits} bits per channel, not {bits}")
    pixels = np.asarray(srgb, dtype=np.float32)
    if pixels.ndim != 3 or pixels.shape[2] != 3:
        raise ValueError(f"{path}: pixels have shape {pixels.shape}; expected [H, W, 3]")
    if not np.isfinite(pixels).all():
        raise ValueError(f"{path}: pixels contain NaN or infinite values")
    dtype = np.uint8 if bits == 8 else np.uint16
    quantized = np.round(np.clip(pixels, 0.0, 1.0) * np.iinfo(dtype).max).astype(dtype)
    parsed_exif = _upright_exif(exif) if exif else None
    data = encoder(quantized, parsed_exif, quality)
    with atomic_output(path) as tmp:
        tmp.write_bytes(data)


def list_images(folder, extensions=SUPPORTED_EXTENSIONS, *, recursive=True):
    """Lists the image files in a folder.

    Args:
      folder: the folder; searched with its subfolders when `recursive`.
      extensions: lower-case extensions (with dot) that count as images.

    Returns:
      (paths, skipped): sorted pathlib.Paths of images; sorted Paths of the other files. Hidden
      files and folders (names starting with ".") are neither: among them the files being
      written, or left half-written by a killed run, under `mobile.atomic`'s temporary names (and
      the `.<stem>.<random><ext>` names of its earlier versions), and system files such as
      `.DS_Store` or `._photo.jpg`.

    Raises:
      FileNotFoundError: `folder` does not exist. NotADirectoryError: it is a file.
      ImageReadError: it holds no file with one of `extensions`.
    """
    folder = pathlib.Path(folder)
    if not folder.exists():
        raise FileNotFoundError(2, f"{folder}: no such folder", str(folder))
    if not folder.is_dir():
        kind = "a file" if folder.is_file() else SPECIAL_FILE
        raise NotADirectoryError(20, f"{folder}: is {kind}, expected a folder of images",
                                 str(folder))
    extensions = {e.lower() for e in extensions}
    files = sorted(p for p in (folder.rglob("*") if recursive else folder.iterdir())
                   if p.is_file() and not any(part.startswith(".")
                                              for part in p.relative_to(folder).parts))
    paths = [p for p in files if p.suffix.lower() in extensions]
    skipped = [p for p in files if p.suffix.lower() not in extensions]
    if not paths:
        shown = ", ".join(p.name for p in skipped[:5]) + (", ..." if len(skipped) > 5 else "")
        others = f"; it has {len(skipped)} other files ({shown})" if skipped else "; it is empty"
        raise ImageReadError(
            folder, f"holds no images with extensions {' '.join(sorted(extensions))}{others}"
        )
    return paths, skipped

