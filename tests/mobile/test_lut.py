"""Tests for mobile/lut.py: baking, interpolation, the exact 8-bit table, and the error bound."""
import numpy as np
import pytest

from mobile import lut
from mobile.render import render
from mobile.srgb import linear_to_srgb, srgb_to_linear
from tests.codes import assert_codes_match
from tests.helpers.random_programs import random_program


def _affine_in_srgb(linear):
    """A map affine in the sRGB-encoded input, into [0.05, 0.95]: interpolation is exact."""
    srgb = linear_to_srgb(linear)
    matrix = np.array([[0.5, 0.3, 0.1], [0.2, 0.5, 0.1], [0.1, 0.2, 0.4]], dtype=np.float32)
    return srgb @ matrix.T + np.float32(0.05)


def _curvy(linear):
    """A non-separable, non-linear colour map (gamma, saturation-like mixing)."""
    lifted = np.maximum(linear, 0.001) ** 0.7
    lum = lifted @ np.array([0.27, 0.67, 0.06], dtype=np.float32)
    return linear_to_srgb(np.clip(lifted * 1.4 - 0.4 * lum[..., None], 0.0, 1.0))


def _reference_interpolation(table, point, method):
    """Scalar textbook interpolation of one sRGB point in [0, 1]^3 (independent of lut.py)."""
    size = table.shape[0]
    coords = [min(max(c, 0.0), 1.0) * (size - 1) for c in point]
    base = [min(int(np.floor(c)), size - 2) for c in coords]
    f = [c - b for c, b in zip(coords, base, strict=True)]

    def node(dr, dg, db):
        return table[base[2] + db, base[1] + dg, base[0] + dr].astype(np.float64)

    if method == "trilinear":
        out = np.zeros(3)
        for dr in (0, 1):
            for dg in (0, 1):
                for db in (0, 1):
                    w = ((f[0] if dr else 1 - f[0]) * (f[1] if dg else 1 - f[1])
                         * (f[2] if db else 1 - f[2]))
                    out += w * node(dr, dg, db)
        return out
    r, g, b = f
    if r >= g >= b:
        steps, w = [(1, 0, 0), (1, 1, 0)], [r - g, g - b]
    elif r >= b >= g:
        steps, w = [(1, 0, 0), (1, 0, 1)], [r - b, b - g]
    elif b >= r >= g:
        steps, w = [(0, 0, 1), (1, 0, 1)], [b - r, r - g]
    elif g >= r >= b:
        steps, w = [(0, 1, 0), (1, 1, 0)], [g - r, r - b]
    elif g >= b >= r:
        steps, w = [(0, 1, 0), (0, 1, 1)], [g - b, b - r]
    else:
        steps, w = [(0, 0, 1), (0, 1, 1)], [b - g, g - r]
    low, high = min(f), max(f)
    return ((1 - high) * node(0, 0, 0) + w[0] * node(*steps[0]) + w[1] * node(*steps[1])
            + low * node(1, 1, 1))


def test_bake_holds_the_function_at_the_nodes_in_srgb_index_order():
    size = 5
    table = lut.bake(_curvy, size)
    assert table.shape == (size, size, size, 3) and table.dtype == np.float32
    b, g, r = 1, 3, 4  # [b, g, r] indexing, sRGB-encoded node coordinates
    srgb = np.array([r, g, b], dtype=np.float32) / (size - 1)
    expected = np.clip(_curvy(srgb_to_linear(srgb)), 0.0, 1.0)
    np.testing.assert_allclose(table[b, g, r], expected, atol=1e-6)


@pytest.mark.parametrize("method", lut.INTERPOLATIONS)
def test_interpolation_is_exact_for_maps_affine_in_srgb(method):
    table = lut.bake(_affine_in_srgb, 9)
    srgb = np.random.default_rng(0).random((1000, 3), dtype=np.float32)
    out = lut.apply(table, srgb, method=method)
    np.testing.assert_allclose(out, np.clip(_affine_in_srgb(srgb_to_linear(srgb)), 0, 1),
                               atol=2e-6)


@pytest.mark.parametrize("method", lut.INTERPOLATIONS)
def test_interpolation_matches_a_scalar_reference(method):
    table = lut.bake(_curvy, 7)
    rng = np.random.default_rng(1)
    points = np.concatenate([rng.random((200, 3)), [[1, 1, 1], [0, 0, 0], [0.5, 0.5, 0.5],
                                                    [1, 0, 0.25], [1.3, -0.2, 0.7]]])
    out = lut.apply(table, points.astype(np.float32), method=method)
    expected = np.clip([_reference_interpolation(table, p, method) for p in points], 0, 1)
    np.testing.assert_allclose(out, expected, atol=2e-6)


