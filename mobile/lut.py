"""3D colour lookup tables for fast full-resolution rendering of programs, numpy only.

Every filter of a program is a pointwise colour map (Exposure paper, section 4.1), so a whole
program is one function RGB -> RGB and can be baked into a table once and applied to any number
of pixels by lookup.

Conventions (shared by every function here and by the .cube files of `mobile/cube.py`):

* A program's input is linear RGB; its output is sRGB-encoded display values, clipped to [0, 1].
* A 3D LUT is a float32 array of shape (N, N, N, 3) indexed `[b, g, r]` (red fastest in memory,
  the .cube order). Node `(i, j, k)` holds the output for the input whose *sRGB-encoded* value is
  `(k, j, i) / (N - 1)`. Indexing in the sRGB-encoded space ("sRGB shaper") spends the nodes
  where 8-bit codes are: linear indexing would put 1 of 33 nodes below 8-bit code 55. Linear
  inputs outside [0, 1] are clipped to the table's domain [0, 1].
* The exact 8-bit table covers all 256^3 sRGB-encoded 8-bit input codes: its entry
  `r + 256 g + 65536 b` is the program's output for that code, rounded to 8 or 16 bits and packed
  as one uint32 (R, G, B, 0 bytes) or uint64 (R, G, B, 0 uint16 words, little-endian).

Error against the exact renderer (`mobile.render.render`), in 8-bit output codes, measured by
`benchmarks/lut_error.py` (50 random 5-step programs x 2^18 random 8-bit pixels, tetrahedral):
mean 0.09 codes at 33 nodes (worst program 0.22), 0.02 at 65 (worst 0.07); 99% of values
within 6 codes (33) / 1 code (65) for every program. The maximum is much larger (tens of codes)
on a few pixels: the saturation filter is discontinuous at the grey axis (a pixel with a trace of
colour gets the full boost, a grey one none) and clipping inside curves and contrast puts kinks
between the nodes. `ERROR_BOUNDS_CODES`
is the bound the tests hold the LUT to. The exact 8-bit table *is* the renderer, evaluated once
per input code and rounded: within 1 output code of a render of the same codes on any CPU, and
equal but where float32 rounding (which differs between numpy's SIMD and scalar loops, and so
with array length and CPU) puts a value on the other side of a half code.

Work is split into row blocks run on a thread pool: numpy releases the GIL inside its large
ufunc loops and `take`, so threads use both cores without copying the image to other processes.
"""
import concurrent.futures
import os

import numpy as np

from mobile.srgb import linear_to_srgb, srgb_to_linear

DEFAULT_SIZE = 33  # nodes per axis: the common .cube size of Resolve/Photoshop exports
MAX_SIZE = 256  # most nodes per axis of a 3D LUT (Adobe Cube LUT Specification 1.0: 2 to 256)
INTERPOLATIONS = ("tetrahedral", "trilinear")
# {nodes: (mean, 99th percentile)} bounds on |LUT - exact| in 8-bit output codes per random
# 5-step program (tetrahedral); measured values are in the module doc and README.
ERROR_BOUNDS_CODES = {33: (0.3, 8), 65: (0.1, 2)}
# Pixels per work item: amortizes the per-call overhead while the temporaries stay in the L3
# cache (exact-table blocks of 2^15 .. 2^20 pixels timed within noise of each other here).
_BLOCK_PIXELS = 1 << 17


def default_workers():
    """Returns the number of CPU cores this process may run on (at least 1)."""
    return max(1, len(os.sched_getaffinity(0)))


def _as_function(program):
    """Returns a callable linear float32 [..., 3] -> display float32 [..., 3] for a program."""
    if callable(program):
        return program
    from mobile.render import render

    return lambda rgb: render(program, rgb)


