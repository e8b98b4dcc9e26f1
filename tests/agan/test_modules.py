"""Tests for agan/modules.py: the module graph of AGAN section 3.2 and every operation's shapes."""
import keras
import numpy as np
import pytest
from keras import ops

from agan import modules as m
from agan import search_space as ss

FIGURE_2 = ["conv_1x1", (1, 0, 0, 0), "max_pool_3x3", (0, 0, 0, 0), "sep_conv_3x3", (0, 1, 0, 1),
            "avg_pool_7x7"]
CHANNELS = 8


def _inputs(previous, size=8, batch=2, seed=0):
    rng = np.random.default_rng(seed)
    prev_size = {m.UP: size // 2, m.DOWN: size * 2, None: size}[previous]
    h_prev = rng.normal(size=(batch, prev_size, prev_size, CHANNELS)).astype("float32")
    h = rng.normal(size=(batch, size, size, CHANNELS)).astype("float32")
    return h_prev, h


def test_figure_2_module_computes_the_caption_graph():
    keras.utils.set_random_seed(0)
    module = m.Module(ss.Segment.from_sequence(FIGURE_2), m.NORMAL, channels=CHANNELS,
                      network=m.DISCRIMINATOR, spectral_norm=True)
    h_prev, h = _inputs(None)
    output = np.asarray(module([h_prev, h]))
    op = module.operations
    x1 = op[1](h_prev)
    x2 = op[2](h)
    x3 = op[3](h)
    x4 = op[4](x1 + x3)
    expected = module.projection(ops.concatenate([x2, x4], axis=-1))
    np.testing.assert_allclose(output, expected, rtol=1e-5, atol=1e-5)
    other_graph = module.projection(ops.concatenate([x3, x4], axis=-1))
    assert not np.allclose(output, other_graph, atol=1e-3)
    assert output.shape == (2, 8, 8, CHANNELS)


def test_up_module_heuristics():
    # x2 = o1(x0) up-samples; x3 = o2(x1 + x2) mixes resolutions; x4 = o3(x3); x0..x1 consumed.
    segment = ss.Segment(["conv_3x3", "deconv_3x3", "conv_1x1", "identity"],
                         [(1, 0), (0, 1, 1), (0, 0, 0, 1)], vocabulary=ss.ALL_OPERATIONS)
    plan = m.plan_module(segment, m.UP, previous=m.UP)
    modes = [(n.mode, n.level) for n in plan.nodes]
    assert modes == [(m.NORMAL, 0), (m.UP, 0), (m.UP, 1), (m.NORMAL, 1), (m.NORMAL, 1)]
    assert plan.nodes[3].upsampled_inputs == (1,)
    assert plan.loose_ends == (4,)
    first = m.plan_module(segment, m.UP, previous=None)
    assert first.nodes[1].mode == m.NORMAL  # heuristic 1: nothing up-sampled before
    module = m.Module(segment, m.UP, channels=CHANNELS, network=m.GENERATOR, previous=m.UP)
    assert module(list(_inputs(m.UP)), training=True).shape == (2, 16, 16, CHANNELS)


def test_down_module_heuristics_and_loose_inputs():
    # x2 = o1(x0) is consumed; x3 = o2(x2) and x1 are loose ends; x0 consumed.
    segment = ss.Segment(["identity", "conv_3x3", "avg_pool_3x3"], [(1, 0), (0, 0, 1)],
                         vocabulary=ss.ALL_OPERATIONS)
    plan = m.plan_module(segment, m.DOWN, previous=None)
    assert plan.loose_ends == (1, 3)
    assert [n.mode for n in plan.nodes] == [m.NORMAL, m.DOWN, m.NORMAL, m.DOWN]
    assert plan.resampled_loose_ends == {}
    after_down = m.plan_module(segment, m.DOWN, previous=m.DOWN)
    assert after_down.nodes[1].mode == m.DOWN and after_down.resampled_loose_ends == {1: m.DOWN}
    unused_input = m.plan_module(ss.Segment(["identity", "identity"], [(0, 1)]), m.UP)
    assert unused_input.loose_ends == (0, 2) and unused_input.resampled_loose_ends == {0: m.UP}
    for previous in (None, m.DOWN):
        module = m.Module(segment, m.DOWN, channels=CHANNELS, network=m.DISCRIMINATOR,
                          previous=previous, spectral_norm=True)
        assert module(list(_inputs(previous)), training=True).shape == (2, 4, 4, CHANNELS)


KINDS = [
    (ss.GENERATOR_UP, m.UP, m.GENERATOR, (2, 16, 16, CHANNELS)),
    (ss.DISCRIMINATOR_DOWN, m.DOWN, m.DISCRIMINATOR, (2, 4, 4, CHANNELS)),
    (ss.DISCRIMINATOR_NORMAL, m.NORMAL, m.DISCRIMINATOR, (2, 8, 8, CHANNELS)),
]


@pytest.mark.parametrize("vocabulary, kind, network, shape", KINDS, ids=[k[0] for k in KINDS])
def test_every_operation_builds_in_every_module_kind(vocabulary, kind, network, shape):
    """Each token fills o0 after a re-sampling module and x2 = o1(x0 + x1), the loose end; both take
    the re-sampling meaning in up and down modules (the normal meaning: the test below)."""
    previous = m.DOWN if kind == m.NORMAL else kind
    h_prev, h = _inputs(previous)
    labels = np.array([0, 2])
    for token in ss.VOCABULARIES[vocabulary]:
        segment = ss.Segment([token] * 2, [(1, 1)], vocabulary=ss.ALL_OPERATIONS)
        module = m.Module(segment, kind, channels=CHANNELS, network=network, previous=previous,
                          num_classes=3 if network == m.GENERATOR else None)
        output = module([h_prev, h], labels, training=True)
        assert output.shape == shape, token
        assert np.isfinite(np.asarray(output)).all(), token


@pytest.mark.parametrize("mode, size", [(m.NORMAL, 6), (m.UP, 12), (m.DOWN, 3)])
def test_every_operation_meaning_has_its_shape(mode, size):
    x = np.random.default_rng(0).normal(size=(2, 6, 6, 4)).astype("float32")
    for token in ss.ALL_OPERATIONS:
        op = m.Operation(token, mode, filters=CHANNELS, network=m.GENERATOR)
        channels = CHANNELS if ss.is_convolution(token) else 4
        assert op(x, training=True).shape == (2, size, size, channels), token


def test_generator_preactivation_and_discriminator_relu():
    g_op = m.Operation("conv_1x3_3x1", filters=CHANNELS, network=m.GENERATOR)
    d_op = m.Operation("conv_1x3_3x1", filters=CHANNELS, network=m.DISCRIMINATOR)
    pool = m.Operation("avg_pool_3x3", filters=CHANNELS, network=m.GENERATOR)
    assert isinstance(g_op.normalization, keras.layers.BatchNormalization)
    assert g_op.preactivate and d_op.preactivate and d_op.normalization is None
    assert len(g_op.body) == 2  # 1x3 then 3x1 with nothing between
    assert [layer.kernel_size for layer in g_op.body] == [(1, 3), (3, 1)]
    assert m.Operation("sep_conv_7x7", filters=4, network=m.GENERATOR).body[0].kernel_size == (7, 7)
    assert pool.normalization is None and not pool.preactivate
    # ReLU first in D: negative inputs give the conv's bias only.
    x = -np.ones((1, 5, 5, 4), "float32")
    output = np.asarray(d_op(x))
    bias_only = np.asarray(d_op.body[1](d_op.body[0](np.zeros_like(x))))
    np.testing.assert_allclose(output, bias_only, atol=1e-6)


@pytest.mark.filterwarnings("error::UserWarning")
def test_build_from_shapes_matches_the_first_call():
    segment = ss.Segment(["conv_3x3", "deconv_3x3", "sep_conv_5x5", "identity"],
                         [(1, 0), (0, 1, 1), (1, 0, 0, 1)], vocabulary=ss.ALL_OPERATIONS)
    shapes = [(None, 4, 4, CHANNELS), (None, 8, 8, CHANNELS)]
    built = m.Module(segment, m.UP, channels=CHANNELS, network=m.GENERATOR, previous=m.UP,
                     num_classes=3)
    built.build(shapes, (None,))
    assert built.compute_output_shape(shapes) == (None, 16, 16, CHANNELS)
    called = m.Module(segment, m.UP, channels=CHANNELS, network=m.GENERATOR, previous=m.UP,
                      num_classes=3)
    called(list(_inputs(m.UP)), np.array([0, 1]))
    assert built.count_params() == called.count_params() > 0
    assert [w.shape for w in built.weights] == [w.shape for w in called.weights]


def test_wrong_input_shapes_are_named():
    module = m.Module(ss.Segment.from_sequence(FIGURE_2), m.NORMAL, channels=CHANNELS,
                      network=m.DISCRIMINATOR, name="normal_0")
    h_prev, h = _inputs(None)
    with pytest.raises(ValueError, match=r"normal_0: with previous=None, h\(i\) must be 1x"):
        module([h_prev[:, :4, :4], h])
    with pytest.raises(ValueError, match=r"normal_0: h\(i\) must have 8 channels"):
        module([h_prev, h[..., :3]])
    with pytest.raises(ValueError, match="module kind must be one of"):
        m.plan_module(ss.Segment(["identity"], []), "sideways")
