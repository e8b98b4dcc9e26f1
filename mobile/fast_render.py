"""Full-resolution rendering of one program over many photos, exact or fast, numpy only.

Fast mode picks, per image:

* 8-bit input (every value a multiple of 1/255): the exact 8-bit table (`lut.bake_exact_8bit`),
  equal to the exact renderer after output rounding. Baking costs one exact render of 2^24
  pixels, so it is baked once the 8-bit pixels seen reach 2^24 (before that, images are rendered
  exactly, which gives the same codes): never more than twice the cheaper choice's cost.
* other input (16-bit, float, RAW): a 3D LUT of `lut_size` nodes with tetrahedral interpolation,
  baked on first use, after a shaper taking the input's encoding to sRGB (`lut.shaped`:
  OpenColorIO when installed, else numpy); its error against the exact renderer is in
  `mobile/lut.py` and README.

`render_codes` takes the stored pixels (8/16-bit codes or floats, any encoding) and gives output
codes, with no float image in between: the full-resolution path of `exposure.apply`.

Exact mode always runs `mobile.render.render`. Outputs are display values (sRGB-encoded) in
[0, 1]; callers quantize them (`write_image` rounds to 8 or 16 bits).
"""
import numpy as np

from mobile import lut
from mobile.render import render
from mobile.srgb import linear_to_srgb, srgb_to_linear

DEFAULT_LUT_SIZE = 65  # nodes per axis for >8-bit input: 4x lower error than 33, 3.3 MB table
EXACT_TABLE_PIXELS = 1 << 24  # pixels rendered to bake the exact 8-bit table
_INTEGRAL_TOLERANCE = 1e-3  # |255 x - round(255 x)| below this: the value came from an 8-bit code
_CODE_TYPES = {8: np.uint8, 16: np.uint16}


def _identity(values):
    return values


def _is_identity_on_8bit(to_srgb):
    """True when `to_srgb` maps every 8-bit value code / 255 to itself (sRGB-encoded codes)."""
    values = np.arange(256, dtype=np.float32) / np.float32(255.0)
    return bool(np.array_equal(np.asarray(to_srgb(values), np.float32), values))


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
        self._shaped = {}
        self._exact_tables = {}
        self._pixels_8bit = 0

    def method(self, srgb):
        """Names the path `render_srgb` takes for this image: "exact", "exact 8-bit table" or
        "3D LUT"."""
        return self._choose(srgb)[0]

    def backend(self, in_dtype=np.float32):
        """Names what applies the 3D LUT to input of `in_dtype`: "opencolorio" or "numpy"."""
        return self._shaped_lut(linear_to_srgb, in_dtype, None)[1]

    def _choose(self, srgb):
        if not self.fast:
            return "exact", None
        codes = srgb if srgb.dtype == np.uint8 else as_8bit_codes(srgb)
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
        codes = self._render_srgb_codes(srgb, out_bits)
        if codes is None:
            return self._shaped_lut(_identity, np.float32, None)[0](srgb)
        return codes.astype(np.float32) / np.float32((1 << out_bits) - 1)

    def _render_srgb_codes(self, srgb, out_bits):
        """Output codes of 8-bit sRGB input (`srgb` uint8 codes, or floats at multiples of 1/255)
        by the exact table or an exact render; None for other input in fast mode."""
        method, codes = self._choose(srgb)
        if method == "3D LUT":
            return None
        if method == "exact 8-bit table":
            return lut.apply_exact_8bit(self._exact_table(out_bits), codes, workers=self.workers)
        if codes is not None:
            self._pixels_8bit += codes.size // 3
            srgb = codes.astype(np.float32) / np.float32(255.0)
        display = self.render_linear_exact(srgb_to_linear(srgb))
        return np.rint(display * np.float32((1 << out_bits) - 1)).astype(_CODE_TYPES[out_bits])

    def render_codes(self, pixels, to_srgb, out_bits=8):
        """Renders stored pixels to output codes (fast mode; exact mode renders 8-bit sRGB codes
        exactly and needs `render_linear` otherwise).

        Args:
          pixels: [H, W, 3] uint8 or uint16 codes (value = code / max) or float32 values in
            [0, 1].
          to_srgb: function taking float32 values in [0, 1] to their sRGB-encoded values
            (identity for sRGB-encoded pixels, `mobile.srgb.linear_to_srgb` for linear ones);
            its shaper is built once per function object. uint8 pixels for which it is the
            identity take the exact 8-bit table path, anything else the 3D LUT.
          out_bits: 8 or 16.

        Returns:
          uint8 (8) or uint16 (16) codes [H, W, 3].
        """
        if out_bits not in _CODE_TYPES:
            raise ValueError(f"out_bits must be 8 or 16, got {out_bits!r}")
        if pixels.dtype == np.uint8 and _is_identity_on_8bit(to_srgb):
            codes = self._render_srgb_codes(pixels, out_bits)
            if codes is not None:
                return codes
        if not self.fast:
            raise ValueError("exact rendering of non-8-bit input takes render_linear")
        return self._shaped_lut(to_srgb, pixels.dtype, out_bits)[0](pixels)

    def render_linear(self, linear):
        """Renders a linear image (float [H, W, 3]): the 3D LUT in fast mode, else exact.

        Returns:
          float32 [H, W, 3] display values in [0, 1].
        """
        if not self.fast:
            return self.render_linear_exact(linear)
        return self._shaped_lut(linear_to_srgb, np.float32, None)[0](linear)

    def render_linear_exact(self, linear):
        """The exact renderer, clipped: float32 [H, W, 3] display values in [0, 1]."""
        return np.clip(render(self.program, linear), 0.0, 1.0)

    def _get_lut(self):
        if self._lut is None:
            self._lut = lut.bake(self.program, self.lut_size)
        return self._lut

    def _shaped_lut(self, to_srgb, in_dtype, out_bits):
        """(function, backend name) of `lut.shaped` for this program, built once per key."""
        key = (to_srgb, np.dtype(in_dtype), out_bits)
        if key not in self._shaped:
            self._shaped[key] = lut.shaped(self._get_lut(), to_srgb, in_dtype, out_bits,
                                           workers=self.workers)
        return self._shaped[key]

    def _exact_table(self, out_bits):
        if out_bits not in self._exact_tables:
            self._exact_tables[out_bits] = lut.bake_exact_8bit(
                self.program, out_bits=out_bits, workers=self.workers)
        return self._exact_tables[out_bits]
