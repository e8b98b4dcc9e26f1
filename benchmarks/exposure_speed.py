"""Exposure speed on this machine: training iterations per second, model size on disk, and the
retouch time of one 24-megapixel RAW photo split into decode, decide and render (not a test).

Training: steady-state time of one iteration (n_critic critic updates + one actor update, after
tracing) of the networks at the given batch sizes, on random 64x64 batches (the content does not
change the cost). Size: the checkpoint files of --model_dir (all training state) and the policy
weights alone (what retouching needs). Retouch: a synthetic 6000x4000 Bayer DNG written to a temp
folder; decode = `read_linear`; decide = 64x64 thumbnail + the agent's five decisions + program;
render = full-resolution rendering (fast 3D LUT path, and exact); write = JPEG encoding + file.

    .venv/bin/python benchmarks/exposure_speed.py --model_dir=models/exposure_demo \\
        --batch_sizes=16,64 --iterations=3
"""
import pathlib
import tempfile
import time

import numpy as np
import tensorflow as tf
from absl import app, flags
from timing import best_of

from exposure import agent as agent_lib
from exposure import image_io, networks, retouch, train_config
from exposure.dng import write_dng
from exposure.train import Learner
from exposure.unprocess import mosaic, quantize
from mobile.fast_render import Renderer

_MODEL_DIR = flags.DEFINE_string("model_dir", None, "A model directory from exposure_train.")
_BATCH_SIZES = flags.DEFINE_list("batch_sizes", ["16", "64"],
                                 "Training batch sizes to time (demo 16, paper 64); empty: none.")
_ITERATIONS = flags.DEFINE_integer("iterations", 3, "Timed training iterations per batch size.",
                                   lower_bound=1)
_N_CRITIC = flags.DEFINE_integer("n_critic", 5, "Critic updates per iteration.", lower_bound=1)
_WIDTH = flags.DEFINE_integer("width", 6000, "Width of the synthetic RAW photo.")
_HEIGHT = flags.DEFINE_integer("height", 4000, "Height of the synthetic RAW photo.")
_REPEATS = flags.DEFINE_integer("repeats", 3, "Timed repeats of each retouch stage (best kept).",
                                lower_bound=1)
_VARIANTS = flags.DEFINE_multi_string(
    "variant", [], "Training settings to time beside the model's, as comma-separated "
                   "TrainConfig overrides (e.g. critic_resolution=16,critic_width=0.5); each is "
                   "printed with its speed-up over the model's settings, measured in this run.")
flags.mark_flag_as_required("model_dir")


def _override(config, text):
    """`config` with the `key=value,...` overrides of `text` (values parsed as the field's type)."""
    values = config.to_dict()
    for item in filter(None, text.split(",")):
        key, _, value = item.partition("=")
        kind = type(values[key])
        values[key] = (value.lower() in ("1", "true")) if kind is bool else kind(value)
    return train_config.TrainConfig(**values)

_XYZ_TO_LINEAR_SRGB = np.array([[3.2404542, -1.5371385, -0.4985314],
                                [-0.9692660, 1.8760108, 0.0415560],
                                [0.0556434, -0.2040259, 1.0572252]])


def time_training(config, iterations, n_critic):
    """Seconds per steady-state iteration and per critic / actor update."""
    learner = Learner(config)
    rng = np.random.default_rng(0)
    b, f = config.batch_size, len(config.filters)
    images = tf.constant(rng.uniform(0, 1, (b, 64, 64, 3)), tf.float32)
    usage, steps = tf.zeros([b, f]), tf.zeros([b], tf.int32)
    learner.critic_step(images, images)  # trace
    learner.actor_step(images, usage, steps, tf.constant(0.0))
    began = time.perf_counter()
    for _ in range(iterations * n_critic):
        float(learner.critic_step(images * 0.5, images)["critic/loss"])
    critic = (time.perf_counter() - began) / (iterations * n_critic)
    began = time.perf_counter()
    for _ in range(iterations):
        float(learner.actor_step(images, usage, steps, tf.constant(0.0))[3]["actor/loss"])
    actor = (time.perf_counter() - began) / iterations
    return n_critic * critic + actor, critic, actor


