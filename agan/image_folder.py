"""Reader for a folder of images whose subfolders name the classes.

Layout: ``root/<class>/**/<image>``; sorted subfolder names become labels 0..K-1. A folder with no
subfolders holding images is one class (label 0). Each image is decoded with EXIF orientation
applied, converted to 8-bit RGB (grayscale, palette, RGBA, CMYK and 16-bit inputs included),
centre-cropped to a square when its sides differ, and area-resized to ``image_size``. An image
whose header declares more pixels than `mobile.pixel_limit` allows is refused before decoding.
"""
import logging
import pathlib

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError
from tqdm import tqdm

from agan.dataset_files import DatasetFormatError, DatasetNotFoundError
from agan.subset import subset_indices
from mobile import pixel_limit

_SIXTEEN_BIT_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I")


def _files(folder):
    """Sorted regular, non-hidden files under ``folder`` (recursively)."""
    return sorted(
        p for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def scan(root):
    """The image candidates of ``root`` as (paths, labels int32, class names).

    Raises DatasetNotFoundError for a missing path and DatasetFormatError for an empty folder or
    for files directly in ``root`` next to class subfolders (ambiguous labels).
    """
    root = pathlib.Path(root).expanduser()
    if not root.is_dir():
        raise DatasetNotFoundError(f"image folder {root} does not exist or is not a directory")
    classes = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    loose = [p for p in root.iterdir() if p.is_file() and not p.name.startswith(".")]
    if classes and loose:
        raise DatasetFormatError(
            f"image folder {root} has both class subfolders {classes[:5]} and files directly in it "
            f"(e.g. {loose[0].name}); put every image in a class subfolder, or use no subfolders"
        )
    if classes:
        groups = [(label, _files(root / name)) for label, name in enumerate(classes)]
    else:
        groups, classes = [(0, sorted(loose))], [root.name]
    paths = [path for _, files in groups for path in files]
    labels = np.array([label for label, files in groups for _ in files], dtype=np.int32)
    if not paths:
        raise DatasetFormatError(f"image folder {root} holds no files")
    return paths, labels, tuple(classes)


def read_rgb(path, image_size=None):
    """One image file as uint8 [H, W, 3] RGB, or [image_size, image_size, 3] when a size is given.

    Raises DatasetFormatError naming the file when it cannot be decoded or is over the pixel limit.
    """
    try:
        with Image.open(path) as image:
            pixel_limit.check(path, *image.size)
            image = ImageOps.exif_transpose(image)
            image.load()
    except pixel_limit.ImageTooLargeError as error:
        raise DatasetFormatError(str(error)) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        raise DatasetFormatError(f"{path}: not a readable image ({error})") from error
    if image.mode in _SIXTEEN_BIT_MODES:
        wide = np.asarray(image, dtype=np.int64)
        scale = 257.0 if wide.max(initial=0) > 255 else 1.0
        image = Image.fromarray(np.clip(np.rint(wide / scale), 0, 255).astype(np.uint8), "L")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    image = image.convert("RGB")
    if image_size is not None:
        width, height = image.size
        side = min(width, height)
        left, top = (width - side) // 2, (height - side) // 2
        image = image.resize(
            (image_size, image_size), Image.Resampling.BOX, box=(left, top, left + side, top + side)
        )
    return np.asarray(image, dtype=np.uint8)


def load(root, limit=None, seed=0, image_size=None, progress=False, skipped=None):
    """Images under ``root`` as (uint8 [N, S, S, 3], int32 [N]).

    Unreadable files are skipped with a warning each and a count at the end, and appended as
    (path, reason) to the list ``skipped`` when one is given. Without ``image_size`` every image
    must already be square and of one size. ``limit`` picks a subset chosen by ``seed`` before
    decoding.
    """
    paths, labels, _ = scan(root)
    chosen = subset_indices(len(paths), limit, seed)
    images, kept, failures = [], [], []
    for index in tqdm(chosen, desc=f"reading {root}", unit="image", disable=not progress):
        try:
            images.append(read_rgb(paths[index], image_size))
        except DatasetFormatError as error:
            logging.warning("skipping %s", error)
            failures.append((paths[index], str(error)))
            continue
        kept.append(index)
    if failures:
        logging.warning("image folder %s: skipped %d unreadable file(s) of %d", root,
                        len(failures), len(chosen))
        if skipped is not None:
            skipped.extend(failures)
    if not images:
        raise DatasetFormatError(f"image folder {root}: none of its {len(chosen)} files is a readable image")
    shapes = {image.shape for image in images}
    if len(shapes) > 1 or images[0].shape[0] != images[0].shape[1]:
        raise DatasetFormatError(
            f"image folder {root}: images have sizes {sorted(shapes)[:4]}; pass image_size "
            f"(--image_size) to centre-crop and resize them to one square size"
        )
    return np.stack(images), labels[np.array(kept, dtype=np.int64)]


def class_names(root):
    """Sorted class subfolder names (or the folder's own name when it has no subfolders)."""
    return scan(root)[2]
