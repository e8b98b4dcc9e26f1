"""exposure_train: trains the Exposure agent (Algorithm 1) on unpaired RAW inputs and target photos.

    exposure_train --flagfile=configs/exposure/demo.flags --raw_dir=data/raw \\
        --target_dir=data/target --output_dir=models/demo
    tensorboard --logdir=models/demo/logs

Running the same command again resumes from the latest checkpoint in <output_dir>/checkpoints.
Every setting of `exposure.train_config.TrainConfig` is a flag of the same name (defaults: the
paper's). Exit status: 0 done, 2 bad flags or data.
"""
import dataclasses
import json
import sys

from absl import app, flags

from commandline import BadInput, check_usage, run_main
from exposure import train as train_lib
from exposure import train_config

_RAW_DIR = flags.DEFINE_string(
    "raw_dir", None, "Folder of input photos (RAW such as DNG/CR2/NEF, TIFF, PNG, JPEG), read "
                     "as linear RGB; searched recursively; unreadable files are skipped.")
_TARGET_DIR = flags.DEFINE_string(
    "target_dir", None, "Folder of target photos in the style to learn (sRGB), unpaired.")
_OUTPUT_DIR = flags.DEFINE_string(
    "output_dir", None, "Model directory: config.json, checkpoints/, logs/ (TensorBoard), "
                        "summary.json. An existing one resumes (same settings required).")
_CACHE_DIR = flags.DEFINE_string(
    "cache_dir", None, "Folder of the decoded-patch cache (default: exposure.cache's).")
_STOP_AFTER = flags.DEFINE_integer(
    "stop_after", None, "Stop this run after this many iterations (a checkpoint is written; "
                        "run again to go on). Default: run to --iterations.", lower_bound=1)
_PROGRESS = flags.DEFINE_bool("progress", True, "Show progress bars.")


def _define_config_flags():
    """One flag per TrainConfig field, with the field's default and help text."""
    defined = {}
    for field in dataclasses.fields(train_config.TrainConfig):
        help_text = field.metadata["help"]
        if field.type is tuple:
            defined[field.name] = flags.DEFINE_list(field.name, list(field.default), help_text)
        elif field.type is bool:
            defined[field.name] = flags.DEFINE_bool(field.name, field.default, help_text)
        elif field.type is int:
            defined[field.name] = flags.DEFINE_integer(field.name, field.default, help_text)
        elif field.type is float:
            defined[field.name] = flags.DEFINE_float(field.name, field.default, help_text)
        else:
            defined[field.name] = flags.DEFINE_string(field.name, field.default, help_text)
    return defined


_CONFIG_FLAGS = _define_config_flags()


def config_from_flags():
    """The TrainConfig the flags describe; raises app.UsageError naming the bad flag."""
    values = {name: flag.value for name, flag in _CONFIG_FLAGS.items()}
    try:
        return train_config.TrainConfig(**values)
    except ValueError as error:
        raise app.UsageError(f"--{error}") from error


def main(argv):
    check_usage(argv, _RAW_DIR, _TARGET_DIR, _OUTPUT_DIR)
    config = config_from_flags()
    try:
        summary = train_lib.train(config, _OUTPUT_DIR.value, _RAW_DIR.value, _TARGET_DIR.value,
                                  cache_dir=_CACHE_DIR.value, stop_after=_STOP_AFTER.value,
                                  progress=_PROGRESS.value)
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
