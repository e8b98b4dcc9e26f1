"""exposure_eval: histogram intersection of retouched photos against a target collection, and PSNR /
CIE ΔE2000 against paired references.

Exit status: 0 when every file was read, 1 when some were skipped (each is listed with the
reason), 2 for bad flags or folders.
"""
from absl import flags

from commandline import (
    EXIT_DONE,
    EXIT_SOME_INPUTS_FAILED,
    BadInput,
    check_usage,
    max_image_pixels_flag,
    progress_flag,
    run_main,
)
from exposure import evaluation, metrics
from mobile import pixel_limit

_OUTPUTS = flags.DEFINE_string(
    "outputs", None,
    "Folder of retouched photos to evaluate (searched recursively; *.strip.png step strips and "
    "non-image files are ignored).")
_TARGETS = flags.DEFINE_string(
    "targets", None,
    "Folder of photos in the target style; compared with the outputs unpaired, by the "
    "distributions of luminance, contrast and saturation (histogram intersection).")
_REFERENCES = flags.DEFINE_string(
    "references", None,
    "Optional folder of paired references: the reference of OUTPUTS/a/b.jpg is "
    "REFERENCES/a/b.<any image extension>. Gives PSNR and CIE ΔE2000 per pair.")
_JSON = flags.DEFINE_string(
    "json", None, "Optional JSON file to write the scores, per-pair figures and skipped files to "
    "(written atomically).")
_PLOT = flags.DEFINE_string(
    "plot", None, "Optional PNG file to draw the three histograms of outputs and targets into.")
_CROP_SEED = flags.DEFINE_integer(
    "crop_seed", 0, "Seed of the random crops of the histogram intersection (the same seed and "
    "images give the same scores).")
_CONTRAST = flags.DEFINE_enum(
    "contrast", metrics.DEFAULT_CONTRAST, metrics.CONTRAST_MEASURES,
    "Contrast statistic: 'variance' = 2 x luminance variance (the paper's supplement; default), "
    "'std' = 2 x luminance standard deviation (the authors' code).")
_PROGRESS = progress_flag()
_MAX_IMAGE_PIXELS = max_image_pixels_flag()
flags.register_validator("json", lambda path: path is None or path.lower().endswith(".json"),
                         message="--json must name a file ending in .json")
flags.register_validator("plot", lambda path: path is None or path.lower().endswith(".png"),
                         message="--plot must name a file ending in .png")


def main(argv):
    check_usage(argv, _OUTPUTS, _TARGETS)
    pixel_limit.set_max_pixels(_MAX_IMAGE_PIXELS.value)
    try:
        result = evaluation.evaluate_folders(
            _OUTPUTS.value, _TARGETS.value, _REFERENCES.value, seed=_CROP_SEED.value,
            contrast=_CONTRAST.value, progress=_PROGRESS.value)
    except (FileNotFoundError, NotADirectoryError, ValueError) as error:
        raise BadInput(error) from error
    print(result.table())
    try:
        if _JSON.value:
            evaluation.write_json(result, _JSON.value)
            print(f"scores written to {_JSON.value}")
        if _PLOT.value:
            evaluation.plot_histograms(result, _PLOT.value)
            print(f"histograms drawn in {_PLOT.value}")
    except OSError as error:
        raise BadInput(f"cannot write the results: {error}") from error
    print(f"evaluated in {result.seconds:.1f} s")
    return EXIT_SOME_INPUTS_FAILED if result.failures else EXIT_DONE


def run():
    run_main(main, __name__)


if __name__ == "__main__":
    run()
