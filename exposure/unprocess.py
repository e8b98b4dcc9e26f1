"""Turns processed 8-bit sRGB photos into camera-like raw sensor data.

After Brooks et al., "Unprocessing Images for Learned Raw Denoising" (CVPR 2019), section 3: each
step of a camera pipeline is inverted in reverse order. The steps here:

1. inverse tone curve: the inverse of the smoothstep `3x^2 - 2x^3` (Brooks 3.5) on sRGB values;
2. sRGB decoding to linear light (IEC 61966-2-1);
3. the scene: an illuminant colour cast and an exposure offset (stops) that the camera's as-shot
   white balance and metering did not correct, so the developed RAW needs retouching;
4. linear sRGB -> camera RGB with a real camera's colour matrix (Brooks 3.2);
5. division by the camera's daylight white-balance gains (Brooks 3.3);
6. sensor noise (shot + read, Brooks 3.4), clipping at saturation like a real sensor;
7. Bayer mosaic and quantization between the black and white levels of a 12- or 14-bit ADC.

A raw decoder that uses the DNG's colour matrix and as-shot neutral (libraw with camera white
balance) maps the sensor data back to the scene of step 3, up to clipping, noise and demosaicing.
"""
import dataclasses

import numpy as np

from exposure.dng import CFA_PATTERNS
from mobile.srgb import srgb_to_linear

# Brooks et al. 2019, sec. 3.2: XYZ -> camera ColorMatrix of four real cameras; a random convex
# combination of them is a plausible camera.
XYZ_TO_CAMERA_MATRICES = np.array(
    [
        [[1.0234, -0.2969, -0.2266], [-0.5625, 1.6328, -0.0469], [-0.0703, 0.2188, 0.6406]],
        [[0.4913, -0.0541, -0.0202], [-0.6130, 1.3513, 0.2906], [-0.1564, 0.2151, 0.7183]],
        [[0.8380, -0.2630, -0.0639], [-0.2887, 1.0725, 0.2496], [-0.0627, 0.1427, 0.5438]],
        [[0.6596, -0.2079, -0.0562], [-0.4782, 1.3016, 0.1933], [-0.0970, 0.1581, 0.5181]],
    ]
)
# IEC 61966-2-1: linear sRGB (D65) -> CIE XYZ.
SRGB_TO_XYZ = np.array(
    [[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750], [0.0193339, 0.1191920, 0.9503041]]
)
# ITU-R BT.709 luminance weights of linear sRGB (the middle row of SRGB_TO_XYZ).
LUMINANCE_WEIGHTS = SRGB_TO_XYZ[1]

# Brooks et al. 2019, sec. 3.3: daylight white-balance gains of real cameras (green = 1).
RED_GAIN_RANGE = (1.9, 2.4)
BLUE_GAIN_RANGE = (1.5, 1.9)
# Scene exposure offset in stops: mostly under-exposed (down to -2 EV, noisy shadows) and up to
# +1.5 EV (clipped highlights), so a retoucher has exposure to correct both ways.
EXPOSURE_EV_RANGE = (-2.0, 1.5)
# Illuminant cast: log red/blue ratio (negative = cool/shade, positive = warm/tungsten) and log
# green tint (negative = magenta, positive = green, like fluorescent light).
WARMTH_RANGE = (-0.25, 0.25)
TINT_RANGE = (-0.06, 0.06)
# Brooks et al. 2019, sec. 3.4: shot noise variance per unit signal, log-uniform; we use the clean
# lower part of their range [1e-4, 1.2e-2]. Read noise follows their fitted log-linear relation.
SHOT_NOISE_RANGE = (1e-4, 2e-3)
READ_NOISE_SLOPE, READ_NOISE_INTERCEPT, READ_NOISE_STD = 2.18, 1.20, 0.26
# Sensor ADCs: (black level, white level) of common 12-bit and 14-bit raw files.
ADC_LEVELS = ((256, 4095), (512, 16383), (2048, 16383))


