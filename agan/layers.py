"""Layers the AGAN child models need that Keras 3 lacks: SN-GAN spectral normalization,
conditional batch normalization, and a nearest-neighbour up-sampling that traces small.

`SpectralNormalization` follows SN-GAN (Miyato et al. 2018), unlike `keras.layers.SpectralNormalization`
(which overwrites the kernel in place and passes no gradient through sigma): each wrapped weight W is
viewed as a matrix with its output units as columns, one power-iteration step per training call
refines a persisted, non-trainable estimate ``u`` of the leading left singular vector, and the
wrapped layer runs with ``W / sigma(W)`` where ``sigma = v^T W u`` with u and v held constant, so
gradients flow through sigma into W. The stored W is never modified.
"""
import contextlib

import keras
import tensorflow as tf
from keras import ops

# Weight attribute names normalized by `SpectralNormalization`, with the number of trailing axes
# that index output units (a depthwise kernel (kh, kw, in, multiplier) has in * multiplier).
_NORMALIZED_WEIGHTS = {
    "kernel": 1,
    "depthwise_kernel": 2,
    "pointwise_kernel": 1,
    "embeddings": 1,
}
_EPSILON = 1e-12  # guards the l2 normalization of the power iteration (SN-GAN, Algorithm 1)


def _l2_normalize(x):
    """x (n, d, 1) with each of its n vectors scaled to unit l2 norm."""
    return x * tf.math.rsqrt(tf.reduce_sum(tf.square(x), axis=(1, 2), keepdims=True) + _EPSILON)


_CONVOLUTIONS = (keras.layers.Conv2D, keras.layers.SeparableConv2D, keras.layers.Conv2DTranspose)


def can_convolve(layer):
    """Whether `convolve` computes `layer`."""
    return (isinstance(layer, _CONVOLUTIONS) and layer.padding == "same"
            and layer.data_format == "channels_last" and layer.use_bias
            and layer.activation is keras.activations.linear)


def convolve(layer, inputs, weights=None):
    """What `layer(inputs)` computes for a built Keras `Conv2D`, `SeparableConv2D` or
    `Conv2DTranspose` with padding "same", channels last, bias and no activation, written directly
    in TensorFlow operations (about half the graph operations of the Keras call, gradient
    included). `weights` maps weight names ("kernel", "depthwise_kernel", "pointwise_kernel") to
    tensors used in place of the layer's variables (spectral normalization). Inputs
    (batch, H, W, C) float32."""
    if not can_convolve(layer):
        raise ValueError(f"convolve: {layer.name} is not a 'same'-padded channels-last 2D "
                         "convolution with bias and no activation")
    weights = weights or {}

    def weight(name):
        return weights[name] if name in weights else getattr(layer, name).value

    strides = (1, *layer.strides, 1)
    if isinstance(layer, keras.layers.SeparableConv2D):
        outputs = tf.nn.separable_conv2d(
            inputs, weight("depthwise_kernel"), weight("pointwise_kernel"), strides, "SAME",
            dilations=layer.dilation_rate)
    elif isinstance(layer, keras.layers.Conv2DTranspose):
        height, width = inputs.shape[1] * layer.strides[0], inputs.shape[2] * layer.strides[1]
        shape = tf.stack([tf.shape(inputs)[0], height, width, layer.filters])
        outputs = tf.nn.conv2d_transpose(inputs, weight("kernel"), shape, strides, "SAME",
                                         dilations=layer.dilation_rate)
    else:
        outputs = tf.nn.convolution(inputs, weight("kernel"), layer.strides, "SAME",
                                    dilations=layer.dilation_rate)
    return tf.nn.bias_add(outputs, layer.bias.value)


def _as_matrix(weight, output_axes):
    """Reshapes `weight` to ``(fan_in, units)`` where units = product of the last `output_axes` axes."""
    units = 1
    for size in weight.shape[len(weight.shape) - output_axes:]:
        units *= size
    return ops.reshape(weight, (-1, units))


