"""Reading photos as linear or sRGB float arrays, writing sRGB results, and listing image folders.

Every reader returns float32 [H, W, 3] in [0, 1], upright (EXIF orientation applied), and raises
`ImageReadError` naming the file and the problem for anything it cannot read. Formats:

- RAW (every extension libraw reads, `RAW_EXTENSIONS`): rawpy, camera white balance, no
  auto-brightening, gamma 1, 16 bits, linear sRGB primaries; demosaiced with a libraw algorithm
  (`DEMOSAIC_ALGORITHMS`), or decoded at half size when the caller only needs a reduced image.
- TIFF (tifffile, 8/16/32-bit integer or float, RGB, grey, CMYK) and PNG (imagecodecs/libpng,
  8 or 16 bits at full precision, grey, palette, alpha).
- JPEG (Pillow; grey and CMYK converted to RGB).

Alpha channels are dropped, not composited: photos for retouching are opaque, and compositing
onto a colour would invent pixel values. An image whose header declares more pixels than
`mobile.pixel_limit` allows is refused before any pixel is decoded.

`read_photo` gives a photo as stored (8/16-bit codes, or float) with its transfer function, for
renderers that take codes; `read_linear` and `read_srgb` give float32 values.
"""
import dataclasses
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
from mobile.lut import default_workers
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
# How each stored value encodes light: "linear" (RAW, or tiff_encoding="linear"), "srgb" (every
# 8-bit file; tiff_encoding="srgb") or "prophoto" (tiff_encoding="prophoto": x ** 1.8).
TRANSFERS = ("linear", "srgb", "prophoto")
# libraw's demosaic algorithms (rawpy.DemosaicAlgorithm) that the LGPL build of rawpy has.
DEMOSAIC_ALGORITHMS = ("linear", "vng", "ppg", "ahd", "dcb", "dht", "aahd")
# Measured by benchmarks/retouch_speed.py (docs/benchmarks.md#full-resolution-speed): PPG decoded
# 24 MP as fast as LINEAR (the fastest) and was the closest to the true scene of all seven.
DEFAULT_DEMOSAIC = "ppg"
# A RAW is decoded at half size (one pixel per 2x2 Bayer cell, no demosaicing) for a caller that
# reduces it to `reduce_to` px when the half-size image still has this many times as many pixels
# per side: every reduced pixel then averages at least 4x4 half-size pixels.
HALF_SIZE_MARGIN = 4
# PNG: zlib level 1, run-length strategy, "sub" row filter (imagecodecs' and OpenCV's fast
# settings): 4-6x faster than the default level 6 for files 5-10% larger.
_PNG_FAST = {"level": 1, "strategy": 3, "filter": 16}
# TIFF: deflate level 1 in strips of 64 rows, compressed on every core (16-bit photos compress by
# a few percent at any level: their low bits are noise).
_TIFF_ZLIB_LEVEL = 1
_TIFF_ROWS_PER_STRIP = 64

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


def _to_stored(pixels, path):
    """Returns (uint8/uint16 codes as they are, or float32 values in [0, 1]; True when the source
    had more than 8 bits)."""
    if pixels.dtype == np.bool_:
        return pixels.astype(np.float32), False
    if pixels.dtype in (np.uint8, np.uint16):
        return pixels, pixels.dtype == np.uint16
    if pixels.dtype == np.uint32:
        return (pixels.astype(np.float64) / np.iinfo(np.uint32).max).astype(np.float32), True
    if np.issubdtype(pixels.dtype, np.floating):
        pixels = pixels.astype(np.float32)
        if not np.isfinite(pixels).all():
            raise ImageReadError(path, "has NaN or infinite pixel values")
        return np.clip(pixels, 0.0, 1.0), True
    raise ImageReadError(path, f"has pixel type {pixels.dtype}; expected unsigned integer or float")


