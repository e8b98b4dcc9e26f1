"""Writing an AGAN dataset to disk: ``<dataset>.npz`` (x uint8, y int32) and a ``samples.png`` grid."""
import dataclasses
import pathlib

import numpy as np
from PIL import Image

from agan import data, image_grid
from mobile.atomic import atomic_output


@dataclasses.dataclass(frozen=True)
class Materialized:
    """What ``materialize`` wrote; ``skipped`` lists the unreadable files as (path, reason)."""

    npz_path: pathlib.Path
    grid_path: pathlib.Path
    count: int
    image_shape: tuple
    class_names: tuple
    class_counts: dict
    skipped: tuple = ()

    def summary(self):
        """A few human-readable lines describing the files."""
        counts = ", ".join(f"{self.class_names[k] if 0 <= k < len(self.class_names) else k}: {n}"
                           for k, n in sorted(self.class_counts.items()))
        return (f"wrote {self.npz_path}: {self.count} images of shape {self.image_shape} (uint8), "
                f"{len(self.class_names)} classes\n  per class: {counts}\n"
                f"wrote {self.grid_path}: sample grid, one row per class")


def sample_grid(images, labels, per_class=10):
    """A uint8 grid with one row per label present (sorted), ``per_class`` images per row.

    Rows with fewer images are padded with black; see ``image_grid.tile`` for the layout.
    """
    classes = np.unique(labels)
    cells = np.zeros((len(classes), per_class) + images.shape[1:], dtype=np.uint8)
    for row, label in enumerate(classes):
        chosen = np.flatnonzero(labels == label)[:per_class]
        cells[row, :len(chosen)] = images[chosen]
    return image_grid.tile(cells.reshape((-1,) + images.shape[1:]), columns=per_class)


def materialize(name, output_dir, *, data_dir=None, split="train", num_samples=10_000, seed=0,
                image_size=None, progress=True):
    """Loads ``num_samples`` examples (all when None) and writes them to ``output_dir``.

    Writes ``<name>.npz`` with ``x`` uint8 [N, H, W, 3] and ``y`` int32 [N], and ``samples.png``,
    each atomically. Returns a ``Materialized`` record.
    """
    skipped = []
    images, labels = data.load_arrays(name, data_dir=data_dir, split=split, limit=num_samples,
                                      seed=seed, image_size=image_size, progress=progress,
                                      skipped=skipped)
    names = data.class_names(name, data_dir=data_dir)
    output_dir = pathlib.Path(output_dir)
    npz_path, grid_path = output_dir / f"{name}.npz", output_dir / "samples.png"
    with atomic_output(npz_path, make_folder=True) as temporary:
        np.savez_compressed(temporary, x=images, y=labels)
    with atomic_output(grid_path, make_folder=True) as temporary:
        Image.fromarray(sample_grid(images, labels)).save(temporary, format="PNG")
    values, counts = np.unique(labels, return_counts=True)
    return Materialized(npz_path, grid_path, len(images), tuple(images.shape[1:]), tuple(names),
                        {int(v): int(c) for v, c in zip(values, counts, strict=True)},
                        tuple((str(path), reason) for path, reason in skipped))
