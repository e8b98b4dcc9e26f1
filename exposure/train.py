"""Algorithm 1 of the Exposure paper: unpaired training of the retouching agent.

Each iteration (paper, Algorithm 1 and sections 5.2-5.4):
1. n_critic WGAN-GP updates of the critic D on finished images from the replay memory against
   target patches (the critic sees only finished images);
2. one actor step on a batch drawn from the replay memory (finished states replaced by fresh RAW
   patches): pi1 by the policy gradient with the TD error as advantage, pi2 by the deterministic
   policy gradient through the differentiable filters, the value network by the TD error;
   reward = 0.05 * (D(out) - D(in)) minus the out-of-range, entropy and reuse penalties; gamma 1;
3. the new states go back into the memory.

State lives in a `tf.train.Checkpoint` (networks, optimizers, random generator, iteration)
managed by `tf.train.CheckpointManager` in `<output_dir>/checkpoints`; running the same command
again resumes from the newest intact checkpoint (the replay memory is refilled and warmed up
again, as the authors' code does on restore). `<output_dir>/config.json` describes the model,
`<output_dir>/logs` holds TensorBoard summaries, `<output_dir>/summary.json` the last run's
figures.
"""
import json
import math
import pathlib
import time

import keras
import numpy as np
import tensorflow as tf
import tqdm

from commandline import checkpoints
from exposure import agent as agent_lib
from exposure import data as data_lib
from exposure import heldout as heldout_lib
from exposure import networks, train_config
from exposure.filters import build_filters
from exposure.replay import ReplayMemory
from exposure.train_config import TrainConfig
from mobile.atomic import atomic_output

__all__ = ["Learner", "TrainConfig", "train"]

LOG_SUBDIR = "logs"
SUMMARY_FILE = "summary.json"
NUM_PREVIEW = 8  # images in the TensorBoard before/after grids
_MAX_WARMUP_STEPS = 10000
RAW_LIMIT = 2.0  # |raw output| beyond which tanh(x) is within 4% of its end (saturation_penalty)


