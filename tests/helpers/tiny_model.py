"""A tiny Exposure model trained for real, shared by the export and web-app tests.

Trained by `exposure.train.train`, two iterations on tiny photos, with all eight filters of the
paper's action space, so every exported graph holds every filter's ops.
"""
from exposure import train as train_lib
from exposure.train import TrainConfig
from tests.exposure.photo_fixtures import write_training_photos

# Tiny settings: batch 4, memory 8, two iterations; the paper's eight filters and five steps; the
# policy reads the image statistics, as configs/exposure/benchmark.flags has it, so every export
# holds those ops too.
TINY = dict(batch_size=4, iterations=2, replay_size=8, n_critic=1, critic_boost_steps=1,
            critic_boost_first=1, checkpoint_every=2, log_every=1, image_every=100,
            policy_statistics=True)


def train_tiny_model(root):
    """Writes tiny photos under `root` and trains on them; returns the model directory
    `root/model` as exposure_train leaves it (config.json, checkpoints/)."""
    write_training_photos(root)
    model = root / "model"
    train_lib.train(TrainConfig(**TINY), model, root / "raw", root / "target",
                    cache_dir=root / "cache", progress=False)
    return model
