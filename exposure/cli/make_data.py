"""exposure_make_data: writes the built-in Exposure data (DNG inputs, styled targets, manifest)."""
from absl import flags

from commandline import BadInput, check_usage, progress_flag, run_main
from exposure import builtin_data

_OUTPUT_DIR = flags.DEFINE_string(
    "output_dir", None,
    "Folder to write raw/*.dng (unprocessed input photos), target/*.jpg (photos in the reference "
    "style) and manifest.json into; created if needed, files of a previous run are rewritten.")
_SEED = flags.DEFINE_integer(
    "seed", 0, "Seed of the per-image camera, exposure, illuminant and noise draws of the inputs.")
_PROGRESS = progress_flag()


def _describe(summary):
    lines = [f"built-in Exposure data in {summary['output_dir']}"]
    for kind, what in (("raw", "input DNG raws"), ("target", "styled target JPEGs")):
        part = summary[kind]
        lines.append(f"  {part['count']} {what}, {part['bytes'] / 1e6:.1f} MB:")
        lines += [f"    {path}" for path in part["paths"]]
    lines.append(f"  manifest (provenance, crops, parameters): {summary['manifest']}")
    return "\n".join(lines)


def main(argv):
    check_usage(argv, _OUTPUT_DIR)
    try:
        summary = builtin_data.materialize(_OUTPUT_DIR.value, seed=_SEED.value,
                                           progress=_PROGRESS.value)
    except (FileNotFoundError, NotADirectoryError, ValueError) as error:
        raise BadInput(error) from error
    print(_describe(summary))


def run():
    run_main(main, __name__)


if __name__ == "__main__":
    run()
