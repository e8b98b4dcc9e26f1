"""On-device rendering of retouch programs: numpy renderer, LUTs, GLSL shaders. Imports no TensorFlow."""
