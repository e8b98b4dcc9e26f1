"""Child GAN training (AGAN paper section 4.2) and its evaluation by Inception Score and FID.

`train(config, output_dir)` builds the generator and discriminator of one architecture, trains them
with the hinge loss, and scores the result. State lives in a `tf.train.Checkpoint` under
`output_dir/checkpoints`: calling `train` again with the same arguments resumes at the newest
intact checkpoint (`commandline.checkpoints`). Output folder layout:

    checkpoints/         tf.train.CheckpointManager files
    model.json           the settings the checkpoints need on resume (`agan.resume`)
    history.jsonl        the losses of every logged step, kept across resumes
    tensorboard/         tf.summary scalars (losses, IS, FID) and sample images
    samples_<step>.png   8x8 sample grids from a fixed noise batch
    result.json          Inception Score (mean, std), FID, the classifier used, steps, paths
"""
import contextlib
import dataclasses
import functools
import gc
import pathlib
import time

import numpy as np
from tqdm import tqdm

from agan import image_grid, metrics, resume
from agan.dataclass_flags import flag_field
from mobile.atomic import write_json_atomically

CLASSIFIER_CHOICES = ("auto", "dataset", "inception")
# Datasets that have a published Inception-based IS/FID; "auto" uses InceptionV3 for these.
INCEPTION_DATASETS = ("cifar10", "stl10")
SAMPLE_GRID_SIZE = 64


def _dataset_names():
    from agan import data  # imports TensorFlow; only when the --dataset flag is defined

    return data.DATASETS