class Learner(tf.Module):
    """The networks, optimizers and `tf.function` train steps of one run."""

    def __init__(self, config):
        super().__init__(name="exposure_learner")
        self.config = config
        self.policy = agent_lib.build_policy(config)
        self.value = networks.ValueNetwork(len(config.filters), config.num_steps)
        self.value.build()
        self.critic = networks.Critic(config.critic_resolution, config.critic_width,
                                       config.critic_view)
        self.critic.build()
        self.filters = build_filters(config.filters)
        # The policy retouching uses: a moving average of self.policy's weights, or self.policy.
        self.average = None
        if config.policy_average:
            self.average = agent_lib.build_policy(config)
            for mean, weight in zip(self.average.weights, self.policy.weights, strict=True):
                mean.assign(weight)
        self.optimizers = {}
        for name, model, lr in (("policy", self.policy, config.actor_lr),
                                ("value", self.value, config.value_lr),
                                ("critic", self.critic, config.critic_lr)):
            opt = keras.optimizers.Adam(lr, beta_1=config.adam_beta1, beta_2=config.adam_beta2,
                                        name=f"{name}_adam")
            opt.build(model.trainable_variables)
            self.optimizers[name] = opt
        self.rng = tf.random.Generator.from_seed(config.seed)
        self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="iteration")

    def checkpoint(self):
        """The `tf.train.Checkpoint` of everything that training changes."""
        return tf.train.Checkpoint(
            step=self.step, rng=self.rng,
            policy=networks.checkpoint_variables(self.policy),
            value=networks.checkpoint_variables(self.value),
            critic=networks.checkpoint_variables(self.critic),
            **({} if self.average is None else
               {agent_lib.AVERAGE_KEY: networks.checkpoint_variables(self.average)}),
            **{f"{name}_optimizer": opt for name, opt in self.optimizers.items()})

    @property
    def retouching_policy(self):
        """The policy whose decisions retouching and export use (the average when kept)."""
        return self.policy if self.average is None else self.average

    def set_learning_rates(self, iteration):
        """Sets the decayed rates of `config.learning_rates(iteration)`; returns them."""
        rates = self.config.learning_rates(iteration)
        for name, rate in zip(("policy", "critic", "value"), rates, strict=True):
            self.optimizers[name].learning_rate = rate
        return rates

    def _training_decision(self, images, usage, steps):
        seeds = self.rng.make_seeds(3)
        return agent_lib.decision_step(
            self.policy, self.filters, images, usage, steps,
            sample_seed=seeds[:, 0], dropout_seeds=tf.transpose(seeds[:, 1:]))

    @tf.function
    def act(self, images, usage, steps):
        """One decision step as in training (sampled, dropout) without learning: (images, usage,
        steps) of the new states."""
        out = self._training_decision(images, usage, steps)
        return out["images"], out["usage"], out["steps"]

    @tf.function
    def fresh_fakes(self, images):
        """The current policy's finished images [b, 64, 64, 3] of fresh patches `images`: a
        whole episode of training decisions (sampled, dropout) without learning."""
        batch = tf.shape(images)[0]
        usage = tf.zeros([batch, len(self.config.filters)], tf.float32)
        steps = tf.zeros([batch], tf.int32)
        for _ in range(self.config.num_steps):
            out = self._training_decision(images, usage, steps)
            images, usage, steps = out["images"], out["usage"], out["steps"]
        return images

    @tf.function
    def critic_step(self, fake, real):
        """One WGAN-GP update of D on finished images `fake` and target patches `real` (both
        [b, 64, 64, 3]). Returns scalar metrics."""
        cfg = self.config
        alpha = self.rng.uniform([tf.shape(real)[0], 1, 1, 1])
        mixed = real + alpha * (fake - real)
        with tf.GradientTape() as tape:
            with tf.GradientTape() as inner:
                inner.watch(mixed)
                mixed_score = self.critic(mixed)
            grad = inner.gradient(mixed_score, mixed)
            norm = tf.sqrt(1e-6 + tf.reduce_sum(tf.square(grad), axis=[1, 2, 3]))
            excess = tf.maximum(norm - 1.0, 0.0) if cfg.one_sided_penalty else norm - 1.0
            penalty = cfg.gradient_penalty * tf.reduce_mean(tf.square(excess))
            fake_score = tf.reduce_mean(self.critic(fake))
            real_score = tf.reduce_mean(self.critic(real))
            loss = fake_score - real_score + penalty
        variables = self.critic.trainable_variables
        self.optimizers["critic"].apply_gradients(
            zip(tape.gradient(loss, variables), variables, strict=True))
        return {"critic/loss": loss, "critic/wasserstein": real_score - fake_score,
                "critic/gradient_penalty": penalty, "critic/gradient_norm": tf.reduce_mean(norm)}

    @tf.function
    def actor_step(self, images, usage, steps, progress):
        """One actor-critic update on the states (images [b, 64, 64, 3], usage [b, F], steps
        [b]); `progress` in [0, 1] scales the entropy penalty. Returns (new images, usage, steps,
        scalar metrics, chosen filter indices [b])."""
        cfg = self.config
        num_filters = len(cfg.filters)
        with tf.GradientTape(persistent=True) as tape:
            out = self._training_decision(images, usage, steps)
            new_images = out["images"]
            finished = tf.cast(out["steps"] >= cfg.num_steps, tf.float32)
            score_in = tf.stop_gradient(self.critic(images))
            score_out = self.critic(new_images)
            entropy = networks.entropy(out["probabilities"])
            entropy_penalty = ((1.0 - progress) * cfg.entropy_penalty
                               * (networks.max_entropy(num_filters) - entropy))
            reused = tf.reduce_sum(tf.cast(usage, tf.float32) * out["one_hot"], axis=-1)
            out_of_range = tf.reduce_mean(tf.square(tf.maximum(new_images - 1.0, 0.0)),
                                          axis=[1, 2, 3])
            penalty = (cfg.range_penalty * out_of_range + entropy_penalty
                       + cfg.reuse_penalty * reused)
            reward = cfg.reward_scale * (score_out - score_in) - penalty
            old_value = self.value(images, usage, steps)
            new_value = self.value(new_images, out["usage"], out["steps"]) * (1.0 - finished)
            q = reward + cfg.gamma * new_value
            advantage = tf.stop_gradient(q) - old_value
            value_loss = tf.reduce_mean(0.5 * tf.square(advantage))
            log_pi = tf.reduce_sum(out["one_hot"] * tf.math.log(out["probabilities"] + 1e-10),
                                   axis=-1)
            # -Q drives pi2 through the filters (eq. 6); log pi1 * TD error drives pi1 (eq. 5).
            actor_loss = tf.reduce_mean(-q - log_pi * tf.stop_gradient(advantage))
            # Raw outputs far past tanh's slope pin a parameter at its range end for good.
            saturated = tf.reduce_sum(tf.square(tf.maximum(
                tf.abs(out["raw_parameters"]) - RAW_LIMIT, 0.0)), axis=-1)
            actor_loss += cfg.saturation_penalty * tf.reduce_mean(saturated)
        for name, model, loss in (("policy", self.policy, actor_loss),
                                  ("value", self.value, value_loss)):
            variables = model.trainable_variables
            grads = tape.gradient(loss, variables)
            self.optimizers[name].apply_gradients(zip(grads, variables, strict=True))
        del tape
        if self.average is not None:
            decay = cfg.policy_average
            for mean, weight in zip(self.average.weights, self.policy.weights, strict=True):
                mean.assign(decay * mean + (1.0 - decay) * weight)
        metrics = {
            "actor/loss": actor_loss, "value/loss": value_loss,
            "reward/total": tf.reduce_mean(reward),
            "reward/critic_gain": tf.reduce_mean(cfg.reward_scale * (score_out - score_in)),
            "penalty/out_of_range": tf.reduce_mean(out_of_range),
            "penalty/entropy": tf.reduce_mean(entropy_penalty),
            "penalty/reuse": tf.reduce_mean(reused),
            "penalty/saturation": tf.reduce_mean(saturated),
            "policy/entropy": tf.reduce_mean(entropy),
            "value/mean": tf.reduce_mean(old_value),
            "actor/finished_fraction": tf.reduce_mean(finished),
        }
        return new_images, out["usage"], out["steps"], metrics, out["filter_index"]


