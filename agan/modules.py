"""Keras layers for AGAN modules: `Module` builds the graph `agan.module_plan.plan_module` derives
from a segment (AGAN section 3.2, steps 1-5 and the four heuristics); `Operation` is one operation in
its normal, up- or down-sampling meaning (see `agan.search_space`).

Convolutional operations are pre-activated: BN-ReLU-Conv in the generator (conditional BN when
classes are given), ReLU-Conv in the discriminator; nothing between the 1xn and nx1 convolutions.
"""
import keras
from keras import ops

from agan import search_space as ss
from agan.layers import (
    ConditionalBatchNormalization,
    FusedBatchNormalization,
    NearestUpsampling2D,
    SpectralNormalization,
    convolve,
    upsample_nearest,
)
from agan.module_plan import DOWN, MODULE_KINDS, NORMAL, PREV, UP, ModulePlan, Node, plan_module

__all__ = ["DOWN", "MODULE_KINDS", "NORMAL", "PREV", "UP", "ModulePlan", "Node", "plan_module",
           "GENERATOR", "DISCRIMINATOR", "NETWORKS", "Operation", "Module"]

GENERATOR = "generator"
DISCRIMINATOR = "discriminator"
NETWORKS = (GENERATOR, DISCRIMINATOR)
_DILATION = 2  # the dilated 3x3 convolution's rate (NASNet/ENAS convention; AGAN gives none)
_RESAMPLE_POOL = 2  # 2x2 stride-2 average pooling for down-sampling (AGAN section 3.2, from [9])


def _kernel_size(token):
    """n of a token ending in "nxn" or "nx1" ("conv_1x5_5x1" -> 5, "max_pool_3x3" -> 3)."""
    return int(token.rsplit("_", 1)[1].split("x")[0])


def _convolution_layers(token, mode, filters):
    """The convolution layers of `token` in order (no activation between them)."""
    token = token.removeprefix(ss.POOL_FIRST_PREFIX)
    same = {"padding": "same"}
    size = _kernel_size(token)
    if token in ss.TRANSPOSED_CONVOLUTIONS:
        return [keras.layers.Conv2DTranspose(filters, size, strides=2 if mode == UP else 1, **same)]
    if token in (ss.CONV_1X1, ss.CONV_3X3):
        return [keras.layers.Conv2D(filters, size, **same)]
    if token == ss.DIL_CONV_3X3:
        return [keras.layers.Conv2D(filters, size, dilation_rate=_DILATION, **same)]
    if token.startswith("sep_conv_"):
        return [keras.layers.SeparableConv2D(filters, size, **same)]
    return [keras.layers.Conv2D(filters, (1, size), **same),
            keras.layers.Conv2D(filters, (size, 1), **same)]


def _pooling_layer(token):
    pool = keras.layers.MaxPooling2D if token.startswith("max_") else keras.layers.AveragePooling2D
    return pool(_kernel_size(token), strides=1, padding="same")


def _scaled(shape, direction):
    """`shape` (batch, H, W, C) after 2x re-sampling in `direction` ("up", "down", "normal")."""
    factor = {UP: 2.0, DOWN: 0.5, NORMAL: 1.0}[direction]
    batch, height, width, channels = shape
    return (batch, None if height is None else int(height * factor),
            None if width is None else int(width * factor), channels)