@dataclasses.dataclass
class TrainConfig:
    """Settings of one child GAN run. Defaults are the paper's search-time settings (section 4.2).

    Each field with help is the agan_train (and agan_search) flag of the same name.
    architecture: path of an architecture JSON file, or an `agan.search_space.Architecture`.
    steps: each generator update is preceded by `d_steps_per_g_step` discriminator updates.
    *_every: a final checkpoint and sample grid are always written, whatever the interval.
    """

    architecture: object = None
    dataset: str = flag_field(
        "builtin", "Training data: builtin (rendered shapes, no download), cifar10, stl10, folder, "
        "npz.", choices=_dataset_names)
    data_dir: str | None = flag_field(
        None, "cifar10/stl10: archive folder (default: Keras cache); folder/npz: the data.")
    data_limit: int | None = flag_field(
        None, "Use at most this many training images (default: all).", lower_bound=1)
    conditional: bool = flag_field(
        False, "Class-conditional GAN (conditional BN in G, projection D; paper section 4.3).")
    # Section 4.2: children are trained for 5,000 steps during the search.
    steps: int = flag_field(
        5000, "Generator updates (paper: 5,000 in the search, 50,000 final).", lower_bound=1)
    # Section 4.2: 128 channels in G and D (doubled for final training, section 4.3).
    channels: int = flag_field(
        128, "Channels of G and D (paper: 128 search, 256 final).", lower_bound=1)
    latent_dim: int = flag_field(128, "Dimension of the noise z.", lower_bound=1)
    # Section 4.2: "The discriminator is updated 5 steps per one generator update step."
    d_steps_per_g_step: int = flag_field(
        5, "Discriminator updates per G update.", lower_bound=1)
    # Section 4.2: batch size 64 for real samples, 64 generated per D update, 128 per G update.
    real_batch_size: int = flag_field(64, "Real images per D update.", lower_bound=1)
    fake_batch_size: int = flag_field(64, "Generated images per D update.", lower_bound=1)
    g_batch_size: int = flag_field(128, "Generated images per G update.", lower_bound=1)
    # Section 4.2: Adam with learning rate 0.0002, beta1 = 0, beta2 = 0.9.
    learning_rate: float = flag_field(2e-4, "Adam learning rate of G and D.", lower_bound=0.0)
    beta1: float = flag_field(0.0, "Adam beta1.", lower_bound=0.0)
    beta2: float = flag_field(0.9, "Adam beta2.", lower_bound=0.0)
    # Section 4.2: Inception Score from 50,000 samples in 10 groups.
    eval_samples: int = flag_field(
        50000, "Generated samples for IS and FID (also the real samples for FID).", lower_bound=1)
    is_splits: int = flag_field(10, "Groups the IS samples are split into.", lower_bound=1)
    eval_batch_size: int = 500
    classifier: str = flag_field(
        "auto", "Network for IS/FID: dataset (small CNN trained once on the dataset and cached), "
        "inception (Keras InceptionV3 ImageNet weights from the Keras cache, never downloaded), "
        "auto (inception for cifar10/stl10, dataset otherwise). Neither is comparable to published "
        "scores.", choices=CLASSIFIER_CHOICES)
    inception_weights: str | None = flag_field(
        None, "InceptionV3 weights .h5 (default: ~/.keras/models/"
        "inception_v3_weights_tf_dim_ordering_tf_kernels.h5).")
    classifier_cache_dir: str | None = flag_field(
        None, "Where dataset classifiers are cached (default: $AGAN_CACHE_DIR or "
        "~/.cache/agan/classifiers).")
    classifier_samples: int = flag_field(
        10000, "Training images for the dataset classifier.", lower_bound=1)
    classifier_epochs: int = flag_field(5, "Epochs of the dataset classifier.", lower_bound=1)
    classifier_seed: int = flag_field(
        0, "Seed of the dataset classifier, apart from --seed so that runs with different seeds "
        "are scored by the same cached classifier.")
    checkpoint_every: int = flag_field(
        500, "Checkpoint interval in G steps (0: end only).", lower_bound=0)
    sample_every: int = flag_field(
        500, "Sample grid interval in G steps (0: end only).", lower_bound=0)
    log_every: int = flag_field(
        50, "TensorBoard scalar interval in G steps (0: end only).", lower_bound=0)
    keep_checkpoints: int = 3
    graph_optimization: bool = flag_field(
        True, "Let TensorFlow's graph optimizer (grappler) rewrite the train steps before their "
        "first run; off, a small search child's first step costs seconds less at about the same "
        "step time (docs/agan.md#training-and-metrics). A process-wide setting: the last child "
        "built decides it.")
    seed: int = flag_field(0, "Seed of weights, noise and data order.")

    def validate(self):
        """Raises ValueError naming the first setting that is out of range."""
        positive = (
            "steps", "channels", "latent_dim", "d_steps_per_g_step", "real_batch_size",
            "fake_batch_size", "g_batch_size", "eval_samples", "is_splits", "eval_batch_size",
            "keep_checkpoints", "classifier_samples", "classifier_epochs",
        )
        for name in positive:
            if getattr(self, name) < 1:
                raise ValueError(f"{name}: expected a positive integer, got {getattr(self, name)}")
        for name in ("checkpoint_every", "sample_every", "log_every"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name}: expected >= 0 (0 = off), got {getattr(self, name)}")
        if self.learning_rate <= 0 or not (0 <= self.beta1 < 1 and 0 <= self.beta2 < 1):
            raise ValueError(
                f"learning_rate/beta1/beta2: expected lr > 0 and betas in [0, 1), got "
                f"{self.learning_rate}/{self.beta1}/{self.beta2}"
            )
        if self.is_splits > self.eval_samples:
            raise ValueError(
                f"is_splits ({self.is_splits}) exceeds eval_samples ({self.eval_samples})"
            )
        if self.classifier not in CLASSIFIER_CHOICES:
            raise ValueError(
                f"classifier: expected one of {CLASSIFIER_CHOICES}, got {self.classifier!r}"
            )
        if self.architecture is None:
            raise ValueError("architecture: an architecture JSON path (or Architecture) is needed")


def hinge_discriminator_loss(real_logits, fake_logits):
    """Hinge loss of D (section 3.2): mean(relu(1 - D(x))) + mean(relu(1 + D(G(z)))), a scalar."""
    import tensorflow as tf

    return tf.reduce_mean(tf.nn.relu(1.0 - real_logits)) + tf.reduce_mean(
        tf.nn.relu(1.0 + fake_logits)
    )


def hinge_generator_loss(fake_logits):
    """Hinge loss of G (section 3.2): -mean(D(G(z))), a scalar."""
    import tensorflow as tf

    return -tf.reduce_mean(fake_logits)


