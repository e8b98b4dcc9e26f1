"""Area (box-filter) resizing of uint8 image batches, as the AGAN paper does for STL-10.

TensorFlow is imported when a batch needs resizing, so reading datasets starts without it.
"""
import numpy as np


def resize_area(images, size):
    """Resizes uint8 [N, H, W, C] images to uint8 [N, size, size, C] by area averaging.

    For an integer factor (96 -> 48) each output pixel is the rounded mean of its input block.
    """
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 4:
        raise ValueError(f"resize_area expects uint8 [N, H, W, C], got {images.dtype} {images.shape}")
    if images.shape[1:3] == (size, size):
        return images
    import tensorflow as tf

    resized = tf.image.resize(tf.cast(images, tf.float32), (size, size), method="area")
    return np.clip(np.rint(resized.numpy()), 0, 255).astype(np.uint8)
