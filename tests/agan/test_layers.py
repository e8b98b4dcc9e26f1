"""Tests for agan/layers.py: SN-GAN spectral normalization, conditional and fused BN, sum pooling,
projection, raw convolutions."""
import contextlib

import keras
import numpy as np
import pytest
import tensorflow as tf

from agan.layers import (
    ConditionalBatchNormalization,
    FusedBatchNormalization,
    GlobalSumPooling2D,
    NearestUpsampling2D,
    ProjectionLogits,
    SpectralNormalization,
    batched_moving_averages,
    batched_spectral_norms,
    can_convolve,
    convolve,
    spectral_norms,
)


def _largest_singular_value(weight, output_axes=1):
    units = int(np.prod(weight.shape[len(weight.shape) - output_axes:]))
    return np.linalg.svd(np.asarray(weight).reshape(-1, units), compute_uv=False)[0]


@pytest.mark.parametrize("layer, shape", [
    (lambda: keras.layers.Conv2D(6, 3), (2, 7, 7, 4)),
    (lambda: keras.layers.Dense(5), (3, 9)),
    (lambda: keras.layers.SeparableConv2D(6, 3), (2, 7, 7, 4)),
])
def test_sigma_converges_to_numpy_svd(layer, shape):
    keras.utils.set_random_seed(0)
    sn = SpectralNormalization(layer())
    x = np.random.default_rng(0).normal(size=shape).astype("float32")
    for _ in range(50):
        sn(x, training=True)
    for weight, sigma in sn.sigmas():
        axes = 2 if weight.path.endswith("depthwise_kernel") else 1
        np.testing.assert_allclose(float(sigma), _largest_singular_value(weight.numpy(), axes),
                                   rtol=1e-3)


def test_normalized_layer_has_unit_spectral_norm_and_kernel_is_untouched():
    keras.utils.set_random_seed(1)
    sn = SpectralNormalization(keras.layers.Dense(4, use_bias=False))
    x = np.eye(8, dtype="float32")
    for _ in range(50):
        sn(x, training=True)
    kernel = sn.layer.kernel.numpy().copy()
    output = np.asarray(sn(x, training=False))  # rows of the identity: W / sigma itself
    np.testing.assert_allclose(np.linalg.svd(output, compute_uv=False)[0], 1.0, rtol=1e-3)
    np.testing.assert_array_equal(sn.layer.kernel.numpy(), kernel)
    assert np.linalg.svd(kernel, compute_uv=False)[0] != pytest.approx(1.0, rel=1e-2)


def test_gradient_flows_through_sigma():
    """d/dW of sum(x W / sigma(W)) equals the analytic gradient including the -dsigma term."""
    keras.utils.set_random_seed(2)
    sn = SpectralNormalization(keras.layers.Dense(3, use_bias=False))
    x = np.random.default_rng(1).normal(size=(5, 4)).astype("float32")
    for _ in range(100):
        sn(x, training=True)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(sn(x, training=False))
    gradient = tape.gradient(loss, sn.layer.kernel).numpy()
    w = sn.layer.kernel.numpy().astype(np.float64)
    left, singular, right = np.linalg.svd(w)
    sigma = singular[0]
    g = x.astype(np.float64).sum(0)[:, None] * np.ones((1, 3))  # d loss / d(W / sigma)
    expected = g / sigma - (g * w).sum() / sigma ** 2 * np.outer(left[:, 0], right[0])
    np.testing.assert_allclose(gradient, expected, rtol=2e-3, atol=1e-5)
    without_sigma_term = g / sigma
    assert not np.allclose(gradient, without_sigma_term, rtol=1e-2)


def _power_iteration(weight, u):
    """SN-GAN's one power-iteration step on one float64 matrix: (new u, sigma)."""
    v = weight @ u
    v = v / np.linalg.norm(v)
    u = weight.T @ v
    u = u / np.linalg.norm(u)
    return u, np.linalg.norm(weight @ u)


def test_batched_spectral_norms_match_one_power_iteration_per_weight():
    keras.utils.set_random_seed(4)
    layers = [SpectralNormalization(keras.layers.Dense(3)) for _ in range(3)]
    layers.append(SpectralNormalization(keras.layers.Dense(5)))  # a group of its own
    for layer in layers:
        layer.build((2, 4))
    before = [(weight.numpy().astype(np.float64), u.numpy().astype(np.float64))
              for layer in layers for weight, u in layer._normalized]
    normalized = spectral_norms(layers, training=True)
    for layer, (weight, u) in zip(layers, before, strict=True):
        expected_u, sigma = _power_iteration(weight, u)
        ((_, u_variable),) = layer._normalized
        np.testing.assert_allclose(u_variable.numpy(), expected_u, rtol=1e-5, atol=1e-6)
        ((_, value),) = normalized[id(layer)]
        np.testing.assert_allclose(np.asarray(value), weight / sigma, rtol=1e-5, atol=1e-6)