class GanSteps:
    """The optimizers and the `tf.function` train steps of one generator/discriminator pair.

    Works for any Keras G and D with the `agan.models` call convention: G(z) or G([z, y]) ->
    images [B, H, W, 3] in [-1, 1]; D(x) or D([x, y]) -> logits [B, 1] (the label input only when
    `num_classes` is set). Fake labels are drawn uniformly over the classes. Creating one applies
    `config.graph_optimization` to the process.
    """

    def __init__(self, generator, discriminator, config, num_classes=None):
        import tensorflow as tf

        from agan.fused_adam import FusedAdam

        self.generator = generator
        self.discriminator = discriminator
        self.config = config
        self.num_classes = num_classes
        self.g_optimizer, self.d_optimizer = (
            FusedAdam(config.learning_rate, beta_1=config.beta1, beta_2=config.beta2)
            for _ in range(2)
        )
        self.g_optimizer.build(generator.trainable_variables)
        self.d_optimizer.build(discriminator.trainable_variables)
        self.rng = tf.random.Generator.from_seed(config.seed)
        tf.config.optimizer.set_experimental_options(
            {"disable_meta_optimizer": not config.graph_optimization})
        # No Python control flow depends on tensors here; autograph would only slow tracing.
        self.d_step = tf.function(self._d_step, autograph=False)
        self.g_step = tf.function(self._g_step, autograph=False)
        self.step = tf.function(self._step, autograph=False)

    def _fake_inputs(self, batch_size):
        import tensorflow as tf

        z = self.rng.normal([batch_size, self.config.latent_dim])
        if self.num_classes is None:
            return z, None
        labels = self.rng.uniform([batch_size], 0, self.num_classes, dtype=tf.int32)
        return z, labels

    def generate(self, z, labels=None, training=False):
        """Images [B, H, W, 3] in [-1, 1] for noise z [B, latent_dim] (and int labels [B])."""
        from agan.layers import batched_moving_averages

        inputs = z if self.num_classes is None else [z, labels]
        with batched_moving_averages():
            return self.generator(inputs, training=training)

    def discriminate(self, images, labels=None, training=False):
        """Logits [B, 1] for images [B, H, W, 3] (and int labels [B])."""
        from agan.layers import batched_spectral_norms

        inputs = images if self.num_classes is None else [images, labels]
        with batched_spectral_norms(self.discriminator, training):
            return self.discriminator(inputs, training=training)

    def _d_step(self, real_images, real_labels):
        """One D update on real images [B, H, W, 3] in [-1, 1] and their int labels [B].

        Real and generated images go through D as one batch (D has no batch normalization, so each
        logit depends on its own image only): one forward pass to trace and run, not two.
        """
        import tensorflow as tf

        z, fake_labels = self._fake_inputs(self.config.fake_batch_size)
        fake_images = tf.stop_gradient(self.generate(z, fake_labels, training=True))
        images = tf.concat([real_images, fake_images], axis=0)
        labels = None if self.num_classes is None else tf.concat([real_labels, fake_labels], 0)
        count = tf.shape(real_images)[0]
        with tf.GradientTape() as tape:
            logits = self.discriminate(images, labels, training=True)
            real_logits, fake_logits = logits[:count], logits[count:]
            loss = hinge_discriminator_loss(real_logits, fake_logits)
        variables = self.discriminator.trainable_variables
        self.d_optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables, strict=True))
        return {
            "d_loss": loss,
            "d_real": tf.reduce_mean(real_logits),
            "d_fake": tf.reduce_mean(fake_logits),
        }

    def _g_step(self):
        """One G update on `g_batch_size` generated samples."""
        import tensorflow as tf

        z, fake_labels = self._fake_inputs(self.config.g_batch_size)
        variables = self.generator.trainable_variables
        # Only G's weights are watched: no gradient operations for D's weights are traced.
        with tf.GradientTape(watch_accessed_variables=False) as tape:
            tape.watch([variable.value for variable in variables])
            fake_images = self.generate(z, fake_labels, training=True)
            loss = hinge_generator_loss(self.discriminate(fake_images, fake_labels, training=True))
        self.g_optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables, strict=True))
        return {"g_loss": loss}

    def _step(self, real_images, real_labels):
        """One D update (`_d_step`) then one G update (`_g_step`), traced as one function."""
        return {**self._d_step(real_images, real_labels), **self._g_step()}

    def train_step(self, batches):
        """One train step: `d_steps_per_g_step` D updates on (images, labels) batches drawn from
        the iterator `batches`, then one G update. Returns the last D update's metrics and the G
        update's (scalar tensors d_loss, d_real, d_fake, g_loss)."""
        if self.config.d_steps_per_g_step == 1:
            return self.step(*next(batches))
        for _ in range(self.config.d_steps_per_g_step):
            d_metrics = self.d_step(*next(batches))
        return {**d_metrics, **self.g_step()}


