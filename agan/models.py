"""AGAN child models: the generator and discriminator meta-architectures of AGAN section 3.2 (Figure 3)
filled with the modules of an `Architecture`.

Generator: linear -> 3 up-sampling modules -> BN-ReLU-3x3 conv -> tanh.
Discriminator: 3x3 conv -> 2 down-sampling modules -> 2 normal modules -> ReLU -> global sum pooling
-> linear (+ projection when conditional).

Conditional models (num_classes set) use conditional batch normalization in G and a projection
discriminator (AGAN section 4.3). Spectral normalization is applied to every weight of D and none of
G, in both the conditional and unconditional variants as SN-GAN does (AGAN section 4.3 names SN for
the conditional models; its unconditional comparison is against SN-GAN); pass spectral_norm=False
to drop it.
"""
import keras

from agan import modules
from agan.layers import GlobalSumPooling2D, ProjectionLogits, SpectralNormalization

SEARCH_CHANNELS = 128  # channels of G and D during the search (AGAN section 4.2)
FINAL_CHANNELS = 2 * SEARCH_CHANNELS  # doubled for final training (AGAN section 4.3)
LATENT_DIM = 128  # z dimension (SN-GAN convention; AGAN gives none)
NUM_UP_MODULES = 3  # generator (AGAN section 3.2)
NUM_DOWN_MODULES = 2  # discriminator (AGAN section 3.2)
NUM_NORMAL_MODULES = 2  # discriminator (AGAN section 3.2)
_UPSAMPLING = 2 ** NUM_UP_MODULES  # 32x32 images start at 4x4, 48x48 at 6x6 (AGAN section 4.4)


def _check(name, value, minimum=1):
    if not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")


def _check_image_size(image_size):
    _check("image_size", image_size, _UPSAMPLING)
    if image_size % _UPSAMPLING:
        raise ValueError(
            f"image_size must be a multiple of {_UPSAMPLING} (3 up-sampling modules), got {image_size}")


def _inputs(num_classes):
    """The label input (batch,) int32 of a conditional model, or None."""
    if num_classes is None:
        return None
    _check("num_classes", num_classes)
    return keras.Input(shape=(), dtype="int32", name="labels")


def build_generator(arch, *, channels=SEARCH_CHANNELS, image_size=32, latent_dim=LATENT_DIM,
                    num_classes=None):
    """The generator of `arch` as a Keras model.

    Inputs: z (batch, latent_dim) float, plus labels (batch,) int32 in [0, num_classes) when
    num_classes is set (then the model takes ``[z, labels]``). Output: images (batch, image_size,
    image_size, 3) in [-1, 1]. image_size must be a multiple of 8.
    """
    _check("channels", channels)
    _check("latent_dim", latent_dim)
    _check_image_size(image_size)
    labels = _inputs(num_classes)
    z = keras.Input(shape=(latent_dim,), name="z")
    start = image_size // _UPSAMPLING
    h = keras.layers.Dense(start * start * channels, name="linear")(z)
    h = keras.layers.Reshape((start, start, channels), name="to_feature_map")(h)
    previous_output, previous = h, None
    for i in range(NUM_UP_MODULES):
        output = modules.Module(arch.generator_up, modules.UP, channels=channels,
                                network=modules.GENERATOR, previous=previous,
                                num_classes=num_classes, name=f"up_{i}")(
            [previous_output, h], labels)
        previous_output, h, previous = h, output, modules.UP
    h = modules.Operation("conv_3x3", filters=3, network=modules.GENERATOR,
                          num_classes=num_classes, name="to_rgb")(h, labels)
    images = keras.layers.Activation("tanh", name="tanh")(h)
    inputs = [z, labels] if labels is not None else z
    return keras.Model(inputs, images, name="generator")


def build_discriminator(arch, *, channels=SEARCH_CHANNELS, image_size=32, num_classes=None,
                        spectral_norm=True):
    """The discriminator of `arch` as a Keras model.

    Inputs: images (batch, image_size, image_size, 3) in [-1, 1], plus labels (batch,) int32 when
    num_classes is set (then the model takes ``[images, labels]``). Output: logits (batch,).
    """
    _check("channels", channels)
    _check_image_size(image_size)
    labels = _inputs(num_classes)
    images = keras.Input(shape=(image_size, image_size, 3), name="images")
    stem = keras.layers.Conv2D(channels, 3, padding="same", name="stem_conv_3x3")
    if spectral_norm:
        stem = SpectralNormalization(stem, name="stem_sn")
    h = stem(images)
    previous_output, previous = h, None
    stages = ([(arch.discriminator_down, modules.DOWN)] * NUM_DOWN_MODULES
              + [(arch.discriminator_normal, modules.NORMAL)] * NUM_NORMAL_MODULES)
    for i, (segment, kind) in enumerate(stages):
        output = modules.Module(segment, kind, channels=channels, network=modules.DISCRIMINATOR,
                                previous=previous, spectral_norm=spectral_norm,
                                name=f"{kind}_{i}")([previous_output, h])
        previous_output, h = h, output
        previous = kind if kind != modules.NORMAL else None
    h = keras.layers.ReLU(name="relu")(h)
    phi = GlobalSumPooling2D(name="global_sum_pooling")(h)
    logits = ProjectionLogits(channels, num_classes, spectral_norm=spectral_norm,
                              name="logits")(phi, labels)
    inputs = [images, labels] if labels is not None else images
    return keras.Model(inputs, logits, name="discriminator")
