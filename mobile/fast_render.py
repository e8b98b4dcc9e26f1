"""Full-resolution rendering of one program over many photos, exact or fast, numpy only.

Fast mode picks, per image:

* 8-bit input (every value a multiple of 1/255): the exact 8-bit table (`lut.bake_exact_8bit`),
  equal to the exact renderer after output rounding. Baking costs one exact render of 2^24
  pixels, so it is baked once the 8-bit pixels seen reach 2^24 (before that, images are rendered
  exactly, which gives the same codes): never more than twice the cheaper choice's cost.
* other input (16-bit, float, RAW): a 3D LUT of `lut_size` nodes with tetrahedral interpolation,
  baked on first use; its error against the exact renderer is in `mobile/lut.py` and README.

Exact mode always runs `mobile.render.render`. Outputs are display values (sRGB-encoded) in
[0, 1]; callers quantize them (`write_image` rounds to 8 or 16 bits).
"""
import numpy as np

from mobile import lut
from mobile.render import render
from mobile.srgb import srgb_to_linear

DEFAULT_LUT_SIZE = 65  # nodes per axis for >8-bit input: 4x lower error than 33, 3.3 MB table
EXACT_TABLE_PIXELS = 1 << 24  # pixels rendered to bake the exact 8-bit table
_INTEGRAL_TOLERANCE = 1e-3  # |255 x - round(255 x)| below this: the value came from an 8-bit code


def as_8bit_codes(srgb):
    """Returns uint8 codes if every value of `srgb` (float in [0, 1]) is a multiple of 1/255,
    else None."""
    scaled = np.asarray(srgb, dtype=np.float32) * np.float32(255.0)
    codes = np.rint(scaled)
    if np.abs(scaled - codes).max(initial=0.0) > _INTEGRAL_TOLERANCE:
        return None
    return codes.astype(np.uint8)


class Renderer:
    """Renders one program on many images; bakes its tables lazily and reuses them."""

    def __init__(self, program, fast=True, lut_size=DEFAULT_LUT_SIZE, workers=None,
                 table_after_pixels=EXACT_TABLE_PIXELS):
        """Args:
          program: a `mobile.program.Program`.
          fast: True for the table/LUT paths (module doc), False for the exact renderer only.
          lut_size: 3D LUT nodes per axis for non-8-bit input in fast mode.
          workers: threads for the table paths; default: all cores this process may use.
          table_after_pixels: 8-bit pixels to see before baking the exact 8-bit table (default:
            its own cost, 2^24); 0 bakes it for the first 8-bit image.
        """
        self.program = program
        self.fast = fast
        self.lut_size = lut_size
        self.workers = workers
        self.table_after_pixels = table_after_pixels
        self._lut = None
        self._exact_tables = {}
        self._pixels_8bit = 0

    def method(self, srgb):
        """Names the path `render_srgb` takes for this image: "exact", "exact 8-bit table" or
        "3D LUT"."""
        return self._choose(srgb)[0]

    def _choose(self, srgb):
        if not self.fast:
            return "exact", None
        codes = as_8bit_codes(srgb)
        if codes is None:
            return "3D LUT", None
        pixels = codes.size // 3
        if self._exact_tables or self._pixels_8bit + pixels >= self.table_after_pixels:
            return "exact 8-bit table", codes
        return "exact", codes

    def render_srgb(self, srgb, out_bits=8):
        """Renders an image given sRGB-encoded (float [H, W, 3] in [0, 1]).

        Returns:
          float32 [H, W, 3] display values in [0, 1]; on the 8-bit table path they are exact
          multiples of 1 / (2^out_bits - 1).
        """
        method, codes = self._choose(srgb)
        if method == "3D LUT":
            return lut.apply(self._get_lut(), srgb, encoding="srgb", workers=self.workers)
        if method == "exact 8-bit table":
            table = self._exact_table(out_bits)
            out = lut.apply_exact_8bit(table, codes, workers=self.workers)
            return out.astype(np.float32) / np.float32((1 << out_bits) - 1)
        if codes is not None:
            self._pixels_8bit += codes.size // 3
        return self.render_linear_exact(srgb_to_linear(srgb))

    def render_linear(self, linear):
        """Renders a linear image (float [H, W, 3]): the 3D LUT in fast mode, else exact.

        Returns:
          float32 [H, W, 3] display values in [0, 1].
        """
        if not self.fast:
            return self.render_linear_exact(linear)
        return lut.apply(self._get_lut(), linear, encoding="linear", workers=self.workers)

    def render_linear_exact(self, linear):
        """The exact renderer, clipped: float32 [H, W, 3] display values in [0, 1]."""
        return np.clip(render(self.program, linear), 0.0, 1.0)

    def _get_lut(self):
        if self._lut is None:
            self._lut = lut.bake(self.program, self.lut_size)
        return self._lut

    def _exact_table(self, out_bits):
        if out_bits not in self._exact_tables:
            self._exact_tables[out_bits] = lut.bake_exact_8bit(
                self.program, out_bits=out_bits, workers=self.workers)
        return self._exact_tables[out_bits]
