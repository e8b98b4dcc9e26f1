"""Reader for the real CIFAR-10 python archive (AGAN section 4.1).

The archive ``cifar-10-python.tar.gz`` holds ``cifar-10-batches-py/`` with pickled batches
``data_batch_1`` .. ``data_batch_5`` (train, 50,000 images), ``test_batch`` (10,000) and
``batches.meta``. Each batch is a dict with ``b"data"``: uint8 [N, 3072] (1024 red, then 1024 green,
then 1024 blue values, each plane row-major 32x32) and ``b"labels"``: N ints in 0..9.
"""
import pathlib
import pickle
import tarfile

import numpy as np

from agan.dataset_files import DatasetFormatError, DatasetNotFoundError, keras_cache_dir

URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
IMAGE_SIZE = 32  # pixels (AGAN section 4.1)
SPLITS = {"train": tuple(f"data_batch_{i}" for i in range(1, 6)), "test": ("test_batch",)}
BATCHES_DIR = "cifar-10-batches-py"
TARBALL = "cifar-10-python.tar.gz"
# Where keras.datasets.cifar10.load_data leaves the files: Keras 3 and Keras 2 layouts.
_KERAS_DIRS = ("cifar-10-batches-py-target/cifar-10-batches-py", BATCHES_DIR)
_KERAS_TARBALLS = ("cifar-10-batches-py-target_archive", TARBALL)


def _candidates(root):
    """Batch folders and tarballs under ``root`` that may hold CIFAR-10, most specific first."""
    root = pathlib.Path(root).expanduser()
    if root.is_file():
        return [root]
    return [root, *(root / d for d in _KERAS_DIRS), *(root / t for t in _KERAS_TARBALLS)]


def _not_found(looked_in):
    places = "\n  ".join(str(p) for p in looked_in)
    return DatasetNotFoundError(
        f"CIFAR-10 not found. Looked for '{BATCHES_DIR}/' or '{TARBALL}' in:\n  {places}\n"
        f"Download {URL} and either put the tarball in --data_dir (or {keras_cache_dir()}) or "
        f"extract it there (tar xzf {TARBALL}), which creates '{BATCHES_DIR}/'."
    )


class _Source:
    """Reads named batch files from a CIFAR-10 folder or from inside the tarball."""

    def __init__(self, location):
        self.location = location

    def read(self, names):
        """The raw bytes of each batch in ``names``, as {name: bytes} (one pass over a tarball)."""
        found = {}
        if self.location.is_dir():
            for name in names:
                if (self.location / name).is_file():
                    found[name] = (self.location / name).read_bytes()
        else:
            try:
                with tarfile.open(self.location, "r:*") as tar:
                    for member in tar:
                        name = pathlib.PurePosixPath(member.name).name
                        if member.isfile() and name in names and name not in found:
                            found[name] = tar.extractfile(member).read()
            except (tarfile.TarError, OSError, EOFError) as error:
                raise DatasetFormatError(
                    f"{self.location}: not a readable tar archive ({error})"
                ) from error
        missing = [name for name in names if name not in found]
        if missing:
            raise DatasetFormatError(f"CIFAR-10 at {self.location} lacks {missing}")
        return found


def find(data_dir=None):
    """Locates CIFAR-10 in ``data_dir`` (or the Keras cache when None); raises DatasetNotFoundError."""
    roots = [data_dir] if data_dir is not None else [keras_cache_dir()]
    looked_in = []
    for root in roots:
        for candidate in _candidates(root):
            looked_in.append(candidate)
            holds_batches = any((candidate / n).is_file() for n in ("data_batch_1", "test_batch"))
            if candidate.is_file() or (candidate.is_dir() and holds_batches):
                return _Source(candidate)
    raise _not_found(looked_in)


def parse_batch(raw, name="batch"):
    """Decodes one pickled batch: (images uint8 [N, 32, 32, 3] RGB, labels int32 [N])."""
    try:
        batch = pickle.loads(raw, encoding="bytes")
    except Exception as error:  # pickle raises many types on corrupt input
        raise DatasetFormatError(f"CIFAR-10 {name}: not a python pickle ({error})") from error
    if not isinstance(batch, dict) or b"data" not in batch or b"labels" not in batch:
        raise DatasetFormatError(f"CIFAR-10 {name}: expected a dict with b'data' and b'labels'")
    data = np.asarray(batch[b"data"])
    labels = np.asarray(batch[b"labels"])
    pixels = 3 * IMAGE_SIZE * IMAGE_SIZE
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != pixels:
        raise DatasetFormatError(
            f"CIFAR-10 {name}: b'data' must be uint8 [N, {pixels}], got {data.dtype} {data.shape}"
        )
    if labels.shape != (data.shape[0],) or not np.issubdtype(labels.dtype, np.integer):
        raise DatasetFormatError(
            f"CIFAR-10 {name}: b'labels' must be {data.shape[0]} ints, got {labels.dtype} {labels.shape}"
        )
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise DatasetFormatError(f"CIFAR-10 {name}: labels outside 0..9")
    images = data.reshape(-1, 3, IMAGE_SIZE, IMAGE_SIZE).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels.astype(np.int32)


def load(data_dir=None, split="train"):
    """All images of ``split`` ("train": 50,000, "test": 10,000) as (uint8 [N,32,32,3], int32 [N])."""
    if split not in SPLITS:
        raise ValueError(f"CIFAR-10 split must be one of {sorted(SPLITS)}, got {split!r}")
    source = find(data_dir)
    raw = source.read(SPLITS[split])
    parts = [parse_batch(raw[name], f"{source.location}:{name}") for name in SPLITS[split]]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def class_names(data_dir=None):
    """The 10 class names from ``batches.meta``."""
    source = find(data_dir)
    raw = source.read(["batches.meta"])["batches.meta"]
    try:
        return tuple(name.decode() for name in pickle.loads(raw, encoding="bytes")[b"label_names"])
    except Exception as error:  # pickle raises many types on corrupt input
        raise DatasetFormatError(
            f"CIFAR-10 {source.location}: batches.meta has no readable b'label_names' ({error})"
        ) from error
