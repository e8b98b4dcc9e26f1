"""Keras's Adam with each variable's update as one fused TensorFlow kernel.

`FusedAdam` computes what `keras.optimizers.Adam` computes (the same update, the same variables,
so the same checkpoints), but writes one `ResourceApplyAdam` operation per variable into a traced
train step where Keras writes about forty, and computes the step's shared scalars (learning rate,
beta powers) once per step instead of once per variable. A child GAN of a sampled architecture has
about 130 variables, so this cuts its train steps' tracing and graph optimization by thousands of
operations.
"""
import keras
import tensorflow as tf


class FusedAdam(keras.optimizers.Adam):
    """`keras.optimizers.Adam` (no amsgrad) on the TensorFlow backend, one fused kernel per
    variable; sparse gradients are applied densely. No distribution strategy."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.amsgrad:
            raise ValueError("FusedAdam: amsgrad is not supported")

    def _scalars(self, learning_rate, dtype):
        """The ResourceApplyAdam scalar arguments of this step, in `dtype`."""
        step = tf.cast(self.iterations + 1, dtype)
        beta_1 = tf.cast(self.beta_1, dtype)
        beta_2 = tf.cast(self.beta_2, dtype)
        return {"beta1_power": tf.pow(beta_1, step), "beta2_power": tf.pow(beta_2, step),
                "lr": tf.cast(learning_rate, dtype), "beta1": beta_1, "beta2": beta_2,
                "epsilon": tf.cast(self.epsilon, dtype)}

    def _backend_update_step(self, grads, trainable_variables, learning_rate):
        scalars = {}
        for gradient, variable in zip(grads, trainable_variables, strict=True):
            index = self._get_variable_index(variable)
            dtype = variable.dtype
            if dtype not in scalars:
                scalars[dtype] = self._scalars(learning_rate, dtype)
            # A gathered weight's gradient (conditional BN's per-class gamma) arrives as
            # IndexedSlices.
            tf.raw_ops.ResourceApplyAdam(
                var=variable.value.handle, m=self._momentums[index].value.handle,
                v=self._velocities[index].value.handle,
                grad=tf.cast(tf.convert_to_tensor(gradient), dtype), **scalars[dtype])
