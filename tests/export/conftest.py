"""Shared fixtures of the export tests: one tiny trained model per test session.

The model is trained for real (`exposure.train.train`, two iterations on tiny photos) with all
eight filters of the paper's action space, so every exported graph holds every filter's ops.
"""
import pytest
import tensorflow as tf

from exposure import agent as agent_lib
from exposure import networks, train_config
from exposure import train as train_lib
from exposure.train import TrainConfig
from tests.exposure.photo_fixtures import write_training_photos

# Tiny settings: batch 4, memory 8, two iterations; the paper's eight filters and five steps.
TINY = dict(batch_size=4, iterations=2, replay_size=8, n_critic=1, critic_boost_steps=1,
            critic_boost_first=1, checkpoint_every=2, log_every=1, image_every=100)


def train_tiny_model(root):
    """Writes tiny photos under `root` and trains on them; returns the model directory
    `root/model` as exposure_train leaves it (config.json, checkpoints/)."""
    write_training_photos(root)
    model = root / "model"
    train_lib.train(TrainConfig(**TINY), model, root / "raw", root / "target",
                    cache_dir=root / "cache", progress=False)
    return model


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory):
    """A tiny trained model directory (see `train_tiny_model`)."""
    return train_tiny_model(tmp_path_factory.mktemp("export_model"))


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