def _derived_seed(*parts):
    return int(np.random.SeedSequence([int(p) for p in parts]).generate_state(1)[0] & 0x7FFFFFFF)


def _batches(patches, batch_size, seed):
    """Endless numpy batches [b, 64, 64, 3] of augmented crops (exposure.data)."""
    for batch in data_lib.training_dataset(patches, batch_size=batch_size, seed=seed):
        yield batch.numpy()


def _fill(batches, count):
    images = []
    while sum(len(b) for b in images) < count:
        images.append(next(batches))
    return np.concatenate(images)[:count]


def _check_same_config(config, output_dir):
    saved = train_config.load(output_dir)
    if saved != config:
        diffs = [f"{k}: saved {v!r}, now {config.to_dict()[k]!r}"
                 for k, v in saved.to_dict().items() if config.to_dict()[k] != v]
        raise ValueError(f"{output_dir} holds a run with other settings ({'; '.join(diffs)}); "
                         f"use the same flags to resume, or a new --output_dir")


def _write_summary(path, summary):
    with atomic_output(path) as tmp:
        pathlib.Path(tmp).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


def train(config, output_dir, raw_dir, target_dir, *, cache_dir=None, stop_after=None,
          progress=True, heldout_dir=None, heldout_truth_dir=None):
    """Trains (or resumes training of) the agent; returns a summary dict.

    Args:
      config: a `TrainConfig`.
      output_dir: the model directory (created; an existing one with a checkpoint resumes, and
        must hold the same config).
      raw_dir, target_dir: folders of input photos (RAW/TIFF/PNG/JPEG, linear) and target photos
        (sRGB); unreadable files are skipped and reported.
      cache_dir: patch cache folder (exposure.cache default when None).
      stop_after: stop this run after this many iterations (a checkpoint is written), e.g. for
        time-sliced jobs; None runs to `config.iterations`.
      progress: show progress bars.
      heldout_dir: optional folder of held-out input photos, scored every `config.eval_every`
        iterations and at the end (exposure.heldout): histogram intersection against the
        targets and, with `heldout_truth_dir` (the style's result of the same photos, by file
        stem), CIE ΔE2000; logged to TensorBoard as heldout/* (the photos as they come in: at
        step 0 as heldout_input/*) and returned under "heldout".

    Returns:
      dict: start_iteration, final_iteration, iterations_run, seconds and iterations_per_second
      of the training loop (tracing and the boosted critic iterations included), parameters (per
      network), skipped files, last metrics, checkpoint path.
    """
    output_dir = pathlib.Path(output_dir)
    resuming = (output_dir / train_config.CONFIG_FILE).exists()
    if resuming:
        _check_same_config(config, output_dir)
    raw_patches, raw_report = data_lib.load_collection(
        raw_dir, kind="input", cache_dir=cache_dir, seed=config.seed,
        tiff_encoding=config.tiff_encoding, progress=progress)
    target_patches, target_report = data_lib.load_collection(
        target_dir, kind="target", cache_dir=cache_dir, seed=config.seed, progress=progress)
    output_dir.mkdir(parents=True, exist_ok=True)
    if not resuming:
        train_config.save(config, output_dir)

    learner = Learner(config)
    checkpoint = learner.checkpoint()
    manager = tf.train.CheckpointManager(
        checkpoint, str(output_dir / agent_lib.CHECKPOINT_SUBDIR),
        max_to_keep=config.keep_checkpoints, step_counter=learner.step)
    checkpoints.resume(checkpoint, manager.directory)
    start = int(learner.step.numpy())
    end = config.iterations if stop_after is None else min(config.iterations, start + stop_after)

    raws = _batches(raw_patches, config.batch_size, _derived_seed(config.seed, start, 1))
    targets = _batches(target_patches, config.batch_size, _derived_seed(config.seed, start, 2))
    memory = ReplayMemory(_fill(raws, config.replay_size), len(config.filters), config.num_steps,
                          seed=_derived_seed(config.seed, start, 3))
    preview = tf.constant(_fill(raws, NUM_PREVIEW))
    if end > start:
        _warm_up(learner, memory, raws)

    writer = tf.summary.create_file_writer(str(output_dir / LOG_SUBDIR))
    evaluation = None
    if heldout_dir is not None:
        evaluation = _HeldoutEvaluation(
            heldout_lib.load(heldout_dir, target_patches, truth_dir=heldout_truth_dir,
                             tiff_encoding=config.tiff_encoding),
            agent_lib.Agent(learner.retouching_policy, config.num_steps), writer)
    fakes = {"finished": memory.sample_finished, "edited": memory.sample_edited,
             "fresh": lambda size: learner.fresh_fakes(tf.constant(next(raws)[:size]))
             }[config.critic_fakes]
    metrics, usage_counts = {}, np.zeros(len(config.filters), np.int64)
    began = time.perf_counter()
    bar = tqdm.trange(start, end, desc="exposure_train", unit="it", disable=not progress,
                      initial=start, total=config.iterations)
    for iteration in bar:
        rates = learner.set_learning_rates(iteration)
        for _ in range(config.critic_steps(iteration)):
            critic_metrics = learner.critic_step(
                tf.convert_to_tensor(fakes(config.batch_size)), tf.constant(next(targets)))
        slots, images, usage, steps = memory.draw(config.batch_size, next(raws))
        new_images, new_usage, new_steps, actor_metrics, chosen = learner.actor_step(
            tf.constant(images), tf.constant(usage), tf.constant(steps),
            tf.constant(iteration / config.iterations, tf.float32))
        memory.put_back(slots, new_images.numpy(), new_usage.numpy(), new_steps.numpy())
        usage_counts += np.bincount(chosen.numpy(), minlength=len(config.filters))
        learner.step.assign_add(1)
        done = iteration + 1
        metrics = {k: float(v) for k, v in {**critic_metrics, **actor_metrics}.items()}
        if not all(math.isfinite(v) for v in metrics.values()):
            bad = [k for k, v in metrics.items() if not math.isfinite(v)]
            raise FloatingPointError(f"iteration {done}: non-finite metrics {bad}")
        if done % config.log_every == 0 or done == end:
            _log_scalars(writer, done, metrics, rates, usage_counts, config.filters)
            usage_counts[:] = 0
        if done % config.image_every == 0 or done == end:
            _log_images(writer, done, learner, preview)
        if evaluation is not None and (done % config.eval_every == 0 or done == end):
            evaluation.run(done)
        bar.set_postfix(critic=f"{metrics['critic/wasserstein']:.3f}",
                        reward=f"{metrics['reward/total']:.3f}",
                        **({} if evaluation is None else evaluation.postfix()))
        if done % config.checkpoint_every == 0:
            manager.save(checkpoint_number=done)
    if end % config.checkpoint_every and (end > start or manager.latest_checkpoint is None):
        manager.save(checkpoint_number=end)
    seconds = time.perf_counter() - began
    writer.flush()
    summary = {
        "output_dir": str(output_dir),
        "start_iteration": start,
        "final_iteration": int(learner.step.numpy()),
        "iterations_run": end - start,
        "seconds": round(seconds, 3),
        "iterations_per_second": round((end - start) / seconds, 4) if end > start else None,
        "parameters": {name: networks.parameter_count(model) for name, model in
                       (("policy", learner.policy), ("value", learner.value),
                        ("critic", learner.critic))},
        "skipped_files": [[str(p), r] for p, r in raw_report.skipped + target_report.skipped],
        "metrics": metrics,
        "checkpoint": manager.latest_checkpoint,
    }
    if evaluation is not None:
        if evaluation.last is None:
            evaluation.run(end)
        summary["heldout"] = {"photos": list(evaluation.heldout.names),
                              "input_as_is": evaluation.baseline, "retouched": evaluation.last,
                              "skipped": [list(s) for s in evaluation.heldout.skipped]}
        if evaluation.heldout.truths is not None:
            summary["heldout"]["truth"] = evaluation.truth()
    summary["parameters"]["total"] = sum(summary["parameters"].values())
    _write_summary(output_dir / SUMMARY_FILE, summary)
    return summary