def _spectral_norm_groups(layers, training):
    """Yields ``(members, sigmas, normalized)`` per group of the weights of built
    `SpectralNormalization` layers whose matrices have one shape (and whose layers one iteration
    count): members ``[(layer, weight variable)]``, their sigma estimates (n,) and their weights
    divided by them, each what the layer's own call uses; with training=True every power iteration
    advances and its ``u`` estimates are stored.

    sigma = ||W u|| equals SN-GAN's ``v^T W u`` with ``v = W u / ||W u||``; with u held constant
    its gradient is SN-GAN's ``v u^T``. A group is stacked and iterated as one batch: this runs for
    every weight of D in every traced train step, and one batched op chain traces far smaller than
    one per weight.
    """
    groups = {}
    for layer in layers:
        for weight, u_variable in layer._normalized:
            shape = (weight.shape.num_elements() // u_variable.shape[0], u_variable.shape[0])
            groups.setdefault((shape, layer.power_iterations), []).append(
                (layer, weight, u_variable))
    for (shape, iterations), members in groups.items():
        matrices = tf.stack([tf.reshape(weight.value, shape) for _, weight, _ in members])
        u = tf.stack([u_variable.value for _, _, u_variable in members])[:, :, None]
        if training:
            constant = tf.stop_gradient(matrices)
            for _ in range(iterations):
                v = _l2_normalize(tf.matmul(constant, u))
                u = _l2_normalize(tf.matmul(constant, v, transpose_a=True))
            for (_, _, u_variable), value in zip(members, tf.unstack(u[:, :, 0]), strict=True):
                u_variable.assign(value)
        sigmas = tf.sqrt(tf.reduce_sum(tf.square(tf.matmul(matrices, u)), axis=(1, 2),
                                       keepdims=True) + _EPSILON)
        normalized = [tf.reshape(matrix, weight.shape) for (_, weight, _), matrix in zip(
            members, tf.unstack(matrices / sigmas), strict=True)]
        yield [(layer, weight) for layer, weight, _ in members], sigmas[:, 0, 0], normalized


def spectral_norms(layers, training=False):
    """``{id(layer): [(weight variable, weight / its sigma estimate)]}`` for built
    `SpectralNormalization` layers (see `_spectral_norm_groups`)."""
    result = {id(layer): [] for layer in layers}
    for members, _, normalized in _spectral_norm_groups(layers, training):
        for (layer, weight), value in zip(members, normalized, strict=True):
            result[id(layer)].append((weight, value))
    return result


# The `spectral_norms` that `batched_spectral_norms` blocks hand to their layers' calls.
_batched_norms = []


@contextlib.contextmanager
def batched_spectral_norms(model, training=False):
    """Within the block, each `SpectralNormalization` layer of `model` computes with the weights
    that `spectral_norms` of all of them, taken once on entry, gives it (so its power iteration
    advances once on entry when training, not per call): what calling `model` once with this
    `training` computes, in fewer traced operations."""
    layers = [layer for layer in model._flatten_layers(include_self=True, recursive=True)
              if isinstance(layer, SpectralNormalization)]
    _batched_norms.append(spectral_norms(layers, training))
    try:
        yield
    finally:
        _batched_norms.pop()


@keras.saving.register_keras_serializable(package="agan")
class SpectralNormalization(keras.layers.Layer):
    """Wraps a built-in layer (Dense, Conv2D, SeparableConv2D, Conv2DTranspose, Embedding) so that it
    computes with its weights divided by their spectral norms, SN-GAN style (see module docstring).

    Args:
      layer: the layer to wrap; its weights named in `_NORMALIZED_WEIGHTS` are normalized.
      power_iterations: power-iteration steps per training call (SN-GAN uses 1).
    """

    def __init__(self, layer, power_iterations=1, **kwargs):
        super().__init__(**kwargs)
        if power_iterations < 1:
            raise ValueError(f"power_iterations must be >= 1, got {power_iterations}")
        self.layer = layer
        self.power_iterations = power_iterations

    def build(self, input_shape):
        if not self.layer.built:
            self.layer.build(input_shape)
        self._normalized = []
        for name, output_axes in _NORMALIZED_WEIGHTS.items():
            weight = getattr(self.layer, name, None)
            if weight is None or not isinstance(weight, keras.Variable):
                continue
            units = _as_matrix(weight, output_axes).shape[1]
            u = self.add_weight(
                name=f"{name}_u", shape=(units,), trainable=False,
                initializer=keras.initializers.RandomNormal(stddev=1.0))
            self._normalized.append((weight, u))
        if not self._normalized:
            raise ValueError(
                f"SpectralNormalization: {type(self.layer).__name__} has none of the weights "
                f"{sorted(_NORMALIZED_WEIGHTS)}")

    def sigmas(self, training=False):
        """Returns ``[(weight variable, sigma estimate)]``; with training=True the power iteration
        advances and the ``u`` estimates are stored (see `_spectral_norm_groups`)."""
        return [(weight, sigma) for members, sigmas, _ in _spectral_norm_groups([self], training)
                for (_, weight), sigma in zip(members, tf.unstack(sigmas), strict=True)]

    def call(self, inputs, training=False):
        normalized = _batched_norms[-1].get(id(self)) if _batched_norms else None
        if normalized is None:
            normalized = spectral_norms([self], training)[id(self)]
        if can_convolve(self.layer):
            return convolve(self.layer, inputs, {
                name: value for name in _NORMALIZED_WEIGHTS for weight, value in normalized
                if getattr(self.layer, name, None) is weight})
        with keras.StatelessScope(state_mapping=normalized):
            return self.layer.call(inputs)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "layer": keras.saving.serialize_keras_object(self.layer),
            "power_iterations": self.power_iterations,
        })
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["layer"] = keras.saving.deserialize_keras_object(config["layer"])
        return cls(**config)


