"""exposure_benchmark: the reverse-engineering benchmark of Exposure paper section 6.2, in one command.

    exposure_benchmark --flagfile=configs/exposure/benchmark.flags --output_dir=runs/benchmark

Builds the split of the built-in photos (training RAWs, styled targets, held-out RAWs with the
style's true output), trains the agent, retouches the held-out photos and prints the histogram
intersections, paired ΔE2000 / PSNR and the programs found, beside the "input as-is" and "identity
program" baselines; writes <output_dir>/report.json. Running it again resumes the training.

Every training setting of exposure_train (`--iterations`, `--batch_size`, `--seed`, ...; see
exposure.cli.train) is a flag here too, and so are its `--cache_dir`, `--stop_after` and
`--progress`; its `--raw_dir` / `--target_dir` are not used (the benchmark makes its own data).
"""
import sys

from absl import app, flags

from exposure import black_box_benchmark, builtin_data, image_io
from exposure.cli import train as train_cli  # defines the training flags shared with exposure_train

_HELDOUT = flags.DEFINE_list(
    "heldout", list(black_box_benchmark.DEFAULT_HELDOUT),
    "Built-in input photos held out for evaluation (comma-separated), from: "
    + ", ".join(p.name for p in builtin_data.INPUT_PHOTOS) + ". The others are the training "
    "inputs; the targets are the built-in target photos.")
FLAGS = flags.FLAGS


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}", exitcode=2)
    for name in ("raw_dir", "target_dir"):
        if FLAGS[name].present:
            raise app.UsageError(f"--{name} is not used by exposure_benchmark: it builds its "
                                 f"own data from the built-in photos", exitcode=2)
    if not FLAGS.output_dir:
        raise app.UsageError("--output_dir is required", exitcode=2)
    try:
        black_box_benchmark.check_heldout(_HELDOUT.value)
    except ValueError as error:
        raise app.UsageError(f"--heldout: {error}", exitcode=2) from error
    config = train_cli.config_from_flags()
    try:
        report = black_box_benchmark.run(
            config, FLAGS.output_dir, heldout=_HELDOUT.value, cache_dir=FLAGS.cache_dir,
            stop_after=FLAGS.stop_after, progress=FLAGS.progress, echo=lambda text: None)
    except (FileNotFoundError, NotADirectoryError, image_io.ImageReadError, ValueError) as error:
        print(f"exposure_benchmark: {error}", file=sys.stderr)
        return 2
    print(black_box_benchmark.format_report(report))
    print(f"report written to {FLAGS.output_dir}/{black_box_benchmark.REPORT_FILE}")
    return 0


def run():
    app.run(main)


if __name__ == "__main__":
    run()
