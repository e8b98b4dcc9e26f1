"""Built-in AGAN dataset: anti-aliased coloured shapes on textured backgrounds, 10 classes.

No download: every sample is rendered from a counter-based hash, so sample ``i`` of stream ``seed``
is a pure function of ``(seed, i)`` and the stream is unlimited. The class is the shape kind; colour,
size, position, rotation and background texture (linear gradient, radial gradient, stripes,
checkerboard, smooth noise, all with fine pixel noise) vary per sample. Labels are exactly balanced in
every aligned block of 10 consecutive indices.
"""
import numpy as np
from tqdm import tqdm

IMAGE_SIZE = 32  # pixels, matches CIFAR-10 (AGAN section 4.1)
SHAPE_NAMES = (
    "disk", "ring", "triangle", "square", "plus", "star", "crescent", "ellipse", "half_disk", "arrow",
)
TEXTURE_NAMES = ("linear_gradient", "radial_gradient", "stripes", "checkerboard", "smooth_noise")

_NUM_CLASSES = len(SHAPE_NAMES)
_CHUNK = 2048  # samples rendered at once; bounds memory to ~100 MB
_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)

# Independent random streams of one sample (the third key of the hash).
(_S_LABEL, _S_ANGLE, _S_RADIUS, _S_CX, _S_CY, _S_DARK, _S_FG, _S_BG1, _S_BG2, _S_TEXTURE,
 _S_TEX_ANGLE, _S_TEX_FREQ, _S_TEX_PHASE, _S_NOISE_GRID, _S_PIXEL_NOISE, _S_SHADE) = range(16)


def _splitmix64(x):
    """SplitMix64 finalizer on a uint64 array (wrapping arithmetic)."""
    x = (x + np.uint64(0x9E3779B97F4A7C15)) & _MASK64
    x = ((x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)) & _MASK64
    x = ((x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)) & _MASK64
    return x ^ (x >> np.uint64(31))


def _uniform(seed, keys, stream, count=1):
    """Uniform floats in [0, 1), shape ``keys.shape + (count,)``, a pure function of the inputs."""
    with np.errstate(over="ignore"):
        base = _splitmix64(np.uint64(seed & 0xFFFFFFFFFFFFFFFF) ^ np.uint64(0x5851F42D4C957F2D))
        h = _splitmix64(base ^ keys.astype(np.uint64)[..., None])
        h = _splitmix64(h ^ np.uint64(stream * 0x2545F4914F6CDD1D & 0xFFFFFFFFFFFFFFFF))
        h = _splitmix64(h + np.arange(count, dtype=np.uint64))
    return ((h >> np.uint64(40)).astype(np.float64) / float(1 << 24)).astype(np.float32)