def _decode_raw(path, demosaic, reduce_to):
    with rawpy.imread(str(path)) as raw:
        pixel_limit.check(path, raw.sizes.width, raw.sizes.height)
        half_side = min(raw.sizes.height, raw.sizes.width) // 2
        rgb = raw.postprocess(
            demosaic_algorithm=rawpy.DemosaicAlgorithm[demosaic.upper()],
            half_size=reduce_to is not None and half_side >= HALF_SIZE_MARGIN * reduce_to,
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


def _decode(path, min_size, demosaic=DEFAULT_DEMOSAIC, reduce_to=None):
    """Returns (upright [H, W, 3] as stored: uint8/uint16 codes or float32 in [0, 1], is_raw,
    high_precision)."""
    path, ext = _check_path(path)
    if ext in RAW_EXTENSIONS:
        def decoder(path):
            return _decode_raw(path, demosaic, reduce_to)
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
    pixels, high_precision = _to_stored(np.asarray(pixels), path)
    pixels = _orient(_to_three_channels(pixels, path), orientation)
    height, width = pixels.shape[:2]
    if min(height, width) < min_size:
        raise ImageReadError(
            path, f"is {width}x{height} px; needs at least {min_size} px on each side"
        )
    return pixels, ext in RAW_EXTENSIONS, high_precision or ext in RAW_EXTENSIONS


def _prophoto_to_linear(values):
    return (values**np.float32(PROPHOTO_GAMMA)).astype(np.float32)


def _prophoto_to_srgb(values):
    return linear_to_srgb(_prophoto_to_linear(values))


def _identity(values):
    return values


# Stored value in [0, 1] -> linear light, and -> sRGB-encoded value, per transfer.
_TO_LINEAR = {"linear": _identity, "srgb": srgb_to_linear, "prophoto": _prophoto_to_linear}
_TO_SRGB = {"linear": linear_to_srgb, "srgb": _identity, "prophoto": _prophoto_to_srgb}


@dataclasses.dataclass(frozen=True)
class StoredPhoto:
    """A decoded photo as stored. `pixels`: upright [H, W, 3], uint8 or uint16 codes (value =
    code / 255 or / 65535) or float32 values in [0, 1]; `transfer`: how the values encode light,
    one of TRANSFERS."""

    pixels: np.ndarray
    transfer: str

    @property
    def to_srgb(self):
        """The function taking float32 stored values in [0, 1] to sRGB-encoded values."""
        return _TO_SRGB[self.transfer]

    def values(self):
        """The stored values as float32 [H, W, 3] in [0, 1]."""
        if self.pixels.dtype == np.float32:
            return self.pixels
        return self.pixels.astype(np.float32) / np.float32(np.iinfo(self.pixels.dtype).max)

    def _mapped(self, function):
        if function is _identity:
            return self.values()
        if self.pixels.dtype == np.float32:
            return function(self.pixels)
        levels = np.iinfo(self.pixels.dtype).max
        table = function(np.arange(levels + 1, dtype=np.float32) / np.float32(levels))
        return table[self.pixels]  # one lookup per value: the function at every code

    def linear(self):
        """Linear light, float32 [H, W, 3] in [0, 1]."""
        return self._mapped(_TO_LINEAR[self.transfer])

    def srgb(self):
        """sRGB-encoded values, float32 [H, W, 3] in [0, 1]."""
        return self._mapped(self.to_srgb)


def read_photo(path, *, tiff_encoding="srgb", min_size=DEFAULT_MIN_SIZE,
               demosaic=DEFAULT_DEMOSAIC, reduce_to=None):
    """Reads a photo as stored, with its transfer function.

    Args:
      path: a RAW, TIFF, PNG or JPEG file.
      tiff_encoding: how 16-bit/float TIFF and PNG values are encoded: "srgb" (the sRGB curve),
        "prophoto" (the authors' `x ** 1.8`, primaries left as stored), or "linear". 8-bit files
        are always sRGB; RAW files are linear.
      min_size: smallest allowed side in pixels.
      demosaic: libraw demosaic algorithm for RAW files, one of DEMOSAIC_ALGORITHMS.
      reduce_to: None for the full resolution; else the side in pixels of the smallest image the
        caller will area-resize the photo to: a RAW whose half-size decode has at least
        HALF_SIZE_MARGIN times that many pixels per side is decoded at half size.

    Returns:
      StoredPhoto (RAW: uint16 linear light in sRGB primaries, camera white balance, not
      brightened).

    Raises:
      FileNotFoundError: `path` does not exist.
      ImageReadError: unsupported extension, undecodable file, NaN/Inf values or too small.
      ValueError: `tiff_encoding` or `demosaic` is not one of the names above.
    """
    if tiff_encoding not in TIFF_ENCODINGS:
        raise ValueError(f"tiff_encoding={tiff_encoding!r}; expected one of {TIFF_ENCODINGS}")
    if demosaic not in DEMOSAIC_ALGORITHMS:
        raise ValueError(f"demosaic={demosaic!r}; expected one of {DEMOSAIC_ALGORITHMS}")
    pixels, is_raw, high_precision = _decode(path, min_size, demosaic, reduce_to)
    if is_raw:
        return StoredPhoto(pixels, "linear")
    return StoredPhoto(pixels, tiff_encoding if high_precision else "srgb")


def read_linear(path, *, tiff_encoding="srgb", min_size=DEFAULT_MIN_SIZE,
                demosaic=DEFAULT_DEMOSAIC, reduce_to=None):
    """Reads a photo as linear RGB, the Exposure agent's input.

    Args: as `read_photo`.

    Returns:
      float32 [H, W, 3] in [0, 1], upright, linear light (RAW: linear sRGB primaries, camera white
      balance, not brightened).

    Raises: as `read_photo`.
    """
    return read_photo(path, tiff_encoding=tiff_encoding, min_size=min_size, demosaic=demosaic,
                      reduce_to=reduce_to).linear()


def read_srgb(path, *, min_size=DEFAULT_MIN_SIZE, demosaic=DEFAULT_DEMOSAIC, reduce_to=None):
    """Reads a photo as sRGB-encoded RGB, the form of the Exposure target collection.

    TIFF/PNG/JPEG values are taken as sRGB-encoded (16-bit precision kept); RAW files are decoded
    linearly and encoded with the sRGB curve.

    Returns:
      float32 [H, W, 3] in [0, 1], upright. Raises as `read_photo`.
    """
    return read_photo(path, min_size=min_size, demosaic=demosaic, reduce_to=reduce_to).srgb()


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
    png = imagecodecs.png_encode(pixels, **_PNG_FAST)
    if exif is None:
        return png
    return png_chunks.insert_after_header(
        png, [png_chunks.chunk(b"eXIf", exif.tobytes()[len(_EXIF_PREFIX):])])


def _encode_jpeg(pixels, exif, quality):
    """libjpeg-turbo through imagecodecs (the same bytes as Pillow's encoder at this quality,
    without Pillow's copy of the image), EXIF in an APP1 segment after the JFIF APP0 (as Pillow
    writes it)."""
    jpeg = imagecodecs.jpeg8_encode(pixels, level=quality)
    if exif is None:
        return jpeg
    payload = exif.tobytes()
    if len(payload) + 2 > 0xFFFF:
        raise ValueError(f"EXIF of {len(payload)} bytes does not fit a JPEG APP1 segment")
    app1 = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    at = 2  # after SOI, and after the APP0 (JFIF) segment if it comes first
    if jpeg[2:4] == b"\xff\xe0":
        at = 4 + struct.unpack(">H", jpeg[4:6])[0]
    return jpeg[:at] + app1 + jpeg[at:]


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
        compressionargs={"level": _TIFF_ZLIB_LEVEL},
        rowsperstrip=_TIFF_ROWS_PER_STRIP,
        maxworkers=default_workers(),
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
      srgb: float array [H, W, 3], sRGB-encoded; clipped to [0, 1] and rounded to `bits`. Or
        the output codes themselves: uint8 for 8 bits, uint16 for 16 bits, written as they are.
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
    dtype = np.uint8 if bits == 8 else np.uint16
    pixels = np.asarray(srgb)
    if pixels.ndim != 3 or pixels.shape[2] != 3:
        raise ValueError(f"{path}: pixels have shape {pixels.shape}; expected [H, W, 3]")
    if pixels.dtype == dtype:
        quantized = np.ascontiguousarray(pixels)
    elif np.issubdtype(pixels.dtype, np.integer):
        raise ValueError(f"{path}: {bits}-bit output takes {np.dtype(dtype).name} codes or floats, "
                         f"not {pixels.dtype}")
    else:
        pixels = pixels.astype(np.float32, copy=False)
        if not np.isfinite(pixels).all():
            raise ValueError(f"{path}: pixels contain NaN or infinite values")
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

