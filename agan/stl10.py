"""Reader for the real STL-10 binary files (AGAN sections 4.1 and 4.4).

``stl10_binary/`` holds ``{train,test,unlabeled}_X.bin``: uint8, each image 3 x 96 x 96 as three
colour planes stored column-major (so a plane reads as [column, row]), and ``{train,test}_y.bin``:
one uint8 label per image in 1..10. The unlabeled file is 2.7 GB, so it is memory-mapped and only
the selected images are read and resized, a chunk at a time.
"""
import pathlib

import numpy as np
from tqdm import tqdm

from agan.dataset_files import DatasetFormatError, DatasetNotFoundError, keras_cache_dir
from agan.resize import resize_area
from agan.subset import subset_indices

URL = "http://ai.stanford.edu/~acoates/stl10/stl10_binary.tar.gz"
SOURCE_SIZE = 96  # pixels, as distributed (AGAN section 4.1)
IMAGE_SIZE = 48  # pixels: "We resize the STL-10 data set to 48 x 48 images" (AGAN section 4.4)
BINARY_DIR = "stl10_binary"
UNLABELED = -1  # label of the unlabeled images
# Each split: the parts it concatenates, each part an (images file, labels file or None).
SPLITS = {
    "train": (("train_X.bin", "train_y.bin"),),
    "test": (("test_X.bin", "test_y.bin"),),
    "unlabeled": (("unlabeled_X.bin", None),),
    "train+unlabeled": (("train_X.bin", "train_y.bin"), ("unlabeled_X.bin", None)),
}
_IMAGE_BYTES = 3 * SOURCE_SIZE * SOURCE_SIZE
_CHUNK = 2000  # images resized at once (~55 MB of source pixels)


def find(data_dir=None, needed=("train_X.bin",)):
    """The folder holding the STL-10 files ``needed``; raises DatasetNotFoundError naming the URL."""
    root = pathlib.Path(data_dir if data_dir is not None else keras_cache_dir()).expanduser()
    candidates = [root, root / BINARY_DIR]
    for candidate in candidates:
        if all((candidate / name).is_file() for name in needed):
            return candidate
    places = ", ".join(str(c) for c in candidates)
    raise DatasetNotFoundError(
        f"STL-10 files {list(needed)} not found in {places}. Download {URL} (2.5 GB) and extract it "
        f"into --data_dir (or {keras_cache_dir()}): tar xzf stl10_binary.tar.gz creates "
        f"'{BINARY_DIR}/'."
    )


def _images_memmap(path):
    """A read-only [N, 3, 96(col), 96(row)] uint8 view of an ``*_X.bin`` file."""
    size = path.stat().st_size
    if size == 0 or size % _IMAGE_BYTES:
        raise DatasetFormatError(
            f"STL-10 {path}: size {size} bytes is not a positive multiple of {_IMAGE_BYTES} "
            f"(3x{SOURCE_SIZE}x{SOURCE_SIZE} uint8 per image); truncated or not an STL-10 file"
        )
    count = size // _IMAGE_BYTES
    return np.memmap(path, dtype=np.uint8, mode="r", shape=(count, 3, SOURCE_SIZE, SOURCE_SIZE))


def _labels(path, count):
    """Labels of a ``*_y.bin`` file as int32 in 0..9 (the file stores 1..10)."""
    labels = np.fromfile(path, dtype=np.uint8)
    if labels.shape != (count,):
        raise DatasetFormatError(f"STL-10 {path}: {labels.size} labels for {count} images")
    if labels.size and (labels.min() < 1 or labels.max() > 10):
        raise DatasetFormatError(f"STL-10 {path}: labels outside 1..10")
    return labels.astype(np.int32) - 1


def to_rgb(planes):
    """Stored [N, 3, col, row] uint8 planes to [N, row, col, 3] RGB images."""
    return np.ascontiguousarray(np.asarray(planes).transpose(0, 3, 2, 1))


def load(data_dir=None, split="train", limit=None, seed=0, image_size=IMAGE_SIZE, progress=False):
    """Images of ``split`` as (uint8 [N, image_size, image_size, 3], int32 [N]).

    Splits: "train" (5,000), "test" (8,000), "unlabeled" (100,000, label -1) and "train+unlabeled"
    (the paper's unsupervised setting). ``limit`` picks a subset chosen by ``seed``.
    """
    if split not in SPLITS:
        raise ValueError(f"STL-10 split must be one of {sorted(SPLITS)}, got {split!r}")
    parts = SPLITS[split]
    folder = find(data_dir, needed=[name for part in parts for name in part if name])
    sources = []
    for images_file, labels_file in parts:
        planes = _images_memmap(folder / images_file)
        if labels_file is None:
            labels = np.full(len(planes), UNLABELED, dtype=np.int32)
        else:
            labels = _labels(folder / labels_file, len(planes))
        sources.append((planes, labels))
    offsets = np.cumsum([0] + [len(planes) for planes, _ in sources])
    chosen = subset_indices(int(offsets[-1]), limit, seed)
    images = np.empty((len(chosen), image_size, image_size, 3), dtype=np.uint8)
    labels = np.empty((len(chosen),), dtype=np.int32)
    starts = range(0, len(chosen), _CHUNK)
    for start in tqdm(starts, desc=f"reading STL-10 {split}", unit="chunk", disable=not progress):
        block = chosen[start:start + _CHUNK]
        part = np.searchsorted(offsets, block, side="right") - 1
        for p, (planes, part_labels) in enumerate(sources):
            rows = part == p
            if rows.any():
                local = block[rows] - offsets[p]
                out = np.flatnonzero(rows) + start
                images[out] = resize_area(to_rgb(planes[local]), image_size)
                labels[out] = part_labels[local]
    return images, labels


def class_names(data_dir=None):
    """The 10 class names from ``class_names.txt``."""
    path = find(data_dir, needed=("class_names.txt",)) / "class_names.txt"
    names = tuple(line.strip() for line in path.read_text().splitlines() if line.strip())
    if len(names) != 10:
        raise DatasetFormatError(f"STL-10 {path}: expected 10 class names, found {len(names)}")
    return names
