"""The exported parameter predictor: one call maps a 64x64 linear thumbnail to the whole program.

`Predictor` wraps a trained `exposure.agent.Agent` (its policy network and filter layers) in a
`tf.Module` whose traced `predict` runs the five decision steps (Exposure paper, section 5.2) and
the thumbnail-sized filters in TF ops, deterministically (most probable filter, no dropout), and
returns the program as tensors in operator units, the units `mobile.render` and the shaders apply:

* "filter_index" int32 [B, S]: the filter chosen at each step, an index into the agent's filters.
* "parameters" float32 [B, S, MAX_OP_PARAMS]: the chosen filter's operator parameters
  (`mobile.program.raw_to_op_params`), the first `num_op_params(filter)` entries; the rest are 0.
* "probabilities" float32 [B, S, F]: pi1's choice distribution at each step (rows sum to 1).

TFLite, ONNX and the serving SavedModel all export this one function; `programs` turns its
outputs (from any runtime) into `mobile.program.Program`s.
"""
import keras
import numpy as np
import tensorflow as tf

from exposure import agent as agent_lib
from exposure import networks
from mobile import program as program_lib
from mobile import registry

SIGNATURE = "predict"
INPUT_NAME = "thumbnail"
OUTPUT_NAMES = ("filter_index", "parameters", "probabilities")
# Widest operator-parameter vector of any filter: the colour curve's 3 x 8 slopes (Exposure
# paper, section 4.2).
MAX_OP_PARAMS = max(spec.num_op_params for spec in registry.FILTERS.values())


def op_parameters(raw, filter_names):
    """Every filter's operator parameters from raw outputs [..., P] (the filters' raw outputs
    concatenated in `filter_names` order): float32 [..., F, MAX_OP_PARAMS], zero-padded."""
    per_filter, start = [], 0
    for name in filter_names:
        stop = start + program_lib.num_raw_params(name)
        op = program_lib.raw_to_op_params(name, raw[..., start:stop], xp=keras.ops)
        padding = [[0, 0]] * (len(op.shape) - 1) + [[0, MAX_OP_PARAMS - op.shape[-1]]]
        per_filter.append(tf.pad(op, padding))
        start = stop
    return tf.stack(per_filter, axis=-2)


def program_tensors(decisions, filter_names):
    """The predictor's outputs (see the module docstring) from `exposure.agent.rollout`'s dict."""
    index = decisions["filter_index"]
    every = op_parameters(decisions["raw_parameters"], filter_names)
    # A one-hot sum rather than a batched gather: plain elementwise ops in every runtime.
    chosen = tf.one_hot(index, len(filter_names), dtype=tf.float32)
    return {
        "filter_index": index,
        "parameters": tf.reduce_sum(chosen[..., None] * every, axis=-2),
        "probabilities": decisions["probabilities"],
    }


class Predictor(tf.Module):
    """The agent's deterministic decision as one traced function.

    `predict(thumbnail)`: thumbnail float32 [batch_size, 64, 64, 3] linear RGB (None: any batch)
    -> dict of "filter_index" [B, S], "parameters" [B, S, MAX_OP_PARAMS], "probabilities"
    [B, S, F]. `filter_names` and `num_steps` describe the outputs.
    """

    def __init__(self, agent, batch_size=1):
        super().__init__(name="exposure_predictor")
        self.filter_names = tuple(agent.filter_names)
        self.num_steps = int(agent.num_steps)
        self.batch_size = batch_size
        # Only the weights are tracked, as `keras.export.ExportArchive` does: with the Keras model
        # itself in the object graph, the TFLite converter keeps the weights as uninitialized
        # resource variables (VAR_HANDLE) instead of freezing them into the flatbuffer.
        self.weights = [weight.value for weight in agent.policy.weights]
        policy, filters = agent.policy, agent.filters
        filter_names, num_steps = self.filter_names, self.num_steps

        def predict(thumbnail):
            decisions = agent_lib.rollout(policy, filters, thumbnail, num_steps)
            return program_tensors(decisions, filter_names)

        spec = tf.TensorSpec([batch_size, networks.IMAGE_SIZE, networks.IMAGE_SIZE, 3],
                             tf.float32, name=INPUT_NAME)
        self.predict = tf.function(predict, input_signature=[spec])

    def input_shape(self):
        """The thumbnail shape the signature takes (batch first; None = any batch)."""
        return [self.batch_size, networks.IMAGE_SIZE, networks.IMAGE_SIZE, 3]


def load(model_dir, batch_size=1):
    """The `Predictor` of a model directory written by exposure_train."""
    return Predictor(agent_lib.load_agent(model_dir), batch_size=batch_size)


def programs(outputs, filter_names):
    """One `mobile.program.Program` per batch element from predictor outputs (numpy arrays or
    tensors of "filter_index" [B, S] and "parameters" [B, S, MAX_OP_PARAMS]). Raises
    ValueError when an index is out of range (a corrupt model or output)."""
    index = np.asarray(outputs["filter_index"])
    params = np.asarray(outputs["parameters"], dtype=np.float64)
    result = []
    for b in range(index.shape[0]):
        steps = []
        for k in range(index.shape[1]):
            i = int(index[b, k])
            if not 0 <= i < len(filter_names):
                raise ValueError(f"filter_index[{b}, {k}] = {i} is not an index into the "
                                 f"{len(filter_names)} filters {list(filter_names)}")
            name = filter_names[i]
            steps.append(program_lib.Step.from_op_params(
                name, params[b, k, :program_lib.num_op_params(name)]))
        result.append(program_lib.Program(tuple(steps)))
    return result
