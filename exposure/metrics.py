"""Evaluation metrics of retouched photos: the Exposure paper's histogram intersection, PSNR and
CIE ΔE2000.

Histogram intersection (Exposure paper, section 6 "Error Metrics" and supplement "Histogram
Intersection Details"; sampling as the authors' code, docs/exposure.md#histogram-intersection):
every image gives 16 patches (4 random square crops of side min(H, W), area-resized to 80x80, then 4 random 64x64 crops of
each). Per patch three statistics are measured on the sRGB-encoded values, as the authors did:

- luminance: mean of `0.27 R + 0.67 G + 0.06 B`,
- contrast: 2 x the variance of that luminance, the paper's definition (supplement) and the
  default; `contrast="std"` gives the authors' code, 2 x the standard deviation,
- saturation: mean HLS saturation.

Each statistic is histogrammed into 32 equal bins over [0, 1] (values outside are clipped into the
end bins), normalized by the patch count, and two collections score `sum(min(a, b))`: 1 for equal
distributions, 0 for disjoint ones. The two collections need not be paired or of equal size.
"""
import numpy as np

from exposure.data import CROP_SIZE, CROPS_PER_IMAGE, random_square_patches
from exposure.unprocess import SRGB_TO_XYZ
from mobile.registry import LUMINANCE_WEIGHTS
from mobile.srgb import srgb_to_linear

STATISTICS = ("luminance", "contrast", "saturation")
CONTRAST_MEASURES = ("variance", "std")
DEFAULT_CONTRAST = "variance"  # Exposure paper, supplement: "twice the variance of pixel luminance"
CROPS_PER_PATCH = 4  # Exposure code (docs/exposure.md#histogram-intersection): 4 random 64x64 crops of each 80x80 patch
PATCHES_PER_IMAGE = CROPS_PER_IMAGE * CROPS_PER_PATCH  # 16 (Exposure paper, supplement)
HISTOGRAM_BINS = 32  # Exposure paper, supplement: 32 equal bins within [0, 1]
# CIELAB white point: D65, the XYZ of linear sRGB white (IEC 61966-2-1).
D65_WHITE = SRGB_TO_XYZ.sum(axis=1)
_LAB_EPSILON = (6.0 / 29.0) ** 3  # CIE 15: below this, CIELAB's cube root becomes linear


def patch_statistics(srgb, rng, *, contrast=DEFAULT_CONTRAST):
    """The 16 evaluation patches of one image and their statistics.

    Args:
      srgb: float [H, W, 3], sRGB-encoded values in [0, 1], H and W >= 64.
      rng: numpy Generator choosing the crop positions.
      contrast: "variance" (2 x luminance variance, the paper; default) or "std" (2 x luminance
        standard deviation, the authors' code).

    Returns:
      float64 [PATCHES_PER_IMAGE = 16, 3]: per patch (luminance, contrast, saturation), each normally in [0, 1].
    """
    if contrast not in CONTRAST_MEASURES:
        raise ValueError(f"contrast={contrast!r}; expected one of {CONTRAST_MEASURES}")
    srgb = np.asarray(srgb, dtype=np.float32)
    if srgb.ndim != 3 or srgb.shape[2] != 3 or min(srgb.shape[:2]) < CROP_SIZE:
        raise ValueError(f"image has shape {srgb.shape}; expected [H, W, 3] with H, W >= {CROP_SIZE}")
    squares = random_square_patches(srgb, rng)
    margin = squares.shape[1] - CROP_SIZE
    patches = []
    for square in squares:
        for _ in range(CROPS_PER_PATCH):
            top, left = (int(v) for v in rng.integers(0, margin + 1, size=2))
            patches.append(square[top:top + CROP_SIZE, left:left + CROP_SIZE])
    patches = np.stack(patches).astype(np.float64)
    luminance = patches @ np.asarray(LUMINANCE_WEIGHTS)  # on sRGB-encoded values
    spread = luminance.std(axis=(1, 2))
    if contrast == "variance":
        spread = spread**2
    saturation = hls_saturation(patches).mean(axis=(1, 2))
    return np.stack([luminance.mean(axis=(1, 2)), 2.0 * spread, saturation], axis=-1)