@dataclasses.dataclass(frozen=True)
class RawParams:
    """Everything that defines how one photo is unprocessed; JSON-friendly via `as_dict`.

    Attributes:
      xyz_to_camera: 3x3 nested tuple, the camera's XYZ (D65) -> camera RGB matrix (DNG ColorMatrix1).
      wb_gains: (red, green, blue) white-balance gains, green = 1, red and blue > 1.
      exposure_ev: scene exposure offset in stops (0 = the photo's own exposure).
      illuminant_cast: (red, green, blue) multipliers on linear sRGB, luminance-neutral.
      shot_noise: variance of the sensor signal per unit signal (signal in [0, 1] of full scale).
      read_noise: variance of the signal-independent noise.
      black_level, white_level: ADC counts of no light and of saturation.
      pattern: the Bayer pattern, a key of `exposure.dng.CFA_PATTERNS`.
    """

    xyz_to_camera: tuple
    wb_gains: tuple
    exposure_ev: float
    illuminant_cast: tuple
    shot_noise: float
    read_noise: float
    black_level: int
    white_level: int
    pattern: str = "RGGB"

    def as_dict(self):
        return dataclasses.asdict(self)


def illuminant_cast(warmth, tint):
    """Returns luminance-neutral (red, green, blue) multipliers for a warm/cool, green/magenta cast.

    `warmth` is the log red/blue ratio over 2 and `tint` the log green gain; the result is scaled so
    that a grey keeps its luminance.
    """
    cast = np.exp([warmth, tint, -warmth])
    return tuple(float(c) for c in cast / np.dot(LUMINANCE_WEIGHTS, cast))


def sample_raw_params(rng):
    """Draws a plausible camera and shot from the documented ranges.

    Args:
      rng: numpy.random.Generator; the same generator state gives the same parameters.

    Returns:
      RawParams.
    """
    weights = rng.uniform(1e-8, 1.0, size=len(XYZ_TO_CAMERA_MATRICES))
    xyz_to_camera = np.tensordot(weights / weights.sum(), XYZ_TO_CAMERA_MATRICES, axes=1)
    gains = (float(rng.uniform(*RED_GAIN_RANGE)), 1.0, float(rng.uniform(*BLUE_GAIN_RANGE)))
    exposure_ev = float(rng.uniform(*EXPOSURE_EV_RANGE))
    cast = illuminant_cast(rng.uniform(*WARMTH_RANGE), rng.uniform(*TINT_RANGE))
    log_shot = rng.uniform(np.log(SHOT_NOISE_RANGE[0]), np.log(SHOT_NOISE_RANGE[1]))
    log_read = READ_NOISE_SLOPE * log_shot + READ_NOISE_INTERCEPT + rng.normal(0.0, READ_NOISE_STD)
    black_level, white_level = ADC_LEVELS[rng.integers(len(ADC_LEVELS))]
    return RawParams(
        xyz_to_camera=tuple(tuple(float(v) for v in row) for row in xyz_to_camera),
        wb_gains=gains,
        exposure_ev=exposure_ev,
        illuminant_cast=cast,
        shot_noise=float(np.exp(log_shot)),
        read_noise=float(np.exp(log_read)),
        black_level=int(black_level),
        white_level=int(white_level),
    )


def tone_curve(x):
    """The smoothstep tone curve `3x^2 - 2x^3` on [0, 1] (Brooks et al. 2019, sec. 3.5)."""
    x = np.clip(np.asarray(x, dtype=np.float32), 0.0, 1.0)
    return (3.0 * x**2 - 2.0 * x**3).astype(np.float32)


def inverse_tone_curve(y):
    """The exact inverse of `tone_curve` on [0, 1]: `0.5 - sin(asin(1 - 2y) / 3)`; float32."""
    y = np.clip(np.asarray(y, dtype=np.float32), 0.0, 1.0)
    return (0.5 - np.sin(np.arcsin(1.0 - 2.0 * y) / 3.0)).astype(np.float32)


def rgb_to_camera_matrix(xyz_to_camera):
    """Linear sRGB -> camera RGB, rows normalized so that sRGB white maps to camera (1, 1, 1).

    This is the convention of dcraw/libraw (`cam_xyz_coeff`), which then develop camera RGB with
    the inverse of this matrix after white balance; using it here makes the two exact inverses.
    """
    rgb_to_camera = np.asarray(xyz_to_camera, dtype=np.float64) @ SRGB_TO_XYZ
    return rgb_to_camera / rgb_to_camera.sum(axis=1, keepdims=True)


def photo_to_scene(srgb, params, *, inverse_tone=True):
    """Linear sRGB light of the scene the camera saw, from a processed photo.

    Args:
      srgb: float array [..., 3], sRGB-encoded values in [0, 1] (a uint8 photo / 255).
      params: RawParams (uses exposure_ev and illuminant_cast).
      inverse_tone: undo the camera's tone curve (smoothstep) before sRGB decoding.

    Returns:
      float32 [..., 3] linear sRGB, >= 0; 1.0 is the photo's white before the exposure offset.
    """
    srgb = np.clip(np.asarray(srgb, dtype=np.float32), 0.0, 1.0)
    if inverse_tone:
        srgb = inverse_tone_curve(srgb)
    linear = srgb_to_linear(srgb)
    scale = np.asarray(params.illuminant_cast, dtype=np.float32) * np.float32(2.0**params.exposure_ev)
    return (linear * scale).astype(np.float32)


