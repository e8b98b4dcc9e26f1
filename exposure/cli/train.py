"""exposure_train: trains the Exposure agent (Algorithm 1) on unpaired RAW inputs and target photos.

    exposure_train --flagfile=configs/exposure/demo.flags --raw_dir=data/raw \\
        --target_dir=data/target --output_dir=models/demo
    tensorboard --logdir=models/demo/logs

Running the same command again resumes from the latest intact checkpoint in
<output_dir>/checkpoints. One run at a time holds <output_dir> (commandline.model_lock).
Every setting of `exposure.train_config.TrainConfig` is a flag of the same name (defaults: the
paper's). Exit status: 0 done, 2 bad flags or data.
"""
import json
import sys

from absl import app, flags

from commandline import (
    BadInput,
    check_usage,
    max_image_pixels_flag,
    model_lock,
    progress_flag,
    run_main,
)
from exposure import train as train_lib
from exposure.cli import training_flags
from mobile import pixel_limit

_RAW_DIR = flags.DEFINE_string(
    "raw_dir", None, "Folder of input photos (RAW such as DNG/CR2/NEF, TIFF, PNG, JPEG), read "
                     "as linear RGB; searched recursively; unreadable files are skipped.")
_TARGET_DIR = flags.DEFINE_string(
    "target_dir", None, "Folder of target photos in the style to learn (sRGB), unpaired.")
_OUTPUT_DIR = flags.DEFINE_string(
    "output_dir", None, "Model directory: config.json, checkpoints/, logs/ (TensorBoard), "
                        "summary.json. An existing one resumes (same settings required).")
_HELDOUT_DIR = flags.DEFINE_string(
    "heldout_dir", None, "Folder of held-out input photos (not trained on) scored every "
                         "--eval_every iterations: TensorBoard heldout/* (histogram intersection "
                         "against the targets; with --heldout_truth_dir also CIE ΔE2000).")
_HELDOUT_TRUTH_DIR = flags.DEFINE_string(
    "heldout_truth_dir", None, "With --heldout_dir: the style's result of each held-out photo "
                               "(same file stem), to score ΔE2000 against.")
_TRAINING = training_flags()
_PROGRESS = progress_flag()
_MAX_IMAGE_PIXELS = max_image_pixels_flag()


def main(argv):
    check_usage(argv, _RAW_DIR, _TARGET_DIR, _OUTPUT_DIR)
    if _HELDOUT_TRUTH_DIR.value and not _HELDOUT_DIR.value:
        raise app.UsageError("--heldout_truth_dir needs --heldout_dir")
    config = _TRAINING.config()
    pixel_limit.set_max_pixels(_MAX_IMAGE_PIXELS.value)
    try:
        with model_lock.hold(_OUTPUT_DIR.value, "exposure_train"):
            summary = train_lib.train(
                config, _OUTPUT_DIR.value, _RAW_DIR.value, _TARGET_DIR.value,
                cache_dir=_TRAINING.cache_dir.value, stop_after=_TRAINING.stop_after.value,
                progress=_PROGRESS.value, heldout_dir=_HELDOUT_DIR.value,
                heldout_truth_dir=_HELDOUT_TRUTH_DIR.value)
    except (OSError, ValueError) as error:  # missing folders, unreadable data, other settings
        raise BadInput(error) from error
    for path, reason in summary["skipped_files"]:
        print(f"  skipped: {path}: {reason}", file=sys.stderr)
    print(json.dumps(summary, indent=2))
    return 0


def run():
    run_main(main, __name__)


if __name__ == "__main__":
    run()
