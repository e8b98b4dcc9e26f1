"""Tests for exposure/agent.py: decision steps, rollouts, the decision API and its programs."""
import numpy as np
import pytest
import tensorflow as tf

from exposure import agent as agent_lib
from exposure import networks, train_config
from exposure.filters import build_filters
from mobile import program as program_lib
from mobile.registry import DEFAULT_FILTERS
from mobile.render import render


def _thumbnails(b=4, seed=0):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:64, 0:64] / 64.0
    base = np.stack([x, y, x * y], -1)[None] * rng.uniform(0.2, 0.9, (b, 1, 1, 3))
    return tf.constant(base + rng.uniform(0, 0.05, (b, 64, 64, 3)), tf.float32)


@pytest.fixture(scope="module")
def policy():
    """A policy whose parameter heads give raw outputs of order 1 (parameters away from the
    identity), so the rendering comparison exercises every filter's range."""
    policy = networks.PolicyNetwork(num_steps=5)
    policy.build()
    rng = np.random.default_rng(3)
    for out in policy.param_outs:
        out.bias.assign(rng.normal(0, 1.0, out.bias.shape).astype(np.float32))
    return policy


@pytest.fixture(scope="module")
def agent(policy):
    """One agent for the module, so its tf.functions are traced once."""
    return agent_lib.Agent(policy, num_steps=5)


def test_decision_step_applies_the_chosen_filter_and_updates_the_state(policy):
    filters = build_filters()
    images = _thumbnails()
    usage = tf.zeros([4, 8])
    out = agent_lib.decision_step(policy, filters, images, usage, tf.zeros([4], tf.int32))
    index = out["filter_index"].numpy()
    np.testing.assert_array_equal(index, np.argmax(out["probabilities"].numpy(), -1))
    np.testing.assert_array_equal(out["usage"].numpy(), np.eye(8)[index])
    np.testing.assert_array_equal(out["steps"].numpy(), 1)
    offsets = policy.param_offsets
    for b, i in enumerate(index):
        expected = filters[i](images[b:b + 1], out["raw_parameters"][b:b + 1, offsets[i]:offsets[i + 1]])
        np.testing.assert_allclose(out["images"][b].numpy(), expected[0].numpy(), atol=1e-6)


def test_rollout_programs_are_valid_and_render_like_the_tf_rollout(agent):
    thumbs = _thumbnails()
    decisions = {k: v.numpy() for k, v in agent.decide(thumbs).items()}
    assert decisions["filter_index"].shape == (4, 5)
    assert decisions["raw_parameters"].shape == (4, 5, 40)
    assert decisions["probabilities"].shape == (4, 5, 8)
    programs = agent.programs(decisions)
    assert len(programs) == 4
    for b, program in enumerate(programs):
        assert len(program.steps) == 5
        assert program_lib.Program.from_json(program.to_json()) == program
        assert [s.filter for s in program.steps] == [
            DEFAULT_FILTERS[i] for i in decisions["filter_index"][b]]
        rendered = render(program, thumbs[b].numpy())
        np.testing.assert_allclose(rendered, decisions["thumbnails"][b], atol=1e-4)
    # The outputs are not the inputs: the programs do something.
    assert np.abs(decisions["thumbnails"] - thumbs.numpy()).mean() > 1e-3


def test_decide_is_deterministic_and_sample_follows_its_seed(agent):
    thumbs = tf.repeat(_thumbnails(1), 16, axis=0)
    first = agent.decide(thumbs)["raw_parameters"].numpy()
    np.testing.assert_array_equal(first, agent.decide(thumbs)["raw_parameters"].numpy())
    np.testing.assert_allclose(first[0], first[15], atol=1e-5)  # same thumbnail, same program
    seed = tf.constant([7, 1], tf.int64)
    a = agent.sample(thumbs, seed)
    b = agent.sample(thumbs, seed)
    np.testing.assert_array_equal(a["filter_index"].numpy(), b["filter_index"].numpy())
    np.testing.assert_array_equal(a["raw_parameters"].numpy(), b["raw_parameters"].numpy())
    # Sixteen samples of one thumbnail are not all the same program (sampling and dropout).
    assert len({tuple(row) for row in a["filter_index"].numpy()}) > 1
    other = agent.sample(thumbs, tf.constant([8, 1], tf.int64))["raw_parameters"].numpy()
    assert not np.allclose(other, a["raw_parameters"].numpy())


def test_load_agent_rebuilds_the_saved_policy(tmp_path, policy, agent):
    config = train_config.TrainConfig()
    train_config.save(config, tmp_path)
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        agent_lib.load_agent(tmp_path)
    tf.train.Checkpoint(policy=networks.checkpoint_variables(policy)).save(
        tmp_path / agent_lib.CHECKPOINT_SUBDIR / "ckpt")
    loaded = agent_lib.load_agent(tmp_path)
    thumbs = _thumbnails(4)
    np.testing.assert_array_equal(
        loaded.decide(thumbs)["raw_parameters"].numpy(),
        agent.decide(thumbs)["raw_parameters"].numpy())


def test_load_agent_rebuilds_a_policy_that_reads_statistics(tmp_path):
    config = train_config.TrainConfig(policy_statistics=True, num_steps=2)
    policy = agent_lib.build_policy(config)
    assert policy.statistics
    train_config.save(config, tmp_path)
    tf.train.Checkpoint(policy=networks.checkpoint_variables(policy)).save(
        tmp_path / agent_lib.CHECKPOINT_SUBDIR / "ckpt")
    loaded = agent_lib.load_agent(tmp_path)
    assert loaded.policy.statistics
    thumbs = _thumbnails(2)
    np.testing.assert_allclose(loaded.decide(thumbs)["raw_parameters"].numpy(),
                               agent_lib.Agent(policy, 2).decide(thumbs)["raw_parameters"].numpy(),
                               rtol=1e-5, atol=1e-6)


def test_load_agent_names_a_directory_without_config(tmp_path):
    with pytest.raises(FileNotFoundError, match="no training config"):
        agent_lib.load_agent(tmp_path)


def test_a_masked_policy_never_picks_a_filter_twice():
    policy = networks.PolicyNetwork(num_steps=5, mask_used=True)
    policy.build()
    agent = agent_lib.Agent(policy, num_steps=5)
    thumbs = tf.random.stateless_uniform([6, 64, 64, 3], seed=[3, 4])
    for decisions in (agent.decide(thumbs), agent.sample(thumbs, tf.constant([1, 2], tf.int64))):
        chosen = decisions["filter_index"].numpy()
        assert all(len(set(row)) == 5 for row in chosen), chosen
        probs = decisions["probabilities"].numpy()
        np.testing.assert_allclose(probs.sum(-1), 1.0, rtol=1e-5)
        for k in range(1, 5):  # a used filter has probability 0 at every later step
            used = chosen[:, :k]
            assert np.all(np.take_along_axis(probs[:, k], used, axis=1) == 0.0)
    with pytest.raises(ValueError, match="mask_used"):
        networks.PolicyNetwork(filter_names=("exposure", "gamma"), num_steps=3, mask_used=True)
