"""A picture of a program: the image after each step, with the step's printed name under it.

As in the Exposure paper's Figure 3 (a trajectory of states and actions): tile 0 is the input,
tile i the state after step i, the last tile the final output. Every state is shown as the agent
sees it, values clipped to [0, 1] and displayed as-is: the linear input therefore looks dark, as
the RAW input does in the paper's figure. numpy and Pillow only.
"""
import io

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from mobile.atomic import write_bytes_atomically
from mobile.program import Program
from mobile.render import render

DEFAULT_TILE_HEIGHT = 192  # pixels; the paper's figure shows thumbnails of about this size
_GAP = 12  # pixels between tiles and around the strip
_FONT_SIZE = 13
_LINE_SPACING = 3
_BACKGROUND = (255, 255, 255)
_TEXT = (0, 0, 0)


def _thumbnail(linear, height):
    """Box-filters linear float32 [H, W, 3] to `height` rows (aspect kept), in linear light."""
    rows, cols = linear.shape[:2]
    size = (max(1, round(cols * height / rows)), height)
    channels = [np.asarray(Image.fromarray(np.ascontiguousarray(linear[..., c]), mode="F")
                           .resize(size, Image.Resampling.BOX)) for c in range(3)]
    return np.stack(channels, axis=-1).astype(np.float32)


def _wrap(text, font, width, draw):
    """Splits `text` into lines no wider than `width` pixels (breaking at spaces)."""
    lines, current = [], ""
    for word in text.split(" "):
        candidate = f"{current} {word}".strip()
        if current and draw.textlength(candidate, font=font) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    return lines + [current]


def program_states(program, linear, tile_height=DEFAULT_TILE_HEIGHT):
    """Returns [(label, uint8 [h, w, 3])]: "Input", then (printed step, state after it) per step.

    Args:
      program: a `mobile.program.Program`.
      linear: float32 [H, W, 3] linear input photo.
      tile_height: rows of each tile, >= 8; the photo is box-filtered down (never up).
    """
    linear = np.asarray(linear, dtype=np.float32)
    if linear.ndim != 3 or linear.shape[-1] != 3:
        raise ValueError(f"image: expected shape [H, W, 3], got {linear.shape}")
    if tile_height < 8:
        raise ValueError(f"tile_height must be >= 8 pixels, got {tile_height}")
    small = _thumbnail(linear, min(tile_height, linear.shape[0]))
    states = [("Input", small)]
    for i, step in enumerate(program.steps):
        states.append((str(step), render(Program(program.steps[:i + 1]), small)))
    return [(label, np.rint(np.clip(state, 0.0, 1.0) * 255).astype(np.uint8))
            for label, state in states]


def make_strip(program, linear, tile_height=DEFAULT_TILE_HEIGHT):
    """Draws the strip of a program applied to a linear photo.

    Returns:
      PIL RGB image: the tiles of `program_states` left to right, each label wrapped under its tile.
    """
    states = program_states(program, linear, tile_height)
    font = ImageFont.load_default(size=_FONT_SIZE)
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    tile_w, tile_h = states[0][1].shape[1], states[0][1].shape[0]
    label_width = max(tile_w, 8 * _FONT_SIZE)
    labels = [_wrap(label, font, label_width, measure) for label, _ in states]
    line_height = _FONT_SIZE + _LINE_SPACING
    text_height = max(len(lines) for lines in labels) * line_height
    column = label_width + _GAP
    strip = Image.new("RGB", (_GAP + column * len(states), 2 * _GAP + tile_h + text_height + _GAP),
                      _BACKGROUND)
    draw = ImageDraw.Draw(strip)
    for index, ((_, pixels), lines) in enumerate(zip(states, labels, strict=True)):
        left = _GAP + index * column
        strip.paste(Image.fromarray(pixels, "RGB"), (left + (label_width - tile_w) // 2, _GAP))
        for row, line in enumerate(lines):
            x = left + (label_width - draw.textlength(line, font=font)) / 2
            draw.text((x, 2 * _GAP + tile_h + row * line_height), line, font=font, fill=_TEXT)
    return strip


def write_strip(path, program, linear, tile_height=DEFAULT_TILE_HEIGHT):
    """Writes `make_strip(program, linear, tile_height)` as a PNG file, atomically."""
    buffer = io.BytesIO()
    make_strip(program, linear, tile_height).save(buffer, "PNG")
    write_bytes_atomically(path, buffer.getvalue())
