"""The Adobe/Resolve .cube 3D LUT file format (read by Resolve, Photoshop, ffmpeg's lut3d), numpy only.

A file is text: optional `TITLE "..."`, `LUT_3D_SIZE N`, optional `DOMAIN_MIN r g b` and
`DOMAIN_MAX r g b` (default 0 0 0 and 1 1 1), `#` comment lines, then N^3 lines `r g b` with red
changing fastest, then green, then blue. That order is the memory order of this project's LUT
arrays (shape (N, N, N, 3) indexed [b, g, r], see `mobile/lut.py`).

Files written here are indexed by the sRGB-encoded input in [0, 1] and a comment line says so:
applied to an 8-bit sRGB image (a PNG or JPEG), they give the program's display output directly.
"""
import io
import pathlib

import numpy as np

from mobile.atomic import write_bytes_atomically
from mobile.lut import MAX_SIZE

INPUT_SPACE_COMMENT = (
    "# Input: sRGB-encoded RGB in [0, 1] (program input = sRGB decoding of it, linear light). "
    "Output: sRGB-encoded display RGB in [0, 1].")


class CubeError(ValueError):
    """A .cube file is malformed or uses a feature this reader does not support."""


def write_cube(path, lut, title="", comments=()):
    """Writes a 3D LUT as a .cube file, atomically (temporary file + os.replace).

    Args:
      path: output file path; its folder is created if missing.
      lut: float array (N, N, N, 3) indexed [b, g, r], input domain [0, 1] (sRGB-encoded).
      title: written as the TITLE line (double quotes are not allowed in it).
      comments: extra comment lines (without the leading '#'), written after the input-space line.
    """
    lut = np.asarray(lut, dtype=np.float32)
    if lut.ndim != 4 or lut.shape[-1] != 3 or not lut.shape[0] == lut.shape[1] == lut.shape[2]:
        raise ValueError(f"a 3D LUT must have shape (N, N, N, 3), got {lut.shape}")
    if '"' in title or "\n" in title:
        raise ValueError(f"a .cube title cannot contain double quotes or newlines: {title!r}")
    text = io.StringIO()
    if title:
        text.write(f'TITLE "{title}"\n')
    text.write(INPUT_SPACE_COMMENT + "\n")
    for line in comments:
        text.write(f"# {line}\n")
    text.write(f"LUT_3D_SIZE {lut.shape[0]}\nDOMAIN_MIN 0.0 0.0 0.0\nDOMAIN_MAX 1.0 1.0 1.0\n")
    np.savetxt(text, lut.reshape(-1, 3), fmt="%.6f")
    write_bytes_atomically(path, text.getvalue().encode("utf-8"))


def read_cube(path):
    """Reads a .cube 3D LUT.

    Args:
      path: a .cube file with LUT_3D_SIZE and the domain [0, 1] on every axis.

    Returns:
      float32 array (N, N, N, 3) indexed [b, g, r].

    Raises:
      CubeError: naming the file and line, for a malformed file, a 1D LUT, or another domain.
    """
    path = pathlib.Path(path)
    size = None
    domain = {"DOMAIN_MIN": [0.0] * 3, "DOMAIN_MAX": [1.0] * 3}
    rows = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise CubeError(f"{path}: cannot read the .cube file: {error}") from error
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        where = f"{path}:{number}"
        if keyword == "TITLE":
            continue
        if keyword == "LUT_1D_SIZE":
            raise CubeError(f"{where}: this is a 1D LUT; only 3D LUTs (LUT_3D_SIZE) are supported")
        try:
            if keyword == "LUT_3D_SIZE":
                size = int(rest)
                if not 2 <= size <= MAX_SIZE:
                    raise CubeError(f"{where}: LUT_3D_SIZE must be 2 to {MAX_SIZE}, got {size}")
            elif keyword in domain:
                domain[keyword] = [float(v) for v in rest.split()]
            else:
                values = [float(v) for v in line.split()]
                if len(values) != 3:
                    raise CubeError(f"{where}: expected 3 numbers, found {len(values)}: {raw!r}")
                rows.append(values)
        except ValueError as error:
            if isinstance(error, CubeError):
                raise
            raise CubeError(f"{where}: cannot parse {raw!r}: {error}") from error
    if size is None:
        raise CubeError(f"{path}: no LUT_3D_SIZE line")
    if domain != {"DOMAIN_MIN": [0.0] * 3, "DOMAIN_MAX": [1.0] * 3}:
        raise CubeError(f"{path}: only the domain [0, 1] is supported, found {domain}")
    if len(rows) != size**3:
        raise CubeError(f"{path}: LUT_3D_SIZE {size} needs {size**3} data lines, found {len(rows)}")
    return np.asarray(rows, dtype=np.float32).reshape(size, size, size, 3)
