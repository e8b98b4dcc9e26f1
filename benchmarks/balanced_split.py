"""The black-box benchmark's data with its training and target scenes balanced by colour
(issue 14; an experiment, not the benchmark's default).

Keeps the seeded split's held-out scenes and the number of training and target scenes, then swaps
one training scene with one target scene at a time, greedily, while that brings the mean colour of
the black-box style on the training scenes closer to the targets' (the sum of the differences in
B/R, G/R and mean level). Unpaired training matches the targets' distribution, so without this the
content colours of the target scenes (benchmarks/style_confound.py) become part of the "style".
Writes the benchmark folder like `exposure_benchmark` does:

    .venv/bin/python benchmarks/balanced_split.py --output_dir=BENCH_BALANCED
    .venv/bin/python benchmarks/style_confound.py --data=BENCH_BALANCED
"""
import itertools

import numpy as np
from absl import app, flags

from exposure import black_box_benchmark, builtin_data, reference_style

_OUTPUT_DIR = flags.DEFINE_string("output_dir", None, "Benchmark folder to write.", required=True)
_STRIDE = 4  # every 4th pixel in each direction for the mean colours


def _mismatch(colour, part):
    """Sum of |differences| in B/R, G/R and mean level between the two parts' mean colours."""
    def features(name):
        c = np.mean([colour[s] for s, p in part.items() if p == name], axis=0)
        return np.array([c[2] / c[0], c[1] / c[0], c.mean()])
    return float(np.abs(features("train") - features("targets")).sum())


def balanced_split():
    """(PhotoSplit, mismatch before, mismatch after)."""
    photos, not_installed = builtin_data.select_photos()
    seeded = builtin_data.split_scenes(photos, not_installed=not_installed)
    colours = {}
    for photo in photos:
        rgb = builtin_data.read_photo(photo)[0][::_STRIDE, ::_STRIDE]
        styled = reference_style.apply_reference_style(rgb)
        colours.setdefault(photo.scene, []).append(styled.reshape(-1, 3).mean(axis=0))
    colour = {scene: np.mean(c, axis=0) for scene, c in colours.items()}
    part = {p.scene: name for p, name in zip(seeded.photos, seeded.parts, strict=True)}
    before = _mismatch(colour, part)
    while True:
        current = _mismatch(colour, part)
        best, swap = current, None
        for a, b in itertools.product([s for s, p in part.items() if p == "train"],
                                      [s for s, p in part.items() if p == "targets"]):
            trial = {**part, a: "targets", b: "train"}
            if _mismatch(colour, trial) < best:
                best, swap = _mismatch(colour, trial), (a, b)
        if swap is None:
            break
        part[swap[0]], part[swap[1]] = "targets", "train"
    split = builtin_data.PhotoSplit(seeded.photos, tuple(part[p.scene] for p in seeded.photos),
                                    seeded.not_installed)
    return split, before, _mismatch(colour, part)


def main(argv):
    del argv
    split, before, after = balanced_split()
    print(f"colour mismatch of training and target scenes: {before:.3f} seeded, {after:.3f} "
          "balanced")
    for name, scenes in split.scenes().items():
        print(f"{name}: {', '.join(scenes)}")
    black_box_benchmark.prepare_data(_OUTPUT_DIR.value, split=split)


if __name__ == "__main__":
    app.run(main)