def test_linear_encoding_equals_srgb_encoding_of_the_same_image():
    table = lut.bake(_curvy, 17)
    srgb = np.random.default_rng(2).random((40, 30, 3), dtype=np.float32)
    from_srgb = lut.apply(table, srgb)
    from_linear = lut.apply(table, srgb_to_linear(srgb), encoding="linear")
    assert from_srgb.shape == (40, 30, 3)
    np.testing.assert_allclose(from_linear, from_srgb, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_integer_codes_in_and_out_equal_the_float_path(dtype):
    table = lut.bake(_curvy, 17)
    top = np.iinfo(dtype).max
    codes = np.random.default_rng(5).integers(0, top + 1, (50, 40, 3)).astype(dtype)
    as_float = lut.apply(table, codes / np.float32(top))
    np.testing.assert_allclose(lut.apply(table, codes), as_float, atol=2e-6)
    for bits in (8, 16):
        out = lut.apply(table, codes, out_bits=bits)
        assert out.dtype == (np.uint8 if bits == 8 else np.uint16)
        assert np.abs(out - as_float * ((1 << bits) - 1)).max() <= 0.5 + 1e-3 * (1 << bits) / 256
    linear_out = lut.apply(table, codes, encoding="linear")
    expected = lut.apply(table, linear_to_srgb(codes / np.float32(top)))
    np.testing.assert_allclose(linear_out, expected, atol=1e-5)


def test_threads_give_the_same_result_as_one_thread():
    table = lut.bake(_curvy, 17)
    srgb = np.random.default_rng(3).random((700, 400, 3), dtype=np.float32)  # several blocks
    np.testing.assert_array_equal(lut.apply(table, srgb, workers=1),
                                  lut.apply(table, srgb, workers=2))


@pytest.mark.parametrize("out_bits", [8, 16])
def test_exact_8bit_table_equals_rounded_function(out_bits):
    table = lut.bake_exact_8bit(_curvy, out_bits=out_bits)
    codes = np.random.default_rng(4).integers(0, 256, (123, 77, 3), dtype=np.uint8)
    codes[0, :3] = [[0, 0, 0], [255, 255, 255], [255, 0, 17]]
    out = lut.apply_exact_8bit(table, codes, workers=2)
    top = (1 << out_bits) - 1
    # The table and this reference are float32 work on arrays of different lengths: they may
    # round a value within float32 error of a half code to either side (see tests/codes.py).
    expected = np.rint(np.clip(_curvy(srgb_to_linear(codes / np.float32(255))), 0, 1) * top)
    assert out.dtype == (np.uint8 if out_bits == 8 else np.uint16)
    assert_codes_match(out, expected)


def test_exact_8bit_table_over_many_blocks_and_threads_equals_direct_indexing():
    table = lut.bake_exact_8bit(_affine_in_srgb)
    codes = np.random.default_rng(6).integers(0, 256, (1201, 1001, 3), dtype=np.uint8)
    entries = table.view(np.uint8).reshape(-1, 4)[:, :3]
    flat = codes.reshape(-1, 3).astype(np.int64)
    expected = entries[flat[:, 0] + 256 * flat[:, 1] + 65536 * flat[:, 2]].reshape(codes.shape)
    for workers in (1, 2):
        np.testing.assert_array_equal(lut.apply_exact_8bit(table, codes, workers=workers),
                                      expected)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="shape"):
        lut.apply(np.zeros((4, 4, 3, 3)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="interpolation"):
        lut.apply(np.zeros((2, 2, 2, 3)), np.zeros((2, 3)), method="cubic")
    with pytest.raises(ValueError, match="image must have shape"):
        lut.apply(np.zeros((2, 2, 2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="uint8"):
        lut.apply_exact_8bit(np.zeros(1 << 24, np.uint32), np.zeros((2, 3), np.float32))
    for size in (1, lut.MAX_SIZE + 1, 100_000, 2.5):
        with pytest.raises(ValueError, match=f"integer from 2 to {lut.MAX_SIZE}"):
            lut.bake(_curvy, size)


@pytest.mark.parametrize("size", sorted(lut.ERROR_BOUNDS_CODES))
def test_lut_error_against_exact_renderer_stays_under_the_stated_bound(size):
    mean_bound, p99_bound = lut.ERROR_BOUNDS_CODES[size]
    rng = np.random.default_rng(11)
    codes = rng.integers(0, 256, (1 << 15, 3), dtype=np.uint8)
    srgb = codes / np.float32(255)
    for _ in range(4):
        program = random_program(rng)
        exact = np.rint(np.clip(render(program, srgb_to_linear(srgb)), 0, 1) * 255)
        error = np.abs(np.rint(lut.apply(lut.bake(program, size), srgb) * 255) - exact)
        assert error.mean() <= mean_bound, str(program)
        assert np.percentile(error, 99) <= p99_bound, str(program)


def test_exact_8bit_table_of_a_program_equals_the_renderer():
    program = random_program(np.random.default_rng(12))
    codes = np.random.default_rng(13).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    expected = np.rint(np.clip(render(program, srgb_to_linear(codes / np.float32(255))), 0, 1)
                       * 255)
    assert_codes_match(lut.apply_exact_8bit(lut.bake_exact_8bit(program), codes), expected)
