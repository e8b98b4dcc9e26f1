"""agan_train: trains one AGAN child architecture and writes IS, FID, samples and checkpoints.

Running the same command again resumes from the newest intact checkpoint in --output_dir (with
the same --architecture, --channels, ...). One run at a time holds --output_dir
(commandline.model_lock).
"""
from absl import flags

from agan import dataclass_flags, search_space, train
from commandline import BadInput, check_usage, model_lock, progress_flag, run_main

_TRAIN_FLAGS = dataclass_flags.define_flags(train.TrainConfig)  # shared with agan_search

_ARCHITECTURE = flags.DEFINE_string(
    "architecture", None,
    "Architecture JSON file (format agan-architecture, version 1), or the name of a built-in "
    f"baseline: {', '.join(search_space.builtin_architectures())}.")
_OUTPUT_DIR = flags.DEFINE_string(
    "output_dir", None,
    "Folder for checkpoints/, tensorboard/, samples_<step>.png and result.json; an existing run "
    "there is resumed.")
_PROGRESS = progress_flag()


def main(argv):
    check_usage(argv, _ARCHITECTURE, _OUTPUT_DIR)
    try:
        with model_lock.hold(_OUTPUT_DIR.value, "agan_train"):
            result = train.train(_TRAIN_FLAGS.config(architecture=_ARCHITECTURE.value),
                                 _OUTPUT_DIR.value, progress=_PROGRESS.value)
    except (search_space.ArchitectureError, FileNotFoundError, ValueError) as error:
        raise BadInput(error) from error
    print(
        f"Inception Score {result['inception_score_mean']:.3f} +- "
        f"{result['inception_score_std']:.3f} (real data {result['real_inception_score_mean']:.3f}),"
        f" FID {result['fid']:.3f} after {result['steps']} steps; {result['note']}"
    )
    print(f"result: {result['paths']['result']}")


def run():
    run_main(main, __name__)


if __name__ == "__main__":
    run()