def labels_for(indices, seed=0):
    """Class labels (int32 in [0, 10)) of samples ``indices`` of stream ``seed``.

    Every aligned block of 10 indices holds each class exactly once, in a hashed order.
    """
    indices = np.asarray(indices, dtype=np.int64)
    keys = _uniform(seed, indices // _NUM_CLASSES, _S_LABEL, _NUM_CLASSES)
    order = np.argsort(keys, axis=-1, kind="stable")
    return np.take_along_axis(order, (indices % _NUM_CLASSES)[:, None], axis=1)[:, 0].astype(np.int32)


def _segment_distance(px, py, ax, ay, bx, by):
    """Distance from points (px, py) to the segment a-b."""
    ex, ey = bx - ax, by - ay
    wx, wy = px - ax, py - ay
    t = np.clip((wx * ex + wy * ey) / (ex * ex + ey * ey), 0.0, 1.0)
    return np.hypot(wx - ex * t, wy - ey * t)


def _polygon_sdf(px, py, vertices):
    """Signed distance (negative inside) to a simple polygon given as [(x, y), ...]."""
    distance = np.full(px.shape, np.inf, dtype=np.float32)
    inside = np.zeros(px.shape, dtype=bool)
    count = len(vertices)
    for k in range(count):
        (ax, ay), (bx, by) = vertices[k], vertices[(k + 1) % count]
        distance = np.minimum(distance, _segment_distance(px, py, ax, ay, bx, by))
        crosses = (ay > py) != (by > py)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_cross = ax + (py - ay) * (bx - ax) / (by - ay)
        inside ^= crosses & (px < x_cross)
    return np.where(inside, -distance, distance)


def _regular_polygon(sides, radius=1.0, phase=0.0):
    angles = phase + 2 * np.pi * np.arange(sides) / sides
    return list(zip(radius * np.cos(angles), radius * np.sin(angles), strict=True))


def _star(points=5, outer=1.0, inner=0.45):
    angles = np.pi / 2 + np.pi * np.arange(2 * points) / points
    radii = np.where(np.arange(2 * points) % 2 == 0, outer, inner)
    return list(zip(radii * np.cos(angles), radii * np.sin(angles), strict=True))


_POLYGONS = {
    "triangle": _regular_polygon(3, 1.0, np.pi / 2),
    "square": [(-0.75, -0.75), (0.75, -0.75), (0.75, 0.75), (-0.75, 0.75)],
    "plus": [(-0.3, -1.0), (0.3, -1.0), (0.3, -0.3), (1.0, -0.3), (1.0, 0.3), (0.3, 0.3),
             (0.3, 1.0), (-0.3, 1.0), (-0.3, 0.3), (-1.0, 0.3), (-1.0, -0.3), (-0.3, -0.3)],
    "star": _star(),
    "arrow": [(-1.0, -0.22), (0.15, -0.22), (0.15, -0.6), (1.0, 0.0), (0.15, 0.6), (0.15, 0.22),
              (-1.0, 0.22)],
}


def _shape_sdf(name, x, y):
    """Signed distance (shape units, negative inside) of shape ``name`` of radius ~1 at the origin."""
    r = np.hypot(x, y)
    if name == "disk":
        return r - 0.9
    if name == "ring":
        return np.abs(r - 0.72) - 0.25
    if name == "crescent":
        return np.maximum(r - 0.95, 0.75 - np.hypot(x - 0.45, y))
    if name == "ellipse":
        a, b = 1.0, 0.42
        return (np.hypot(x / a, y / b) - 1.0) * b
    if name == "half_disk":
        return np.maximum(r - 1.0, -(y + 0.3))
    return _polygon_sdf(x, y, _POLYGONS[name])


def _texture(seed, indices, kinds, grid_x, grid_y):
    """Background texture in [0, 1], shape [N, S, S], for texture kinds (ints into TEXTURE_NAMES)."""
    n = len(indices)
    angle = 2 * np.pi * _uniform(seed, indices, _S_TEX_ANGLE)[:, :, None]
    freq = 0.15 + 0.5 * _uniform(seed, indices, _S_TEX_FREQ)[:, :, None]
    phase = _uniform(seed, indices, _S_TEX_PHASE, 2)
    u = (grid_x * np.cos(angle) + grid_y * np.sin(angle)) / IMAGE_SIZE  # in about [-0.7, 0.7]
    v = (-grid_x * np.sin(angle) + grid_y * np.cos(angle)) / IMAGE_SIZE
    centre_x = (phase[:, 0, None, None] - 0.5) * IMAGE_SIZE
    centre_y = (phase[:, 1, None, None] - 0.5) * IMAGE_SIZE
    linear = np.clip(u + 0.5, 0.0, 1.0)
    radial = np.clip(np.hypot(grid_x - centre_x, grid_y - centre_y) / IMAGE_SIZE, 0.0, 1.0)
    stripes = 0.5 + 0.5 * np.sin(2 * np.pi * (u * IMAGE_SIZE * freq * 0.5 + phase[:, :1, None]))
    cell = 2.0 + 6.0 * freq  # checker cell side in pixels
    checker_wave = np.sin(np.pi * u * IMAGE_SIZE / cell) * np.sin(np.pi * v * IMAGE_SIZE / cell)
    checker = np.clip(0.5 + 2.0 * checker_wave, 0.0, 1.0)
    coarse = _uniform(seed, indices, _S_NOISE_GRID, 25).reshape(n, 5, 5)
    positions = np.linspace(0.0, 4.0, IMAGE_SIZE, dtype=np.float32)
    lower = np.minimum(positions.astype(int), 3)
    frac = positions - lower
    upsample = np.zeros((IMAGE_SIZE, 5), dtype=np.float32)
    upsample[np.arange(IMAGE_SIZE), lower] = 1.0 - frac
    upsample[np.arange(IMAGE_SIZE), lower + 1] += frac
    smooth = np.einsum("ij,njk,lk->nil", upsample, coarse, upsample)
    choices = np.stack([linear, radial, stripes, checker, smooth], axis=0)
    return np.take_along_axis(choices, kinds[None, :, None, None], axis=0)[0]


def render(indices, seed=0):
    """Renders the samples ``indices`` (non-negative ints) of stream ``seed``.

    Returns ``(images, labels)``: uint8 [N, 32, 32, 3] RGB and int32 [N] in [0, 10) (see
    ``SHAPE_NAMES``). Sample ``i`` depends only on ``(seed, i)``.
    """
    indices = np.asarray(indices, dtype=np.int64).reshape(-1)
    if indices.size and indices.min() < 0:
        raise ValueError(f"sample indices must be non-negative, got min {indices.min()}")
    n = len(indices)
    labels = labels_for(indices, seed)
    coords = np.arange(IMAGE_SIZE, dtype=np.float32) + 0.5 - IMAGE_SIZE / 2
    grid_y, grid_x = np.meshgrid(coords, coords, indexing="ij")

    radius = 6.0 + 7.0 * _uniform(seed, indices, _S_RADIUS)[:, 0]  # pixels
    margin = radius * 0.85
    room = IMAGE_SIZE / 2 - margin
    cx = (2 * _uniform(seed, indices, _S_CX)[:, 0] - 1) * room
    cy = (2 * _uniform(seed, indices, _S_CY)[:, 0] - 1) * room
    angle = 2 * np.pi * _uniform(seed, indices, _S_ANGLE)[:, 0]
    cos, sin = np.cos(angle)[:, None, None], np.sin(angle)[:, None, None]
    dx = (grid_x - cx[:, None, None]) / radius[:, None, None]
    dy = (grid_y - cy[:, None, None]) / radius[:, None, None]
    local_x, local_y = cos * dx + sin * dy, -sin * dx + cos * dy

    sdf = np.empty((n, IMAGE_SIZE, IMAGE_SIZE), dtype=np.float32)
    for label, name in enumerate(SHAPE_NAMES):
        rows = labels == label
        if rows.any():
            sdf[rows] = _shape_sdf(name, local_x[rows], local_y[rows])
    # Coverage of each pixel: signed distance in pixels mapped through a one-pixel ramp.
    alpha = np.clip(0.5 - sdf * radius[:, None, None], 0.0, 1.0)[..., None]

    dark_background = _uniform(seed, indices, _S_DARK)[:, 0] < 0.5
    low = np.where(dark_background, 0.0, 0.6).astype(np.float32)[:, None, None, None]
    fg_low = np.where(dark_background, 0.55, 0.0).astype(np.float32)[:, None, None, None]
    bg1 = low + 0.4 * _uniform(seed, indices, _S_BG1, 3)[:, None, None, :]
    bg2 = low + 0.4 * _uniform(seed, indices, _S_BG2, 3)[:, None, None, :]
    foreground = fg_low + 0.45 * _uniform(seed, indices, _S_FG, 3)[:, None, None, :]
    shade = 0.85 + 0.3 * _uniform(seed, indices, _S_SHADE)[:, :, None, None]
    foreground = np.clip(foreground * (shade + 0.15 * local_y[..., None]), 0.0, 1.0)

    kinds = np.floor(_uniform(seed, indices, _S_TEXTURE)[:, 0] * len(TEXTURE_NAMES)).astype(int)
    texture = _texture(seed, indices, kinds, grid_x, grid_y)[..., None]
    background = bg1 + (bg2 - bg1) * texture
    noise = _uniform(seed, indices, _S_PIXEL_NOISE, IMAGE_SIZE * IMAGE_SIZE * 3)
    background = background + 0.06 * (noise.reshape(n, IMAGE_SIZE, IMAGE_SIZE, 3) - 0.5)

    image = background * (1.0 - alpha) + foreground * alpha
    images = np.clip(np.rint(image * 255.0), 0, 255).astype(np.uint8)
    return images, labels


def generate(count, seed=0, start=0, progress=False):
    """Samples ``start .. start + count - 1`` of stream ``seed`` as (uint8 [N,32,32,3], int32 [N])."""
    if count < 0 or start < 0:
        raise ValueError(f"count and start must be non-negative, got count={count}, start={start}")
    images = np.empty((count, IMAGE_SIZE, IMAGE_SIZE, 3), dtype=np.uint8)
    labels = np.empty((count,), dtype=np.int32)
    chunks = range(0, count, _CHUNK)
    for offset in tqdm(chunks, desc="rendering shapes", unit="chunk", disable=not progress):
        stop = min(offset + _CHUNK, count)
        images[offset:stop], labels[offset:stop] = render(np.arange(start + offset, start + stop), seed)
    return images, labels
