"""Train-step time of an AGAN child built from an architecture file vs the same network as a plain
static Keras model, measured in one run. Goal: ratio <= 1.1.

Not a test. The child is `agan.models.build_generator/build_discriminator` (the `agan.modules.Module`
layers interpret the segment's plan at call time). The static model is the same computation written
as a flat functional Keras model of built-in layers (benchmarks/static_child.py).
The static model receives a copy of the child's weights and the script checks that both give the
same outputs before timing anything.

One train step = `--d_steps` discriminator updates and one generator update (`agan.train.GanSteps`,
the trainer's own `tf.function`s) on a fixed real batch, so data loading is not timed. The two models
are timed in alternating rounds (median over rounds) so that machine load affects both alike.

    .venv/bin/python benchmarks/child_step_time.py --architecture=dcgan --channels=32
"""
import numpy as np
import static_child
import tensorflow as tf
from absl import app, flags

from agan import search_space, train

_ARCHITECTURE = flags.DEFINE_string(
    "architecture", "dcgan",
    "Architecture JSON file or built-in baseline name; 'random': one drawn with --seed.")
_CHANNELS = flags.DEFINE_integer(
    "channels", 32, "Channels of G and D (paper: 128 search, 256 final; smaller for CPU).",
    lower_bound=1)
_IMAGE_SIZE = flags.DEFINE_integer("image_size", 32, "Image side in pixels (multiple of 8).")
_ROUNDS = flags.DEFINE_integer("rounds", 5, "Timed rounds per model (median reported).",
                               lower_bound=1)
_STEPS_PER_ROUND = flags.DEFINE_integer("steps_per_round", 3, "Train steps per round.",
                                        lower_bound=1)
_WARMUP = flags.DEFINE_integer("warmup", 2, "Untimed train steps per model (tracing).",
                               lower_bound=1)
_D_STEPS = flags.DEFINE_integer("d_steps", 5, "D updates per G update (paper section 4.2).",
                                lower_bound=1)
_SEED = flags.DEFINE_integer("seed", 0, "Seed of the random architecture, weights and data.")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {argv[1:]}")
    if _ARCHITECTURE.value == "random":
        architecture = search_space.random_architecture(_SEED.value)
        source = f"random architecture (seed {_SEED.value})"
    else:
        architecture = train.load_architecture(_ARCHITECTURE.value)
        source = _ARCHITECTURE.value
    config = train.TrainConfig(architecture=architecture, channels=_CHANNELS.value,
                               d_steps_per_g_step=_D_STEPS.value, seed=_SEED.value)
    child_g, child_d = train.build_models(config, _IMAGE_SIZE.value)
    plain_g, plain_d, check = static_child.static_models(child_g, child_d)
    print(f"{source}, channels {_CHANNELS.value}, {_IMAGE_SIZE.value}x{_IMAGE_SIZE.value}: {check}")
    rng = np.random.default_rng(_SEED.value)
    real_images = tf.constant(
        rng.uniform(-1, 1, (config.real_batch_size, _IMAGE_SIZE.value, _IMAGE_SIZE.value, 3)),
        tf.float32)
    real_labels = tf.zeros([config.real_batch_size], tf.int32)
    candidates = {"child (architecture file)": train.GanSteps(child_g, child_d, config),
                  "static Keras model": train.GanSteps(plain_g, plain_d, config)}
    medians = static_child.step_time_medians(
        candidates, real_images, real_labels, warmup=_WARMUP.value, rounds=_ROUNDS.value,
        steps_per_round=_STEPS_PER_ROUND.value)
    for name, median in medians.items():
        print(f"{name:>26}: {median * 1000:9.1f} ms per train step "
              f"({_D_STEPS.value} D + 1 G updates)")
    child, plain = medians.values()
    print(f"ratio child / static: {child / plain:.3f} (goal <= 1.1)")


if __name__ == "__main__":
    app.run(main)