def scene_to_sensor(scene, params, rng=None):
    """Camera sensor signal of a scene, per colour channel, before mosaicking.

    Args:
      scene: float [..., 3] linear sRGB light.
      params: RawParams (uses xyz_to_camera, wb_gains, shot_noise, read_noise).
      rng: numpy.random.Generator for the noise; None gives a noise-free signal.

    Returns:
      float32 [..., 3] in [0, 1] of the ADC range above black; 1 is saturation (clipped).
    """
    camera = np.asarray(scene, dtype=np.float64) @ rgb_to_camera_matrix(params.xyz_to_camera).T
    camera = camera / np.asarray(params.wb_gains, dtype=np.float64)
    if rng is not None:
        variance = np.maximum(camera, 0.0) * params.shot_noise + params.read_noise
        camera = camera + rng.normal(size=camera.shape) * np.sqrt(variance)
    return np.clip(camera, 0.0, 1.0).astype(np.float32)


def mosaic(sensor, pattern="RGGB"):
    """Samples one colour per pixel in a 2x2 Bayer layout.

    Args:
      sensor: float [H, W, 3] with even H and W.
      pattern: a key of `exposure.dng.CFA_PATTERNS`, read row-major from the top-left pixel.

    Returns:
      float32 [H, W].
    """
    sensor = np.asarray(sensor, dtype=np.float32)
    if sensor.ndim != 3 or sensor.shape[2] != 3 or sensor.shape[0] % 2 or sensor.shape[1] % 2:
        raise ValueError(f"mosaic needs [H, W, 3] with even H and W, got shape {sensor.shape}")
    if pattern not in CFA_PATTERNS:
        raise ValueError(f"pattern must be one of {sorted(CFA_PATTERNS)}, got {pattern!r}")
    cfa = np.empty(sensor.shape[:2], dtype=np.float32)
    for index, channel in enumerate(CFA_PATTERNS[pattern]):
        row, col = divmod(index, 2)
        cfa[row::2, col::2] = sensor[row::2, col::2, channel]
    return cfa


def quantize(signal, black_level, white_level):
    """Maps a signal in [0, 1] to uint16 ADC counts in [black_level, white_level] (rounded)."""
    signal = np.clip(np.asarray(signal, dtype=np.float64), 0.0, 1.0)
    return np.round(black_level + signal * (white_level - black_level)).astype(np.uint16)


@dataclasses.dataclass(frozen=True)
class UnprocessedRaw:
    """A mosaicked raw image and what it should develop back to.

    Attributes:
      cfa: uint16 [H, W] ADC counts, ready for `exposure.dng.write_dng(**dng_tags)`.
      scene: float32 [H, W, 3] linear sRGB light the sensor recorded (before clipping and noise).
      clipped_fraction: fraction of CFA pixels at the white level.
      dng_tags: keyword arguments for `write_dng`: black and white level, colour matrix, neutral.
    """

    cfa: np.ndarray
    scene: np.ndarray
    clipped_fraction: float
    dng_tags: dict


def unprocess(srgb, params, *, rng=None, inverse_tone=True):
    """Unprocesses one sRGB photo into a Bayer raw image (the module docstring lists the steps).

    Args:
      srgb: float [H, W, 3] sRGB values in [0, 1], H and W even.
      params: RawParams.
      rng: numpy.random.Generator for sensor noise; None for a noise-free raw.
      inverse_tone: undo the camera tone curve (step 1).

    Returns:
      UnprocessedRaw.
    """
    scene = photo_to_scene(srgb, params, inverse_tone=inverse_tone)
    cfa = quantize(
        mosaic(scene_to_sensor(scene, params, rng), params.pattern),
        params.black_level,
        params.white_level,
    )
    dng_tags = {
        "pattern": params.pattern,
        "black_level": params.black_level,
        "white_level": params.white_level,
        "color_matrix": np.asarray(params.xyz_to_camera),
        "as_shot_neutral": 1.0 / np.asarray(params.wb_gains),
    }
    clipped = float(np.mean(cfa >= params.white_level))
    return UnprocessedRaw(cfa=cfa, scene=scene, clipped_fraction=clipped, dng_tags=dng_tags)
