"""The four networks of the Exposure agent (paper section 5.1, Figure 7), as Keras 3 models.

Every network reads a 64x64 image as `image - 0.5` with spatially constant extra planes
concatenated as colour channels, runs the same convolutional trunk (four 4x4 stride-2 convolutions
with 32, 64, 128, 256 channels, leaky ReLU 0.2, no normalization: 64 -> 4 pixels, flattened to
4,096 features), then a fully connected layer of 128 and its head:

* `PolicyNetwork`: the filter selector pi1 (own trunk, fc 128 -> one logit per filter, softmax
  mixed with 5% uniform) and the parameter heads pi2 (one trunk shared by all filters, one fc 128
  -> raw parameters head per filter). Extra planes: filter-usage flags and the step count (with
  `statistics`, also `policy_statistics`, which are concatenated to the trunk features before
  every fc 128 as well).
  Dropout 0.5 on the trunk features, as the authors' code (applied only when given a seed).
* `ValueNetwork`: V(s) from the image, the usage/step planes and the image statistics.
* `Critic`: the WGAN-GP discriminator D from the image and its statistics (mean luminance,
  luminance variance, mean saturation).
"""
import math

import keras
import tensorflow as tf

from exposure.train_config import CRITIC_RESOLUTIONS, CRITIC_VIEWS
from mobile import program as program_lib
from mobile import registry

IMAGE_SIZE = 64  # Exposure paper, section 6: decisions are made on a 64x64 version of the photo
TRUNK_CHANNELS = (32, 64, 128, 256)  # Exposure paper, section 5.1 and authors' code: 4 convs
KERNEL_SIZE = 4  # Exposure paper, section 5.1: filters of size 4x4, stride 2
FC_UNITS = 128  # Exposure paper, section 5.1: a fully connected layer reduces to 128 outputs
LEAK = 0.2  # Exposure paper, Figure 7: LeakyReLU (leak = 0.2) after each layer
DROPOUT_RATE = 0.5  # authors' code (docs/exposure.md#networks): dropout keep probability 0.5
EXPLORATION = 0.05  # authors' code (docs/exposure.md#networks): pi1 mixed with 5% uniform
NUM_STATISTICS = 3  # Exposure paper, section 5.1: average luminance, contrast and saturation
_SATURATION_EPSILON = 1e-2  # authors' critic: HSL saturation denominator guard
_STOPS_FLOOR = 2.0 ** -8  # darkest mean luminance told apart by `policy_statistics` (8 stops down)
NUM_POLICY_STATISTICS = NUM_STATISTICS + 2


def image_statistics(images):
    """Per-image statistics [B, 3] of images [B, H, W, 3]: mean luminance, luminance variance
    (the contrast plane) and mean HSL saturation of the image clipped to [0, 1]."""
    r, g, b = registry.LUMINANCE_WEIGHTS
    lum = images[..., 0] * r + images[..., 1] * g + images[..., 2] * b
    mean_lum, var_lum = tf.nn.moments(lum, axes=[1, 2])
    clipped = tf.clip_by_value(images, 0.0, 1.0)
    high = tf.reduce_max(clipped, axis=-1)
    low = tf.reduce_min(clipped, axis=-1)
    sat = (high - low) / (tf.minimum(high + low, 2.0 - high - low) + _SATURATION_EPSILON)
    return tf.stack([mean_lum, var_lum, tf.reduce_mean(sat, axis=[1, 2])], axis=-1)


def policy_statistics(images):
    """The policy's statistics [B, 5] of images [B, H, W, 3]: `image_statistics`, then the mean
    luminance and the log-average luminance (the mean of log luminance, the key an auto-exposure
    meters), both in stops divided by 8 (log2, floored at 8 stops below white: -1 for black, 0
    for white, above 0 past white). The linear mean of a dark photo differs from a darker one's
    by hundredths; in stops one exposure step is 1/8 of the range."""
    statistics = image_statistics(images)
    r, g, b = registry.LUMINANCE_WEIGHTS
    lum = images[..., 0] * r + images[..., 1] * g + images[..., 2] * b
    log_average = tf.reduce_mean(tf.math.log(tf.maximum(lum, _STOPS_FLOOR)), axis=[1, 2])
    stops = tf.stack([tf.math.log(tf.maximum(statistics[:, 0], _STOPS_FLOOR)), log_average],
                     axis=-1) / (8.0 * math.log(2.0))
    return tf.concat([statistics, stops], axis=-1)


