"""Train-step time of an AGAN child built from an architecture file vs the same network as a plain
static Keras model, measured in one run. Goal: ratio <= 1.1.

Not a test. The child is `agan.models.build_generator/build_discriminator` (the `agan.modules.Module`
layers interpret the segment's plan at call time). The static model is the same computation written
as a flat functional Keras model of built-in layers only (Conv2D, BatchNormalization, ReLU, Add,
Concatenate, UpSampling2D, AveragePooling2D, ...; spectral normalization and the final sum-pooling
and linear layers are the same `agan.layers` classes), one layer per operation of the module plan.
The static model receives a copy of the child's weights and the script checks that both give the
same outputs before timing anything.

One train step = `--d_steps` discriminator updates and one generator update (`agan.train.GanSteps`,
the trainer's own `tf.function`s) on a fixed real batch, so data loading is not timed. The two models
are timed in alternating rounds (median over rounds) so that machine load affects both alike.

    .venv/bin/python benchmarks/child_step_time.py --architecture=dcgan --channels=32
"""
import statistics
import time

import keras
import numpy as np
import tensorflow as tf
from absl import app, flags

from agan import layers, modules, search_space, train

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


def _clone(layer, pairs):
    """A fresh copy of `layer` (same config); remembers (original, copy) to copy weights later."""
    copy = type(layer).from_config(layer.get_config())
    pairs.append((layer, copy))
    return copy


def _static_operation(operation, x, pairs):
    """`operation` (an `agan.modules.Operation`, unconditional) as built-in layers applied to x."""
    if operation.normalization is not None:
        x = _clone(operation.normalization, pairs)(x)
    if operation.preactivate:
        x = keras.layers.ReLU()(x)
    for part in (operation.before, *operation.body, operation.after):
        if part is not None:
            x = _clone(part, pairs)(x)
    return x


def _static_module(module, h_prev, h, pairs):
    """`module` (an `agan.modules.Module`) unrolled from its plan into built-in layers."""
    resample = {modules.UP: lambda: keras.layers.UpSampling2D(2, interpolation="nearest"),
                modules.DOWN: lambda: keras.layers.AveragePooling2D(2)}
    plan = module.plan
    tensors = [h, _static_operation(module.operations[1], h_prev, pairs)]
    for node in plan.nodes[2:]:
        parts = [resample[modules.UP]()(tensors[j]) if j in node.upsampled_inputs else tensors[j]
                 for j in node.inputs]
        total = parts[0] if len(parts) == 1 else keras.layers.Add()(parts)
        tensors.append(_static_operation(module.operations[node.index], total, pairs))
    ends = [resample[plan.resampled_loose_ends[j]]()(tensors[j])
            if j in plan.resampled_loose_ends else tensors[j] for j in plan.loose_ends]
    joined = ends[0] if len(ends) == 1 else keras.layers.Concatenate()(ends)
    return _static_operation(module.projection, joined, pairs)


def static_generator(child, pairs):
    """The unconditional child generator as a flat functional model of built-in layers."""
    z = keras.Input(child.inputs[0].shape[1:])
    h = _clone(child.get_layer("linear"), pairs)(z)
    h = _clone(child.get_layer("to_feature_map"), pairs)(h)
    previous_output = h
    for layer in child.layers:
        if isinstance(layer, modules.Module):
            previous_output, h = h, _static_module(layer, previous_output, h, pairs)
    h = _static_operation(child.get_layer("to_rgb"), h, pairs)
    return keras.Model(z, keras.layers.Activation("tanh")(h), name="static_generator")


def static_discriminator(child, pairs):
    """The unconditional child discriminator as a flat functional model of built-in layers."""
    images = keras.Input(child.inputs[0].shape[1:])
    h = _clone(child.get_layer("stem_sn"), pairs)(images)
    previous_output = h
    for layer in child.layers:
        if isinstance(layer, modules.Module):
            previous_output, h = h, _static_module(layer, previous_output, h, pairs)
    h = keras.layers.ReLU()(h)
    phi = layers.GlobalSumPooling2D()(h)
    logits = _clone(child.get_layer("logits"), pairs)(phi)
    return keras.Model(images, logits, name="static_discriminator")


def _copy_weights(pairs):
    for original, copy in pairs:
        copy.set_weights(original.get_weights())


def _time_rounds(steps, real_images, real_labels, count):
    start = time.perf_counter()
    for _ in range(count):
        for _ in range(_D_STEPS.value):
            d_metrics = steps.d_step(real_images, real_labels)
        g_metrics = steps.g_step()
    float(d_metrics["d_loss"]) + float(g_metrics["g_loss"])  # wait for the step to finish
    return (time.perf_counter() - start) / count


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
    pairs = []
    plain_g = static_generator(child_g, pairs)
    plain_d = static_discriminator(child_d, pairs)
    _copy_weights(pairs)
    for name, child, plain in (("G", child_g, plain_g), ("D", child_d, plain_d)):
        if child.count_params() != plain.count_params():
            raise SystemExit(f"{name}: parameter counts differ: child {child.count_params()}, "
                             f"static {plain.count_params()}")
    rng = np.random.default_rng(_SEED.value)
    z = rng.standard_normal((8, config.latent_dim)).astype(np.float32)
    images = child_g(z, training=False)
    g_diff = float(np.abs(images - plain_g(z, training=False)).max())
    d_diff = float(np.abs(child_d(images, training=False) - plain_d(images, training=False)).max())
    print(f"{source}, channels {_CHANNELS.value}, {_IMAGE_SIZE.value}x{_IMAGE_SIZE.value}: "
          f"G {child_g.count_params():,} and D {child_d.count_params():,} parameters in both; "
          f"max |child - static| output difference: G {g_diff:.2e}, D {d_diff:.2e}")
    if max(g_diff, d_diff) > 1e-3:
        raise SystemExit("the static model does not compute the same function as the child")

    real_images = tf.constant(
        rng.uniform(-1, 1, (config.real_batch_size, _IMAGE_SIZE.value, _IMAGE_SIZE.value, 3)),
        tf.float32)
    real_labels = tf.zeros([config.real_batch_size], tf.int32)
    candidates = {"child (architecture file)": train.GanSteps(child_g, child_d, config),
                  "static Keras model": train.GanSteps(plain_g, plain_d, config)}
    for steps in candidates.values():
        _time_rounds(steps, real_images, real_labels, _WARMUP.value)
    times = {name: [] for name in candidates}
    for _ in range(_ROUNDS.value):
        for name, steps in candidates.items():
            times[name].append(
                _time_rounds(steps, real_images, real_labels, _STEPS_PER_ROUND.value))
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, median in medians.items():
        print(f"{name:>26}: {median * 1000:9.1f} ms per train step "
              f"({_D_STEPS.value} D + 1 G updates)")
    child, plain = medians.values()
    print(f"ratio child / static: {child / plain:.3f} (goal <= 1.1)")


if __name__ == "__main__":
    app.run(main)
