"""agan/fused_adam.py: the fused update is Keras's Adam, step for step."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from agan.fused_adam import FusedAdam


def _traced_apply(optimizer, variable):
    """optimizer.apply_gradients for `variable` as a traced step, as agan.train uses it."""
    return tf.function(lambda gradient: optimizer.apply_gradients([(gradient, variable)]),
                       autograph=False)


@pytest.mark.parametrize("beta_1", [0.0, 0.5])
def test_fused_adam_follows_keras_adam(beta_1):
    rng = np.random.default_rng(0)
    start = rng.normal(size=(3, 4)).astype(np.float32)
    gradients = rng.normal(size=(5, 3, 4)).astype(np.float32)
    trajectories = []
    for optimizer_class in (keras.optimizers.Adam, FusedAdam):
        variable = keras.Variable(start)
        optimizer = optimizer_class(2e-3, beta_1=beta_1, beta_2=0.9)
        optimizer.build([variable])
        apply = _traced_apply(optimizer, variable)
        trajectory = []
        for gradient in gradients:
            apply(tf.constant(gradient))
            trajectory.append(variable.numpy().copy())
        trajectories.append((np.array(trajectory), [v.numpy() for v in optimizer.variables]))
    (keras_path, keras_slots), (fused_path, fused_slots) = trajectories
    assert not np.allclose(keras_path[0], start)  # the variable moved
    np.testing.assert_allclose(fused_path, keras_path, rtol=1e-5, atol=1e-6)
    for fused, reference in zip(fused_slots, keras_slots, strict=True):
        np.testing.assert_allclose(fused, reference, rtol=1e-5, atol=1e-6)


def test_amsgrad_is_refused():
    with pytest.raises(ValueError, match="amsgrad"):
        FusedAdam(amsgrad=True)
