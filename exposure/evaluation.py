"""Evaluating a folder of retouched photos against a target collection and paired references.

Unpaired: the Exposure paper's histogram intersection (`exposure.metrics`) between every output and
every target photo. Paired: where a reference photo has the output's relative path (any image
extension), PSNR and CIE ΔE2000 of the pair. Files are read one at a time (`read_srgb`: sRGB-encoded
values in [0, 1]); a file that cannot be read, or a pair whose sizes differ, is reported and
skipped and the evaluation goes on.

Per pair: PSNR (dB) of the whole image and the mean and median of the per-pixel ΔE2000. Summaries
over pairs: the median and the mean of the per-image PSNR and of the per-image mean ΔE2000.
"""
import dataclasses
import json
import pathlib
import time

import numpy as np
from tqdm import tqdm

from exposure import metrics
from exposure.apply import STRIP_SUFFIX
from exposure.image_io import ImageReadError, list_images, read_srgb
from mobile.atomic import atomic_output


@dataclasses.dataclass
class FolderEvaluation:
    """What `evaluate_folders` measured.

    Attributes:
      outputs, targets, references: the folders (references None when not given).
      seed: seed of the histogram-intersection crops.
      histogram_intersection: {"luminance", "contrast", "saturation"} -> float in [0, 1].
      output_count, target_count: images measured on each side.
      pairs: per paired image {"output", "reference", "psnr", "delta_e2000_mean",
        "delta_e2000_median"}.
      unpaired: outputs (relative paths) without a reference.
      failures: [(path, reason)] of files skipped.
      statistics: {"outputs", "targets"}: float [P, 3] patch statistics (not in the JSON).
      seconds: wall time.
    """

    outputs: str
    targets: str
    references: str | None
    seed: int
    histogram_intersection: dict
    output_count: int
    target_count: int
    pairs: list
    unpaired: list
    failures: list
    statistics: dict
    seconds: float

    def paired_summary(self):
        """{"count", "psnr": {"median", "mean"}, "delta_e2000": {"median", "mean"}} over the
        pairs (per-image PSNR and per-image mean ΔE2000), or None without pairs."""
        if not self.pairs:
            return None
        psnr = np.array([p["psnr"] for p in self.pairs])
        delta_e = np.array([p["delta_e2000_mean"] for p in self.pairs])
        return {
            "count": len(self.pairs),
            "psnr": {"median": float(np.median(psnr)), "mean": float(np.mean(psnr))},
            "delta_e2000": {"median": float(np.median(delta_e)), "mean": float(np.mean(delta_e))},
        }

    def to_dict(self):
        """The JSON document: everything but the raw patch statistics. An infinite PSNR
        (identical images) is written as null, keeping the document standard JSON."""
        doc = {k: v for k, v in dataclasses.asdict(self).items() if k != "statistics"}
        doc["failures"] = [{"path": path, "reason": reason} for path, reason in self.failures]
        doc["paired_summary"] = self.paired_summary()
        return finite_json(doc)

    def table(self):
        """A printable table of the scores."""
        hi = self.histogram_intersection
        lines = [
            f"outputs {self.outputs} ({self.output_count} images) vs targets {self.targets} "
            f"({self.target_count} images), seed {self.seed}",
            f"{'histogram intersection':<24}{'luminance':>11}{'contrast':>11}{'saturation':>11}",
            f"{'':<24}{hi['luminance']:>11.1%}{hi['contrast']:>11.1%}{hi['saturation']:>11.1%}",
        ]
        summary = self.paired_summary()
        if summary:
            lines += [
                f"paired with {self.references}: {summary['count']} images "
                f"({len(self.unpaired)} outputs without a reference)",
                f"{'':<24}{'median':>11}{'mean':>11}",
                f"{'PSNR (dB)':<24}{summary['psnr']['median']:>11.2f}{summary['psnr']['mean']:>11.2f}",
                f"{'ΔE2000 (image mean)':<24}{summary['delta_e2000']['median']:>11.2f}"
                f"{summary['delta_e2000']['mean']:>11.2f}",
            ]
        elif self.references is not None:
            lines.append(f"no output has a reference in {self.references}")
        if self.failures:
            lines.append(f"{len(self.failures)} files skipped:")
            lines += [f"  {path}: {reason}" for path, reason in self.failures]
        return "\n".join(lines)


def finite_json(value):
    """`value` with every non-finite float inside it (dicts, lists) replaced by None."""
    if isinstance(value, dict):
        return {k: finite_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite_json(v) for v in value]
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _images(folder, what):
    """Image paths of an evaluation folder, without step strips."""
    paths, _ = list_images(folder)
    paths = [p for p in paths if not p.name.endswith(STRIP_SUFFIX)]
    if not paths:
        raise ImageReadError(folder, f"holds only step strips (*{STRIP_SUFFIX}), no {what} images")
    return paths


def _reference_index(folder):
    """{relative path without extension: [reference paths]} of a reference folder."""
    index = {}
    for path in _images(folder, "reference"):
        index.setdefault(path.relative_to(folder).with_suffix(""), []).append(path)
    return index


def _pair_scores(output, reference, output_srgb):
    reference_srgb = read_srgb(reference)
    if reference_srgb.shape != output_srgb.shape:
        raise ValueError(f"is {output_srgb.shape[1]}x{output_srgb.shape[0]} px but its reference "
                         f"{reference} is {reference_srgb.shape[1]}x{reference_srgb.shape[0]} px")
    delta_e = metrics.delta_e2000(output_srgb, reference_srgb)
    return {
        "psnr": metrics.psnr(output_srgb, reference_srgb),
        "delta_e2000_mean": float(delta_e.mean()),
        "delta_e2000_median": float(np.median(delta_e)),
    }


