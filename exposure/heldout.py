"""A small held-out evaluation run during training, so a user sees when a style has been learned.

The held-out photos are decoded once, each kept as the agent's 64x64 thumbnail and a
`RENDER_SIZE` x `RENDER_SIZE` area-resized copy (linear RGB). Every evaluation decides a
program per photo (deterministically, as `exposure_retouch` does), renders it on the copy with
the numpy renderer and scores the results:

* histogram intersection (Exposure paper, section 6.1) of the retouched copies against the
  target collection, on luminance, contrast and saturation: the unpaired score;
* with a truth folder (the style applied to the same photos, matched by file stem, as the
  black-box benchmark writes), the per-photo mean CIE ΔE2000 against the truth resized alike:
  median and mean over the photos, as `exposure_eval` reports paired scores.

The scores of the photos as they come in (the identity program, sRGB-encoded for display) are
computed once as the baseline a learned style must beat; with truths, the truths' own
histogram scores are computed once too, as the ceiling of the unpaired scores (held-out scenes
that differ from the target scenes in content differ from them in colour, whatever the style).
"""
import dataclasses
import pathlib

import numpy as np

from exposure import metrics
from exposure.data import area_resize
from exposure.image_io import (
    SUPPORTED_EXTENSIONS,
    ImageReadError,
    list_images,
    read_linear,
    read_srgb,
)
from exposure.retouch import thumbnail
from mobile.render import render
from mobile.srgb import linear_to_srgb

RENDER_SIZE = 128  # side of the scored copies: enough for the 16 64x64 crops of each histogram


@dataclasses.dataclass
class HeldoutSet:
    """Decoded held-out photos: names, thumbnails [N, 64, 64, 3] and copies [N, S, S, 3] (linear
    RGB), truths [N, S, S, 3] sRGB or None, and the target copies (sRGB) for the histograms."""

    names: tuple
    thumbnails: np.ndarray
    copies: np.ndarray
    truths: np.ndarray | None
    targets: tuple
    skipped: tuple = ()

    def score(self, displayed):
        """Scores display images [N, S, S, 3] (sRGB-encoded) of the held-out photos: dict of
        floats `hist_luminance`, `hist_contrast`, `hist_saturation` and, with truths,
        `delta_e2000_median` and `delta_e2000_mean`."""
        displayed = np.clip(displayed, 0.0, 1.0)
        scores = {f"hist_{k}": v for k, v in
                  metrics.histogram_intersection(list(displayed), list(self.targets)).items()}
        if self.truths is not None:
            per_photo = [float(metrics.delta_e2000(a, b).mean())
                         for a, b in zip(displayed, self.truths, strict=True)]
            scores["delta_e2000_median"] = float(np.median(per_photo))
            scores["delta_e2000_mean"] = float(np.mean(per_photo))
        return scores

    def baseline(self):
        """Scores of the photos as they come in, sRGB-encoded for display."""
        return self.score(linear_to_srgb(np.clip(self.copies, 0.0, 1.0)))

    def truth_score(self):
        """Scores of the truths themselves (None without a truth folder): the histogram
        intersections a program that reproduced the style exactly would get, the ceiling of the
        unpaired scores when the held-out scenes differ from the targets'."""
        return None if self.truths is None else self.score(self.truths)

    def evaluate(self, agent):
        """Scores the agent's deterministic programs on the held-out photos (see `score`)."""
        decisions = agent.decide(self.thumbnails)
        programs = agent.programs({k: v.numpy() for k, v in decisions.items()})
        return self.score(np.stack([render(p, c) for p, c in zip(programs, self.copies,
                                                                  strict=True)]))


def load(input_dir, target_images, *, truth_dir=None, tiff_encoding="srgb"):
    """Decodes a held-out folder.

    Args:
      input_dir: folder of held-out input photos (RAW/TIFF/PNG/JPEG, read as linear RGB).
      target_images: the target collection, float [N, H, W, 3] sRGB with sides >= 64.
      truth_dir: optional folder of the style's truth for the same photos (`<stem>.<ext>`, any
        supported image format); a photo without a truth is skipped and reported.
      tiff_encoding: as `exposure.image_io.read_linear`.

    Returns:
      HeldoutSet. Raises ImageReadError when no held-out photo could be read.
    """
    input_dir = pathlib.Path(input_dir)
    paths, _ = list_images(input_dir, SUPPORTED_EXTENSIONS)
    truths = {}
    if truth_dir is not None:
        truth_paths, _ = list_images(pathlib.Path(truth_dir), SUPPORTED_EXTENSIONS)
        truths = {p.stem: p for p in truth_paths}
    names, thumbs, copies, truth_copies, skipped = [], [], [], [], []
    for path in paths:
        try:
            if truth_dir is not None and path.stem not in truths:
                raise ImageReadError(path, f"no truth named {path.stem}.* in {truth_dir}")
            linear = read_linear(path, tiff_encoding=tiff_encoding)
            if truth_dir is not None:
                truth = read_srgb(truths[path.stem])
                truth_copies.append(area_resize(truth, RENDER_SIZE))
        except (ImageReadError, OSError) as error:
            skipped.append((str(path), str(getattr(error, "problem", error))))
            continue
        names.append(path.stem)
        thumbs.append(thumbnail(linear))
        copies.append(area_resize(linear, RENDER_SIZE))
    if not names:
        raise ImageReadError(input_dir, "no held-out photo could be read: "
                             + "; ".join(m for _, m in skipped[:3]))
    return HeldoutSet(names=tuple(names), thumbnails=np.stack(thumbs), copies=np.stack(copies),
                      truths=np.stack(truth_copies) if truth_dir is not None else None,
                      targets=tuple(np.asarray(target_images, np.float32)),
                      skipped=tuple(skipped))