@keras.saving.register_keras_serializable(package="agan")
class Operation(keras.layers.Layer):
    """One operation of a module with its meaning ("normal", "up", "down"), see `search_space`.

    Called as ``op(x, labels, training=...)``; x is (batch, H, W, C). The output has `filters`
    channels for convolutional tokens (C for identity and pooling) and spatial size 2H x 2W for
    mode "up", H/2 x W/2 for "down", H x W otherwise. `labels` (batch,) ints are used only by
    conditional batch normalization (generator with num_classes).
    """

    def __init__(self, token, mode=NORMAL, *, filters, network, num_classes=None,
                 spectral_norm=False, **kwargs):
        super().__init__(**kwargs)
        if token not in ss.ALL_OPERATIONS:
            raise ValueError(f"unknown operation {token!r}; known: {', '.join(ss.ALL_OPERATIONS)}")
        if mode not in MODULE_KINDS:
            raise ValueError(f"operation mode must be one of {MODULE_KINDS}, got {mode!r}")
        if network not in NETWORKS:
            raise ValueError(f"network must be one of {NETWORKS}, got {network!r}")
        self.token, self.mode, self.filters, self.network = token, mode, filters, network
        self.num_classes, self.spectral_norm = num_classes, spectral_norm
        convolution = ss.is_convolution(token)
        self.normalization = None
        if convolution and network == GENERATOR:
            self.normalization = (ConditionalBatchNormalization(num_classes) if num_classes
                                  else FusedBatchNormalization())
        self.preactivate = convolution
        pool_first = token in ss.POOL_FIRST_CONVOLUTIONS
        self.before = None
        if mode == UP and token not in ss.TRANSPOSED_CONVOLUTIONS:
            self.before = NearestUpsampling2D()
        elif mode == DOWN and pool_first:
            self.before = keras.layers.AveragePooling2D(_RESAMPLE_POOL)
        if convolution:
            self.body = _convolution_layers(token, mode, filters)
            if spectral_norm:
                self.body = [SpectralNormalization(layer) for layer in self.body]
        elif token == ss.IDENTITY:
            self.body = []
        else:
            self.body = [_pooling_layer(token)]
        self.after = (keras.layers.AveragePooling2D(_RESAMPLE_POOL)
                      if mode == DOWN and not pool_first else None)

    def _propagate(self, shape, labels_shape, build):
        """Output shape for input `shape`; with build=True also builds the sublayers on the way."""
        if build and isinstance(self.normalization, ConditionalBatchNormalization):
            self.normalization.build(shape, labels_shape or (shape[0],))
        elif build and self.normalization is not None:
            self.normalization.build(shape)
        for layer in [self.before, *self.body, self.after]:
            if layer is not None:
                if build:
                    layer.build(shape)
                shape = layer.compute_output_shape(shape)
        return tuple(shape)

    def build(self, inputs_shape, labels_shape=None):
        self._propagate(inputs_shape, labels_shape, build=True)

    def compute_output_shape(self, inputs_shape, labels_shape=None):
        return self._propagate(inputs_shape, labels_shape, build=False)

    def call(self, inputs, labels=None, training=False):
        x = inputs
        if isinstance(self.normalization, ConditionalBatchNormalization):
            x = self.normalization(x, labels, training=training)
        elif self.normalization is not None:
            x = self.normalization(x, training=training)
        if self.preactivate:
            x = ops.relu(x)
        if self.before is not None:
            x = self.before(x)
        for layer in self.body:
            if self.spectral_norm:
                x = layer(x, training=training)
            elif ss.is_convolution(self.token):
                x = convolve(layer, x)
            else:
                x = layer(x)
        if self.after is not None:
            x = self.after(x)
        return x

    def get_config(self):
        config = super().get_config()
        config.update({"token": self.token, "mode": self.mode, "filters": self.filters,
                       "network": self.network, "num_classes": self.num_classes,
                       "spectral_norm": self.spectral_norm})
        return config