def test_a_model_in_batched_spectral_norms_computes_what_it_computes_alone():
    """Logits, gradients and stored u of a model with spectrally normalized weights of several
    shapes, called once inside `batched_spectral_norms` and once (a copy) without."""
    keras.utils.set_random_seed(5)

    def model():
        images = keras.Input((6, 6, 3))
        h = SpectralNormalization(keras.layers.Conv2D(4, 3, padding="same"))(images)
        h = SpectralNormalization(keras.layers.Conv2D(4, 3, padding="same"))(h)
        h = SpectralNormalization(keras.layers.SeparableConv2D(4, 3, padding="same"))(h)
        h = SpectralNormalization(keras.layers.Conv2D(4, 3, padding="same"))(h)
        return keras.Model(images, SpectralNormalization(keras.layers.Dense(1))(
            keras.layers.Flatten()(h)))

    batched, alone = model(), model()
    alone.set_weights(batched.get_weights())
    x = tf.constant(np.random.default_rng(4).normal(size=(2, 6, 6, 3)), tf.float32)
    results = []
    for network, context in ((batched, batched_spectral_norms(batched, training=True)),
                             (alone, contextlib.nullcontext())):
        with tf.GradientTape() as tape, context:
            logits = network(x, training=True)
        results.append([logits, *tape.gradient(logits, network.trainable_variables),
                        *network.non_trainable_variables])
    for batched_value, alone_value in zip(*results, strict=True):
        np.testing.assert_allclose(np.asarray(batched_value), np.asarray(alone_value),
                                   rtol=1e-4, atol=1e-6)


def test_u_persists_and_only_updates_in_training():
    sn = SpectralNormalization(keras.layers.Dense(3))
    x = np.ones((2, 4), "float32")
    sn(x, training=False)
    (u,) = sn.non_trainable_variables
    before = u.numpy().copy()
    sn(x, training=False)
    np.testing.assert_array_equal(u.numpy(), before)
    sn(x, training=True)
    assert not np.allclose(u.numpy(), before)


def test_layer_without_kernel_is_rejected():
    with pytest.raises(ValueError, match="ReLU has none of the weights"):
        SpectralNormalization(keras.layers.ReLU())(np.ones((1, 2), "float32"))


def test_conditional_batch_norm_uses_per_class_gamma_and_beta():
    cbn = ConditionalBatchNormalization(3, epsilon=0.0)
    x = np.random.default_rng(0).normal(size=(6, 2, 2, 4)).astype("float32")
    labels = np.array([0, 1, 2, 0, 1, 2])
    cbn.build(x.shape, labels.shape)
    gamma = np.arange(12, dtype="float32").reshape(3, 4) + 1
    beta = -np.arange(12, dtype="float32").reshape(3, 4)
    cbn.gamma.assign(gamma)
    cbn.beta.assign(beta)
    output = np.asarray(cbn(x, labels, training=True))
    normalized = (x - x.mean((0, 1, 2))) / x.std((0, 1, 2))
    expected = normalized * gamma[labels][:, None, None] + beta[labels][:, None, None]
    np.testing.assert_allclose(output, expected, rtol=1e-4, atol=1e-4)


def test_global_sum_pooling_sums():
    x = np.random.default_rng(0).normal(size=(2, 3, 5, 4)).astype("float32")
    np.testing.assert_allclose(GlobalSumPooling2D()(x), x.sum((1, 2)), rtol=1e-5)


def test_projection_logits_add_class_embedding_inner_product():
    head = ProjectionLogits(4, num_classes=3, spectral_norm=False)
    phi = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    labels = np.array([0, 1, 2, 1, 0])
    logits = np.asarray(head(phi, labels))
    w, b = head.linear.kernel.numpy(), head.linear.bias.numpy()
    embeddings = head.embedding.embeddings.numpy()
    expected = (phi @ w)[:, 0] + b[0] + (embeddings[labels] * phi).sum(1)
    np.testing.assert_allclose(logits, expected, rtol=1e-5, atol=1e-5)
    unconditional = ProjectionLogits(4, spectral_norm=True)
    assert unconditional(phi).shape == (5,)
    with pytest.raises(ValueError, match="needs labels"):
        head(phi)


def test_nearest_upsampling_matches_keras_upsampling2d():
    x = np.random.default_rng(0).normal(size=(2, 3, 5, 4)).astype("float32")
    expected = keras.layers.UpSampling2D(2, interpolation="nearest")(x)
    layer = NearestUpsampling2D()
    np.testing.assert_array_equal(np.asarray(layer(x)), np.asarray(expected))
    assert layer.compute_output_shape((None, 3, 5, 4)) == (None, 6, 10, 4)