def hls_saturation(rgb):
    """HLS saturation (as `colorsys.rgb_to_hls`) of RGB values in [0, 1], shape [..., 3] -> [...].

    0 for greys; (max - min) / (max + min) when lightness <= 0.5, else (max - min) / (2 - max - min).
    """
    rgb = np.asarray(rgb, dtype=np.float64)
    high, low = rgb.max(axis=-1), rgb.min(axis=-1)
    chroma = high - low
    total = high + low
    denominator = np.where(total <= 1.0, total, 2.0 - total)
    return np.divide(chroma, denominator, out=np.zeros_like(chroma), where=chroma > 0)


def image_rng(seed, index):
    """The crop-position generator of the `index`-th image of a collection under `seed`."""
    return np.random.default_rng([seed, index])


def collection_statistics(images, *, seed=0, contrast=DEFAULT_CONTRAST):
    """Patch statistics of a collection: float64 [16 * N, 3] for N images (see patch_statistics).

    The i-th image's crops are drawn from `image_rng(seed, i)`.
    """
    stats = [patch_statistics(image, image_rng(seed, i), contrast=contrast)
             for i, image in enumerate(images)]
    if not stats:
        raise ValueError("the image collection is empty")
    return np.concatenate(stats)


def statistic_histograms(stats):
    """Histograms of patch statistics: float64 [3, 32], each row summing to 1.

    Args:
      stats: float [P, 3] from patch_statistics / collection_statistics, P >= 1.
    """
    stats = np.asarray(stats, dtype=np.float64)
    if stats.ndim != 2 or stats.shape[1] != len(STATISTICS) or len(stats) == 0:
        raise ValueError(f"statistics have shape {stats.shape}; expected [P >= 1, 3]")
    bins = np.clip(np.floor(stats * HISTOGRAM_BINS), 0, HISTOGRAM_BINS - 1).astype(np.int64)
    histograms = np.stack([np.bincount(bins[:, k], minlength=HISTOGRAM_BINS)
                           for k in range(len(STATISTICS))])
    return histograms / len(stats)


def intersections(stats_a, stats_b):
    """Histogram intersection of two sets of patch statistics ([P, 3] and [Q, 3]).

    Returns:
      dict {"luminance", "contrast", "saturation"} -> float in [0, 1].
    """
    scores = np.minimum(statistic_histograms(stats_a), statistic_histograms(stats_b)).sum(axis=1)
    return {name: float(score) for name, score in zip(STATISTICS, scores, strict=True)}


def histogram_intersection(images_a, images_b, seed=0, *, contrast=DEFAULT_CONTRAST):
    """The Exposure paper's histogram intersection of two image collections (unpaired).

    Args:
      images_a, images_b: iterables of float [H, W, 3] sRGB-encoded images in [0, 1] (sizes may
        differ; each side >= 64 px).
      seed: seed of the crop positions (the same seed and images give the same score).
      contrast: see patch_statistics.

    Returns:
      dict {"luminance", "contrast", "saturation"} -> float in [0, 1] (1 = same distribution).
    """
    return intersections(collection_statistics(images_a, seed=seed, contrast=contrast),
                         collection_statistics(images_b, seed=seed, contrast=contrast))


def _same_shape(a, b, what):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or a.shape[-1:] != (3,):
        raise ValueError(f"{what} needs two [..., 3] images of one shape; got {a.shape} and {b.shape}")
    return a, b


def psnr(a, b, *, peak=1.0):
    """Peak signal-to-noise ratio in dB of two images of one shape with values in [0, peak].

    Returns `10 log10(peak^2 / MSE)`; inf for identical images.
    """
    a, b = _same_shape(a, b, "psnr")
    mse = float(np.mean((a - b) ** 2))
    return float("inf") if mse == 0.0 else float(10.0 * np.log10(peak**2 / mse))