def load_architecture(architecture):
    """An `Architecture` as is, or loaded (and validated) from a JSON file path or the name of a
    built-in baseline (`search_space.builtin_architectures`, e.g. "dcgan")."""
    from agan import search_space

    if isinstance(architecture, search_space.Architecture):
        return architecture
    builtin = search_space.builtin_architectures()
    if not pathlib.Path(architecture).exists() and str(architecture) in builtin:
        architecture = builtin[str(architecture)]
    return search_space.Architecture.load(architecture)


def build_models(config, image_size, num_classes=None):
    """The generator and discriminator of `config.architecture` (see `agan.models`)."""
    import keras

    from agan import models

    architecture = load_architecture(config.architecture)
    keras.utils.set_random_seed(config.seed)
    generator = models.build_generator(
        architecture, channels=config.channels, image_size=image_size,
        latent_dim=config.latent_dim, num_classes=num_classes,
    )
    discriminator = models.build_discriminator(
        architecture, channels=config.channels, image_size=image_size, num_classes=num_classes
    )
    return generator, discriminator


def make_classifier(config):
    """The `metrics.Classifier` that `config.classifier` names, for `config.dataset`."""
    choice = config.classifier
    if choice == "auto":
        choice = "inception" if config.dataset in INCEPTION_DATASETS else "dataset"
    if choice == "inception":
        return metrics.InceptionV3Classifier(config.inception_weights)
    from agan import classifier

    return classifier.load_or_train(classifier_settings(config),
                                    cache_dir=config.classifier_cache_dir)


def classifier_settings(config):
    """The `agan.classifier.ClassifierSettings` of `config`'s dataset classifier."""
    from agan import classifier

    return classifier.ClassifierSettings(
        dataset=config.dataset, data_dir=config.data_dir, num_samples=config.classifier_samples,
        epochs=config.classifier_epochs, seed=config.classifier_seed,
    )


@dataclasses.dataclass(frozen=True)
class ScoringReference:
    """What every child of one dataset and classifier is scored against.

    real_images: uint8 [M, H, W, 3], the FID reference (M = eval_samples, or data_limit if fewer).
    real_probs, real_features: the classifier's outputs for them (float64 [M, K], [M, D]).
    real_inception_score: (mean, std) of the real images, the reward's IS_max.
    num_classes: classes in the labels of the real images.
    """

    classifier: metrics.Classifier
    real_images: np.ndarray
    real_probs: np.ndarray
    real_features: np.ndarray
    real_inception_score: tuple
    num_classes: int

    @property
    def holdout_accuracy(self):
        """The dataset classifier's held-out accuracy, or None (InceptionV3)."""
        return getattr(self.classifier, "info", {}).get("holdout_accuracy")

    def describe(self):
        """One line: IS_max, the classifier and its held-out accuracy."""
        accuracy = self.holdout_accuracy
        return (f"IS_max {self.real_inception_score[0]:.3f} (IS of {len(self.real_images)} real "
                f"images under {self.classifier.name}; held-out accuracy "
                f"{'n/a' if accuracy is None else f'{accuracy:.3f}'})")


# The TrainConfig fields that decide a ScoringReference.
_REFERENCE_FIELDS = ("dataset", "data_dir", "data_limit", "eval_samples", "is_splits",
                     "eval_batch_size", "classifier", "inception_weights", "classifier_cache_dir",
                     "classifier_samples", "classifier_epochs", "classifier_seed", "seed")


def scoring_reference(config):
    """The `ScoringReference` of `config`, computed once per process for the settings that decide
    it (so the children of a search share it)."""
    return _scoring_reference(tuple(getattr(config, name) for name in _REFERENCE_FIELDS))


