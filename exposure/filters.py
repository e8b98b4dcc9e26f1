"""The Exposure filters as differentiable, resolution-independent Keras 3 layers.

Each layer takes an image batch [B, H, W, 3] of any size and a batch of raw network outputs
[B, num_params], maps the outputs to filter parameters with the authors' ranges, and applies the
filter's pixel operation; the result is differentiable in both inputs (Exposure paper, section 4).
There is one layer class per filter of the registry (`mobile.registry`), made from its entry:
the parameter mapping and the pixel operation are the same code the numpy renderer runs, here
evaluated with `keras.ops`, so a program read off the layers renders identically without
TensorFlow. Edge behaviour at 0, above 1 and below 0 is documented in `mobile.registry`.

Order and names follow the registry: the authors' default action space (docs/exposure.md#filter-parameters):
exposure, gamma, white balance, saturation, tone curve, contrast, black & white, colour curve;
the level filter is available but not in `DEFAULT_FILTERS`.
"""
import functools

import keras
import numpy as np
from keras import ops

from mobile import program as program_lib
from mobile import registry


class Filter(keras.layers.Layer):
    """Base class: a subclass names its filter in `filter_name` (a name in the registry)."""

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


@functools.cache
def layer_class(name):
    """The Keras layer class of the registered filter `name`, made once per process and
    registered for Keras serialization as "exposure>" + its class name: the filter's name in
    CamelCase + "Filter" (`white_balance` -> `WhiteBalanceFilter`)."""
    spec = registry.FILTERS[name]
    class_name = "".join(part.title() for part in name.split("_")) + "Filter"
    cls = type(class_name, (Filter,), {
        "filter_name": name,
        "__doc__": f"The {spec.title} filter as a Keras layer ({spec.num_raw} raw parameters).",
        "__module__": __name__,
    })
    return keras.saving.register_keras_serializable(package="exposure")(cls)


# Every registered filter's class by name, in registry order (the authors' default order, then
# level), and each as a module attribute under its class name (ExposureFilter, GammaFilter, ...).
FILTERS = {name: layer_class(name) for name in registry.FILTER_NAMES}
globals().update({cls.__name__: cls for cls in FILTERS.values()})
DEFAULT_FILTERS = tuple(FILTERS[name] for name in registry.DEFAULT_FILTERS)


def build_filters(names=registry.DEFAULT_FILTERS, dtype=None):
    """Instances of the named filters (names in the registry), in the given order (default: the
    paper's eight)."""
    unknown = [n for n in names if n not in registry.FILTERS]
    if unknown:
        raise ValueError(
            f"unknown filters {unknown}; known filters: {', '.join(registry.FILTERS)}")
    return [layer_class(name)(dtype=dtype) for name in names]
