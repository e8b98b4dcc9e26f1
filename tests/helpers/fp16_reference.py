"""The numpy renderer with every intermediate rounded to float16: a model of `mediump` shaders.

GLSL ES `mediump` is, on the GPUs that use it, IEEE half precision: 11 significant bits, each
arithmetic result rounded. Running the renderer's own pixel formulas (`mobile.registry`)
on float16 arrays rounds every elementary result the same way (numpy computes each float16 ufunc
in float32 and rounds the result), so comparing this against the float32 renderer shows which
filters would break under `mediump` before they reach a phone. It cannot model a GPU's own
transcendental approximations (exp2, pow, cos), which are at most as accurate.

`near_grey_saturation_input` marks the pixels where any two implementations, float32 ones too,
may disagree by more than rounding (saturation's grey-axis discontinuity). numpy only.
"""
import numpy as np

from mobile import program as program_lib
from mobile import registry


def render_fp16(program, image):
    """Renders `program` on linear RGB [..., 3] in float16 arithmetic (input, parameters and
    every intermediate rounded to float16); returns float32 display values, not clipped."""
    x = np.asarray(image, dtype=np.float32).astype(np.float16)
    if x.ndim < 1 or x.shape[-1] != 3:
        raise ValueError(f"image: expected shape [..., 3] (RGB), got {x.shape}")
    for step in program.steps:
        x = registry.FILTERS[step.filter].operation(x, step.op_params().astype(np.float16), np)
        if x.dtype != np.float16:
            raise AssertionError(f"{step.filter}: float16 arithmetic left float16 ({x.dtype})")
    return x.astype(np.float32)


NEAR_GREY = 1e-5  # max - min of a saturation input below which its hue is ill-conditioned


def near_grey_saturation_input(program, image, tolerance=NEAR_GREY):
    """Pixels where some saturation step's input (float32 renderer) is within `tolerance` of grey.

    Saturation is discontinuous on the grey axis (a grey pixel is left alone, any trace of colour
    gets the full boost), so an ulp of difference between two float32 implementations upstream
    (a colour curve's value at 1 is 0.99999994 or 1 depending on summation order) moves such
    pixels by up to tens of codes, in either direction. Comparisons of implementations report
    these pixels apart. Returns bool [...] (the image's shape without the channel axis).
    """
    flagged = np.zeros(np.shape(image)[:-1], dtype=bool)
    x = np.asarray(image, dtype=np.float32)
    for step in program.steps:
        if step.filter == "saturation":
            clipped = np.clip(x, 0.0, 1.0)
            flagged |= clipped.max(axis=-1) - clipped.min(axis=-1) <= tolerance
        x = registry.FILTERS[step.filter].operation(x, step.op_params(), np)
    return flagged


def code_error(reference, other):
    """Absolute difference in 8-bit output codes between two display images (clipped to [0, 1]
    and rounded, as an RGBA8 framebuffer stores them); int array of the images' shape."""
    def codes(x):
        return np.rint(np.clip(np.asarray(x, dtype=np.float32), 0.0, 1.0) * 255.0).astype(int)
    return np.abs(codes(reference) - codes(other))


def single_filter_errors(rng, image, programs_per_filter=20, raw_scale=1.0):
    """Per filter: 8-bit code errors of float16 against float32 rendering of one-step programs.

    Args:
      rng: numpy Generator for the raw parameters (N(0, raw_scale^2), the authors' ranges).
      image: linear RGB [..., 3] to render.
      programs_per_filter: random one-step programs per filter.

    Returns:
      {filter name: {"max": int, "mean": float, "over_1": fraction of values off by > 1 code}}.
    """
    report = {}
    for name in registry.FILTER_NAMES:
        errors = []
        for _ in range(programs_per_filter):
            raw = rng.normal(0.0, raw_scale, program_lib.num_raw_params(name))
            program = program_lib.Program((program_lib.step_from_raw(name, raw),))
            errors.append(code_error(
                registry.FILTERS[name].operation(np.asarray(image, np.float32),
                                 program.steps[0].op_params(), np),
                render_fp16(program, image)).ravel())
        errors = np.concatenate(errors)
        report[name] = {"max": int(errors.max()), "mean": float(errors.mean()),
                        "over_1": float(np.mean(errors > 1))}
    return report
