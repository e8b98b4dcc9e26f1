"""Tests for exposure/networks.py: shapes, outputs, statistics, dropout seeds, parameter count."""
import math

import numpy as np
import pytest
import tensorflow as tf

from exposure import networks
from mobile import registry
from mobile.program import num_raw_params
from mobile.registry import DEFAULT_FILTERS


def _trunk_params(in_channels):
    """Weights of four 4x4 convolutions 32/64/128/256 then fc 4096 -> 128 (paper Figure 7)."""
    total, channels = 0, in_channels
    for out in (32, 64, 128, 256):
        total += 16 * channels * out + out
        channels = out
    return total + 4096 * 128 + 128


def _batch(b=3, f=8, seed=0):
    rng = np.random.default_rng(seed)
    images = tf.constant(rng.uniform(0, 1, (b, 64, 64, 3)), tf.float32)
    usage = tf.constant(rng.integers(0, 2, (b, f)), tf.float32)
    steps = tf.constant(rng.integers(0, 5, b), tf.int32)
    return images, usage, steps


def test_policy_outputs_a_mixed_distribution_and_every_filters_parameters():
    policy = networks.PolicyNetwork()
    policy.build()
    probs, raw = policy(*_batch())
    assert probs.shape == (3, 8)
    np.testing.assert_allclose(tf.reduce_sum(probs, -1).numpy(), 1.0, rtol=1e-5)
    # 5% uniform exploration: every filter keeps probability >= 0.05 / 8.
    assert probs.numpy().min() >= 0.05 / 8 - 1e-7
    assert raw.shape == (3, sum(num_raw_params(n) for n in DEFAULT_FILTERS)) == (3, 40)
    assert policy.param_offsets == (0, 1, 2, 5, 6, 14, 15, 16, 40)


def test_value_and_critic_give_one_score_per_image():
    images, usage, steps = _batch(b=5)
    value = networks.ValueNetwork()
    value.build()
    critic = networks.Critic()
    critic.build()
    assert value(images, usage, steps).shape == (5,)
    assert critic(images).shape == (5,)


def test_the_critic_judges_the_displayed_image():
    images, _, _ = _batch(b=4)
    critic = networks.Critic()
    critic.build()
    overexposed = images * 20.0 - 5.0  # far outside [0, 1], as unclipped filter outputs can be
    np.testing.assert_allclose(critic(overexposed), critic(np.clip(overexposed, 0.0, 1.0)),
                               rtol=1e-5, atol=1e-5)
    assert not np.allclose(critic(images), critic(np.clip(overexposed, 0.0, 1.0)))


def test_parameter_count_matches_the_architecture_and_the_authors_size():
    policy, value, critic = networks.PolicyNetwork(), networks.ValueNetwork(), networks.Critic()
    for model in (policy, value, critic):
        model.build()
    heads = sum(128 * num_raw_params(n) + num_raw_params(n) for n in DEFAULT_FILTERS)
    expected_policy = (2 * _trunk_params(3 + 9) - 4096 * 128 - 128  # the param trunk has no fc
                       + 8 * (4096 * 128 + 128) + heads + 128 * 8 + 8)
    assert networks.parameter_count(policy) == expected_policy
    assert networks.parameter_count(value) == _trunk_params(3 + 9 + 3) + 129
    assert networks.parameter_count(critic) == _trunk_params(3 + 3) + 129
    total = sum(networks.parameter_count(m) for m in (policy, value, critic))
    assert 8.4e6 < total < 8.7e6  # authors' code (docs/exposure.md#networks): about 8.6 M parameters in all


