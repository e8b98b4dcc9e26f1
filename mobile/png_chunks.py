"""Ancillary PNG chunks (ISO/IEC 15948 section 5.3): metadata added to an encoded PNG, numpy-free.

Encoders used here (imagecodecs/libpng) write pixels only; these functions add the chunks that
carry EXIF (`eXIf`) or text (`iTXt`) after the header chunk, where every reader looks.
"""
import struct
import zlib

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_IHDR_END = 8 + 8 + 13 + 4  # signature, IHDR length + type, IHDR data, CRC


def chunk(kind, data):
    """One PNG chunk: length, 4-byte type `kind`, `data`, CRC-32 of type and data."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def text_chunk(keyword, text):
    """An uncompressed international text chunk (iTXt): Latin-1 `keyword` (1-79 characters, e.g.
    "Description" or "Comment"), UTF-8 `text`."""
    key = keyword.encode("latin-1")
    if not 1 <= len(key) <= 79 or b"\x00" in key:
        raise ValueError(f"a PNG text keyword has 1-79 characters and no NUL, got {keyword!r}")
    # keyword, NUL, compression flag 0, method 0, empty language tag NUL, empty translation NUL
    return chunk(b"iTXt", key + b"\x00\x00\x00\x00\x00" + text.encode("utf-8"))


def insert_after_header(png, chunks):
    """Returns the encoded PNG `png` (bytes) with the encoded `chunks` placed after its IHDR."""
    if png[:8] != _SIGNATURE or png[12:16] != b"IHDR":
        raise ValueError("not an encoded PNG (no signature and IHDR chunk)")
    return png[:_IHDR_END] + b"".join(chunks) + png[_IHDR_END:]
