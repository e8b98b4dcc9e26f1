"""Fitting a program to a paired example: the best a fixed sequence of filters can do.

Given an input photo (linear RGB, as the agent sees it) and the photo it should become (sRGB), the
raw parameters of a fixed sequence of filters are optimized by Adam on the 64x64 thumbnails to
minimize the mean squared error of the displayed (clipped) result. It needs the answer, so it is no
retoucher: it is the upper bound of what the filters can express for an edit, the check that a
benchmark's goal is reachable at all (exposure.black_box_benchmark's "fitted program" condition).
"""
import keras
import numpy as np
import tensorflow as tf

from exposure import filters as filters_lib
from exposure.data import area_resize
from mobile.program import Program

# One plausible order for a global photographic look: exposure and white balance in linear light,
# then the encoding curve (gamma), the tone curve and saturation on display values.
DEFAULT_ORDER = ("exposure", "white_balance", "gamma", "tone_curve", "saturation")
FIT_SIZE = 64  # thumbnails of the agent's size (Exposure paper, section 6)
DEFAULT_STEPS = 1500
DEFAULT_LEARNING_RATE = 0.05


def fit_program(linear, target, *, order=DEFAULT_ORDER, steps=DEFAULT_STEPS,
                learning_rate=DEFAULT_LEARNING_RATE):
    """The program of the filters `order` whose output on `linear` is closest to `target`.

    Args:
      linear: float [H, W, 3] input photo, linear RGB (values >= 0).
      target: float [H', W', 3] the wanted result, sRGB in [0, 1], the same scene (any size:
        both are area-resized to 64x64).
      order: filter names (exposure.filters), applied in this order, each once or more.
      steps, learning_rate: Adam iterations and step size on the raw parameters (all starting at
        0, the filters' neutral-ish initial values).

    Returns:
      (Program, mse): the fitted program (human units) and the mean squared error of its clipped
      output on the thumbnails.
    """
    if steps < 1 or learning_rate <= 0:
        raise ValueError(f"steps={steps} and learning_rate={learning_rate}: need >= 1 and > 0")
    layers = filters_lib.build_filters(order)
    x = tf.constant(area_resize(np.asarray(linear, np.float32), FIT_SIZE)[None])
    y = tf.constant(area_resize(np.asarray(target, np.float32), FIT_SIZE)[None])
    raws = [tf.Variable(tf.zeros([1, layer.num_params])) for layer in layers]
    optimizer = keras.optimizers.Adam(learning_rate)

    @tf.function
    def loss_value():
        image = x
        for layer, raw in zip(layers, raws, strict=True):
            image = layer(image, raw)
        return tf.reduce_mean(tf.square(tf.clip_by_value(image, 0.0, 1.0) - y))

    @tf.function
    def train_step():
        with tf.GradientTape() as tape:
            loss = loss_value()
        optimizer.apply_gradients(zip(tape.gradient(loss, raws), raws, strict=True))

    for _ in range(steps):
        train_step()
    program = Program(tuple(layer.step(raw.numpy()[0]) for layer, raw in zip(layers, raws,
                                                                             strict=True)))
    return program, float(loss_value())