@keras.saving.register_keras_serializable(package="agan")
class ConditionalBatchNormalization(keras.layers.Layer):
    """Batch normalization whose scale and shift are looked up per class (de Vries et al. 2017).

    Called as ``layer(x, labels, training=...)`` with x of shape (batch, ..., channels) and integer
    labels of shape (batch,) in [0, num_classes). gamma starts at 1 and beta at 0 for every class.
    """

    def __init__(self, num_classes, momentum=0.99, epsilon=1e-3, **kwargs):
        super().__init__(**kwargs)
        if num_classes < 1:
            raise ValueError(f"num_classes must be >= 1, got {num_classes}")
        self.num_classes = num_classes
        self.momentum = momentum
        self.epsilon = epsilon
        self.normalization = keras.layers.BatchNormalization(
            momentum=momentum, epsilon=epsilon, center=False, scale=False)

    def build(self, inputs_shape, labels_shape):
        channels = inputs_shape[-1]
        self.normalization.build(inputs_shape)
        self.gamma = self.add_weight(name="gamma", shape=(self.num_classes, channels),
                                     initializer="ones")
        self.beta = self.add_weight(name="beta", shape=(self.num_classes, channels),
                                    initializer="zeros")

    def call(self, inputs, labels, training=False):
        normalized = self.normalization(inputs, training=training)
        labels = ops.cast(ops.reshape(labels, (-1,)), "int32")
        broadcast = (-1,) + (1,) * (len(inputs.shape) - 2) + (inputs.shape[-1],)
        gamma = ops.reshape(ops.take(self.gamma, labels, axis=0), broadcast)
        beta = ops.reshape(ops.take(self.beta, labels, axis=0), broadcast)
        return normalized * gamma + beta

    def compute_output_shape(self, inputs_shape, labels_shape):
        return inputs_shape

    def get_config(self):
        config = super().get_config()
        config.update({"num_classes": self.num_classes, "momentum": self.momentum,
                       "epsilon": self.epsilon})
        return config


@keras.saving.register_keras_serializable(package="agan")
class FusedBatchNormalization(keras.layers.BatchNormalization):
    """`keras.layers.BatchNormalization` (same variables, same results, same moving averages)
    whose training-mode call on float32 (batch, H, W, C) inputs is TensorFlow's fused batch norm
    kernel: a layer traced with its gradient writes 53 graph operations where Keras's writes 95.
    Other inputs and settings (masks, renorm, other axes, no scale or center) take Keras's path."""

    def call(self, inputs, training=None, mask=None):
        fused = (training and self.trainable and mask is None and not self.renorm
                 and len(inputs.shape) == 4 and self.axis in (-1, 3) and inputs.dtype == "float32"
                 and self.scale and self.center)
        if not fused:
            return super().call(inputs, training=training, mask=mask)
        empty = tf.zeros([0])
        outputs, mean, corrected_variance, *_ = tf.raw_ops.FusedBatchNormV3(
            x=inputs, scale=self.gamma.value, offset=self.beta.value,
            mean=empty, variance=empty, epsilon=self.epsilon, is_training=True)
        # The kernel returns the Bessel-corrected variance; Keras averages the biased one. With a
        # static batch size the correction factor is a constant.
        batch = inputs.shape[0] or tf.cast(tf.shape(inputs)[0], "float32")
        count = inputs.shape[1] * inputs.shape[2] * batch
        variance = corrected_variance * ((count - 1.0) / count)
        updates = [(self.moving_mean, mean), (self.moving_variance, variance)]
        if _pending_moving_averages:
            _pending_moving_averages[-1].extend((self.momentum, *update) for update in updates)
        else:
            _update_moving_averages([(self.momentum, *update) for update in updates])
        return outputs