def folder_bytes(paths):
    return sum(p.stat().st_size for p in paths if p.is_file())



def main(argv):
    del argv
    model_dir = pathlib.Path(_MODEL_DIR.value)
    config = train_config.load(model_dir)
    for batch in (int(b) for b in _BATCH_SIZES.value):
        cfg = train_config.TrainConfig(**{**config.to_dict(), "batch_size": batch,
                                          "replay_size": max(batch, config.replay_size)})
        baseline = None
        for name in ["model's settings", *_VARIANTS.value]:
            variant = cfg if baseline is None else _override(cfg, name)
            per_it, critic, actor = time_training(variant, _ITERATIONS.value, _N_CRITIC.value)
            ratio = "" if baseline is None else f", {baseline / per_it:.2f}x the model's settings"
            baseline = baseline or per_it
            print(f"training, batch {batch}, {name}: {per_it:.2f} s/iteration = "
                  f"{1 / per_it:.3f} it/s (critic update {critic * 1e3:.0f} ms x "
                  f"{_N_CRITIC.value}, actor update {actor * 1e3:.0f} ms){ratio}")

    latest = tf.train.latest_checkpoint(str(model_dir / agent_lib.CHECKPOINT_SUBDIR))
    ckpt_bytes = folder_bytes(pathlib.Path(latest).parent.glob(pathlib.Path(latest).name + ".*"))
    agent = agent_lib.load_agent(model_dir)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        policy_path = tf.train.Checkpoint(
            policy=networks.checkpoint_variables(agent.policy)).write(str(tmp / "policy"))
        policy_bytes = folder_bytes(tmp.glob(pathlib.Path(policy_path).name + ".*"))
        print(f"model size: checkpoint (policy, value, critic, optimizers) "
              f"{ckpt_bytes / 1e6:.1f} MB; policy weights alone {policy_bytes / 1e6:.1f} MB "
              f"({networks.parameter_count(agent.policy):,} parameters)")

        height, width = _HEIGHT.value, _WIDTH.value
        y, x = np.mgrid[0:height, 0:width].astype(np.float32)
        linear = np.stack([x / width, y / height, 0.5 * (x / width + y / height)], -1) * 0.6
        linear += np.random.default_rng(0).normal(0, 0.01, linear.shape).astype(np.float32)
        raw = tmp / "photo.dng"
        write_dng(raw, quantize(mosaic(linear), 512, 16383), black_level=512, white_level=16383,
                  color_matrix=_XYZ_TO_LINEAR_SRGB, as_shot_neutral=(1.0, 1.0, 1.0))
        del linear
        decode, image = best_of(_REPEATS.value, lambda: image_io.read_linear(raw))
        retouch.decide(agent, image)  # trace the decision function
        decide, programs = best_of(_REPEATS.value, lambda: retouch.decide(agent, image))
        program = programs[0]
        fast, display = best_of(_REPEATS.value,
                                lambda: Renderer(program, fast=True).render_linear(image))
        exact, _ = best_of(1, lambda: Renderer(program, fast=False).render_linear(image))
        write, _ = best_of(_REPEATS.value,
                           lambda: image_io.write_image(tmp / "photo.jpg", display, bits=8))
        megapixels = image.shape[0] * image.shape[1] / 1e6
        print(f"retouch of a {width}x{height} ({megapixels:.0f} MP) DNG: decode {decode:.2f} s, "
              f"decide {decide * 1e3:.0f} ms, render {fast:.2f} s (3D LUT) / {exact:.2f} s "
              f"(exact), write JPEG {write:.2f} s; total {decode + decide + fast + write:.2f} s")
        print(f"program:\n{program}")


if __name__ == "__main__":
    app.run(main)
