"""Tests for exposure/filters.py: gradients (autodiff vs central differences, float64), edge
behaviour, any image size, and parity of the Keras layers with the numpy renderer."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from exposure import filters as F
from mobile import program as P
from mobile import render as R
from mobile.registry import DEFAULT_FILTERS, FILTER_NAMES

H = 1e-6  # central-difference step (float64)


def _loss_batch(layer, images, raw, weights):
    """sum(out * weights) per batch element, float64 numpy [B]."""
    out = layer(images, raw)
    return np.sum(keras.ops.convert_to_numpy(out) * weights, axis=(1, 2, 3))


def _autodiff(layer, images, raw, weights):
    images, raw = tf.constant(images), tf.constant(raw)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([images, raw])
        loss = tf.reduce_sum(layer(images, raw) * weights)
    return tape.gradient(loss, images).numpy()[0], tape.gradient(loss, raw).numpy()[0]


def _central_differences(layer, x, fixed, weights, wrt_images):
    """d loss / d x for one example, all coordinates at once as a batch of perturbed copies."""
    n = x.size
    eye = np.eye(n).reshape((n,) + x.shape[1:]) * H
    perturbed = np.concatenate([x + eye, x - eye])
    fixed = np.repeat(fixed, 2 * n, axis=0)
    args = (perturbed, fixed) if wrt_images else (fixed, perturbed)
    losses = _loss_batch(layer, *args, weights)
    return ((losses[:n] - losses[n:]) / (2 * H)).reshape(x.shape[1:])


@pytest.mark.parametrize("name", FILTER_NAMES)
def test_gradients_match_central_differences(name):
    rng = np.random.default_rng(FILTER_NAMES.index(name))
    layer = F.FILTERS[name](dtype="float64")
    # Pixels away from kinks (0, 1, curve knots, gamma floor) and with distinct channels.
    images = rng.uniform(0.05, 0.95, size=(1, 2, 3, 3))
    raw = rng.normal(size=(1, layer.num_params))
    weights = rng.normal(size=(1, 2, 3, 3))
    grad_images, grad_raw = _autodiff(layer, images, raw, weights)
    fd_images = _central_differences(layer, images, raw, weights, wrt_images=True)
    fd_raw = _central_differences(layer, raw, images, weights, wrt_images=False)
    np.testing.assert_allclose(grad_images, fd_images, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(grad_raw, fd_raw, rtol=1e-5, atol=1e-7)
    assert np.abs(grad_images).max() > 0
    if name != "white_balance":
        assert np.abs(grad_raw).min() > 0  # every parameter acts on the image
    else:
        assert grad_raw[0] == 0 and np.abs(grad_raw[1:]).min() > 0  # red is fixed (authors)


EDGE_IMAGES = np.array([[[[0.0, 0.0, 0.0], [0.4, 0.4, 0.4], [1.5, 2.0, 1.2], [-0.2, -0.5, 0.3]]]])


@pytest.mark.parametrize("name", FILTER_NAMES)
def test_edge_pixels_give_finite_values_and_gradients(name):
    layer = F.FILTERS[name](dtype="float64")
    raw = np.random.default_rng(3).normal(size=(1, layer.num_params))
    images = tf.constant(EDGE_IMAGES)
    with tf.GradientTape() as tape:
        tape.watch(images)
        out = layer(images, raw)
    grad = tape.gradient(out, images).numpy()
    assert np.all(np.isfinite(out.numpy())) and np.all(np.isfinite(grad))


def _grad_wrt_image(layer, images, raw):
    images = tf.constant(images)
    with tf.GradientTape() as tape:
        tape.watch(images)
        out = layer(images, raw)
    return out.numpy(), tape.gradient(out, images).numpy()


def test_documented_edge_behaviour_through_the_layers():
    zero_raw = np.zeros((1, 1))
    # Gamma: clamped at 0.001, so no gradient flows below it.
    out, grad = _grad_wrt_image(F.GammaFilter(dtype="float64"), EDGE_IMAGES, np.ones((1, 1)))
    assert np.all(grad[0, 0, 0] == 0) and np.all(grad[0, 0, 3, :2] == 0)
    # Exposure: linear everywhere, negative and > 1 values included.
    out, grad = _grad_wrt_image(F.ExposureFilter(dtype="float64"), EDGE_IMAGES, zero_raw)
    np.testing.assert_allclose(out, EDGE_IMAGES)
    np.testing.assert_allclose(grad, 1.0)
    # Tone curve: flat (zero gradient) outside [0, 1], output clipped to [0, 1].
    out, grad = _grad_wrt_image(F.ToneCurveFilter(dtype="float64"), EDGE_IMAGES,
                                np.zeros((1, 8)))
    assert out.min() >= 0 and out.max() <= 1
    assert np.all(grad[0, 0, 2] == 0) and grad[0, 0, 3, 0] == 0
    # Saturation: grey pixels unchanged, input clipped to [0, 1].
    out, _ = _grad_wrt_image(F.SaturationFilter(dtype="float64"), EDGE_IMAGES, np.full((1, 1), 9.0))
    np.testing.assert_allclose(out[0, 0, 1], [0.4, 0.4, 0.4])
    np.testing.assert_allclose(out[0, 0, 2], [1, 1, 1])


def test_any_image_size_in_a_functional_model():
    layer = F.ToneCurveFilter()
    images = keras.Input(shape=(None, None, 3))
    raw = keras.Input(shape=(layer.num_params,))
    # The same filter twice in one model: layer names must stay unique.
    model = keras.Model([images, raw], F.ToneCurveFilter()(layer(images, raw), raw * 0.0))
    rng = np.random.default_rng(4)
    for shape in [(1, 7, 5, 3), (3, 64, 48, 3)]:
        x = rng.random(shape).astype(np.float32)
        p = rng.normal(size=(shape[0], 8)).astype(np.float32)
        out = model.predict_on_batch([x, p])
        assert out.shape == shape
        np.testing.assert_allclose(out[0], R.apply_step(layer.step(p[0]), x[0]), atol=1e-6)


def test_bad_shapes_are_named():
    layer = F.ColorCurveFilter()
    with pytest.raises(ValueError, match=r"color_curve \(color_curve_filter\w*\): raw parameters "
                                         r"must be \[B, 24\]"):
        layer(np.zeros((1, 4, 4, 3), np.float32), np.zeros((1, 8), np.float32))
    with pytest.raises(ValueError, match=r"color_curve \(color_curve_filter\w*\): images must be "
                                         r"\[B, H, W, 3\]"):
        layer(np.zeros((1, 4, 4), np.float32), np.zeros((1, 24), np.float32))


def test_registry_order_and_sizes():
    assert tuple(F.FILTERS) == FILTER_NAMES
    assert [cls.filter_name for cls in F.DEFAULT_FILTERS] == list(DEFAULT_FILTERS)
    assert [f.num_params for f in F.build_filters()] == [1, 1, 3, 1, 8, 1, 1, 24]
    with pytest.raises(ValueError, match="unknown filters \\['blur'\\]; known filters: exposure"):
        F.build_filters(["exposure", "blur"])
    layer = keras.layers.deserialize(keras.layers.serialize(F.LevelFilter()))
    assert isinstance(layer, F.LevelFilter) and layer.num_params == 2


def test_steps_read_off_the_layer_are_human_units():
    layer = F.GammaFilter()
    steps = layer.steps(np.array([[0.0], [-50.0]], np.float32))
    assert [str(s) for s in steps] == ["Gamma 1.00", "Gamma 1/3.00"]


def test_random_programs_render_identically_in_numpy_and_keras():
    """Parity over random 5-step programs (raw outputs up to the range ends) and images: the
    difference is at most 1e-5 absolute where the output is within [-1, 1], and 1e-5 relative to
    the value above that (float32 rounding of e.g. exposure +3.5 then gamma 3 on 1.2 = 1.1e3).
    Measured figures: benchmarks/filter_parity.py and README."""
    rng = np.random.default_rng(5)
    layers = {name: cls() for name, cls in F.FILTERS.items()}
    worst = 0.0
    for _ in range(30):
        names = rng.choice(np.asarray(FILTER_NAMES), size=5, replace=False)
        images = rng.uniform(-0.1, 1.2, size=(2, 16, 16, 3)).astype(np.float32)
        keras_out = images
        programs = [[], []]
        for name in names:
            layer = layers[str(name)]
            raw = rng.normal(scale=2.0, size=(2, layer.num_params)).astype(np.float32)
            keras_out = layer(keras_out, raw)
            for b, step in enumerate(layer.steps(raw)):
                programs[b].append(step)
        keras_out = keras_out.numpy()
        for b in range(2):
            program = P.Program.from_json(P.Program(programs[b]).to_json())
            diff = np.abs(R.render(program, images[b]) - keras_out[b])
            worst = max(worst, float(np.max(diff / np.maximum(1.0, np.abs(keras_out[b])))))
    assert worst <= 1e-5, worst
