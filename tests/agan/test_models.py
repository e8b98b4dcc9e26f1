"""Tests for agan/models.py: generator and discriminator meta-architectures (AGAN section 3.2)."""
import functools

import keras
import numpy as np
import pytest
import tensorflow as tf

from agan import models
from agan import modules as m
from agan import search_space as ss
from agan.layers import ConditionalBatchNormalization, SpectralNormalization

CHANNELS = 8
LATENT = 16


def _sublayers(model):
    return list(model._flatten_layers(include_self=False, recursive=True))


@pytest.fixture(scope="module")
def arch():
    return ss.random_architecture(np.random.default_rng(7))


@functools.cache
def _conditional(arch, image_size):
    """(image_size, G, D) with 10 classes, built once per test run."""
    keras.utils.set_random_seed(0)
    return (image_size,
            models.build_generator(arch, channels=CHANNELS, image_size=image_size,
                                   latent_dim=LATENT, num_classes=10),
            models.build_discriminator(arch, channels=CHANNELS, image_size=image_size,
                                       num_classes=10))


@pytest.fixture(scope="module")
def unconditional(arch):
    return (models.build_generator(arch, channels=CHANNELS, latent_dim=LATENT),
            models.build_discriminator(arch, channels=CHANNELS))


@pytest.mark.parametrize("image_size", [32, 48])
def test_conditional_models_shapes_and_normalizations(arch, image_size):
    image_size, g, d = _conditional(arch, image_size)
    start = g.get_layer("to_feature_map").output.shape
    assert start == (None, image_size // 8, image_size // 8, CHANNELS)
    assert [g.get_layer(f"up_{i}").output.shape[1] for i in range(3)] == [
        image_size // 4, image_size // 2, image_size]
    assert [d.get_layer(name).output.shape[1] for name in
            ("down_0", "down_1", "normal_2", "normal_3")] == [
        image_size // 2, image_size // 4, image_size // 4, image_size // 4]
    z = tf.random.normal((4, LATENT))
    labels = tf.constant([0, 3, 9, 3])
    images = g([z, labels], training=True)
    assert images.shape == (4, image_size, image_size, 3)
    assert float(tf.reduce_max(tf.abs(images))) <= 1.0
    logits = d([images, labels], training=True)
    assert logits.shape == (4,)
    g_layers, d_layers = _sublayers(g), _sublayers(d)
    assert any(isinstance(layer, ConditionalBatchNormalization) for layer in g_layers)
    assert not any(isinstance(layer, keras.layers.BatchNormalization) and not any(
        layer is cbn.normalization for cbn in g_layers
        if isinstance(cbn, ConditionalBatchNormalization)) for layer in g_layers)
    assert not any(isinstance(layer, SpectralNormalization) for layer in g_layers)
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in d_layers)
    # Every weight-bearing convolution or dense layer of D sits inside a SpectralNormalization.
    wrapped = {id(layer.layer) for layer in d_layers if isinstance(layer, SpectralNormalization)}
    kernels = [layer for layer in d_layers
               if isinstance(layer, (keras.layers.Conv2D, keras.layers.SeparableConv2D,
                                     keras.layers.Dense, keras.layers.Embedding))]
    assert kernels and all(id(layer) in wrapped for layer in kernels)


def test_projection_makes_the_label_matter(arch):
    image_size, _, d = _conditional(arch, 32)
    images = tf.random.uniform((2, image_size, image_size, 3), -1, 1)
    a = d([images, tf.constant([0, 0])])
    b = d([images, tf.constant([1, 2])])
    assert not np.allclose(a, b)


@pytest.mark.filterwarnings("error::UserWarning")
def test_models_save_and_load_with_spectral_norm_state(arch, tmp_path):
    image_size, g, d = _conditional(arch, 32)
    labels = tf.constant([1, 4])
    inputs = {g: [tf.random.normal((2, LATENT)), labels],
              d: [tf.random.uniform((2, image_size, image_size, 3), -1, 1), labels]}
    for model, x in inputs.items():
        model(x, training=True)  # advances the power iteration
        expected = np.asarray(model(x))
        path = tmp_path / f"{model.name}.keras"
        model.save(path)
        np.testing.assert_allclose(keras.models.load_model(path)(x), expected, atol=1e-6)


def test_unconditional_models_use_plain_batch_norm_and_no_labels(arch, unconditional):
    g, d = unconditional
    assert len(g.inputs) == 1 and len(d.inputs) == 1
    g_layers = _sublayers(g)
    assert any(isinstance(layer, keras.layers.BatchNormalization) for layer in g_layers)
    assert not any(isinstance(layer, ConditionalBatchNormalization) for layer in g_layers)
    assert d.get_layer("logits").embedding is None  # no projection embedding
    z = tf.random.normal((3, LATENT))
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.nn.relu(1.0 - d(g(z, training=True), training=True)))
    gradients = tape.gradient(loss, d.trainable_variables)
    assert all(gradient is not None for gradient in gradients)
    plain = models.build_discriminator(arch, channels=CHANNELS, spectral_norm=False)
    assert not any(isinstance(layer, SpectralNormalization) for layer in _sublayers(plain))


def test_channels_double_for_final_training(arch, unconditional):
    assert models.FINAL_CHANNELS == 2 * models.SEARCH_CHANNELS == 256
    small = unconditional[0]
    large = models.build_generator(arch, channels=2 * CHANNELS, latent_dim=LATENT)
    assert large.get_layer("up_2").output.shape[-1] == 2 * CHANNELS
    assert large.count_params() > 2 * small.count_params()


def test_generator_modules_follow_heuristic_1(unconditional):
    g, d = unconditional
    previous = [g.get_layer(f"up_{i}").previous for i in range(3)]
    assert previous == [None, m.UP, m.UP]
    assert [d.get_layer(n).previous for n in ("down_0", "down_1", "normal_2", "normal_3")] == [
        None, m.DOWN, m.DOWN, None]


@pytest.mark.parametrize("kwargs, message", [
    ({"image_size": 30}, "image_size must be a multiple of 8"),
    ({"image_size": 4}, "image_size must be an int >= 8"),
    ({"channels": 0}, "channels must be an int >= 1"),
    ({"num_classes": 0}, "num_classes must be an int >= 1"),
])
def test_bad_arguments_are_named(arch, kwargs, message):
    with pytest.raises(ValueError, match=message):
        models.build_discriminator(arch, **kwargs)


@pytest.mark.parametrize("name", ["dcgan", "resnet"])
def test_builtin_baselines_build(name):
    arch = ss.Architecture.load(ss.builtin_architectures()[name])
    g = models.build_generator(arch, channels=CHANNELS, latent_dim=LATENT)
    d = models.build_discriminator(arch, channels=CHANNELS)
    assert d(g(tf.random.normal((2, LATENT)))).shape == (2,)
