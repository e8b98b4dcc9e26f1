"""Layers the AGAN child models need that Keras 3 lacks: SN-GAN spectral normalization,
conditional batch normalization, and a nearest-neighbour up-sampling that traces small.

`SpectralNormalization` follows SN-GAN (Miyato et al. 2018), unlike `keras.layers.SpectralNormalization`
(which overwrites the kernel in place and passes no gradient through sigma): each wrapped weight W is
viewed as a matrix with its output units as columns, one power-iteration step per training call
refines a persisted, non-trainable estimate ``u`` of the leading left singular vector, and the
wrapped layer runs with ``W / sigma(W)`` where ``sigma = v^T W u`` with u and v held constant, so
gradients flow through sigma into W. The stored W is never modified.
"""
import keras
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
    return x / ops.sqrt(ops.sum(ops.square(x)) + _EPSILON)


def _as_matrix(weight, output_axes):
    """Reshapes `weight` to ``(fan_in, units)`` where units = product of the last `output_axes` axes."""
    units = 1
    for size in weight.shape[len(weight.shape) - output_axes:]:
        units *= size
    return ops.reshape(weight, (-1, units))


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
            self._normalized.append((weight, output_axes, u))
        if not self._normalized:
            raise ValueError(
                f"SpectralNormalization: {type(self.layer).__name__} has none of the weights "
                f"{sorted(_NORMALIZED_WEIGHTS)}")

    def sigmas(self, training=False):
        """Returns ``[(weight variable, sigma estimate)]``; with training=True the power iteration
        advances and the ``u`` estimates are stored.

        sigma = ||W u|| equals SN-GAN's ``v^T W u`` with ``v = W u / ||W u||``; with u held
        constant its gradient is SN-GAN's ``v u^T``.
        """
        result = []
        for weight, output_axes, u_variable in self._normalized:
            matrix = _as_matrix(weight.value, output_axes)
            u = ops.expand_dims(u_variable.value, 1)
            if training:
                constant = ops.stop_gradient(matrix)
                for _ in range(self.power_iterations):
                    v = _l2_normalize(ops.matmul(constant, u))
                    u = _l2_normalize(ops.matmul(ops.transpose(constant), v))
                u_variable.assign(ops.squeeze(u, 1))
            sigma = ops.sqrt(ops.sum(ops.square(ops.matmul(matrix, u))) + _EPSILON)
            result.append((weight, sigma))
        return result

    def call(self, inputs, training=False):
        mapping = [(weight, weight.value / sigma) for weight, sigma in self.sigmas(training)]
        with keras.StatelessScope(state_mapping=mapping):
            return self.layer(inputs)

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
