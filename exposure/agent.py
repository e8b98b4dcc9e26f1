"""The Exposure agent's decisions: one decision step, a rollout of five, and the decision API.

A decision step (Exposure paper, section 3.2 and Figure 3) reads the current 64x64 state, picks a
filter with pi1 (sampled in training, argmax at test time), computes that filter's raw parameters
with pi2 and applies the filter to the thumbnail. Everything runs in TensorFlow ops with no
Python-side state, so `Agent.decide` / `Agent.sample` can be traced once and exported.
`programs` turns the decisions into human-unit `mobile.program.Program`s, which the numpy renderer
applies at full resolution.
"""
import pathlib

import numpy as np
import tensorflow as tf

from commandline import checkpoints
from exposure import filters as filters_lib
from exposure import networks, train_config
from mobile import program as program_lib

CHECKPOINT_SUBDIR = "checkpoints"
AVERAGE_KEY = "policy_average"  # checkpoint key of the averaged policy (TrainConfig.policy_average)


def decision_step(policy, filters, images, usage, steps, *, sample_seed=None, dropout_seeds=None):
    """One decision of the agent on a batch of states.

    Args:
      policy: a `networks.PolicyNetwork`.
      filters: the filter layers, in `policy.filter_names` order.
      images: float32 [B, 64, 64, 3] current states (linear RGB at step 0).
      usage: float32 [B, F] 0/1 flags of the filters used so far.
      steps: [B] steps taken so far.
      sample_seed: None (pick the most probable filter) or int32 [2]: sample pi1 statelessly.
      dropout_seeds: None (no dropout) or int32 [2, 2]: dropout 0.5 in both trunks.

    Returns:
      dict: "images" [B, 64, 64, 3] the new states (the chosen filter applied, not clipped),
      "filter_index" int32 [B], "one_hot" [B, F], "probabilities" [B, F], "raw_parameters"
      [B, P] (every filter's raw outputs), "usage" [B, F] and "steps" [B] after the step.
    """
    probs, raw = policy(images, usage, steps, dropout_seeds=dropout_seeds)
    if sample_seed is None:
        index = tf.argmax(probs, axis=-1, output_type=tf.int32)
    else:
        index = tf.random.stateless_categorical(
            tf.math.log(probs), 1, seed=sample_seed, dtype=tf.int32)[:, 0]
    offsets = policy.param_offsets
    outputs = tf.stack([f(images, raw[:, offsets[i]:offsets[i + 1]])
                        for i, f in enumerate(filters)], axis=1)
    one_hot = tf.one_hot(index, len(filters), dtype=tf.float32)
    return {
        "images": tf.gather(outputs, index, axis=1, batch_dims=1),
        "filter_index": index,
        "one_hot": one_hot,
        "probabilities": probs,
        "raw_parameters": raw,
        "usage": tf.maximum(tf.cast(usage, tf.float32), one_hot),
        "steps": tf.cast(steps, tf.int32) + 1,
    }


def rollout(policy, filters, thumbnails, num_steps, *, seed=None, dropout=False):
    """Runs `num_steps` decisions from fresh thumbnails (zero usage, step 0).

    Args:
      thumbnails: float32 [B, 64, 64, 3] linear RGB.
      seed: None (deterministic: argmax, no dropout) or int [2]: sample pi1 with per-step seeds
        folded from it; also dropout 0.5 when `dropout` (the authors' test-time variety).

    Returns:
      dict: "filter_index" int32 [B, S], "raw_parameters" float32 [B, S, P], "probabilities"
      [B, S, F], "thumbnails" [B, 64, 64, 3] the final state.
    """
    images = tf.convert_to_tensor(thumbnails, tf.float32)
    batch = tf.shape(images)[0]
    usage = tf.zeros([batch, len(filters)], tf.float32)
    steps = tf.zeros([batch], tf.int32)
    indices, raws, probs = [], [], []
    for k in range(num_steps):
        sample_seed = dropout_seeds = None
        if seed is not None:
            step_seed = tf.random.experimental.stateless_fold_in(
                tf.cast(seed, tf.int64), k)
            sample_seed = step_seed
            if dropout:
                dropout_seeds = tf.random.experimental.stateless_split(step_seed, 2)
        out = decision_step(policy, filters, images, usage, steps, sample_seed=sample_seed,
                            dropout_seeds=dropout_seeds)
        images, usage, steps = out["images"], out["usage"], out["steps"]
        indices.append(out["filter_index"])
        raws.append(out["raw_parameters"])
        probs.append(out["probabilities"])
    return {
        "filter_index": tf.stack(indices, axis=1),
        "raw_parameters": tf.stack(raws, axis=1),
        "probabilities": tf.stack(probs, axis=1),
        "thumbnails": images,
    }