# The updates that the innermost `batched_moving_averages` block applies on exit.
_pending_moving_averages = []


def _update_moving_averages(updates):
    """Applies ``average = average * momentum + value * (1 - momentum)`` for each (momentum,
    average variable, value tensor) of `updates`, one concatenated update per momentum and dtype."""
    groups = {}
    for momentum, average, value in updates:
        groups.setdefault((momentum, average.dtype), []).append((average, value))
    for (momentum, _), members in groups.items():
        averages = tf.concat([average.value for average, _ in members], axis=0)
        values = tf.concat([value for _, value in members], axis=0)
        updated = averages * momentum + values * (1.0 - momentum)
        sizes = [average.shape[0] for average, _ in members]
        for (average, _), part in zip(members, tf.split(updated, sizes), strict=True):
            average.assign(part)


@contextlib.contextmanager
def batched_moving_averages():
    """Within the block, `FusedBatchNormalization` training calls defer their moving-average
    updates; on leaving it without an error, the block applies them all (the same values as the
    calls' own updates, in fewer traced operations)."""
    updates = []
    _pending_moving_averages.append(updates)
    try:
        yield
    finally:
        _pending_moving_averages.pop()
    _update_moving_averages(updates)


def upsample_nearest(x):
    """Nearest-neighbour 2x up-sampling of (batch, H, W, C) with static H, W, C to (batch, 2H, 2W,
    C): what `keras.layers.UpSampling2D(2, interpolation="nearest")` computes, in three graph
    operations where Keras's repeat-based version writes about sixty."""
    _, height, width, channels = x.shape
    x = ops.reshape(x, (-1, height, 1, width, 1, channels))
    x = ops.tile(x, (1, 1, 2, 1, 2, 1))
    return ops.reshape(x, (-1, 2 * height, 2 * width, channels))


@keras.saving.register_keras_serializable(package="agan")
class NearestUpsampling2D(keras.layers.Layer):
    """`upsample_nearest` as a layer."""

    def call(self, inputs):
        return upsample_nearest(inputs)

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        return (batch, 2 * height, 2 * width, channels)


@keras.saving.register_keras_serializable(package="agan")
class GlobalSumPooling2D(keras.layers.Layer):
    """Sums (batch, H, W, C) over H and W to (batch, C) (AGAN section 4.2: sum, not average)."""

    def call(self, inputs):
        return ops.sum(inputs, axis=(1, 2))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1])


@keras.saving.register_keras_serializable(package="agan")
class ProjectionLogits(keras.layers.Layer):
    """Discriminator head: ``logit = w . phi + b`` plus, when `num_classes` is set, the projection
    term ``embed(y) . phi`` (Miyato & Koyama 2018).

    Called as ``head(phi, labels, training=...)`` with phi (batch, channels) and labels (batch,) ints (None
    when unconditional); returns logits of shape (batch,). With spectral_norm the linear map and the
    class embedding are spectrally normalized (SN-GAN).
    """

    def __init__(self, channels, num_classes=None, spectral_norm=True, **kwargs):
        super().__init__(**kwargs)
        self.channels = channels
        self.num_classes = num_classes
        self.spectral_norm = spectral_norm
        self.linear = keras.layers.Dense(1)
        self.embedding = keras.layers.Embedding(num_classes, channels) if num_classes else None
        if spectral_norm:
            self.linear = SpectralNormalization(self.linear)
            if num_classes:
                self.embedding = SpectralNormalization(self.embedding)

    def build(self, phi_shape, labels_shape=None):
        self.linear.build(phi_shape)
        if self.embedding is not None:
            self.embedding.build((phi_shape[0],))

    def call(self, phi, labels=None, training=False):
        logits = ops.squeeze(self._apply(self.linear, phi, training), axis=-1)
        if self.num_classes:
            if labels is None:
                raise ValueError(f"{self.name}: a conditional discriminator needs labels")
            labels = ops.cast(ops.reshape(labels, (-1,)), "int32")
            logits = logits + ops.sum(self._apply(self.embedding, labels, training) * phi, axis=-1)
        return logits

    def _apply(self, layer, x, training):
        return layer(x, training=training) if self.spectral_norm else layer(x)

    def compute_output_shape(self, phi_shape, labels_shape=None):
        return (phi_shape[0],)

    def get_config(self):
        config = super().get_config()
        config.update({"channels": self.channels, "num_classes": self.num_classes,
                       "spectral_norm": self.spectral_norm})
        return config
