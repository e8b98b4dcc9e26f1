"""Shared fixtures of the export tests: the trained agent of the session's tiny model
(`model_dir`, tests/conftest.py) and a small untrained model."""
import pytest
import tensorflow as tf

from exposure import agent as agent_lib
from exposure import networks, train_config
from exposure.train import TrainConfig


@pytest.fixture(scope="session")
def agent(model_dir):
    """The trained agent, loaded as retouching loads it."""
    return agent_lib.load_agent(model_dir)


@pytest.fixture(scope="session")
def small_model_dir(tmp_path_factory):
    """An untrained model directory with two filters and two steps: a small graph for tests of
    the command's plumbing, where the weights do not matter."""
    folder = tmp_path_factory.mktemp("small_model")
    config = TrainConfig(filters=("exposure", "tone_curve"), num_steps=2)
    train_config.save(config, folder)
    policy = agent_lib.build_policy(config)
    tf.train.Checkpoint(policy=networks.checkpoint_variables(policy)).save(
        folder / agent_lib.CHECKPOINT_SUBDIR / "ckpt")
    return folder