def _folder_statistics(paths, seed, contrast, failures, desc, progress, on_image=None):
    """Patch statistics of the readable images in `paths` ([P, 3]); failures appended."""
    stats = []
    for index, path in enumerate(tqdm(paths, desc=desc, unit="img", disable=not progress)):
        try:
            srgb = read_srgb(path)
            stats.append(metrics.patch_statistics(srgb, metrics.image_rng(seed, index),
                                                  contrast=contrast))
        except (ImageReadError, OSError, ValueError) as error:
            failures.append((str(path), getattr(error, "problem", str(error))))
            continue
        if on_image is not None:
            on_image(path, srgb)
    return np.concatenate(stats) if stats else np.zeros((0, len(metrics.STATISTICS)))


def evaluate_folders(outputs, targets, references=None, *, seed=0, contrast=metrics.DEFAULT_CONTRAST,
                    progress=True):
    """Evaluates a folder of outputs (see the module docstring).

    Args:
      outputs: folder of retouched photos (searched recursively; `*.strip.png` step strips and
        non-image files such as program JSONs are ignored).
      targets: folder of the target style's photos (unpaired, any count).
      references: optional folder of paired references: the reference of `outputs/a/b.jpg` is
        `references/a/b.<any image extension>`.
      seed: seed of the histogram-intersection crops.
      contrast: "variance" or "std" (see exposure.metrics.patch_statistics).
      progress: show tqdm progress bars.

    Returns:
      FolderEvaluation.

    Raises:
      FileNotFoundError / NotADirectoryError / ImageReadError: a folder is missing, not a folder,
        holds no images, or none of its images could be read.
    """
    start = time.perf_counter()
    outputs, targets = pathlib.Path(outputs), pathlib.Path(targets)
    output_paths = _images(outputs, "output")
    target_paths = _images(targets, "target")
    reference_index = None if references is None else _reference_index(pathlib.Path(references))
    failures, pairs, unpaired = [], [], []

    def score_pair(path, srgb):
        relative = path.relative_to(outputs)
        candidates = reference_index.get(relative.with_suffix(""), [])
        if not candidates:
            unpaired.append(relative.as_posix())
            return
        if len(candidates) > 1:
            failures.append((str(path), "several references match it: "
                             + ", ".join(c.name for c in candidates)))
            return
        try:
            scores = _pair_scores(path, candidates[0], srgb)
        except (ImageReadError, OSError, ValueError) as error:
            failures.append((str(path), getattr(error, "problem", str(error))))
            return
        pairs.append({"output": relative.as_posix(), "reference": str(candidates[0]), **scores})

    stats = {
        "outputs": _folder_statistics(output_paths, seed, contrast, failures, "outputs", progress,
                                      on_image=None if reference_index is None else score_pair),
        "targets": _folder_statistics(target_paths, seed, contrast, failures, "targets", progress),
    }
    for name, folder in (("outputs", outputs), ("targets", targets)):
        if len(stats[name]) == 0:
            reasons = "; ".join(f"{pathlib.Path(p).name}: {r}" for p, r in failures[:3])
            raise ImageReadError(folder, f"none of its images could be read ({reasons})")
    return FolderEvaluation(
        outputs=str(outputs),
        targets=str(targets),
        references=None if references is None else str(references),
        seed=seed,
        histogram_intersection=metrics.intersections(stats["outputs"], stats["targets"]),
        output_count=len(stats["outputs"]) // metrics.PATCHES_PER_IMAGE,
        target_count=len(stats["targets"]) // metrics.PATCHES_PER_IMAGE,
        pairs=pairs,
        unpaired=unpaired,
        failures=failures,
        statistics=stats,
        seconds=time.perf_counter() - start,
    )


def write_json(evaluation, path):
    """Writes `evaluation.to_dict()` as JSON to `path`, atomically."""
    with atomic_output(path) as tmp:
        tmp.write_text(json.dumps(evaluation.to_dict(), indent=2, allow_nan=False) + "\n", encoding="utf-8")


def plot_histograms(evaluation, path, labels=("outputs", "targets")):
    """Draws the three statistic histograms of outputs and targets side by side as a PNG, written
    atomically to `path`."""
    import matplotlib  # imported here: only plotting needs it

    matplotlib.use("Agg")
    from matplotlib import pyplot

    histograms = [metrics.statistic_histograms(evaluation.statistics[k])
                  for k in ("outputs", "targets")]
    centers = (np.arange(metrics.HISTOGRAM_BINS) + 0.5) / metrics.HISTOGRAM_BINS
    width = 1.0 / metrics.HISTOGRAM_BINS
    figure, axes = pyplot.subplots(1, len(metrics.STATISTICS), figsize=(12, 3.2))
    for k, (axis, name) in enumerate(zip(axes, metrics.STATISTICS, strict=True)):
        for histogram, label, colour in zip(histograms, labels, ("tab:blue", "tab:orange"), strict=True):
            axis.bar(centers, histogram[k], width=width, alpha=0.55, label=label, color=colour)
        axis.set_title(f"{name}: {evaluation.histogram_intersection[name]:.1%} intersection")
        axis.set_xlim(0, 1)
        axis.set_xlabel(name)
    axes[0].set_ylabel("fraction of patches")
    axes[0].legend()
    figure.tight_layout()
    with atomic_output(path) as tmp:
        figure.savefig(tmp, format="png", dpi=100)
    pyplot.close(figure)
