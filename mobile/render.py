"""The numpy renderer of retouch programs.

Each step applies its filter's pixel operation from the filter registry (`mobile.registry`, where
the formulas and their edge behaviour are documented), the same code the Keras layers of
`exposure.filters` run with `keras.ops`. numpy and the standard library only.
"""
import numpy as np

from mobile import registry

_CHUNK_PIXELS = 1 << 20  # pixels per block in `render`: bounds temporaries at a few 10 MB


def _as_rgb(image):
    image = np.asarray(image, dtype=np.float32)
    if image.ndim < 1 or image.shape[-1] != 3:
        raise ValueError(f"image: expected shape [..., 3] (RGB), got {image.shape}")
    return image


def apply_step(step, image):
    """Applies one `mobile.program.Step` to float32 RGB [..., 3]; returns a new float32 array."""
    return registry.FILTERS[step.filter].operation(_as_rgb(image), step.op_params(), np)


def render(program, image):
    """Applies every step of `program` (a `mobile.program.Program`) to a float32 image [..., 3].

    The input is linear RGB as the agent sees it; the output is in the program's output space
    (the display encoding the agent was trained towards), not clipped. Works in blocks of 2^20
    pixels, so memory stays bounded on large photos; the input is never modified.
    """
    image = _as_rgb(image)
    flat = image.reshape(-1, 3)
    out = np.empty_like(flat)
    params = [(registry.FILTERS[s.filter].operation, s.op_params()) for s in program.steps]
    for start in range(0, flat.shape[0], _CHUNK_PIXELS):
        block = flat[start:start + _CHUNK_PIXELS]
        for operation, p in params:
            block = operation(block, p, np)
        out[start:start + _CHUNK_PIXELS] = block
    return out.reshape(image.shape)
