"""Small valid image files that declare enormous images (decompression bombs), for the tests of
the pixel limit (`mobile.pixel_limit`)."""
import struct
import zlib

import numpy as np
import tifffile

BOMB_SIDE = 30_000  # 30000 x 30000: 900 million pixels, 2.7 GB as 8-bit RGB


def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(
        ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def write_png_bomb(path, side=BOMB_SIDE):
    """Writes a complete, valid black 1-bit grey PNG of `side` x `side` pixels (about 0.5 MB for
    the default side) to `path`."""
    row = bytes(1 + (side + 7) // 8)  # filter byte 0, then the packed bits
    deflate = zlib.compressobj(1)
    data = b"".join(deflate.compress(row * min(1000, side - start))  # 1000 rows at a time
                    for start in range(0, side, 1000)) + deflate.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1 bit, grey
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data)
                     + _chunk(b"IEND", b""))
    return path


def write_tiff_bomb(path, side=BOMB_SIDE):
    """Writes a TIFF whose tags declare an 8-bit RGB image of `side` x `side` pixels, with the
    strip of a 64 x 64 one (a header that lies, as a crafted file's does)."""
    tifffile.imwrite(path, np.zeros((64, 64, 3), np.uint8), photometric="rgb",
                     rowsperstrip=64)
    with tifffile.TiffFile(path, mode="r+b") as tif:
        tags = tif.pages.first.tags
        tags["ImageWidth"].overwrite(side)
        tags["ImageLength"].overwrite(side)
        tags["RowsPerStrip"].overwrite(side)
    return path
