"""The built-in Exposure dataset: real photos from installed packages, needing no download.

Inputs: photos "unprocessed" (`exposure.unprocess`) into Bayer DNG raws (`exposure.dng`).
Targets: a disjoint set of photos in the reference style (`exposure.reference_style`), as 8-bit
sRGB JPEGs. Each photo gives several training images by distinct crops (`crop_boxes`). A manifest
records the provenance (package, file, crop box) and every parameter, so the data is reproducible.
"""
import dataclasses
import hashlib
import importlib.resources
import json
import pathlib

import numpy as np
from PIL import Image
from tqdm import tqdm

from exposure import reference_style, unprocess
from exposure.dng import write_dng
from mobile.atomic import atomic_output

MANIFEST_VERSION = 1
MIN_CROP_SIDE = 256  # shortest crop side in pixels (the training pipeline needs >= 64)
CROP_FRACTION = 0.8  # corner crops span 80% of each side of the photo
JPEG_QUALITY = 95  # with 4:4:4 chroma (no subsampling): near-lossless targets


@dataclasses.dataclass(frozen=True)
class SourcePhoto:
    """A real colour photo shipped inside an installed Python package.

    Attributes:
      name: short name used in output file names.
      package: the distribution that ships it (for error messages and the manifest).
      module: the importable module whose folder holds the file.
      file: path of the file relative to that module's folder.
      description: what the photo shows.
    """

    name: str
    package: str
    module: str
    file: str
    description: str

    def path(self):
        """Absolute path of the photo; FileNotFoundError saying what to install if missing."""
        try:
            path = pathlib.Path(str(importlib.resources.files(self.module) / self.file))
        except ModuleNotFoundError as error:
            raise FileNotFoundError(
                f"built-in photo {self.name!r} needs the package {self.package!r} "
                f"(pip install {self.package})"
            ) from error
        if not path.is_file():
            raise FileNotFoundError(
                f"built-in photo {self.name!r}: {path} is missing from the installed "
                f"{self.package!r}; reinstall it (pip install --force-reinstall {self.package})"
            )
        return path


# Every real, colour, camera photo the installed packages ship offline. Left out: scikit-image's
# grayscale images (camera, moon, ...), microscopy/medical ones (ihc, retina, cell), synthetic
# ones (color, phantom, logo, chessboard) and hubble_deep_field (a telescope composite).
# The two sets are disjoint by photo; the motorcycle stereo pair (one scene) stays in one set.
INPUT_PHOTOS = (
    SourcePhoto("astronaut", "scikit-image", "skimage.data", "astronaut.png",
                "portrait of astronaut Eileen Collins (NASA)"),
    SourcePhoto("rocket", "scikit-image", "skimage.data", "rocket.jpg",
                "SpaceX Falcon 9 on the launch pad, outdoor daylight"),
    SourcePhoto("motorcycle_left", "scikit-image", "skimage.data", "motorcycle_left.png",
                "motorcycle in a room, left view of the Middlebury stereo pair"),
    SourcePhoto("motorcycle_right", "scikit-image", "skimage.data", "motorcycle_right.png",
                "motorcycle in a room, right view of the Middlebury stereo pair"),
)
TARGET_PHOTOS = (
    SourcePhoto("grace_hopper", "matplotlib", "matplotlib", "mpl-data/sample_data/grace_hopper.jpg",
                "portrait of Rear Admiral Grace Hopper"),
    SourcePhoto("chelsea", "scikit-image", "skimage.data", "chelsea.png", "Chelsea the cat"),
    SourcePhoto("coffee", "scikit-image", "skimage.data", "coffee.png",
                "cup of coffee on a table, close-up"),
)


def crop_boxes(height, width):
    """Distinct crops of one photo: the full frame and four corner crops.

    Corner crops span CROP_FRACTION of each side (at least MIN_CROP_SIDE px, at most the photo).
    All sides are even (a Bayer mosaic needs 2x2 cells).

    Returns:
      list of (top, left, crop_height, crop_width) in pixels.
    """
    if min(height, width) < MIN_CROP_SIDE:
        raise ValueError(f"photo of {height}x{width} px is smaller than {MIN_CROP_SIDE} px")

    def side(full):
        return min(full, max(MIN_CROP_SIDE, int(CROP_FRACTION * full))) // 2 * 2

    crop_h, crop_w = side(height), side(width)
    full_h, full_w = height // 2 * 2, width // 2 * 2
    boxes = [(0, 0, full_h, full_w)]
    for top in (0, height - crop_h):
        for left in (0, width - crop_w):
            boxes.append((top, left, crop_h, crop_w))
    return boxes