def state_planes(usage, steps, num_steps):
    """The policy/value state as plane values [B, F + 1]: usage flags (0/1) for each of the F
    filters, then the steps taken so far divided by `num_steps` (0 at the input, 1 when done)."""
    steps = tf.cast(tf.reshape(steps, [-1, 1]), tf.float32) / float(num_steps)
    return tf.concat([tf.cast(usage, tf.float32), steps], axis=-1)


def with_planes(images, planes):
    """Concatenates `image - 0.5` [B, H, W, 3] with `planes` [B, K] tiled over H x W:
    returns [B, H, W, 3 + K]."""
    shape = tf.shape(images)
    tiled = tf.tile(planes[:, None, None, :], [1, shape[1], shape[2], 1])
    return tf.concat([images - 0.5, tf.cast(tiled, images.dtype)], axis=-1)


def dropout(features, seed):
    """Dropout 0.5 with a stateless seed [2] (int32); identity when `seed` is None."""
    if seed is None:
        return features
    return tf.nn.experimental.stateless_dropout(features, DROPOUT_RATE, seed=seed)


class ConvTrunk(keras.layers.Layer):
    """Four 4x4 stride-2 convolutions (32, 64, 128, 256 channels times `width`, leaky ReLU 0.2,
    'same' padding), flattened: [B, S, S, C] -> [B, (S / 16)^2 * 256 * width]."""

    def __init__(self, width=1.0, **kwargs):
        super().__init__(**kwargs)
        self.channels = tuple(max(1, round(c * width)) for c in TRUNK_CHANNELS)
        self.convs = [keras.layers.Conv2D(c, KERNEL_SIZE, strides=2, padding="same",
                                          name=f"conv{i + 1}")
                      for i, c in enumerate(self.channels)]

    def build(self, input_shape):
        shape = input_shape
        for conv in self.convs:
            conv.build(shape)
            shape = conv.compute_output_shape(shape)

    def call(self, x):
        for conv in self.convs:
            x = tf.nn.leaky_relu(conv(x), LEAK)
        return tf.reshape(x, [tf.shape(x)[0], -1])


def _dense(units, name):
    return keras.layers.Dense(units, name=name)