@pytest.mark.parametrize("layer, shape", [
    (lambda: keras.layers.Conv2D(6, 3, padding="same"), (2, 7, 7, 4)),
    (lambda: keras.layers.Conv2D(6, 3, padding="same", dilation_rate=2), (2, 8, 8, 4)),
    (lambda: keras.layers.Conv2D(6, (1, 5), padding="same"), (2, 8, 8, 4)),
    (lambda: keras.layers.SeparableConv2D(6, 5, padding="same"), (2, 8, 8, 4)),
    (lambda: keras.layers.Conv2DTranspose(6, 3, strides=2, padding="same"), (2, 4, 4, 4)),
    (lambda: keras.layers.Conv2DTranspose(6, 5, padding="same"), (2, 4, 4, 4)),
])
def test_convolve_computes_what_the_keras_layer_computes(layer, shape):
    keras.utils.set_random_seed(3)
    layer = layer()
    x = np.random.default_rng(2).normal(size=shape).astype("float32")
    layer.build(shape)
    layer.bias.assign(np.linspace(-1, 1, 6))
    assert can_convolve(layer)
    np.testing.assert_allclose(np.asarray(convolve(layer, tf.constant(x))), np.asarray(layer(x)),
                               rtol=1e-5, atol=1e-5)
    normalized = SpectralNormalization(layer)
    normalized.build(shape)
    expected = [weight.numpy() / float(sigma) for weight, sigma in normalized.sigmas()]
    with keras.StatelessScope(state_mapping=list(zip(
            [weight for weight, _ in normalized.sigmas()], expected, strict=True))):
        reference = np.asarray(layer(x))
    np.testing.assert_allclose(np.asarray(normalized(x)), reference, rtol=1e-5, atol=1e-5)


def test_convolve_refuses_what_it_does_not_compute():
    layer = keras.layers.Conv2D(6, 3)  # padding "valid"
    layer.build((1, 5, 5, 2))
    assert not can_convolve(layer)
    with pytest.raises(ValueError, match="same"):
        convolve(layer, tf.zeros((1, 5, 5, 2)))


@pytest.mark.parametrize("batch", [4, None], ids=["static batch", "dynamic batch"])
def test_fused_batch_normalization_matches_keras_in_training_and_inference(batch):
    x = tf.constant(np.random.default_rng(3).normal(2.0, 3.0, size=(4, 5, 5, 6)), tf.float32)
    keras_bn, fused_bn = keras.layers.BatchNormalization(), FusedBatchNormalization()
    for layer in (keras_bn, fused_bn):
        layer.build(x.shape)
        layer.gamma.assign(np.linspace(0.5, 2.0, 6))
        layer.beta.assign(np.linspace(-1.0, 1.0, 6))

    def fused(training):
        """fused_bn(x) traced with `batch` as the static batch size."""
        return tf.function(lambda inputs: fused_bn(inputs, training=training), autograph=False,
                           input_signature=[tf.TensorSpec((batch, 5, 5, 6))])(x)

    for training in (True, True, False):
        np.testing.assert_allclose(np.asarray(fused(training)),
                                   np.asarray(keras_bn(x, training=training)), atol=1e-5)
    for name in ("moving_mean", "moving_variance"):
        np.testing.assert_allclose(getattr(fused_bn, name).numpy(),
                                   getattr(keras_bn, name).numpy(), rtol=1e-5)
    assert not np.allclose(fused_bn.moving_mean.numpy(), 0.0)  # the statistics moved


def test_batched_moving_averages_apply_what_each_layer_applies_alone():
    """Moving averages of a chain of fused BN layers of two widths and two momenta, called inside
    `batched_moving_averages` and (a copy) outside it; none move before the block ends."""
    def layers():
        return [FusedBatchNormalization(momentum=momentum) for momentum in (0.99, 0.99, 0.9, 0.99)]

    x = tf.constant(np.random.default_rng(5).normal(1.0, 2.0, size=(3, 4, 4, 6)), tf.float32)
    batched, alone = layers(), layers()
    widths = (6, 6, 2, 2)
    for layer, width in zip(batched + alone, widths * 2, strict=True):
        layer.build((3, 4, 4, width))
    with batched_moving_averages():
        h = x
        for layer in batched:
            h = layer(h[..., :layer.moving_mean.shape[0]], training=True)
        assert np.allclose(batched[0].moving_variance.numpy(), 1.0)
    h = x
    for layer in alone:
        h = layer(h[..., :layer.moving_mean.shape[0]], training=True)
    for a, b in zip(batched, alone, strict=True):
        for name in ("moving_mean", "moving_variance"):
            np.testing.assert_allclose(getattr(a, name).numpy(), getattr(b, name).numpy(),
                                       rtol=1e-6, atol=1e-7)
    assert not np.allclose(batched[-1].moving_variance.numpy(), 1.0)  # the statistics moved
