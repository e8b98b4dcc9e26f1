"""The unconditional AGAN child G and D rewritten as flat functional Keras models of built-in layers
(Conv2D, BatchNormalization, ReLU, Add, Concatenate, AveragePooling2D, ...; spectral normalization,
the nearest up-sampling and the final sum-pooling and linear layers are the same `agan.layers`
classes), one layer per operation of the module plan: the baseline the child's step time is
compared with (benchmarks/child_step_time.py, benchmarks/child_fixed_cost.py). Not a test helper:
only benchmarks import it.
"""
import statistics
import time

import keras
import numpy as np

from agan import layers, modules


def _clone(layer, pairs):
    """A fresh copy of `layer` (same config) as the built-in Keras layer it is or derives from
    (`agan.layers.FusedBatchNormalization` -> `keras.layers.BatchNormalization`); remembers
    (original, copy) to copy weights later."""
    kind = (keras.layers.BatchNormalization if isinstance(layer, keras.layers.BatchNormalization)
            else type(layer))
    copy = kind.from_config(layer.get_config())
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
    resample = {modules.UP: layers.NearestUpsampling2D,
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


def copy_weights(pairs):
    for original, copy in pairs:
        copy.set_weights(original.get_weights())


def static_models(child_g, child_d):
    """(static G, static D) holding copies of the children's weights; raises SystemExit if the
    parameter counts or the outputs differ. Returns also a line describing the check."""
    pairs = []
    plain_g = static_generator(child_g, pairs)
    plain_d = static_discriminator(child_d, pairs)
    copy_weights(pairs)
    for name, child, plain in (("G", child_g, plain_g), ("D", child_d, plain_d)):
        if child.count_params() != plain.count_params():
            raise SystemExit(f"{name}: parameter counts differ: child {child.count_params()}, "
                             f"static {plain.count_params()}")
    z = np.random.default_rng(0).standard_normal((8, child_g.inputs[0].shape[1])).astype(np.float32)
    images = child_g(z, training=False)
    g_diff = float(np.abs(images - plain_g(z, training=False)).max())
    d_diff = float(np.abs(child_d(images, training=False) - plain_d(images, training=False)).max())
    if max(g_diff, d_diff) > 1e-3:
        raise SystemExit("the static model does not compute the same function as the child")
    return plain_g, plain_d, (
        f"G {child_g.count_params():,} and D {child_d.count_params():,} parameters in both; max "
        f"|child - static| output difference: G {g_diff:.2e}, D {d_diff:.2e}")


def time_train_steps(steps, real_images, real_labels, count):
    """Seconds per train step (`config.d_steps_per_g_step` D updates and one G update of an
    `agan.train.GanSteps`) over `count` steps on a fixed real batch."""
    start = time.perf_counter()
    for _ in range(count):
        for _ in range(steps.config.d_steps_per_g_step):
            d_metrics = steps.d_step(real_images, real_labels)
        g_metrics = steps.g_step()
    float(d_metrics["d_loss"]) + float(g_metrics["g_loss"])  # wait for the step to finish
    return (time.perf_counter() - start) / count


def step_time_medians(candidates, real_images, real_labels, *, warmup, rounds, steps_per_round):
    """{name: median seconds per train step} of `candidates` ({name: GanSteps}), timed in
    alternating rounds so that machine load affects all alike."""
    for steps in candidates.values():
        time_train_steps(steps, real_images, real_labels, warmup)
    times = {name: [] for name in candidates}
    for _ in range(rounds):
        for name, steps in candidates.items():
            times[name].append(time_train_steps(steps, real_images, real_labels, steps_per_round))
    return {name: statistics.median(values) for name, values in times.items()}
