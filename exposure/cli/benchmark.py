"""exposure_benchmark: the reverse-engineering benchmark of Exposure paper section 6.2, in one command.

    exposure_benchmark --flagfile=configs/exposure/benchmark.flags --output_dir=runs/benchmark
    exposure_benchmark --flagfile=configs/exposure/benchmark.flags --photo_dir=~/fivek/raw \
        --output_dir=runs/benchmark_fivek

Splits the built-in photos, or your own RAWs (`--photo_dir`), into training RAWs, styled targets
and held-out RAWs with the style's true output; trains the agent, retouches the held-out photos
and prints the histogram intersections, paired ΔE2000 / PSNR and the programs found, beside the
"input as-is" and "identity program" baselines and the "fitted program" upper bound; writes
<output_dir>/report.json. Running it again resumes the training.

Every training setting of exposure_train (`--iterations`, `--batch_size`, `--seed`, ...; see
exposure.cli.training_flags) is a flag here too, and so are its `--cache_dir`, `--stop_after` and
`--progress`; there is no `--raw_dir` / `--target_dir` (the benchmark makes its own data).
"""
from absl import app, flags

from commandline import BadInput, check_usage, progress_flag, run_main
from exposure import black_box_benchmark, image_io
from exposure.cli import training_flags

_OUTPUT_DIR = flags.DEFINE_string(
    "output_dir", None,
    "Folder of the benchmark: its data, model, retouched photos and report.json; an existing one "
    "resumes the training.")
_TRAINING = training_flags()
_PROGRESS = progress_flag()
_HELDOUT = flags.DEFINE_list(
    "heldout", list(black_box_benchmark.DEFAULT_HELDOUT),
    "Built-in photos held out for evaluation (comma-separated names of builtin_data.POOL, "
    "whole scenes). Default: the seeded scene split (builtin_data.split_scenes), which also "
    "chooses the training and target scenes (balanced by colour); named photos replace its "
    "held-out scenes.")
_PHOTO_DIR = flags.DEFINE_string(
    "photo_dir", None,
    "A folder of your own RAW photos (searched with its subfolders) to benchmark on instead of "
    "the built-in photos: split into training inputs, targets (the black box applied to them) and "
    "held-out photos by --target_fraction and --heldout_fraction. The RAWs are linked, never "
    "modified.")
_HELDOUT_FRACTION = flags.DEFINE_float(
    "heldout_fraction", black_box_benchmark.DEFAULT_HELDOUT_FRACTION,
    "With --photo_dir: the fraction of photos held out for evaluation (paper's FiveK split: 20%).")
_TARGET_FRACTION = flags.DEFINE_float(
    "target_fraction", black_box_benchmark.DEFAULT_TARGET_FRACTION,
    "With --photo_dir: the fraction of photos styled as targets (paper's FiveK split: 40%).")


def main(argv):
    check_usage(argv, _OUTPUT_DIR)
    if _PHOTO_DIR.value is None:
        try:
            black_box_benchmark.check_heldout(_HELDOUT.value)
        except ValueError as error:
            raise app.UsageError(f"--heldout: {error}") from error
    elif _HELDOUT.present:
        raise app.UsageError("--heldout names built-in photos; with --photo_dir use "
                             "--heldout_fraction")
    for flag in (_HELDOUT_FRACTION, _TARGET_FRACTION):
        if not 0.0 < flag.value < 1.0:
            raise app.UsageError(f"--{flag.name}={flag.value}: expected a fraction in (0, 1)")
    config = _TRAINING.config()
    try:
        report = black_box_benchmark.run(
            config, _OUTPUT_DIR.value, heldout=_HELDOUT.value, photo_dir=_PHOTO_DIR.value,
            heldout_fraction=_HELDOUT_FRACTION.value, target_fraction=_TARGET_FRACTION.value,
            cache_dir=_TRAINING.cache_dir.value, stop_after=_TRAINING.stop_after.value,
            progress=_PROGRESS.value, echo=lambda text: None)
    except (FileNotFoundError, NotADirectoryError, image_io.ImageReadError, ValueError) as error:
        raise BadInput(error) from error
    print(black_box_benchmark.format_report(report))
    print(f"report written to {_OUTPUT_DIR.value}/{black_box_benchmark.REPORT_FILE}")
    return 0


def run():
    run_main(main, __name__)


if __name__ == "__main__":
    run()