def _map_blocks(work, n_items, block, workers):
    """Calls `work(start, stop)` for consecutive blocks of `block` items, on `workers` threads."""
    bounds = [(s, min(s + block, n_items)) for s in range(0, n_items, block)]
    if workers <= 1 or len(bounds) == 1:
        for start, stop in bounds:
            work(start, stop)
        return
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        for future in [pool.submit(work, start, stop) for start, stop in bounds]:
            future.result()


def _evaluate(fn, linear):
    """Runs `fn` on linear pixels [n, 3] and returns its display values, not clipped."""
    out = np.asarray(fn(linear), dtype=np.float32)
    if out.shape != linear.shape:
        raise ValueError(f"the program returned shape {out.shape} for input shape {linear.shape}")
    return out


def check_size(size):
    """Returns `size` as an int; ValueError unless it is an integer from 2 to MAX_SIZE."""
    if isinstance(size, bool) or int(size) != size or not 2 <= size <= MAX_SIZE:
        raise ValueError(f"LUT size must be an integer from 2 to {MAX_SIZE}, got {size!r}")
    return int(size)


def bake(program, size=DEFAULT_SIZE):
    """Bakes a program into a 3D LUT indexed by sRGB-encoded input.

    Args:
      program: a `mobile.program.Program`, or any pointwise callable mapping linear float32
        [..., 3] to display float32 [..., 3].
      size: nodes per axis, 2 to MAX_SIZE (33 or 65 are usual).

    Returns:
      float32 array (size, size, size, 3), indexed [b, g, r], values in [0, 1] (see module doc).
    """
    size = check_size(size)
    fn = _as_function(program)
    axis = np.linspace(0.0, 1.0, size, dtype=np.float32)
    b, g, r = np.meshgrid(axis, axis, axis, indexing="ij")
    srgb = np.stack([r, g, b], axis=-1).reshape(-1, 3)
    return _evaluate(fn, srgb_to_linear(srgb)).reshape(size, size, size, 3)


def _interpolate(table, coords, method):
    """Interpolates a flat table [N^3, 3] at coordinates [n, 3] in node units (r, g, b)."""
    size = round(table.shape[0] ** (1.0 / 3.0))
    base_f = np.minimum(np.floor(coords), size - 2)
    frac = coords - base_f
    base = base_f.astype(np.int32)
    strides = (1, size, size * size)  # r, g, b strides in the [b, g, r] table
    index = base[:, 0] + base[:, 1] * strides[1] + base[:, 2] * strides[2]
    fr, fg, fb = frac[:, 0], frac[:, 1], frac[:, 2]
    if method == "trilinear":
        out = np.zeros_like(coords)
        for corner in range(8):
            bits = [(corner >> axis) & 1 for axis in range(3)]
            weight = np.ones_like(fr)
            for bit, f in zip(bits, (fr, fg, fb), strict=True):
                weight *= f if bit else 1.0 - f
            offset = sum(bit * stride for bit, stride in zip(bits, strides, strict=True))
            out += weight[:, None] * table[index + offset]
        return out
    # Tetrahedral: walk from the base node along the axis of the largest fraction, then the
    # middle one, to the far node; ties give zero weight to the degenerate edges.
    step_max = np.where(fr >= fg, np.where(fr >= fb, 1, strides[2]),
                        np.where(fg >= fb, strides[1], strides[2]))
    step_min = np.where(fb <= fg, np.where(fb <= fr, strides[2], 1),
                        np.where(fg <= fr, strides[1], 1))
    f_max = np.maximum(np.maximum(fr, fg), fb)
    f_min = np.minimum(np.minimum(fr, fg), fb)
    f_mid = fr + fg + fb - f_max - f_min
    far = 1 + strides[1] + strides[2]
    out = (1.0 - f_max)[:, None] * table[index]
    out += (f_max - f_mid)[:, None] * table[index + step_max]
    out += (f_mid - f_min)[:, None] * table[index + far - step_min]
    out += f_min[:, None] * table[index + far]
    return out


