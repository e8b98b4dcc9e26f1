"""The child-GAN training flags shared by agan_train and agan_search, and the TrainConfig they
describe. Importing this module defines the flags (absl's global FLAGS)."""
from absl import flags

from agan import data, train

_DEFAULTS = train.TrainConfig()

_DATASET = flags.DEFINE_enum(
    "dataset", _DEFAULTS.dataset, list(data.DATASETS),
    "Training data: builtin (rendered shapes, no download), cifar10, stl10, folder, npz.")
_DATA_DIR = flags.DEFINE_string(
    "data_dir", None, "cifar10/stl10: archive folder (default: Keras cache); folder/npz: the data.")
_DATA_LIMIT = flags.DEFINE_integer(
    "data_limit", None, "Use at most this many training images (default: all).", lower_bound=1)
_CONDITIONAL = flags.DEFINE_boolean(
    "conditional", _DEFAULTS.conditional,
    "Class-conditional GAN (conditional BN in G, projection D; paper section 4.3).")
_STEPS = flags.DEFINE_integer(
    "steps", _DEFAULTS.steps, "Generator updates (paper: 5,000 in the search, 50,000 final).",
    lower_bound=1)
_CHANNELS = flags.DEFINE_integer(
    "channels", _DEFAULTS.channels, "Channels of G and D (paper: 128 search, 256 final).",
    lower_bound=1)
_LATENT_DIM = flags.DEFINE_integer(
    "latent_dim", _DEFAULTS.latent_dim, "Dimension of the noise z.", lower_bound=1)
_D_STEPS = flags.DEFINE_integer(
    "d_steps_per_g_step", _DEFAULTS.d_steps_per_g_step, "Discriminator updates per G update.",
    lower_bound=1)
_REAL_BATCH = flags.DEFINE_integer(
    "real_batch_size", _DEFAULTS.real_batch_size, "Real images per D update.", lower_bound=1)
_FAKE_BATCH = flags.DEFINE_integer(
    "fake_batch_size", _DEFAULTS.fake_batch_size, "Generated images per D update.", lower_bound=1)
_G_BATCH = flags.DEFINE_integer(
    "g_batch_size", _DEFAULTS.g_batch_size, "Generated images per G update.", lower_bound=1)
_LEARNING_RATE = flags.DEFINE_float(
    "learning_rate", _DEFAULTS.learning_rate, "Adam learning rate of G and D.", lower_bound=0.0)
_BETA1 = flags.DEFINE_float("beta1", _DEFAULTS.beta1, "Adam beta1.", lower_bound=0.0)
_BETA2 = flags.DEFINE_float("beta2", _DEFAULTS.beta2, "Adam beta2.", lower_bound=0.0)
_EVAL_SAMPLES = flags.DEFINE_integer(
    "eval_samples", _DEFAULTS.eval_samples,
    "Generated samples for IS and FID (also the real samples for FID).", lower_bound=1)
_IS_SPLITS = flags.DEFINE_integer(
    "is_splits", _DEFAULTS.is_splits, "Groups the IS samples are split into.", lower_bound=1)
_CLASSIFIER = flags.DEFINE_enum(
    "classifier", _DEFAULTS.classifier, list(train.CLASSIFIER_CHOICES),
    "Network for IS/FID: dataset (small CNN trained once on the dataset and cached), inception "
    "(Keras InceptionV3 ImageNet weights from the Keras cache, never downloaded), auto (inception "
    "for cifar10/stl10, dataset otherwise). Neither is comparable to published scores.")
_INCEPTION_WEIGHTS = flags.DEFINE_string(
    "inception_weights", None,
    "InceptionV3 weights .h5 (default: ~/.keras/models/"
    "inception_v3_weights_tf_dim_ordering_tf_kernels.h5).")
_CLASSIFIER_CACHE_DIR = flags.DEFINE_string(
    "classifier_cache_dir", None,
    "Where dataset classifiers are cached (default: $AGAN_CACHE_DIR or ~/.cache/agan/classifiers).")
_CLASSIFIER_SAMPLES = flags.DEFINE_integer(
    "classifier_samples", _DEFAULTS.classifier_samples,
    "Training images for the dataset classifier.", lower_bound=1)
_CLASSIFIER_EPOCHS = flags.DEFINE_integer(
    "classifier_epochs", _DEFAULTS.classifier_epochs, "Epochs of the dataset classifier.",
    lower_bound=1)
_CLASSIFIER_SEED = flags.DEFINE_integer(
    "classifier_seed", _DEFAULTS.classifier_seed,
    "Seed of the dataset classifier, apart from --seed so that runs with different seeds are "
    "scored by the same cached classifier.")
_CHECKPOINT_EVERY = flags.DEFINE_integer(
    "checkpoint_every", _DEFAULTS.checkpoint_every, "Checkpoint interval in G steps (0: end only).",
    lower_bound=0)
_SAMPLE_EVERY = flags.DEFINE_integer(
    "sample_every", _DEFAULTS.sample_every, "Sample grid interval in G steps (0: end only).",
    lower_bound=0)
_LOG_EVERY = flags.DEFINE_integer(
    "log_every", _DEFAULTS.log_every, "TensorBoard scalar interval in G steps (0: end only).",
    lower_bound=0)
_SEED = flags.DEFINE_integer("seed", _DEFAULTS.seed, "Seed of weights, noise and data order.")


def config_from_flags(architecture=None):
    """The TrainConfig the flags describe, for `architecture` (a path, name or Architecture)."""
    return train.TrainConfig(
        architecture=architecture, dataset=_DATASET.value, data_dir=_DATA_DIR.value,
        data_limit=_DATA_LIMIT.value, conditional=_CONDITIONAL.value, steps=_STEPS.value,
        channels=_CHANNELS.value, latent_dim=_LATENT_DIM.value,
        d_steps_per_g_step=_D_STEPS.value, real_batch_size=_REAL_BATCH.value,
        fake_batch_size=_FAKE_BATCH.value, g_batch_size=_G_BATCH.value,
        learning_rate=_LEARNING_RATE.value, beta1=_BETA1.value, beta2=_BETA2.value,
        eval_samples=_EVAL_SAMPLES.value, is_splits=_IS_SPLITS.value,
        classifier=_CLASSIFIER.value, inception_weights=_INCEPTION_WEIGHTS.value,
        classifier_cache_dir=_CLASSIFIER_CACHE_DIR.value,
        classifier_samples=_CLASSIFIER_SAMPLES.value, classifier_epochs=_CLASSIFIER_EPOCHS.value,
        classifier_seed=_CLASSIFIER_SEED.value,
        checkpoint_every=_CHECKPOINT_EVERY.value, sample_every=_SAMPLE_EVERY.value,
        log_every=_LOG_EVERY.value, seed=_SEED.value,
    )
