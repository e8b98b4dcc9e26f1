"""Shared fixtures of the export tests: one tiny trained model per test session.

The model is trained for real (`exposure.train.train`, two iterations on tiny photos) with all
eight filters of the paper's action space, so every exported graph holds every filter's ops.
"""
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from exposure import agent as agent_lib
from exposure import networks, train_config
from exposure import train as train_lib
from exposure.train import TrainConfig
from tests.exposure.photo_fixtures import smooth_linear_image, write_test_dng

# Tiny settings: batch 4, memory 8, two iterations; the paper's eight filters and five steps.
TINY = dict(batch_size=4, iterations=2, replay_size=8, n_critic=1, critic_boost_steps=1,
            critic_boost_first=1, checkpoint_every=2, log_every=1, image_every=100)


def train_tiny_model(root):
    """Writes tiny photos under `root` and trains on them; returns the model directory
    `root/model` as exposure_train leaves it (config.json, checkpoints/)."""
    (root / "raw").mkdir()
    (root / "target").mkdir()
    write_test_dng(root / "raw" / "ramp.dng", smooth_linear_image(96, 128))
    rng = np.random.default_rng(0)
    for k in range(2):
        pixels = (smooth_linear_image(80, 100) * rng.uniform(0.3, 1.0, 3) * 65535).astype(np.uint16)
        Image.fromarray(pixels[..., 0]).save(root / "raw" / f"grey_{k}.png")
    for k in range(3):
        srgb = np.clip(smooth_linear_image(90, 90) ** 0.5 * rng.uniform(0.8, 1.3, 3), 0, 1)
        Image.fromarray((srgb * 255).astype(np.uint8)).save(root / "target" / f"t{k}.jpg")
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
