"""Builds an AGAN module from a segment: AGAN section 3.2, steps 1-5 and the four heuristics.

A module takes the outputs of the two modules before it, ``h(i-1)`` ("prev") and ``h(i)`` ("input"):

1. ``x0 = h(i)``, ``x1 = o0(h(i-1))``; N = {x0, x1}.
2-4. For each i, the tensors of N selected by ``a(i)`` (x0 when ``a(i)`` is all zeros) are summed
   and ``o(i+1)`` of the sum is added to N as ``x(i+2)``.
5. The tensors of N that never served as an input ("loose ends") are concatenated.

Heuristics: (1) o0 re-samples like the previous module when that module re-samples, so x1 has the
resolution of x0; (2) in an up-sampling module the operations applied to x0 or x1 up-sample;
(3) in a down-sampling module the operations whose outputs are loose ends down-sample; (4) a 1x1
convolution maps the concatenation back to the module's channel count.

Where the paper leaves a case open, this builder decides (and `ModulePlan` records it):
- up-sampling module, an operation whose inputs mix x0/x1 (low resolution) with up-sampled tensors:
  the low-resolution inputs are nearest-neighbour up-sampled before the sum and the operation keeps
  its normal meaning;
- a loose end at the wrong resolution (x0 or x1 unused in an up- or down-sampling module, or x1 in a
  down-sampling module after o0 already matched h(i-1) to h(i)) is re-sampled without parameters
  (nearest-neighbour up-sampling, 2x2 average pooling) before the concatenation.

Convolutional operations are pre-activated: BN-ReLU-Conv in the generator (conditional BN when
classes are given), ReLU-Conv in the discriminator; nothing between the 1xn and nx1 convolutions.
"""
import dataclasses

import keras
from keras import ops

from agan import search_space as ss
from agan.layers import ConditionalBatchNormalization, SpectralNormalization

UP = "up"
DOWN = "down"
NORMAL = "normal"
MODULE_KINDS = (UP, DOWN, NORMAL)
GENERATOR = "generator"
DISCRIMINATOR = "discriminator"
NETWORKS = (GENERATOR, DISCRIMINATOR)
PREV = "prev"  # name of h(i-1), the input of o0, in `ModulePlan.edges`

_LEVEL_CHANGE = {UP: 1, DOWN: -1, NORMAL: 0}
_DILATION = 2  # the dilated 3x3 convolution's rate (NASNet/ENAS convention; AGAN gives none)
_RESAMPLE_POOL = 2  # 2x2 stride-2 average pooling for down-sampling (AGAN section 3.2, from [9])


@dataclasses.dataclass(frozen=True)
class Node:
    """Tensor ``x(index)`` of a module.

    op: the token producing it (None for x0, the module input h(i)).
    mode: meaning of `op`: "normal", "up" (2x larger output) or "down" (2x smaller output).
    inputs: indices of the tensors summed into `op` (empty for x0; x1 reads h(i-1) instead).
    upsampled_inputs: those of `inputs` nearest-neighbour up-sampled before the sum.
    level: resolution as a power of two relative to the module input (0, +1 or -1).
    """

    index: int
    op: str | None
    mode: str
    inputs: tuple
    upsampled_inputs: tuple
    level: int


@dataclasses.dataclass(frozen=True)
class ModulePlan:
    """The computation graph of one module, derived from a segment without building anything.

    nodes: x0, x1, ..., x(k+1) in order.
    loose_ends: indices concatenated into the output (step 5), ascending.
    resampled_loose_ends: ``{index: "up" | "down"}`` for loose ends re-sampled before concatenation.
    output_level: resolution of the output relative to the input (+1, -1 or 0).
    """

    kind: str
    previous: str | None
    nodes: tuple
    loose_ends: tuple
    resampled_loose_ends: dict
    output_level: int

    def edges(self):
        """``[(source, target)]``: source is PREV or a node index, target a node index or "concat"."""
        result = [(PREV, 1)]
        for node in self.nodes[2:]:
            result.extend((source, node.index) for source in node.inputs)
        result.extend((index, "concat") for index in self.loose_ends)
        return result


def plan_module(segment, kind, previous=None):
    """Derives the graph of a module of `kind` ("up", "down", "normal") from `segment`.

    `previous` is the re-sampling kind of the module that produced h(i) ("up" or "down"), or None
    when it keeps the resolution (or there is none); then h(i-1) has h(i)'s resolution.
    """
    if kind not in MODULE_KINDS:
        raise ValueError(f"module kind must be one of {MODULE_KINDS}, got {kind!r}")
    if previous not in (None, UP, DOWN):
        raise ValueError(f"previous must be None, {UP!r} or {DOWN!r}, got {previous!r}")
    selections = [tuple(j for j, bit in enumerate(vector) if bit) or (0,)
                  for vector in segment.adjacency]
    consumed = {j for selection in selections for j in selection}
    count = len(segment.ops) + 1
    loose_ends = tuple(j for j in range(count) if j not in consumed)
    output_level = _LEVEL_CHANGE[kind]

    x1_mode = previous or NORMAL
    if kind == DOWN and 1 in loose_ends and previous is None:
        x1_mode = DOWN  # heuristic 3: o0 is applied right before the concatenation
    nodes = [Node(0, None, NORMAL, (), (), 0),
             Node(1, segment.ops[0], x1_mode, (), (), -1 if x1_mode == DOWN and not previous else 0)]
    for i, (op, selection) in enumerate(zip(segment.ops[1:], selections, strict=True)):
        index = i + 2
        levels = {nodes[j].level for j in selection}
        upsampled = ()
        if kind == UP:
            if levels == {0}:
                mode = UP  # heuristic 2
            else:
                mode = NORMAL
                upsampled = tuple(j for j in selection if nodes[j].level == 0)
        elif kind == DOWN and index in loose_ends:
            mode = DOWN  # heuristic 3
        else:
            mode = NORMAL
        level = {UP: 1, DOWN: -1}.get(mode, 1 if kind == UP else 0)
        nodes.append(Node(index, op, mode, selection, upsampled, level))
    resampled = {}
    for j in loose_ends:
        difference = output_level - nodes[j].level
        if difference:
            resampled[j] = UP if difference > 0 else DOWN
    return ModulePlan(kind, previous, tuple(nodes), loose_ends, resampled, output_level)


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
                                  else keras.layers.BatchNormalization())
        self.preactivate = convolution
        pool_first = token in ss.POOL_FIRST_CONVOLUTIONS
        self.before = None
        if mode == UP and token not in ss.TRANSPOSED_CONVOLUTIONS:
            self.before = keras.layers.UpSampling2D(2, interpolation="nearest")
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
            x = layer(x, training=training) if self.spectral_norm else layer(x)
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
            return ops.repeat(ops.repeat(x, 2, axis=1), 2, axis=2)
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