def srgb_to_lab(srgb):
    """CIELAB (D65 white, CIE 1976) of sRGB-encoded values: [..., 3] -> float64 [..., 3]
    (L* in [0, 100] for inputs in [0, 1])."""
    linear = srgb_to_linear(np.asarray(srgb, dtype=np.float64)).astype(np.float64)
    xyz = linear @ SRGB_TO_XYZ.T / D65_WHITE
    f = np.where(xyz > _LAB_EPSILON, np.cbrt(xyz), xyz / (3.0 * (6.0 / 29.0) ** 2) + 4.0 / 29.0)
    return np.stack([116.0 * f[..., 1] - 16.0,
                     500.0 * (f[..., 0] - f[..., 1]),
                     200.0 * (f[..., 1] - f[..., 2])], axis=-1)


def delta_e2000_lab(lab1, lab2, *, k_l=1.0, k_c=1.0, k_h=1.0):
    """CIE ΔE2000 colour difference of CIELAB values (Sharma, Wu & Dalal 2005, eqs. 1-22).

    Args:
      lab1, lab2: float [..., 3] (L*, a*, b*) arrays of one shape.
      k_l, k_c, k_h: the parametric weights (1 for the reference conditions).

    Returns:
      float64 [...], >= 0; 0 for identical colours; symmetric in its arguments.
    """
    lab1, lab2 = _same_shape(lab1, lab2, "delta_e2000")
    l1, a1, b1 = np.moveaxis(lab1, -1, 0)
    l2, a2, b2 = np.moveaxis(lab2, -1, 0)
    c_bar7 = ((np.hypot(a1, b1) + np.hypot(a2, b2)) / 2.0) ** 7
    g = 0.5 * (1.0 - np.sqrt(c_bar7 / (c_bar7 + 25.0**7)))
    a1p, a2p = (1.0 + g) * a1, (1.0 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360.0
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360.0
    chromatic = c1p * c2p != 0.0

    dh = h2p - h1p
    dh = np.where(dh > 180.0, dh - 360.0, np.where(dh < -180.0, dh + 360.0, dh))
    dh = np.where(chromatic, dh, 0.0)
    d_l = l2 - l1
    d_c = c2p - c1p
    d_h = 2.0 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh) / 2.0)

    l_bar = (l1 + l2) / 2.0
    c_bar_p = (c1p + c2p) / 2.0
    h_sum = h1p + h2p
    h_bar = np.where(np.abs(h1p - h2p) <= 180.0, h_sum / 2.0,
                     np.where(h_sum < 360.0, (h_sum + 360.0) / 2.0, (h_sum - 360.0) / 2.0))
    h_bar = np.where(chromatic, h_bar, h_sum)

    t = (1.0 - 0.17 * np.cos(np.radians(h_bar - 30.0)) + 0.24 * np.cos(np.radians(2.0 * h_bar))
         + 0.32 * np.cos(np.radians(3.0 * h_bar + 6.0)) - 0.20 * np.cos(np.radians(4.0 * h_bar - 63.0)))
    d_theta = 30.0 * np.exp(-(((h_bar - 275.0) / 25.0) ** 2))
    c_bar_p7 = c_bar_p**7
    r_c = 2.0 * np.sqrt(c_bar_p7 / (c_bar_p7 + 25.0**7))
    s_l = 1.0 + 0.015 * (l_bar - 50.0) ** 2 / np.sqrt(20.0 + (l_bar - 50.0) ** 2)
    s_c = 1.0 + 0.045 * c_bar_p
    s_h = 1.0 + 0.015 * c_bar_p * t
    r_t = -np.sin(np.radians(2.0 * d_theta)) * r_c

    term_l = d_l / (k_l * s_l)
    term_c = d_c / (k_c * s_c)
    term_h = d_h / (k_h * s_h)
    return np.sqrt(np.maximum(term_l**2 + term_c**2 + term_h**2 + r_t * term_c * term_h, 0.0))


def delta_e2000(a_srgb, b_srgb):
    """Per-pixel CIE ΔE2000 of two sRGB-encoded images of one shape [..., 3] -> float64 [...]."""
    return delta_e2000_lab(srgb_to_lab(a_srgb), srgb_to_lab(b_srgb))