def programs(decisions, filter_names):
    """Turns rollout outputs into one `mobile.program.Program` per image (human units).

    Args:
      decisions: dict with "filter_index" [B, S] and "raw_parameters" [B, S, P] (tensors or
        arrays), as `rollout` returns.
      filter_names: the agent's filter names (the order of the action space).
    """
    index = np.asarray(decisions["filter_index"])
    raw = np.asarray(decisions["raw_parameters"])
    offsets = np.cumsum([0] + [program_lib.num_raw_params(n) for n in filter_names])
    if raw.shape[-1] != offsets[-1]:
        raise ValueError(f"raw_parameters has {raw.shape[-1]} values per step; the filters "
                         f"{list(filter_names)} take {offsets[-1]}")
    result = []
    for b in range(index.shape[0]):
        steps = []
        for k in range(index.shape[1]):
            i = int(index[b, k])
            steps.append(program_lib.step_from_raw(
                filter_names[i], raw[b, k, offsets[i]:offsets[i + 1]]))
        result.append(program_lib.Program(tuple(steps)))
    return result


class Agent(tf.Module):
    """A trained policy with its filters: the decision API used by retouching and export.

    `decide(thumbnails)` is deterministic (argmax, no dropout); `sample(thumbnails, seed)`
    samples the filter choice with the stateless seed int64 [2] and, when `sample_dropout`,
    applies dropout 0.5 as the authors did at test time. Both take float32 [B, 64, 64, 3] linear
    RGB thumbnails and return the `rollout` dict.
    """

    def __init__(self, policy, num_steps, sample_dropout=True):
        super().__init__(name="exposure_agent")
        self.policy = policy
        self.filter_names = tuple(policy.filter_names)
        self.filters = filters_lib.build_filters(self.filter_names)
        self.num_steps = int(num_steps)
        self.sample_dropout = bool(sample_dropout)
        thumbnails = tf.TensorSpec([None, networks.IMAGE_SIZE, networks.IMAGE_SIZE, 3],
                                   tf.float32)
        # Per-instance tf.functions: a traced method would hold a weak reference to the first
        # instance that traced it.
        self.decide = tf.function(self._decide, input_signature=[thumbnails])
        self.sample = tf.function(self._sample, input_signature=[
            thumbnails, tf.TensorSpec([2], tf.int64)])

    def _decide(self, thumbnails):
        return rollout(self.policy, self.filters, thumbnails, self.num_steps)

    def _sample(self, thumbnails, seed):
        return rollout(self.policy, self.filters, thumbnails, self.num_steps, seed=seed,
                       dropout=self.sample_dropout)

    def programs(self, decisions):
        """`programs(decisions, self.filter_names)`."""
        return programs(decisions, self.filter_names)


def build_policy(config):
    """A built (weights created) `PolicyNetwork` for a `TrainConfig`."""
    policy = networks.PolicyNetwork(config.filters, config.num_steps,
                                    mask_used=config.mask_used_filters,
                                    statistics=config.policy_statistics)
    policy.build()
    return policy


def load_agent(model_dir, sample_dropout=True):
    """Rebuilds the agent of a model directory written by `exposure_train` (its config.json and
    newest intact checkpoint, the averaged policy when the run kept one; a damaged checkpoint is
    reported and passed over). Raises FileNotFoundError / ValueError naming the directory or the
    damaged files."""
    model_dir = pathlib.Path(model_dir)
    config = train_config.load(model_dir)
    policy = build_policy(config)
    key = AVERAGE_KEY if config.policy_average else "policy"
    restored = checkpoints.restore_newest_intact(
        tf.train.Checkpoint(**{key: networks.checkpoint_variables(policy)}),
        model_dir / CHECKPOINT_SUBDIR, partial=True)
    if restored is None:
        raise FileNotFoundError(2, f"{model_dir}: no checkpoint in {CHECKPOINT_SUBDIR}/; train "
                                   f"first (exposure_train --output_dir={model_dir})",
                                str(model_dir))
    return Agent(policy, config.num_steps, sample_dropout=sample_dropout)
