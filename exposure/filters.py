"""The Exposure filters as differentiable, resolution-independent Keras 3 layers.

Each layer takes an image batch [B, H, W, 3] of any size and a batch of raw network outputs
[B, num_params], maps the outputs to filter parameters with the authors' ranges, and applies the
filter's pixel operation; the result is differentiable in both inputs (Exposure paper, section 4).
The parameter mapping (`mobile.program.raw_to_op_params`) and the pixel operations
(`mobile.render.OPERATIONS`) are the same code the numpy renderer runs, here evaluated with
`keras.ops`, so a program read off the layers renders identically without TensorFlow. Edge
behaviour at 0, above 1 and below 0 is documented in `mobile.render`.

Order and names follow the authors' default action space (Exposure REFERENCE): exposure, gamma,
white balance, saturation, tone curve, contrast, black & white, colour curve; the level filter is
available but not in `DEFAULT_FILTERS`.
"""
import keras
import numpy as np
from keras import ops

from mobile import program as program_lib
from mobile import registry


class Filter(keras.layers.Layer):
    """Base class: a subclass names its filter in `filter_name` (one of FILTER_NAMES)."""

    filter_name = None

    @property
    def num_params(self):
        """Number of raw network outputs this filter takes per image."""
        return program_lib.num_raw_params(self.filter_name)

    def parameters(self, raw):
        """Operator parameters [B, k] from raw outputs [B, num_params] (see
        `mobile.program.raw_to_op_params` for units and ranges); differentiable."""
        return program_lib.raw_to_op_params(self.filter_name, raw, xp=ops)

    def call(self, images, raw):
        """images: [B, H, W, 3] linear RGB; raw: [B, num_params]. Returns [B, H, W, 3]."""
        self._check_shapes(images.shape, raw.shape)
        p = self.parameters(raw)
        return registry.FILTERS[self.filter_name].operation(images, p[:, None, None, :], ops)

    def compute_output_shape(self, images_shape, raw_shape):
        self._check_shapes(images_shape, raw_shape)
        return images_shape

    def _check_shapes(self, images_shape, raw_shape):
        if len(images_shape) != 4 or images_shape[-1] != 3:
            raise ValueError(
                f"{self.filter_name} ({self.name}): images must be [B, H, W, 3], got shape "
                f"{tuple(images_shape)}")
        if len(raw_shape) != 2 or raw_shape[-1] not in (None, self.num_params):
            raise ValueError(
                f"{self.filter_name} ({self.name}): raw parameters must be [B, {self.num_params}], "
                f"got shape "
                f"{tuple(raw_shape)}")

    def step(self, raw):
        """The human-unit `mobile.program.Step` for ONE image's raw outputs [num_params]."""
        return program_lib.step_from_raw(self.filter_name, np.asarray(ops.convert_to_numpy(raw)))

    def steps(self, raw):
        """One `Step` per batch element of raw outputs [B, num_params]."""
        return [self.step(row) for row in ops.convert_to_numpy(raw)]


def _filter_class(filter_name, class_name):
    cls = type(class_name, (Filter,), {
        "filter_name": filter_name,
        "__doc__": f"The {registry.FILTERS[filter_name].title} filter as a Keras layer "
                   f"({program_lib.num_raw_params(filter_name)} raw parameters).",
        "__module__": __name__,
    })
    return keras.saving.register_keras_serializable(package="exposure")(cls)


ExposureFilter = _filter_class("exposure", "ExposureFilter")
GammaFilter = _filter_class("gamma", "GammaFilter")
WhiteBalanceFilter = _filter_class("white_balance", "WhiteBalanceFilter")
SaturationFilter = _filter_class("saturation", "SaturationFilter")
ToneCurveFilter = _filter_class("tone_curve", "ToneCurveFilter")
ContrastFilter = _filter_class("contrast", "ContrastFilter")
BlackAndWhiteFilter = _filter_class("black_and_white", "BlackAndWhiteFilter")
ColorCurveFilter = _filter_class("color_curve", "ColorCurveFilter")
LevelFilter = _filter_class("level", "LevelFilter")

# Every filter class by name, in program_lib.FILTER_NAMES order (the authors' default order, then
# level).
FILTERS = {cls.filter_name: cls for cls in (
    ExposureFilter, GammaFilter, WhiteBalanceFilter, SaturationFilter, ToneCurveFilter,
    ContrastFilter, BlackAndWhiteFilter, ColorCurveFilter, LevelFilter)}
DEFAULT_FILTERS = tuple(FILTERS[name] for name in registry.DEFAULT_FILTERS)


def build_filters(names=registry.DEFAULT_FILTERS, dtype=None):
    """Instances of the named filters, in the given order (default: the paper's eight)."""
    unknown = [n for n in names if n not in FILTERS]
    if unknown:
        raise ValueError(
            f"unknown filters {unknown}; known filters: {', '.join(registry.FILTER_NAMES)}")
    return [FILTERS[name](dtype=dtype) for name in names]