def _read_rgb(photo):
    """The photo's pixels as float32 sRGB [H, W, 3] in [0, 1], plus its file's sha256."""
    path = photo.path()
    data = path.read_bytes()
    with Image.open(path) as image:
        rgb = np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0
    return rgb, hashlib.sha256(data).hexdigest()


def _provenance(photo, sha256, box):
    return {
        "package": photo.package,
        "file": f"{photo.module.replace('.', '/')}/{photo.file}",
        "sha256": sha256,
        "description": photo.description,
        "crop_box": {"top": box[0], "left": box[1], "height": box[2], "width": box[3]},
    }


def _write_jpeg(path, srgb):
    pixels = np.round(np.clip(srgb, 0.0, 1.0) * 255.0).astype(np.uint8)
    with atomic_output(path) as tmp:
        Image.fromarray(pixels).save(tmp, format="JPEG", quality=JPEG_QUALITY, subsampling=0)


def materialize(output_dir, *, seed=0, progress=True):
    """Writes the built-in dataset into `output_dir`.

    Layout: `raw/<photo>_<k>.dng` (inputs), `target/<photo>_<k>.jpg` (styled targets, 8-bit sRGB,
    JPEG quality 95) and `manifest.json`. Every file is written atomically and depends only on
    `seed` and the installed photos, so running again rewrites identical files and an interrupted
    run never leaves a partial file. Files that were already there under other names are kept.

    Args:
      output_dir: folder to create or reuse.
      seed: int; seeds the per-image camera, exposure, illuminant and noise draws.
      progress: show a tqdm progress bar.

    Returns:
      dict summary: output_dir, manifest path, and for "raw" and "target" the file count, total
      bytes and the list of paths.
    """
    output_dir = pathlib.Path(output_dir)
    if output_dir.exists() and not output_dir.is_dir():
        raise NotADirectoryError(f"--output_dir {output_dir} exists and is not a folder")
    raw_dir, target_dir = output_dir / "raw", output_dir / "target"
    raw_dir.mkdir(parents=True, exist_ok=True)
    target_dir.mkdir(parents=True, exist_ok=True)

    jobs = [("raw", photo) for photo in INPUT_PHOTOS] + [("target", photo) for photo in TARGET_PHOTOS]
    records = {"raw": [], "target": []}
    bar = tqdm(jobs, desc="built-in photos", unit="photo", disable=not progress)
    for kind, photo in bar:
        bar.set_postfix_str(photo.name)
        rgb, sha256 = _read_rgb(photo)
        for k, box in enumerate(crop_boxes(*rgb.shape[:2])):
            top, left, height, width = box
            crop = rgb[top : top + height, left : left + width]
            record = {"source": _provenance(photo, sha256, box)}
            if kind == "raw":
                index = len(records["raw"])
                rng = np.random.default_rng([seed, index])
                params = unprocess.sample_raw_params(rng)
                raw = unprocess.unprocess(crop, params, rng=rng)
                path = raw_dir / f"{photo.name}_{k}.dng"
                write_dng(path, raw.cfa, **raw.dng_tags)
                record.update(
                    rng_seed=[seed, index],
                    unprocess=params.as_dict(),
                    clipped_fraction=round(raw.clipped_fraction, 6),
                )
            else:
                gain = reference_style.exposure_gain(crop)
                path = target_dir / f"{photo.name}_{k}.jpg"
                _write_jpeg(path, reference_style.apply_reference_style(crop, gain=gain))
                record.update(exposure_gain=gain)
            record["file"] = path.relative_to(output_dir).as_posix()
            records[kind].append(record)

    manifest = {
        "version": MANIFEST_VERSION,
        "seed": seed,
        "crops": (
            f"full frame plus 4 corner crops of {CROP_FRACTION:.0%} of each side "
            f"(at least {MIN_CROP_SIDE} px), even sides"
        ),
        "unprocessing": unprocess.__doc__.strip(),
        "reference_style": reference_style.__doc__.strip(),
        "inputs": records["raw"],
        "targets": records["target"],
    }
    manifest_path = output_dir / "manifest.json"
    with atomic_output(manifest_path) as tmp:
        tmp.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")

    summary = {"output_dir": str(output_dir), "manifest": str(manifest_path)}
    for kind in ("raw", "target"):
        paths = [output_dir / record["file"] for record in records[kind]]
        summary[kind] = {
            "count": len(paths),
            "bytes": sum(p.stat().st_size for p in paths),
            "paths": [str(p) for p in paths],
        }
    return summary
