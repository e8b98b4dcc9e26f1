"""exposure_retouch: retouches photos with a trained agent and prints each photo's program.

    exposure_retouch --model_dir=models/demo --input=photo.dng --output=photo.jpg
    exposure_retouch --model_dir=models/demo --input=raws/ --output=out/ --strip
    exposure_retouch --model_dir=models/demo --input=photo.dng --output=photo.jpg --samples=4

Writes each output, its program `<stem>.json` beside it and, with --strip, `<stem>.strip.png`.
A file that exists is never replaced without --overwrite, and never at all when it belongs to the
input (with --input and --output the same folder, the user's a.json beside a.jpg stays as it is:
a.jpg fails and the others go on).
Exit status: 0 when every photo was written, 1 when some failed (each is reported, the batch goes
on), 2 for bad flags or a bad model directory.
"""
from absl import flags

from commandline import (
    BadInput,
    check_usage,
    finish_batch,
    max_image_pixels_flag,
    overwrite_flag,
    progress_flag,
    run_main,
)
from exposure import agent as agent_lib
from exposure import apply as apply_lib
from exposure import retouch as retouch_lib
from exposure.cli import photo_batch_flags
from mobile import pixel_limit

_MODEL_DIR = flags.DEFINE_string(
    "model_dir", None, "Model directory written by exposure_train (config.json, checkpoints/).")
_PHOTOS = photo_batch_flags()
_SAMPLES = flags.DEFINE_integer(
    "samples", 1, "Programs per photo. 1: the deterministic program (most probable filter at "
                  "each step). N > 1: N sampled programs written as <stem>_s0 ... <stem>_s<N-1>.",
    lower_bound=1, upper_bound=retouch_lib.MAX_SAMPLES)
_SEED = flags.DEFINE_integer("seed", 0, "Seed of the sampled programs (--samples > 1).")
_SAMPLE_DROPOUT = flags.DEFINE_bool(
    "sample_dropout", True,
    "With --samples > 1, also apply dropout 0.5 at test time, as the authors did for varied "
    "results (otherwise only the filter choice is sampled).")
_FAST = flags.DEFINE_bool(
    "fast", True, "Fast rendering (exact 8-bit table / 3D LUT, see exposure_apply); "
                  "--nofast renders with the exact numpy renderer.")
_OVERWRITE = overwrite_flag()
_PROGRESS = progress_flag()
_MAX_IMAGE_PIXELS = max_image_pixels_flag()


def main(argv):
    check_usage(argv, _MODEL_DIR, _PHOTOS.input, _PHOTOS.output)
    bits = int(_PHOTOS.bits.value) if _PHOTOS.bits.value else None
    pixel_limit.set_max_pixels(_MAX_IMAGE_PIXELS.value)
    try:
        agent = agent_lib.load_agent(_MODEL_DIR.value, sample_dropout=_SAMPLE_DROPOUT.value)
    except (OSError, ValueError) as error:
        raise BadInput(f"--model_dir: {error}") from error
    try:
        pairs, skipped = apply_lib.plan_batch(_PHOTOS.input.value, _PHOTOS.output.value,
                                              "." + _PHOTOS.format.value, bits)
    except (OSError, ValueError) as error:
        raise BadInput(error) from error
    report = retouch_lib.retouch(
        agent, pairs, samples=_SAMPLES.value, seed=_SEED.value, strip=_PHOTOS.strip.value,
        fast=_FAST.value, bits=bits, tiff_encoding=_PHOTOS.tiff_encoding.value,
        progress=_PROGRESS.value, overwrite=_OVERWRITE.value, keep=skipped)
    return finish_batch(
        "exposure_retouch",
        f"{len(pairs) - len(report.failures)} of {len(pairs)} photos retouched "
        f"({len(report.programs)} outputs), {len(report.failures)} failed, {len(skipped)} "
        "non-image files skipped",
        report.failures)


def run():
    run_main(main, __name__)


if __name__ == "__main__":
    run()
