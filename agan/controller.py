"""The AGAN controller: a two-layer LSTM policy over architectures, trained with REINFORCE.

The controller (AGAN section 3.1, Figure 1) runs three segments in order, one per module kind in
`search_space.SEGMENT_NAMES`; each segment emits 11 actions ``o0, a0, o1, ..., a4, o5`` (section 4.2).

- Operation ``ok`` is drawn from ``softmax(C * tanh(logits / T))`` over the segment's vocabulary
  (`search_space.VOCABULARIES`) and fed back through an embedding.
- Adjacency vector ``ak`` has one entry per tensor ``x0 .. x5`` of the module; entry ``j`` is drawn
  from ``Bernoulli(sigmoid(C * tanh(logit_j / T)))`` for ``j < k + 2`` (the tensors that exist before
  ``o(k+1)``) and is 0 (masked, no probability mass) otherwise. It is fed back through a linear
  projection. So ``ak`` maps exactly to `Segment.adjacency[k]` (length ``k + 2``).
- Embeddings, projections and output heads are shared within a segment only; the LSTM state runs
  through all three segments. Each segment starts from a learned start token of its embedding.

Training (section 3.3): ``loss = -mean((R - b) * log P(actions)) - entropy_weight * mean(H)``, with
``b`` an exponential moving average of the batch-mean reward (AutoGAN's baseline), one Adam step per
call of `update` (the search calls it once per 10 rewards).
"""
import numpy as np

from agan import search_space

# Section 4.2: "a two-layer LSTM with 100 units".
UNITS = 100
NUM_LAYERS = 2
# Section 4.2: T = 5.0 and C = 2.5 when sampling operations ...
OPERATION_TEMPERATURE = 5.0
OPERATION_LOGIT_CLIP = 2.5
# ... and T = C = 1.0 when sampling adjacency vectors.
ADJACENCY_TEMPERATURE = 1.0
ADJACENCY_LOGIT_CLIP = 1.0
# Section 4.2: "policy gradient with learning rate 0.0006", "entropy temperature 0.0001".
LEARNING_RATE = 6e-4
ENTROPY_WEIGHT = 1e-4
# AutoGAN's moving-average baseline decay (docs/agan.md#conventions-of-the-field).
BASELINE_DECAY = 0.9
# Section 4.2: IS_min = 1 in the reward shaping.
IS_MIN = 1.0
# The reward is capped where IS reaches this fraction of the way from IS_min to IS_max, so that a
# score at or above IS_max (possible with few samples) gives a large finite reward.
IS_CAP_FRACTION = 0.99


def reward_from_inception_score(inception_score, is_max, is_min=IS_MIN):
    """The shaped reward ``R = (IS - IS_min) / (IS_max - IS)`` of section 3.3.

    IS is clipped to ``[IS_min, IS_min + IS_CAP_FRACTION * (IS_max - IS_min)]`` first, so R lies in
    ``[0, IS_CAP_FRACTION / (1 - IS_CAP_FRACTION)]`` (0 to 99) even when IS >= IS_max.
    Raises ValueError if ``is_max <= is_min`` or IS is not finite.
    """
    if not is_max > is_min:
        raise ValueError(f"is_max: the real-data IS ({is_max}) must exceed is_min ({is_min})")
    if not np.isfinite(inception_score):
        raise ValueError(f"inception_score: expected a finite number, got {inception_score}")
    cap = is_min + IS_CAP_FRACTION * (is_max - is_min)
    score = min(max(float(inception_score), is_min), cap)
    return (score - is_min) / (is_max - score)