def test_image_statistics_of_known_images():
    grey = tf.fill([1, 8, 8, 3], 0.25)
    half = tf.concat([tf.zeros([1, 8, 4, 3]), tf.ones([1, 8, 4, 3])], axis=2)
    red = tf.concat([tf.ones([1, 8, 8, 1]), tf.zeros([1, 8, 8, 2])], axis=-1)
    stats = networks.image_statistics(tf.concat([grey, half, red], 0)).numpy()
    np.testing.assert_allclose(stats[0], [0.25, 0.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(stats[1], [0.5, 0.25, 0.0], atol=1e-6)
    np.testing.assert_allclose(stats[2, 0], 0.27, atol=1e-6)
    np.testing.assert_allclose(stats[2, 2], 1.0 / 1.01, atol=1e-6)  # HSL saturation of pure red


def test_dropout_follows_its_seed_and_is_off_without_one():
    policy = networks.PolicyNetwork()
    policy.build()
    batch = _batch()
    plain = [t.numpy() for t in policy(*batch)]
    again = [t.numpy() for t in policy(*batch)]
    np.testing.assert_array_equal(plain[1], again[1])
    seeds = tf.constant([[1, 2], [3, 4]], tf.int32)
    a = policy(*batch, dropout_seeds=seeds)[1].numpy()
    b = policy(*batch, dropout_seeds=seeds)[1].numpy()
    c = policy(*batch, dropout_seeds=seeds + 1)[1].numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c) and not np.allclose(a, plain[1])


def test_checkpoint_variables_restore_into_a_fresh_model(tmp_path):
    first, second = networks.Critic(), networks.Critic()
    first.build()
    second.build()
    path = tf.train.Checkpoint(critic=networks.checkpoint_variables(first)).save(tmp_path / "c")
    images = _batch()[0]
    assert not np.allclose(first(images).numpy(), second(images).numpy())
    tf.train.Checkpoint(critic=networks.checkpoint_variables(second)).restore(path).assert_consumed()
    np.testing.assert_array_equal(first(images).numpy(), second(images).numpy())


@pytest.mark.parametrize("resolution", [32, 16])
def test_a_coarser_narrower_critic_scores_each_image(resolution):
    critic = networks.Critic(resolution=resolution, width=0.5)
    critic.build()
    images = np.random.default_rng(0).uniform(0, 1, (3, 64, 64, 3)).astype(np.float32)
    assert critic(images).shape == (3,)
    assert networks.parameter_count(critic) < networks.parameter_count(_built(networks.Critic()))
    with pytest.raises(ValueError, match="resolution"):
        networks.Critic(resolution=20)


def _built(model):
    model.build()
    return model


def test_sorting_by_luminance_keeps_the_pixels_and_passes_gradients():
    images = tf.constant(np.random.default_rng(1).uniform(0, 1, (2, 16, 16, 3)), tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(images)
        ordered = networks.sort_by_luminance(images)
        total = tf.reduce_sum(ordered ** 2)
    pixels, sorted_pixels = (x.numpy().reshape(2, -1, 3) for x in (images, ordered))
    for image, result in zip(pixels, sorted_pixels, strict=True):  # a permutation of the pixels
        np.testing.assert_array_equal(result[np.lexsort(result.T)], image[np.lexsort(image.T)])
    lum = sorted_pixels @ np.array(registry.LUMINANCE_WEIGHTS, np.float32)
    assert (np.diff(lum, axis=1) >= -1e-6).all()
    assert not np.allclose(sorted_pixels, pixels)
    assert np.abs(tape.gradient(total, images).numpy()).min() > 0


def test_a_sorted_view_critic_scores_the_colours_not_their_layout():
    critic = networks.Critic(resolution=16, width=0.5, view="sorted")
    critic.build()
    rng = np.random.default_rng(2)
    images = rng.uniform(0, 1, (2, 64, 64, 3)).astype(np.float32)
    blocks = images.reshape(2, 16, 4, 16, 4, 3).transpose(0, 1, 3, 2, 4, 5).reshape(2, 256, 4, 4, 3)
    shuffled = blocks[:, rng.permutation(256)].reshape(2, 16, 16, 4, 4, 3)
    shuffled = shuffled.transpose(0, 1, 3, 2, 4, 5).reshape(2, 64, 64, 3)  # 4x4 blocks moved
    np.testing.assert_allclose(critic(shuffled).numpy(), critic(images).numpy(), rtol=1e-4,
                               atol=1e-4)
    image_view = networks.Critic(resolution=16, width=0.5)
    image_view.build()
    assert not np.allclose(image_view(shuffled).numpy(), image_view(images).numpy(), atol=1e-4)
    with pytest.raises(ValueError, match="view"):
        networks.Critic(view="shuffled")


def test_policy_statistics_give_the_mean_luminance_in_stops():
    images = tf.constant(np.full((2, 8, 8, 3), [[[[0.25]]], [[[0.125]]]], np.float32))
    stats = networks.policy_statistics(images).numpy()
    assert stats.shape == (2, networks.NUM_POLICY_STATISTICS)
    np.testing.assert_allclose(stats[:, :3], networks.image_statistics(images).numpy())
    np.testing.assert_allclose(stats[:, 3:], [[-2 / 8] * 2, [-3 / 8] * 2], rtol=1e-5)
    black = networks.policy_statistics(tf.zeros([1, 8, 8, 3])).numpy()
    np.testing.assert_allclose(black[0, 3:], -1.0, rtol=1e-5)  # floored at 8 stops down
    # Half the pixels white, half 1/16: mean luminance 17/32, log-average 1/4 (-2 stops).
    half = np.ones((1, 8, 8, 3), np.float32)
    half[:, 4:] = 1 / 16
    np.testing.assert_allclose(networks.policy_statistics(tf.constant(half)).numpy()[0, 3:],
                               [math.log2(17 / 32) / 8, -2 / 8], rtol=1e-4)


def test_a_policy_with_statistics_reads_them_as_extra_planes():
    images, usage, steps = _batch(b=2)
    plain = networks.PolicyNetwork()
    plain.build()
    with_stats = networks.PolicyNetwork(statistics=True)
    with_stats.build()
    first = with_stats.selector_trunk.convs[0].kernel
    assert (first.shape[2] == plain.selector_trunk.convs[0].kernel.shape[2]
            + networks.NUM_POLICY_STATISTICS)
    # Only the statistics planes reach the selector: the image's own weights set to zero, so
    # brightening the image by one stop changes the output through the statistics alone.
    kernel = first.numpy()
    kernel[:, :, :3, :] = 0.0
    first.assign(kernel)
    probs_dark, _ = with_stats(images * 0.1, usage, steps)
    probs_bright, _ = with_stats(images * 0.2, usage, steps)
    assert not np.allclose(probs_dark, probs_bright, atol=1e-6)
    # And past the trunks: with every convolution's weights zeroed, the statistics still reach
    # the fully connected layers.
    for trunk in (with_stats.selector_trunk, with_stats.param_trunk):
        for conv in trunk.convs:
            conv.kernel.assign(tf.zeros_like(conv.kernel))
    _, raw_dark = with_stats(images * 0.1, usage, steps)
    _, raw_bright = with_stats(images * 0.2, usage, steps)
    assert not np.allclose(raw_dark, raw_bright, atol=1e-6)