def _check_lut(lut, method):
    lut = np.asarray(lut, dtype=np.float32)
    if lut.ndim != 4 or lut.shape[-1] != 3 or not lut.shape[0] == lut.shape[1] == lut.shape[2]:
        raise ValueError(f"a 3D LUT must have shape (N, N, N, 3), got {lut.shape}")
    if lut.shape[0] < 2:
        raise ValueError(f"a 3D LUT needs at least 2 nodes per axis, got {lut.shape[0]}")
    if method not in INTERPOLATIONS:
        raise ValueError(f"interpolation must be one of {INTERPOLATIONS}, got {method!r}")
    return lut


def _check_rgb(image, name):
    image = np.asarray(image)
    if image.ndim < 1 or image.shape[-1] != 3:
        raise ValueError(f"{name} must have shape [..., 3], got {image.shape}")
    return image


def apply(lut, image, encoding="srgb", method="tetrahedral", out_bits=None, workers=None):
    """Applies a 3D LUT to an image.

    Args:
      lut: float32 (N, N, N, 3) from `bake` (or `mobile.cube.read_cube`).
      image: array [..., 3]: floats in [0, 1], or uint8/uint16 codes (code / 255 or / 65535);
        sRGB-encoded if `encoding` is "srgb", linear if "linear" (encoded with the sRGB curve
        first). Values outside [0, 1] are clipped.
      encoding: "srgb" or "linear", the encoding of `image`.
      method: "tetrahedral" (default; what ffmpeg's lut3d and Resolve use) or "trilinear".
      out_bits: None for float32 output, 8 or 16 for rounded uint8/uint16 output codes.
      workers: threads to split rows over; default: all cores this process may use.

    Returns:
      array of the image's shape: display values in [0, 1] (float32), or codes (`out_bits`).
    """
    lut = _check_lut(lut, method)
    image = _check_rgb(image, "image")
    if encoding not in ("srgb", "linear"):
        raise ValueError(f"encoding must be 'srgb' or 'linear', got {encoding!r}")
    if out_bits not in (None, 8, 16):
        raise ValueError(f"out_bits must be None, 8 or 16, got {out_bits!r}")
    in_scale = 1.0
    if np.issubdtype(image.dtype, np.integer):
        if image.dtype not in (np.uint8, np.uint16):
            raise ValueError(f"integer images must be uint8 or uint16 codes, got {image.dtype}")
        in_scale = 1.0 / np.iinfo(image.dtype).max
    flat_in = image.reshape(-1, 3)
    out_type = {None: np.float32, 8: np.uint8, 16: np.uint16}[out_bits]
    out = np.empty(flat_in.shape, dtype=out_type)
    table = lut.reshape(-1, 3)
    nodes = lut.shape[0] - 1

    def work(start, stop):
        pixels = flat_in[start:stop].astype(np.float32)
        if encoding == "linear":
            pixels = linear_to_srgb(np.clip(pixels * np.float32(in_scale), 0.0, 1.0))
            coords = pixels * np.float32(nodes)
        else:
            coords = pixels * np.float32(nodes * in_scale)
        result = np.clip(_interpolate(table, np.clip(coords, 0.0, nodes, out=coords), method),
                         0.0, 1.0)
        if out_bits is None:
            out[start:stop] = result
        else:
            out[start:stop] = np.rint(result * np.float32((1 << out_bits) - 1))

    _map_blocks(work, flat_in.shape[0], _BLOCK_PIXELS, workers or default_workers())
    return out.reshape(image.shape)