class _HeldoutEvaluation:
    """Scores the policy on a `heldout.HeldoutSet` and logs heldout/* scalars."""

    def __init__(self, heldout, agent, writer):
        self.heldout, self.agent, self.writer = heldout, agent, writer
        self.baseline = heldout.baseline()
        self.last = None
        with writer.as_default(step=0):
            for name, value in self.baseline.items():
                tf.summary.scalar(f"heldout_input/{name}", value)
            for name, value in self.truth().items():
                tf.summary.scalar(f"heldout_truth/{name}", value)

    def truth(self):
        """The truths' own histogram scores ({} without truths): the unpaired scores' ceiling."""
        return {k: v for k, v in (self.heldout.truth_score() or {}).items()
                if k.startswith("hist_")}

    def postfix(self):
        """The progress bar's held-out figure: median ΔE2000 (or luminance intersection)."""
        if self.last is None:
            return {}
        if "delta_e2000_median" in self.last:
            return {"heldout_dE": f"{self.last['delta_e2000_median']:.2f}"}
        return {"heldout_lum": f"{self.last['hist_luminance']:.2f}"}

    def run(self, step):
        self.last = self.heldout.evaluate(self.agent)
        with self.writer.as_default(step=step):
            for name, value in self.last.items():
                tf.summary.scalar(f"heldout/{name}", value)
        return self.last