class PolicyNetwork(keras.Model):
    """pi1 (filter selector) and pi2 (parameter heads) for the given filters.

    `call(images, usage, steps, dropout_seeds=None)`: images [B, 64, 64, 3] linear RGB (the
    current state), usage [B, F] 0/1 flags, steps [B] steps taken; dropout_seeds None (no dropout)
    or int32 [2, 2] (one stateless seed per trunk). Returns (probabilities [B, F]: softmax mixed
    with 5% uniform, each row sums to 1; raw parameters [B, P]: every filter's raw outputs
    concatenated in filter order, see `param_offsets`). With `mask_used`, filters flagged in
    `usage` get probability 0 (the rest renormalized): no filter is picked twice. With
    `statistics`, the state planes are followed by `policy_statistics(images)`, which also join
    the trunk features before every fully connected layer, a direct path from the photo's
    brightness to the parameters (the paper's policy sees only the image and the state).
    """

    def __init__(self, filter_names=registry.DEFAULT_FILTERS, num_steps=5, mask_used=False,
                 statistics=False, **kwargs):
        super().__init__(**kwargs)
        self.filter_names = tuple(filter_names)
        self.num_steps = int(num_steps)
        self.mask_used = bool(mask_used)
        self.statistics = bool(statistics)
        if self.mask_used and self.num_steps > len(self.filter_names):
            raise ValueError(f"mask_used with {self.num_steps} steps needs at least as many "
                             f"filters; got {len(self.filter_names)}")
        self.selector_trunk = ConvTrunk(name="selector_trunk")
        self.selector_fc = _dense(FC_UNITS, "selector_fc1")
        self.selector_out = _dense(len(self.filter_names), "selector_fc2")
        self.param_trunk = ConvTrunk(name="param_trunk")
        self.param_fcs = [_dense(FC_UNITS, f"{name}_fc1") for name in self.filter_names]
        self.param_outs = [_dense(program_lib.num_raw_params(name), f"{name}_fc2")
                           for name in self.filter_names]

    @property
    def param_offsets(self):
        """Start index of each filter's raw parameters in the concatenated output, plus the total
        at the end (len F + 1)."""
        offsets = [0]
        for name in self.filter_names:
            offsets.append(offsets[-1] + program_lib.num_raw_params(name))
        return tuple(offsets)

    def build(self, input_shape=None):
        planes = len(self.filter_names) + 1 + (NUM_POLICY_STATISTICS if self.statistics else 0)
        image_shape = (None, IMAGE_SIZE, IMAGE_SIZE, 3 + planes)
        flat = (None, (IMAGE_SIZE // 16) ** 2 * TRUNK_CHANNELS[-1]
                + (NUM_POLICY_STATISTICS if self.statistics else 0))
        for trunk in (self.selector_trunk, self.param_trunk):
            trunk.build(image_shape)
        self.selector_fc.build(flat)
        self.selector_out.build((None, FC_UNITS))
        for fc, out in zip(self.param_fcs, self.param_outs, strict=True):
            fc.build(flat)
            out.build((None, FC_UNITS))
        self.built = True

    def call(self, images, usage, steps, dropout_seeds=None):
        planes = state_planes(usage, steps, self.num_steps)
        if self.statistics:
            statistics = policy_statistics(images)
            planes = tf.concat([planes, statistics], axis=-1)
        x = with_planes(images, planes)
        seeds = (None, None) if dropout_seeds is None else (dropout_seeds[0], dropout_seeds[1])

        def features(trunk, seed):
            out = dropout(trunk(x), seed)
            return tf.concat([out, statistics], axis=-1) if self.statistics else out

        selector = features(self.selector_trunk, seeds[0])
        logits = self.selector_out(tf.nn.leaky_relu(self.selector_fc(selector), LEAK))
        num_filters = len(self.filter_names)
        probs = tf.nn.softmax(logits) * (1.0 - EXPLORATION) + EXPLORATION / num_filters
        if self.mask_used:
            probs *= 1.0 - tf.cast(usage, probs.dtype)
            probs /= tf.reduce_sum(probs, axis=-1, keepdims=True)
        shared = features(self.param_trunk, seeds[1])
        raw = [out(tf.nn.leaky_relu(fc(shared), LEAK))
               for fc, out in zip(self.param_fcs, self.param_outs, strict=True)]
        return probs, tf.concat(raw, axis=-1)


class ValueNetwork(keras.Model):
    """V(s): `call(images, usage, steps)` -> [B] expected return from the state (image [B, 64, 64,
    3], usage flags [B, F], steps [B]); planes: usage, steps, then the image statistics."""

    def __init__(self, num_filters=8, num_steps=5, **kwargs):
        super().__init__(**kwargs)
        self.num_filters = int(num_filters)
        self.num_steps = int(num_steps)
        self.trunk = ConvTrunk(name="value_trunk")
        self.fc = _dense(FC_UNITS, "value_fc1")
        self.out = _dense(1, "value_fc2")

    def build(self, input_shape=None):
        planes = self.num_filters + 1 + NUM_STATISTICS
        self.trunk.build((None, IMAGE_SIZE, IMAGE_SIZE, 3 + planes))
        self.fc.build((None, (IMAGE_SIZE // 16) ** 2 * TRUNK_CHANNELS[-1]))
        self.out.build((None, FC_UNITS))
        self.built = True

    def call(self, images, usage, steps):
        planes = tf.concat([state_planes(usage, steps, self.num_steps), image_statistics(images)],
                           axis=-1)
        x = self.trunk(with_planes(images, planes))
        return self.out(tf.nn.leaky_relu(self.fc(x), LEAK))[:, 0]


class Critic(keras.Model):
    """The WGAN-GP discriminator D: `call(images)` -> [B] scores (larger: more like the targets),
    from images [B, 64, 64, 3] and their three statistics planes.

    D judges the image as it would be displayed: values are clipped to [0, 1] first. Unclipped
    filter outputs (an exposure of +3.5 stops makes values of 11) let a 1-Lipschitz critic
    separate fake from real by margins in the millions, and training diverged to NaN within 34
    iterations (configs/exposure/benchmark.flags); pixels pushed past white are then discouraged
    by the out-of-range penalty of the reward, not by D.

    `resolution` < 64 area-averages the image to that size before the trunk (the statistics are
    of the full image) and `width` scales the trunk's channels: a critic that sees less detail
    has less room to tell scenes apart and more reason to judge tone and colour (the paper's
    critic is resolution 64, width 1). `view` "sorted" orders the (averaged) pixels by luminance
    before the trunk (`sort_by_luminance`), so D judges the colour distribution, not the layout
    (the paper's view is "image")."""

    def __init__(self, resolution=IMAGE_SIZE, width=1.0, view="image", **kwargs):
        super().__init__(**kwargs)
        if resolution not in CRITIC_RESOLUTIONS:
            raise ValueError(f"critic resolution must be one of {CRITIC_RESOLUTIONS}, got "
                             f"{resolution!r}")
        if view not in CRITIC_VIEWS:
            raise ValueError(f"critic view must be one of {CRITIC_VIEWS}, got {view!r}")
        self.resolution = int(resolution)
        self.view = view
        self.trunk = ConvTrunk(width=width, name="critic_trunk")
        self.fc = _dense(FC_UNITS, "critic_fc1")
        self.out = _dense(1, "critic_fc2")

    def build(self, input_shape=None):
        self.trunk.build((None, self.resolution, self.resolution, 3 + NUM_STATISTICS))
        cells = max(1, self.resolution // 16) ** 2
        self.fc.build((None, cells * self.trunk.channels[-1]))
        self.out.build((None, FC_UNITS))
        self.built = True

    def call(self, images):
        images = tf.clip_by_value(images, 0.0, 1.0)
        statistics = image_statistics(images)
        if self.resolution != IMAGE_SIZE:
            factor = IMAGE_SIZE // self.resolution
            images = tf.nn.avg_pool2d(images, factor, factor, "VALID")
        if self.view == "sorted":
            images = sort_by_luminance(images)
        x = self.trunk(with_planes(images, statistics))
        return self.out(tf.nn.leaky_relu(self.fc(x), LEAK))[:, 0]


def sort_by_luminance(images):
    """images [B, H, W, 3] with each image's pixels reordered by increasing luminance, row by row:
    the same values (gradients flow to them), no layout."""
    shape = tf.shape(images)
    pixels = tf.reshape(images, [shape[0], -1, 3])
    r, g, b = registry.LUMINANCE_WEIGHTS
    order = tf.argsort(pixels[..., 0] * r + pixels[..., 1] * g + pixels[..., 2] * b, axis=1,
                       stable=True)
    return tf.reshape(tf.gather(pixels, order, batch_dims=1), shape)


def entropy(probs):
    """Entropy in nats [B] of distributions probs [B, F]."""
    return -tf.reduce_sum(probs * tf.math.log(probs + 1e-10), axis=-1)


def max_entropy(num_filters):
    """ln F: the entropy of the uniform choice among F filters."""
    return math.log(num_filters)


def parameter_count(model):
    """Number of scalar weights of a built model."""
    return int(sum(math.prod(v.shape) for v in model.weights))


def checkpoint_variables(model):
    """The model's weights keyed by their path inside the model ('selector_trunk/conv1/kernel'),
    for `tf.train.Checkpoint` (which does not track Keras 3 layers by attribute); the keys do not
    depend on the model's instance name, so a fresh model restores a saved one."""
    return {v.path.split("/", 1)[1]: v for v in model.weights}