@functools.lru_cache(maxsize=1)
def _scoring_reference(key):
    from agan import data

    config = TrainConfig(**dict(zip(_REFERENCE_FIELDS, key, strict=True)))
    limit = config.eval_samples if config.data_limit is None else min(
        config.eval_samples, config.data_limit)
    real_images, real_labels = data.load_arrays(
        config.dataset, data_dir=config.data_dir, split="train", limit=limit, seed=config.seed)
    classifier = make_classifier(config)
    batch = config.eval_batch_size
    real = real_images.astype(np.float32) / 127.5 - 1.0
    real_probs, real_features = metrics.classify(
        classifier, (real[i:i + batch] for i in range(0, len(real), batch)),
        total=-(-len(real) // batch), desc="IS/FID: real",
    )
    splits = min(config.is_splits, len(real_probs))
    return ScoringReference(
        classifier=classifier, real_images=real_images, real_probs=real_probs,
        real_features=real_features,
        real_inception_score=metrics.inception_score(real_probs, splits=splits),
        num_classes=int(real_labels.max()) + 1)


@functools.cache
def _freeze_start_up_objects():
    """Once per process: collects the garbage, then exempts every object alive (TensorFlow's
    modules, the data, the scoring reference) from the garbage collector's later passes, which
    otherwise walk them again and again while each child's train steps are traced."""
    gc.collect()
    gc.freeze()


@functools.lru_cache(maxsize=1)
def _training_data(dataset, data_dir, batch_size, seed, limit):
    """`agan.data.make_dataset` of the train split, built once per process for its arguments."""
    from agan import data

    return data.make_dataset(dataset, data_dir=data_dir, split="train", batch_size=batch_size,
                             seed=seed, limit=limit)


def generate_batches(steps, total, batch_size, seed):
    """Yields generated image batches (numpy, [b, H, W, 3] in [-1, 1]) totalling `total` images."""
    rng = np.random.default_rng(seed)
    for start in range(0, total, batch_size):
        size = min(batch_size, total - start)
        z = rng.standard_normal((size, steps.config.latent_dim)).astype(np.float32)
        labels = None
        if steps.num_classes is not None:
            labels = rng.integers(0, steps.num_classes, size).astype(np.int32)
        yield steps.generate(z, labels, training=False).numpy()


def evaluate(steps, reference, config):
    """IS and FID of the generator of `steps` against a `ScoringReference`.

    Returns: dict with inception_score_mean/std, fid, real_inception_score_mean/std, classifier
    name, its held-out accuracy and the not-comparable note.
    """
    batch = config.eval_batch_size
    classifier = reference.classifier
    probs, fake_features = metrics.classify(
        classifier, generate_batches(steps, config.eval_samples, batch, config.seed + 1),
        total=-(-config.eval_samples // batch), desc="IS/FID: generated",
    )
    is_mean, is_std = metrics.inception_score(probs, splits=config.is_splits)
    real_mean, real_std = reference.real_inception_score
    return {
        "inception_score_mean": is_mean,
        "inception_score_std": is_std,
        "fid": metrics.fid(fake_features, reference.real_features),
        "real_inception_score_mean": real_mean,
        "real_inception_score_std": real_std,
        "eval_samples": int(len(probs)),
        "fid_real_samples": int(len(reference.real_features)),
        "classifier": classifier.name,
        "classifier_holdout_accuracy": reference.holdout_accuracy,
        "comparable_to_published": classifier.comparable_to_published,
        "note": classifier.note(),
    }


class _Stopwatch:
    """Wall and CPU seconds spent in named phases (summed over repeated entries)."""

    def __init__(self):
        self.wall, self.cpu = {}, {}

    @contextlib.contextmanager
    def phase(self, name):
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.wall[name] = self.wall.get(name, 0.0) + time.perf_counter() - wall
            self.cpu[name] = self.cpu.get(name, 0.0) + time.process_time() - cpu

    def as_dict(self):
        return {"wall_seconds": {k: round(v, 3) for k, v in self.wall.items()},
                "cpu_seconds": {k: round(v, 3) for k, v in self.cpu.items()}}


def _fixed_sample_inputs(config, num_classes):
    rng = np.random.default_rng(config.seed + 2)
    z = rng.standard_normal((SAMPLE_GRID_SIZE, config.latent_dim)).astype(np.float32)
    labels = None
    if num_classes is not None:
        labels = (np.arange(SAMPLE_GRID_SIZE) % num_classes).astype(np.int32)
    return z, labels


def train(config, output_dir, progress=True):
    """Trains (or resumes) one child GAN and scores it. See the module docstring for outputs;
    `progress` shows a progress bar of the steps.

    Returns: the dict written to `output_dir/result.json`: IS mean/std, FID, real-data IS, the
    classifier and its note, "steps" (generator steps done), "resumed_from_step", "history" (the
    scalar metrics logged since step 0, one dict per log step; `agan.resume`), "paths", and
    "timings" (wall and CPU seconds of this call's phases: reference (classifier and real-data
    statistics, once per process), build, first_step (tracing and graph optimization included),
    steps (the others), checkpoints, samples, scoring).
    """
    import tensorflow as tf

    from commandline import checkpoints

    config.validate()
    config = dataclasses.replace(config, architecture=load_architecture(config.architecture))
    output_dir = pathlib.Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    clock = _Stopwatch()
    with clock.phase("reference"):
        reference = scoring_reference(config)
        _freeze_start_up_objects()
    with clock.phase("build"):
        image_size = int(reference.real_images.shape[1])
        num_classes = reference.num_classes if config.conditional else None
        resume.check_same_model(config, output_dir,
                                bool(checkpoints.candidates(output_dir / "checkpoints")))
        generator, discriminator = build_models(config, image_size, num_classes)
        steps = GanSteps(generator, discriminator, config, num_classes)

        step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
        checkpoint = tf.train.Checkpoint(
            step=step, generator=generator, discriminator=discriminator,
            g_optimizer=steps.g_optimizer, d_optimizer=steps.d_optimizer, rng=steps.rng,
        )
        manager = tf.train.CheckpointManager(
            checkpoint, str(output_dir / "checkpoints"), max_to_keep=config.keep_checkpoints
        )
        checkpoints.resume(checkpoint, manager.directory)
        start = int(step.numpy())

        batches = iter(_training_data(config.dataset, config.data_dir, config.real_batch_size,
                                      config.seed + start, config.data_limit))
        writer = tf.summary.create_file_writer(str(output_dir / "tensorboard"))
        sample_z, sample_labels = _fixed_sample_inputs(config, num_classes)
    history = resume.LossHistory(output_dir / resume.HISTORY_FILE, start)
    sample_paths = []

    def save_samples(at_step):
        with clock.phase("samples"):
            images = steps.generate(sample_z, sample_labels, training=False).numpy()
            path = output_dir / f"samples_{at_step}.png"
            grid = image_grid.save_png(path, images, columns=8)
            with writer.as_default(step=at_step):
                tf.summary.image("samples", grid[None], max_outputs=1)
            sample_paths.append(str(path))

    with tqdm(total=config.steps, initial=start, desc="child GAN", unit="step",
              disable=not progress) as bar:
        for current in range(start + 1, config.steps + 1):
            with clock.phase("first_step" if current == start + 1 else "steps"):
                step_metrics = steps.train_step(batches)
                step.assign(current)
                if current == start + 1:
                    float(step_metrics["g_loss"])  # the first step has run, not just been queued
            bar.update(1)
            last = current == config.steps
            if last or (config.log_every and current % config.log_every == 0):
                logged = {k: float(v) for k, v in step_metrics.items()}
                history.append({"step": current, **logged})
                with writer.as_default(step=current):
                    for name, value in logged.items():
                        tf.summary.scalar(f"train/{name}", value)
                bar.set_postfix(d_loss=f"{logged['d_loss']:.3f}",
                                g_loss=f"{logged['g_loss']:.3f}")
            if last or (config.sample_every and current % config.sample_every == 0):
                save_samples(current)
            if last or (config.checkpoint_every and current % config.checkpoint_every == 0):
                with clock.phase("checkpoints"):
                    manager.save(checkpoint_number=current)
    if start >= config.steps and not sample_paths:
        save_samples(config.steps)

    with clock.phase("scoring"):
        scores = evaluate(steps, reference, config)
        with writer.as_default(step=config.steps):
            tf.summary.scalar("eval/inception_score", scores["inception_score_mean"])
            tf.summary.scalar("eval/fid", scores["fid"])
        writer.flush()
    result = {
        **scores,
        "steps": config.steps,
        "resumed_from_step": start,
        "history": history,
        "paths": {
            "output_dir": str(output_dir),
            "result": str(output_dir / "result.json"),
            "checkpoint": manager.latest_checkpoint,
            "samples": sample_paths,
            "tensorboard": str(output_dir / "tensorboard"),
        },
        "timings": clock.as_dict(),
    }
    write_json_atomically(output_dir / "result.json", result)
    return result
