"""A 1D shaper then a 3D LUT, applied by OpenColorIO's CPU processor on every core.

OpenColorIO (pip `opencolorio`) is an optional dependency (`available()`); `mobile.lut.shaped`
falls back to numpy (`mobile.lut.apply`, the reference) without it. The 3D LUT is `mobile.lut`'s
(indexed `[b, g, r]` by sRGB-encoded input, tetrahedral interpolation); the shaper holds the
sRGB-encoded value of each stored input value: one entry per code for uint8/uint16 input (an
exact lookup), or 65536 samples over [0, 1] interpolated linearly for float32 input. Inputs are
clamped to [0, 1]; outputs are rounded, clamped uint8/uint16 codes or float32 values (clipped
to [0, 1] here). Agreement with `mobile.lut.apply`: within 1 output code
(tests/mobile/test_lut.py; measured in docs/benchmarks.md#full-resolution-speed).
"""
import numpy as np

try:
    import PyOpenColorIO as ocio
except ImportError:  # optional dependency
    ocio = None

FLOAT_SHAPER_SIZE = 65536  # shaper samples over [0, 1] for float32 input
# Pixels per OpenColorIO call: a block and its output stay in the L2 cache.
_BLOCK_PIXELS = 1 << 15


def available():
    """True when OpenColorIO can be imported."""
    return ocio is not None


def _bit_depth(dtype):
    return {np.dtype(np.uint8): ocio.BIT_DEPTH_UINT8, np.dtype(np.uint16): ocio.BIT_DEPTH_UINT16,
            np.dtype(np.float32): ocio.BIT_DEPTH_F32}[np.dtype(dtype)]


class ShapedLut:
    """`shaper` then `lut`, compiled for one input type and one output type."""

    def __init__(self, lut, shaper, in_dtype, out_dtype):
        """Args:
          lut: float32 (N, N, N, 3) indexed [b, g, r] (`mobile.lut.bake`).
          shaper: float32 [n]: the sRGB-encoded value of input value k / (n - 1).
          in_dtype, out_dtype: uint8, uint16 or float32.
        """
        if ocio is None:
            raise ImportError("OpenColorIO is not installed (pip install opencolorio)")
        size = lut.shape[0]
        cube = ocio.Lut3DTransform(gridSize=size)
        cube.setInterpolation(ocio.INTERP_TETRAHEDRAL)
        # OpenColorIO's order is blue fastest: [r, g, b] of our [b, g, r] table.
        cube.setData(np.ascontiguousarray(lut.transpose(2, 1, 0, 3), np.float32).reshape(-1))
        curve = ocio.Lut1DTransform(length=len(shaper), inputHalfDomain=False)
        curve.setData(np.repeat(np.asarray(shaper, np.float32), 3))
        processor = ocio.Config.CreateRaw().getProcessor(ocio.GroupTransform([curve, cube]))
        self._cpu = processor.getOptimizedCPUProcessor(
            _bit_depth(in_dtype), _bit_depth(out_dtype), ocio.OPTIMIZATION_DEFAULT)
        self.in_dtype, self.out_dtype = np.dtype(in_dtype), np.dtype(out_dtype)

    def __call__(self, pixels, map_blocks):
        """Applies to `pixels` [..., 3] of `in_dtype`; returns `out_dtype` of the same shape.
        `map_blocks(work, n_pixels, block)` runs `work(start, stop)` over the pixel blocks."""
        flat = np.ascontiguousarray(pixels, dtype=self.in_dtype).reshape(-1, 3)
        out = np.empty(flat.shape, self.out_dtype)
        in_size, out_size = self.in_dtype.itemsize, self.out_dtype.itemsize
        in_depth, out_depth = _bit_depth(self.in_dtype), _bit_depth(self.out_dtype)

        def work(start, stop):
            count = stop - start
            source = ocio.PackedImageDesc(flat[start:stop], count, 1, 3, in_depth, in_size,
                                          3 * in_size, 3 * in_size * count)
            target = ocio.PackedImageDesc(out[start:stop], count, 1, 3, out_depth, out_size,
                                          3 * out_size, 3 * out_size * count)
            self._cpu.apply(source, target)  # releases the GIL

        map_blocks(work, flat.shape[0], _BLOCK_PIXELS)
        if self.out_dtype == np.float32:
            np.clip(out, 0.0, 1.0, out=out)
        return out.reshape(np.shape(pixels))