@keras.saving.register_keras_serializable(package="agan")
class Module(keras.layers.Layer):
    """A module built from a `Segment` (see module docstring).

    Called as ``module([h_prev, h], labels, training=...)`` with h of shape (batch, H, W, channels)
    and h_prev of (batch, H', W', channels) where H' = H/2 after an up-sampling module, 2H after a
    down-sampling one, H otherwise. Returns (batch, 2H, 2W, channels) for kind "up", (batch, H/2,
    W/2, channels) for "down" and (batch, H, W, channels) for "normal".

    Attributes:
      plan: the `ModulePlan` (edges, loose ends) the layer computes.
      operations: ``{node index: Operation}`` for x1 .. x(k+1).
      projection: the 1x1 convolution after the concatenation (heuristic 4).
    """

    def __init__(self, segment, kind, *, channels, network, previous=None, num_classes=None,
                 spectral_norm=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(segment, dict):
            segment = ss.Segment(segment["ops"], segment["adjacency"],
                                 vocabulary=ss.ALL_OPERATIONS, where=self.name)
        self.segment, self.kind, self.channels, self.network = segment, kind, channels, network
        self.previous, self.num_classes, self.spectral_norm = previous, num_classes, spectral_norm
        self.plan = plan_module(segment, kind, previous)
        options = {"filters": channels, "network": network, "num_classes": num_classes,
                   "spectral_norm": spectral_norm}
        self.operations = {
            node.index: Operation(node.op, node.mode, name=f"x{node.index}_{node.op}", **options)
            for node in self.plan.nodes[1:]
        }
        self.projection = Operation(ss.CONV_1X1, NORMAL, name="projection_conv_1x1", **options)

    def build(self, inputs_shape, labels_shape=None):
        prev_shape, h_shape = inputs_shape
        shapes = [tuple(h_shape), self._build_operation(1, prev_shape, labels_shape)]
        for node in self.plan.nodes[2:]:
            shape = shapes[node.inputs[0]]
            if node.inputs[0] in node.upsampled_inputs:
                shape = _scaled(shape, UP)
            shapes.append(self._build_operation(node.index, shape, labels_shape))
        ends = [_scaled(shapes[j], self.plan.resampled_loose_ends.get(j, NORMAL))
                for j in self.plan.loose_ends]
        joined = ends[0][:-1] + (sum(shape[-1] for shape in ends),)
        self.projection.build(joined, labels_shape)

    def _build_operation(self, index, shape, labels_shape):
        self.operations[index].build(shape, labels_shape)
        return self.operations[index].compute_output_shape(shape, labels_shape)

    def compute_output_shape(self, inputs_shape, labels_shape=None):
        return _scaled(inputs_shape[1][:-1] + (self.channels,), self.kind)

    def call(self, inputs, labels=None, training=False):
        h_prev, h = inputs
        expected = {UP: 2, DOWN: 0.5, None: 1}[self.previous]
        if h.shape[1] is not None and h_prev.shape[1] is not None and (
                h.shape[1] != h_prev.shape[1] * expected):
            raise ValueError(
                f"{self.name}: with previous={self.previous!r}, h(i) must be {expected}x the size "
                f"of h(i-1); got {tuple(h.shape)} and {tuple(h_prev.shape)}")
        for name, tensor in (("h(i)", h), ("h(i-1)", h_prev)):
            if tensor.shape[-1] != self.channels:
                raise ValueError(f"{self.name}: {name} must have {self.channels} channels, got "
                                 f"shape {tuple(tensor.shape)}")
        tensors = [h, self.operations[1](h_prev, labels, training=training)]
        for node in self.plan.nodes[2:]:
            parts = [self._resample(tensors[j], UP) if j in node.upsampled_inputs else tensors[j]
                     for j in node.inputs]
            total = parts[0]
            for part in parts[1:]:
                total = total + part
            tensors.append(self.operations[node.index](total, labels, training=training))
        ends = [self._resample(tensors[j], self.plan.resampled_loose_ends[j])
                if j in self.plan.resampled_loose_ends else tensors[j]
                for j in self.plan.loose_ends]
        joined = ends[0] if len(ends) == 1 else ops.concatenate(ends, axis=-1)
        return self.projection(joined, labels, training=training)

    @staticmethod
    def _resample(x, direction):
        """Parameter-free 2x re-sampling: nearest-neighbour ("up") or 2x2 average pooling."""
        if direction == UP:
            return upsample_nearest(x)
        return ops.average_pool(x, _RESAMPLE_POOL, strides=_RESAMPLE_POOL, padding="valid")

    def get_config(self):
        config = super().get_config()
        config.update({
            "segment": self.segment.to_json(),
            "kind": self.kind, "channels": self.channels, "network": self.network,
            "previous": self.previous, "num_classes": self.num_classes,
            "spectral_norm": self.spectral_norm,
        })
        return config
