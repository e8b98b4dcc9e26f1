"""Keras's Adam with each variable's update as one fused TensorFlow kernel.

`FusedAdam` computes what `keras.optimizers.Adam` computes (the same update, the same variables,
so the same checkpoints), but writes one `ResourceApplyAdam` operation per variable into a traced
train step where Keras writes about forty. A child GAN of a sampled architecture has about 130
variables, so this cuts its train steps' tracing and graph optimization by thousands of operations.
"""
import keras
import tensorflow as tf


class FusedAdam(keras.optimizers.Adam):
    """`keras.optimizers.Adam` (no amsgrad) on the TensorFlow backend, one fused kernel per
    variable; sparse gradients are applied densely."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.amsgrad:
            raise ValueError("FusedAdam: amsgrad is not supported")

    def update_step(self, gradient, variable, learning_rate):
        # A gathered weight's gradient (conditional BN's per-class gamma) arrives as IndexedSlices.
        gradient = tf.convert_to_tensor(gradient)
        index = self._get_variable_index(variable)
        step = tf.cast(self.iterations + 1, variable.dtype)
        beta_1 = tf.cast(self.beta_1, variable.dtype)
        beta_2 = tf.cast(self.beta_2, variable.dtype)
        tf.raw_ops.ResourceApplyAdam(
            var=variable.handle, m=self._momentums[index].handle,
            v=self._velocities[index].handle,
            beta1_power=tf.pow(beta_1, step), beta2_power=tf.pow(beta_2, step),
            lr=tf.cast(learning_rate, variable.dtype), beta1=beta_1, beta2=beta_2,
            epsilon=tf.cast(self.epsilon, variable.dtype), grad=tf.cast(gradient, variable.dtype))