class Controller:
    """The LSTM policy. All arrays returned are numpy.

    Actions are encoded as ``ops`` int32 [N, 3, num_operations] (index into the segment's
    vocabulary) and ``adjacency`` int32 [N, 3, num_operations - 1, num_operations] (0/1, zero in
    masked entries); `encode` / `decode` convert to and from `search_space.Architecture`.
    """

    def __init__(self, *, num_operations=search_space.NUM_OPERATIONS, units=UNITS,
                 num_layers=NUM_LAYERS, learning_rate=LEARNING_RATE,
                 entropy_weight=ENTROPY_WEIGHT, baseline_decay=BASELINE_DECAY, seed=0):
        import keras
        import tensorflow as tf

        if num_operations < 1:
            raise ValueError(f"num_operations: expected >= 1, got {num_operations}")
        self.num_operations = num_operations
        self.units = units
        self.entropy_weight = float(entropy_weight)
        self.baseline_decay = float(baseline_decay)
        self.segment_names = search_space.SEGMENT_NAMES
        self.vocabularies = [search_space.VOCABULARIES[name] for name in self.segment_names]
        init = keras.initializers
        seeds = iter(range(seed * 1000, seed * 1000 + 1000))

        def weight(shape, name, initializer="glorot"):
            if initializer == "glorot":
                value = init.GlorotUniform(seed=next(seeds))(shape)
            elif initializer == "orthogonal":
                value = init.Orthogonal(seed=next(seeds))(shape)
            elif initializer == "uniform":
                value = init.RandomUniform(-0.1, 0.1, seed=next(seeds))(shape)
            else:
                value = init.Zeros()(shape)
            return keras.Variable(value, name=name)

        # LSTM layer i: kernel [in, 4 * units], recurrent kernel, bias (forget gate bias 1), gates in
        # the order input, forget, cell, output.
        self.lstm = [
            (weight((units, 4 * units), f"lstm_{i}_kernel"),
             weight((units, 4 * units), f"lstm_{i}_recurrent", "orthogonal"),
             keras.Variable(np.concatenate([np.zeros(units), np.ones(units),
                                            np.zeros(2 * units)]).astype(np.float32),
                            name=f"lstm_{i}_bias"))
            for i in range(num_layers)]
        # Per segment: embedding with vocabulary + 1 rows (the last is the start token), operation
        # head, adjacency head, adjacency projection (no bias).
        self.embeddings, self.operation_heads, self.adjacency_heads = [], [], []
        self.adjacency_projections = []
        for name, vocabulary in zip(self.segment_names, self.vocabularies, strict=True):
            vocab = len(vocabulary)
            self.embeddings.append(weight((vocab + 1, units), f"embedding_{name}", "uniform"))
            self.operation_heads.append((weight((units, vocab), f"operation_head_{name}"),
                                         weight((vocab,), f"operation_bias_{name}", "zeros")))
            self.adjacency_heads.append(
                (weight((units, num_operations), f"adjacency_head_{name}"),
                 weight((num_operations,), f"adjacency_bias_{name}", "zeros")))
            self.adjacency_projections.append(
                weight((num_operations, units), f"adjacency_projection_{name}"))
        self.trainable_variables = (
            [v for layer in self.lstm for v in layer] + self.embeddings
            + [v for head in self.operation_heads + self.adjacency_heads for v in head]
            + self.adjacency_projections)
        self.rng = tf.random.Generator.from_seed(seed)
        self.baseline = tf.Variable(0.0, dtype=tf.float32, trainable=False, name="baseline")
        self.num_updates = tf.Variable(0, dtype=tf.int64, trainable=False, name="num_updates")
        self.optimizer = keras.optimizers.Adam(learning_rate)
        self.optimizer.build(self.trainable_variables)
        self._sample_fn = tf.function(lambda n: self._unroll(n, None, None), autograph=False)
        self._score_fn = tf.function(lambda ops, adj: self._unroll(tf.shape(ops)[0], ops, adj),
                                     autograph=False)
        self._update_fn = tf.function(self._update_step, autograph=False)

    def _unroll(self, batch, given_ops, given_adjacency):
        """Runs the three segments; samples where `given_*` is None, else scores the given actions.

        Returns (ops [B, 3, K] int32, adjacency [B, 3, K-1, K] int32, log_prob [B], entropy [B],
        operation probabilities: list per segment of [B, K, vocab]).
        """
        import tensorflow as tf

        k_ops = self.num_operations
        states = [(tf.zeros([batch, self.units]), tf.zeros([batch, self.units]))
                  for _ in self.lstm]
        log_prob = tf.zeros([batch])
        entropy = tf.zeros([batch])
        all_ops, all_adjacency, all_probs = [], [], []

        def step(x):
            for i, (kernel, recurrent, bias) in enumerate(self.lstm):
                h, c = states[i]
                gates = tf.matmul(x, kernel) + tf.matmul(h, recurrent) + bias
                gate_i, gate_f, gate_c, gate_o = tf.split(gates, 4, axis=-1)
                c = tf.sigmoid(gate_f) * c + tf.sigmoid(gate_i) * tf.tanh(gate_c)
                x = tf.sigmoid(gate_o) * tf.tanh(c)
                states[i] = (x, c)
            return x

        def dense(x, head):
            return tf.matmul(x, head[0]) + head[1]

        for s, vocabulary in enumerate(self.vocabularies):
            vocab = len(vocabulary)
            x = tf.gather(self.embeddings[s], tf.fill([batch], vocab))
            segment_ops, segment_adjacency, segment_probs = [], [], []
            for k in range(k_ops):
                h = step(x)
                logits = OPERATION_LOGIT_CLIP * tf.tanh(
                    dense(h, self.operation_heads[s]) / OPERATION_TEMPERATURE)
                log_probs = tf.nn.log_softmax(logits)
                if given_ops is None:
                    gumbel = -tf.math.log(-tf.math.log(
                        self.rng.uniform([batch, vocab], 1e-20, 1.0)))
                    op = tf.argmax(logits + gumbel, axis=-1, output_type=tf.int32)
                else:
                    op = tf.cast(given_ops[:, s, k], tf.int32)
                log_prob += tf.gather(log_probs, op, batch_dims=1)
                entropy -= tf.reduce_sum(tf.exp(log_probs) * log_probs, axis=-1)
                segment_ops.append(op)
                segment_probs.append(tf.exp(log_probs))
                x = tf.gather(self.embeddings[s], op)
                if k == k_ops - 1:
                    break
                h = step(x)
                logits = ADJACENCY_LOGIT_CLIP * tf.tanh(
                    dense(h, self.adjacency_heads[s]) / ADJACENCY_TEMPERATURE)
                mask = tf.cast(tf.range(k_ops) < k + 2, tf.float32)[None]
                if given_adjacency is None:
                    chosen = tf.cast(self.rng.uniform([batch, k_ops]) < tf.sigmoid(logits),
                                     tf.float32) * mask
                else:
                    chosen = tf.cast(given_adjacency[:, s, k], tf.float32) * mask
                log_prob += tf.reduce_sum(
                    mask * (chosen * tf.math.log_sigmoid(logits)
                            + (1.0 - chosen) * tf.math.log_sigmoid(-logits)), axis=-1)
                p = tf.sigmoid(logits)
                entropy -= tf.reduce_sum(
                    mask * (p * tf.math.log_sigmoid(logits)
                            + (1.0 - p) * tf.math.log_sigmoid(-logits)), axis=-1)
                segment_adjacency.append(tf.cast(chosen, tf.int32))
                x = tf.matmul(chosen, self.adjacency_projections[s])
            all_ops.append(tf.stack(segment_ops, axis=1))
            if segment_adjacency:
                all_adjacency.append(tf.stack(segment_adjacency, axis=1))
            else:
                all_adjacency.append(tf.zeros([batch, 0, k_ops], tf.int32))
            all_probs.append(tf.stack(segment_probs, axis=1))
        return (tf.stack(all_ops, axis=1), tf.stack(all_adjacency, axis=1), log_prob, entropy,
                all_probs)

    def _update_step(self, ops, adjacency, rewards):
        import tensorflow as tf

        mean_reward = tf.reduce_mean(rewards)
        baseline = tf.where(self.num_updates == 0, mean_reward,
                            self.baseline_decay * self.baseline
                            + (1.0 - self.baseline_decay) * mean_reward)
        self.baseline.assign(baseline)
        advantages = rewards - baseline
        variables = self.trainable_variables
        with tf.GradientTape() as tape:
            _, _, log_prob, entropy, _ = self._unroll(tf.shape(ops)[0], ops, adjacency)
            loss = (-tf.reduce_mean(advantages * log_prob)
                    - self.entropy_weight * tf.reduce_mean(entropy))
        self.optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables, strict=True))
        self.num_updates.assign_add(1)
        return {"loss": loss, "baseline": baseline, "mean_reward": mean_reward,
                "entropy": tf.reduce_mean(entropy)}

    def encode(self, architectures):
        """(ops [N, 3, K] int32, adjacency [N, 3, K-1, K] int32) of `architectures`.

        Raises ValueError if a segment does not have exactly K = `num_operations` operations.
        """
        k_ops = self.num_operations
        ops = np.zeros((len(architectures), 3, k_ops), np.int32)
        adjacency = np.zeros((len(architectures), 3, k_ops - 1, k_ops), np.int32)
        for n, architecture in enumerate(architectures):
            for s, (name, segment) in enumerate(architecture.segments().items()):
                if segment.num_operations != k_ops:
                    raise ValueError(
                        f"architectures[{n}].{name}: the controller emits {k_ops} operations, "
                        f"this segment has {segment.num_operations}")
                vocabulary = self.vocabularies[s]
                ops[n, s] = [vocabulary.index(op) for op in segment.ops]
                for k, vector in enumerate(segment.adjacency):
                    adjacency[n, s, k, :len(vector)] = vector
        return ops, adjacency

    def decode(self, ops, adjacency, description="sampled by the AGAN controller"):
        """The `Architecture`s that actions (as in `encode`) describe."""
        architectures = []
        for n in range(len(ops)):
            segments = {}
            for s, name in enumerate(self.segment_names):
                vocabulary = self.vocabularies[s]
                segments[name] = search_space.Segment(
                    [vocabulary[int(i)] for i in ops[n, s]],
                    [[int(v) for v in adjacency[n, s, k, :k + 2]]
                     for k in range(self.num_operations - 1)],
                    vocabulary=vocabulary, where=name)
            architectures.append(search_space.Architecture(**segments, description=description))
        return architectures

    def sample(self, num):
        """Samples `num` >= 1 architectures from the current policy.

        Returns: (list of `Architecture`, log-probabilities float [num] of the sampled actions).
        """
        import tensorflow as tf

        if num < 1:
            raise ValueError(f"num: expected >= 1 architectures, got {num}")
        ops, adjacency, log_prob, _, _ = self._sample_fn(tf.constant(num, tf.int32))
        return self.decode(ops.numpy(), adjacency.numpy()), log_prob.numpy()

    def log_probabilities(self, architectures):
        """log P(architecture) under the current policy, float [N] (<= 0)."""
        ops, adjacency = self.encode(architectures)
        return self._score_fn(ops, adjacency)[2].numpy()

    def update(self, architectures, rewards):
        """One REINFORCE step on (architectures, rewards); returns the scalars as floats:
        loss, baseline (after this batch), mean_reward, entropy (mean per architecture, nats)."""
        if len(architectures) != len(rewards) or not len(rewards):
            raise ValueError(
                f"update: needs as many rewards as architectures (>= 1), got "
                f"{len(rewards)} rewards for {len(architectures)} architectures")
        ops, adjacency = self.encode(architectures)
        result = self._update_fn(ops, adjacency, np.asarray(rewards, np.float32))
        return {name: float(value) for name, value in result.items()}

    def operation_probabilities(self, num_samples=64):
        """Each segment's operation distribution: ``{segment name: float [K, vocab]}``.

        Row k is P(o_k = token), averaged over the contexts of `num_samples` sampled sequences
        (exact when earlier actions do not matter); rows sum to 1.
        """
        import tensorflow as tf

        probs = self._sample_fn(tf.constant(num_samples, tf.int32))[4]
        return {name: p.numpy().mean(axis=0) for name, p in zip(self.segment_names, probs,
                                                                strict=True)}

    def get_state(self):
        """``{name: numpy array}``: weights, optimizer slots, baseline, update count, RNG state."""
        state = {f"weight_{i}": v.numpy() for i, v in enumerate(self.trainable_variables)}
        state.update({f"optimizer_{i}": v.numpy()
                      for i, v in enumerate(self.optimizer.variables)})
        state["baseline"] = self.baseline.numpy()
        state["num_updates"] = self.num_updates.numpy()
        state["rng_state"] = self.rng.state.numpy()
        return state

    def set_state(self, state):
        """Restores `get_state()` output; raises ValueError naming a missing or mis-shaped entry."""
        targets = {f"weight_{i}": v for i, v in enumerate(self.trainable_variables)}
        targets.update({f"optimizer_{i}": v for i, v in enumerate(self.optimizer.variables)})
        targets.update(baseline=self.baseline, num_updates=self.num_updates,
                       rng_state=self.rng.state)
        for name, variable in targets.items():
            if name not in state:
                raise ValueError(f"controller state: missing {name!r}")
            value = np.asarray(state[name])
            if tuple(value.shape) != tuple(variable.shape):
                raise ValueError(f"controller state: {name!r} has shape {value.shape}, "
                                 f"expected {tuple(variable.shape)}")
            variable.assign(value)
