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
_PHOTOS = flags.DEFINE_list(
    "photos", None,
    "Built-in photos to use (comma-separated names, at least 3 scenes), split by scene into inputs "
    "and targets; default: every installed one of " + ", ".join(p.name for p in builtin_data.POOL)
    + ".")
_PROGRESS = progress_flag()


def _describe(summary):
    split = summary["split"]
    lines = [f"built-in Exposure data in {summary['output_dir']}"]
    if summary["note"]:
        lines.append(f"  note: {summary['note']}")
    for kind, what, photos in (("raw", "input DNG raws", split.inputs),
                               ("target", "styled target JPEGs", split.targets)):
        part = summary[kind]
        scenes = len({p.scene for p in photos})
        lines.append(f"  {part['count']} {what} ({part['bytes'] / 1e6:.1f} MB) from {len(photos)} "
                     f"photos of {scenes} scenes, in {summary['output_dir']}/{kind}/:")
        for photo in photos:
            crops = part["photos"].count(photo.name)
            lines.append(f"    {photo.name}_0..{crops - 1}: {photo.description} ({photo.package}, "
                         f"{photo.licence})")
    lines.append(f"  manifest (provenance, licences, split, crops, parameters): "
                 f"{summary['manifest']}")
    return "\n".join(lines)


def main(argv):
    check_usage(argv, _OUTPUT_DIR)
    try:
        summary = builtin_data.materialize(_OUTPUT_DIR.value, seed=_SEED.value,
                                           photos=_PHOTOS.value, progress=_PROGRESS.value)
    except (FileNotFoundError, NotADirectoryError, ValueError) as error:
        raise BadInput(error) from error
    print(_describe(summary))


def run():
    run_main(main, __name__)


if __name__ == "__main__":
    run()