def _warm_up(learner, memory, raws):
    """Runs the actor without learning until the memory holds a batch of finished images, so
    the critic has finished images from the first iteration (the authors' code runs 100 actor
    steps at learning rate 0 for this)."""
    batch = learner.config.batch_size
    for _ in range(_MAX_WARMUP_STEPS):
        if memory.num_finished >= batch:
            return
        slots, images, usage, steps = memory.draw(batch, next(raws))
        new = learner.act(tf.constant(images), tf.constant(usage), tf.constant(steps))
        memory.put_back(slots, *(t.numpy() for t in new))
    raise RuntimeError(f"replay memory: fewer than {batch} finished images after "
                       f"{_MAX_WARMUP_STEPS} warm-up steps")


def _log_scalars(writer, step, metrics, rates, usage_counts, filter_names):
    with writer.as_default(step=step):
        for name, value in metrics.items():
            tf.summary.scalar(name, value)
        for name, rate in zip(("policy", "critic", "value"), rates, strict=True):
            tf.summary.scalar(f"learning_rate/{name}", rate)
        total = max(1, int(usage_counts.sum()))
        for name, count in zip(filter_names, usage_counts, strict=True):
            tf.summary.scalar(f"filter_usage/{name}", count / total)
        chosen = np.repeat(np.arange(len(filter_names)), usage_counts)
        if len(chosen):
            tf.summary.histogram("filter_usage", chosen, buckets=len(filter_names))


def _log_images(writer, step, learner, preview):
    """A before/after grid: the linear inputs (top row, clipped, so they look dark) and the
    deterministic rollout's outputs (bottom row)."""
    decisions = agent_lib.rollout(learner.retouching_policy, learner.filters, preview,
                                  learner.config.num_steps)
    rows = [tf.clip_by_value(preview, 0.0, 1.0),
            tf.clip_by_value(decisions["thumbnails"], 0.0, 1.0)]
    grid = tf.concat([tf.concat(tf.unstack(row), axis=1) for row in rows], axis=0)
    with writer.as_default(step=step):
        tf.summary.image("before_after", grid[None])
