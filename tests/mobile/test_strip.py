"""Tests for mobile/strip.py: the picture of a program (Exposure paper, Figure 3)."""
import numpy as np
import pytest
from PIL import Image

from mobile import strip
from mobile.program import Program, Step
from mobile.render import render


def _photo(rows=120, cols=160):
    """A smooth linear test photo: horizontal and vertical ramps, one channel constant."""
    y, x = np.mgrid[0:rows, 0:cols].astype(np.float32)
    return np.stack([x / cols, y / rows, np.full_like(x, 0.3)], axis=-1)


PROGRAM = Program((
    Step("exposure", {"ev": 1.0}),
    Step("gamma", {"gamma": 1 / 1.5}),
    Step("black_and_white", {"amount": 1.0}),
))


def test_states_are_the_input_then_each_prefix_of_the_program():
    photo = _photo()
    states = strip.program_states(PROGRAM, photo, tile_height=60)
    assert [label for label, _ in states] == [
        "Input", "Exposure +1.00", "Gamma 1/1.50", "Black & white +1.00"]
    assert all(pixels.shape == (60, 80, 3) and pixels.dtype == np.uint8 for _, pixels in states)
    small = photo.reshape(60, 2, 80, 2, 3).mean(axis=(1, 3))  # the 2x2 box filter
    np.testing.assert_allclose(states[0][1], np.rint(small * 255), atol=1)
    two_steps = np.clip(render(Program(PROGRAM.steps[:2]), small), 0, 1)
    np.testing.assert_allclose(states[2][1], np.rint(two_steps * 255), atol=1)
    final = states[-1][1].astype(int)
    assert np.array_equal(final[..., 0], final[..., 1])  # black & white: grey


def test_write_strip_writes_a_png_with_one_tile_per_state(tmp_path):
    path = tmp_path / "strips" / "edit.strip.png"
    strip.write_strip(path, PROGRAM, _photo(), tile_height=64)
    image = np.asarray(Image.open(path).convert("RGB"))
    assert image.shape[0] > 64 and image.shape[1] > 4 * 85
    tile_row = image[20]  # a row through the tiles: white gaps between 4 non-white tiles
    is_tile = (tile_row != 255).any(axis=-1).astype(int)
    assert np.sum(np.diff(is_tile) == 1) == 4
    label_band = image[12 + 64 + 12:]
    assert (label_band < 128).any(), "no label text drawn under the tiles"
    assert [p.name for p in path.parent.iterdir()] == ["edit.strip.png"]


def test_bad_image_is_refused():
    with pytest.raises(ValueError, match="expected shape"):
        strip.program_states(PROGRAM, np.zeros((10, 10)))
