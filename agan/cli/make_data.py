"""agan_make_data: writes an AGAN dataset as <dataset>.npz plus a samples.png grid.

Exit status: 0 when every image was read, 1 when some image files were skipped (each is
reported), 2 for bad flags or data.
"""
import pathlib

from absl import flags

from agan import data, materialize
from commandline import (
    BadInput,
    check_usage,
    finish_batch,
    max_image_pixels_flag,
    progress_flag,
    run_main,
)
from mobile import pixel_limit

_DATASET = flags.DEFINE_enum(
    "dataset", "builtin", list(data.DATASETS),
    "Which dataset: builtin (rendered shapes, no download), cifar10, stl10, folder, npz.")
_DATA_DIR = flags.DEFINE_string(
    "data_dir", None,
    "cifar10/stl10: folder holding the extracted archive or the tarball (default: the Keras cache "
    "~/.keras/datasets); folder: the image folder (subfolders = classes); npz: the .npz file.")
_SPLIT = flags.DEFINE_string(
    "split", "train",
    "Split to write: train or test; stl10 also unlabeled and train+unlabeled.")
_NUM_SAMPLES = flags.DEFINE_integer(
    "num_samples", 10_000,
    "How many images to write (a seeded random subset for real datasets); 0 writes all of them "
    "(builtin: 50,000 train or 10,000 test).",
    lower_bound=0)
_SEED = flags.DEFINE_integer("seed", 0, "Seed of the builtin stream and of subset selection.")
_IMAGE_SIZE = flags.DEFINE_integer(
    "image_size", None,
    "Resize to this square side in pixels (folder, npz, stl10); default: the dataset's own size.",
    lower_bound=1)
_OUTPUT_DIR = flags.DEFINE_string(
    "output_dir", None, "Folder to write <dataset>.npz and samples.png into (created if needed).")
_PROGRESS = progress_flag()
_MAX_IMAGE_PIXELS = max_image_pixels_flag()


def main(argv):
    check_usage(argv, _OUTPUT_DIR)
    output_dir = pathlib.Path(_OUTPUT_DIR.value)
    if output_dir.exists() and not output_dir.is_dir():
        raise BadInput(f"--output_dir: {output_dir} exists and is not a folder")
    pixel_limit.set_max_pixels(_MAX_IMAGE_PIXELS.value)
    try:
        made = materialize.materialize(
            _DATASET.value, _OUTPUT_DIR.value, data_dir=_DATA_DIR.value, split=_SPLIT.value,
            num_samples=_NUM_SAMPLES.value or None, seed=_SEED.value, image_size=_IMAGE_SIZE.value,
            progress=_PROGRESS.value)
    except (FileNotFoundError, ValueError) as error:
        raise BadInput(error) from error
    except OSError as error:
        raise BadInput(f"--output_dir: cannot write the dataset: {error}") from error
    return finish_batch("agan_make_data", made.summary(), made.skipped)


def run():
    run_main(main, __name__)


if __name__ == "__main__":
    run()