def bake_exact_8bit(program, out_bits=8, workers=None):
    """Bakes a program for every 8-bit sRGB-encoded input code, rounded to the output bit depth.

    Cost: one exact render of 256^3 = 16.8 M pixels (see README for the measured time). Memory:
    64 MiB for 8-bit output, 128 MiB for 16-bit output.

    Args:
      program: a `mobile.program.Program` or a pointwise callable (see `bake`).
      out_bits: 8 or 16, the output code depth.
      workers: threads to split the work over; default: all cores this process may use.

    Returns:
      uint32 (out_bits 8) or uint64 (out_bits 16) array of 2^24 packed entries (see module doc).
    """
    if out_bits not in (8, 16):
        raise ValueError(f"out_bits must be 8 or 16, got {out_bits!r}")
    fn = _as_function(program)
    decode = srgb_to_linear(np.arange(256, dtype=np.float32) / 255.0)
    code_type = np.uint8 if out_bits == 8 else np.uint16
    packed = np.zeros((1 << 24, 4), dtype=code_type)
    top = float((1 << out_bits) - 1)

    def work(start, stop):
        index = np.arange(start, stop, dtype=np.uint32)
        codes = np.stack([index & 255, (index >> 8) & 255, index >> 16], axis=-1)
        display = np.clip(_evaluate(fn, decode[codes]), 0.0, 1.0)
        packed[start:stop, :3] = np.rint(display * top).astype(code_type)

    _map_blocks(work, 1 << 24, 1 << 18, workers or default_workers())
    return packed.view(np.uint32 if out_bits == 8 else np.uint64).reshape(-1)


def apply_exact_8bit(table, codes, workers=None):
    """Applies an exact 8-bit table (from `bake_exact_8bit`) to 8-bit sRGB-encoded input codes.

    One gather per pixel: the 3 input bytes are read as one little-endian word (masked to 24
    bits, the table index), and the packed entry is written as one word whose padding lands on
    the next pixel's first channel before that pixel is written. This keeps every pass over the
    image a contiguous-stride numpy loop (measured in README: a few times the memory-copy floor).

    Args:
      table: uint32 or uint64 array of 2^24 entries from `bake_exact_8bit`.
      codes: uint8 array [..., 3] of sRGB-encoded input codes.
      workers: threads to split rows over; default: all cores this process may use.

    Returns:
      uint8 (uint32 table) or uint16 (uint64 table) array of the input's shape: output codes.
    """
    table = np.asarray(table)
    if table.shape != (1 << 24,) or table.dtype not in (np.uint32, np.uint64):
        raise ValueError(
            f"an exact 8-bit table is uint32/uint64 of shape (16777216,), got {table.dtype} "
            f"{table.shape}")
    codes = _check_rgb(codes, "codes")
    if codes.dtype != np.uint8:
        raise ValueError(f"codes must be uint8 sRGB-encoded input, got {codes.dtype}")
    wide = table.dtype == np.uint64
    entry = np.dtype("<u8" if wide else "<u4")
    table = table.astype(entry, copy=False)
    out_type = np.dtype("<u2" if wide else "u1")
    in_bytes = np.ascontiguousarray(codes).reshape(-1)
    out = np.empty(codes.shape, dtype=out_type)
    out_bytes = out.reshape(-1).view(np.uint8)
    pixel_out = 3 * out_type.itemsize

    def work(start, stop):
        # Pixels start .. stop - 2 by word views; the block's last pixel alone, so that no word
        # reads past the image or writes into another block.
        count = stop - 1 - start
        index = np.empty(count + 1, dtype=np.intp)
        words = np.ndarray((count,), dtype="<u4", buffer=in_bytes, offset=3 * start, strides=(3,))
        np.bitwise_and(words, 0xFFFFFF, out=index[:count], casting="unsafe")
        last = in_bytes[3 * (stop - 1):3 * stop].astype(np.intp)
        index[count] = last[0] | last[1] << 8 | last[2] << 16
        looked_up = np.take(table, index, mode="clip")
        targets = np.ndarray((count,), dtype=entry, buffer=out_bytes, offset=pixel_out * start,
                             strides=(pixel_out,))
        np.copyto(targets, looked_up[:count])
        out_bytes[pixel_out * (stop - 1):pixel_out * stop] = (
            looked_up[count:].view(np.uint8)[:pixel_out])

    _map_blocks(work, in_bytes.size // 3, _BLOCK_PIXELS, workers or default_workers())
    return out
