"""Do the benchmark's target scenes have the colours its training scenes would have in the style?
(issue 14; a diagnostic, not a test)

Unpaired training can only match the distribution of the targets. When the target scenes' content
is bluer or greener than the training scenes', the distribution the critic rewards is not the
style applied to the training photos, and the learned programs shift the colours of every photo.
This prints the mean sRGB colour (and B/R, G/R ratios) of the black-box style applied to the
training inputs as a camera shows them, of the target photos and of the held-out truths:

    .venv/bin/python benchmarks/style_confound.py --data=BENCH
"""
import numpy as np
from absl import app, flags

from exposure import reference_style
from exposure.image_io import list_images, read_srgb

_DATA = flags.DEFINE_string("data", None, "Benchmark folder (train_raw/, data/target/, heldout/).",
                            required=True)
_STRIDE = 4  # every 4th pixel in each direction: the means are of millions of pixels anyway


def mean_colour(images):
    """Mean sRGB colour [3] over the pixels of all `images` (subsampled)."""
    return np.concatenate([np.asarray(i, np.float64)[::_STRIDE, ::_STRIDE].reshape(-1, 3)
                           for i in images]).mean(axis=0)


def main(argv):
    del argv
    root = _DATA.value
    rows = {
        "style of the training inputs": (reference_style.apply_reference_style(read_srgb(p))
                                         for p in list_images(f"{root}/train_raw")[0]),
        "targets": (read_srgb(p) for p in list_images(f"{root}/data/target")[0]),
        "held-out truths": (read_srgb(p) for p in list_images(f"{root}/heldout/truth")[0]),
    }
    print(f"{'':30s}  mean sRGB (R, G, B)    B/R    G/R")
    for name, images in rows.items():
        c = mean_colour(images)
        print(f"{name:30s}  ({c[0]:.3f}, {c[1]:.3f}, {c[2]:.3f})  {c[2] / c[0]:.3f}  "
              f"{c[1] / c[0]:.3f}")


if __name__ == "__main__":
    app.run(main)
