"""The built-in Exposure dataset: real colour photos from installed packages, needing no download.

The pool (`POOL`) is every usable real colour camera photo that the pip packages scikit-image,
scikit-learn, matplotlib and sporco and the Debian packages mate-backgrounds and
plasma-workspace-wallpapers ship. Photos of packages that are not installed are left out and named
(`select_photos`). The photos are split by scene (a stereo pair is one scene), seeded, into
training inputs, targets and held-out inputs (`split_scenes`): no scene is in two sets, and the
training and target scenes are balanced by colour, so that what tells the targets from the
training photos is the style and not the colours of what they show.

Inputs (training and held out): photos "unprocessed" (`exposure.unprocess`) into Bayer DNG raws
(`exposure.dng`). Targets: photos in the reference style (`exposure.reference_style`), as 8-bit
sRGB JPEGs. Each photo, first downscaled to at most MAX_SIDE pixels, gives several training images
by distinct crops (`crop_boxes`). A manifest records the provenance (package, file, licence, crop
box), the split and every parameter, so the data is reproducible.
"""
import dataclasses
import functools
import hashlib
import importlib.util
import itertools
import json
import pathlib
import zlib

import numpy as np
from PIL import Image
from tqdm import tqdm

from exposure import reference_style, unprocess
from exposure.dng import write_dng
from mobile.atomic import atomic_output

MANIFEST_VERSION = 2
MIN_CROP_SIDE = 256  # shortest crop side in pixels (the training pipeline needs >= 64)
CROP_FRACTION = 0.8  # corner crops span 80% of each side of the photo
JPEG_QUALITY = 95  # with 4:4:4 chroma (no subsampling): near-lossless targets
# Longest side of a photo at most, after its first downscale (by the smallest integer factor k that
# gets there: each pixel the mean of a k x k block). The pip photos are at most 768 px and stay as
# shipped; the Debian photos (1280-2560 px) shrink by 2 or 3 to 640-960 px, which keeps
# exposure_make_data on the whole pool at about 25 s of CPU (one core). Training sees 80 px
# patches (exposure.data.PATCH_SIZE), so larger photos would only cost time.
MAX_SIDE = 1024
SPLIT_SEED = 0  # seeds the scene split; the data's `seed` varies the raw draws, not the split
COLOUR_SIDE = 128  # photos are read at about this size for the colour balance of the split
# Fractions of the scenes held out and made targets; the rest are training inputs. The full pool
# (34 scenes) gives 13 training, 13 target and 8 held-out scenes, the benchmark's goal of issue 14
# (black_box_benchmark.GOAL_SCENES); the pip-only pool (13 scenes) gives 5, 5 and 3.
HELDOUT_FRACTION = 0.25
TARGET_FRACTION = 0.375
PARTS = ("train", "targets", "heldout")


@dataclasses.dataclass(frozen=True)
class SourcePhoto:
    """A real colour photo shipped by an installed pip or Debian package.

    Attributes:
      name: short name used in output file names (`<name>_<k>.dng` / `.jpg`).
      package: the pip distribution or Debian package that ships it.
      module: the importable module whose folder holds the file (pip), or None when `file` is an
        absolute path (Debian).
      file: path of the file relative to that module's folder, or absolute.
      description: what the photo shows.
      licence: the licence the package states for the photo.
      credit: the photographer or copyright holder, as the package names them.
      licence_source: where the package states the licence.
      scene: photos showing one scene share it (a stereo pair); default: the name.
    """

    name: str
    package: str
    module: str | None
    file: str
    description: str
    licence: str
    credit: str
    licence_source: str
    scene: str = ""

    def __post_init__(self):
        if not self.scene:
            object.__setattr__(self, "scene", self.name)

    @property
    def install(self):
        """The command that installs this photo's package."""
        return f"{'pip' if self.module else 'apt-get'} install {self.package}"

    @property
    def source_file(self):
        """The file as the manifest names it: module-relative (pip) or absolute (Debian)."""
        return f"{self.module.replace('.', '/')}/{self.file}" if self.module else self.file

    def path(self):
        """Absolute path of the photo; FileNotFoundError saying what to install if missing.

        A pip package is located without importing it."""
        path = None
        if self.module is None:
            path = pathlib.Path(self.file)
        else:
            top, *inner = self.module.split(".")
            spec = importlib.util.find_spec(top)
            if spec is not None and spec.submodule_search_locations:
                path = pathlib.Path(spec.submodule_search_locations[0], *inner, self.file)
        if path is None or not path.is_file():
            where = f"{path} is missing" if path is not None else f"no module {self.module!r}"
            raise FileNotFoundError(f"built-in photo {self.name!r}: {where}; it is shipped by "
                                    f"{self.package!r} ({self.install})")
        return path


def _skimage(name, file, description, licence, credit, scene=""):
    return SourcePhoto(name, "scikit-image", "skimage.data", file, description, licence, credit,
                       f"docstring of skimage.data.{scene or name}", scene)


def _sporco(name, description, licence, credit):
    return SourcePhoto(name, "sporco", "sporco.data", f"{name}.png", description, licence, credit,
                       "sporco/data/README.rst")


def _sklearn(name, description, credit):
    return SourcePhoto(name, "scikit-learn", "sklearn.datasets", f"images/{name}.jpg",
                       description, "CC-BY-2.0", credit, "sklearn/datasets/images/README.txt")


def _mate(name, file, description, credit):
    return SourcePhoto(name, "mate-backgrounds", None, f"/usr/share/backgrounds/mate/nature/{file}",
                       description, "GPL-2+", credit, "/usr/share/doc/mate-backgrounds/copyright")


def _plasma(name, folder, description, credit):
    return SourcePhoto(
        name, "plasma-workspace-wallpapers", None,
        f"/usr/share/wallpapers/{folder}/contents/images/2560x1600.jpg", description,
        "LGPL-3.0", credit,
        f"/usr/share/wallpapers/{folder}/metadata.json (LGPLv3); the package's "
        "/usr/share/doc/plasma-workspace-wallpapers/copyright says GPL-2+ for all its files")


# Every real, colour, camera photo the packages ship. Left out: scikit-image's grayscale images
# (camera, moon, ...), microscopy/medical ones (ihc, retina, cell), synthetic ones (color, logo,
# chessboard) and hubble_deep_field (a telescope composite); matplotlib's other sample images
# (logos, an icon, an MRI slice); the Plasma wallpapers that are renders (Altai, Canopee, Volna,
# ...) or grayscale photos (ColdRipple, Grey). A Plasma wallpaper is one 2560x1600 picture (Debian
# links the files of its other sizes to it).
POOL = (
    _skimage("astronaut", "astronaut.png", "portrait of astronaut Eileen Collins",
             "public domain", "NASA"),
    _skimage("rocket", "rocket.jpg", "SpaceX Falcon 9 lifting off, outdoor daylight",
             "public domain", "SpaceX"),
    _skimage("motorcycle_left", "motorcycle_left.png",
             "motorcycle in a room, left view of the Middlebury stereo pair",
             "no licence stated", "Middlebury 2014 stereo dataset (Scharstein et al.)",
             scene="stereo_motorcycle"),
    _skimage("motorcycle_right", "motorcycle_right.png",
             "motorcycle in a room, right view of the Middlebury stereo pair",
             "no licence stated", "Middlebury 2014 stereo dataset (Scharstein et al.)",
             scene="stereo_motorcycle"),
    _skimage("chelsea", "chelsea.png", "Chelsea the cat", "CC0-1.0", "Stefan van der Walt"),
    _skimage("coffee", "coffee.png", "cup of coffee on a table, close-up", "CC0-1.0",
             "Rachel Michetti (Pikolo Espresso Bar)"),
    _sklearn("china", "pagoda of the Summer Palace, Beijing, above a lake",
             "danielbuechele (Flickr)"),
    _sklearn("flower", "orange dahlia against dark foliage", "vultilion (Flickr)"),
    SourcePhoto("grace_hopper", "matplotlib", "matplotlib", "mpl-data/sample_data/grace_hopper.jpg",
                "portrait of Rear Admiral Grace Hopper", "public domain (U.S. Navy photograph)",
                "U.S. Navy", "none in matplotlib; a work of the U.S. federal government"),
    _sporco("barbara", "woman seated in a room with books and toys",
            "believed public domain or freely redistributable", "attributed to Allen Gersho"),
    _sporco("kodim23", "two macaws, close-up", "released for unrestricted use",
            "Kodak (Kodak Lossless True Color Image Suite)"),
    _sporco("monarch", "monarch butterfly on pink flowers", "free of copyright restrictions",
            "Waterloo BragZone"),
    _sporco("sail", "windsurfers racing on the sea, from above", "free of copyright restrictions",
            "Waterloo BragZone"),
    _sporco("tulips", "red and white tulips", "free of copyright restrictions",
            "Waterloo BragZone"),
    _mate("aqua", "Aqua.jpg", "water drop splashing, close-up", "Charles Barbin"),
    _mate("blinds", "Blinds.jpg", "green leaf veins, close-up",
          "Lennart Poettering, Andrea Cimitan"),
    _mate("dune", "Dune.jpg", "dune grass by the sea", "Marco Cogoni, Hylke Bons"),
    _mate("fresh_flower", "FreshFlower.jpg", "orange flower petals, close-up", "Jens Ansorg"),
    _mate("garden", "Garden.jpg", "red marigold in a garden", "Charles Barbin"),
    _mate("green_meadow", "GreenMeadow.jpg", "blades of young grass",
          "Timothy Schellhase, Lapo Calamandrei"),
    _mate("lady_bird", "LadyBird.jpg", "ladybird on a grass stem among blue flowers",
          "Charles Barbin"),
    _mate("rain_drops", "RainDrops.jpg", "rain drops on green leaves", "blackcombwhistler07"),
    _mate("storm", "Storm.jpg", "storm clouds over a road, motion blur", "Sergey Nazarov"),
    _mate("two_wings", "TwoWings.jpg", "dandelion seeds before an orange flower",
          "Charles Barbin, Hylke Bons"),
    _mate("wood", "Wood.jpg", "pale wooden boards, close-up", "Jean-François Fortin Tam"),
    _mate("yellow_flower", "YellowFlower.jpg", "yellow flower, close-up", "Charles Barbin"),
    _plasma("by_the_water", "BytheWater", "wooden jetty by a lake at dusk", "Maciej Wiklo"),
    _plasma("colorful_cups", "ColorfulCups", "stacked coloured cups from above", "Dmitri Popov"),
    _plasma("darkest_hour", "DarkestHour", "lake in blue fog before dawn", "Risto Saukonpää"),
    _plasma("evening_glow", "EveningGlow", "rowing boats on a shore at sunset", "Ian Hex"),
    _plasma("fallen_leaf", "FallenLeaf", "fallen autumn leaves, shallow focus", "Martin Klapetek"),
    _plasma("kite", "Kite", "a kite in a blue sky with clouds", "Risto Saukonpää"),
    _plasma("one_stands_out", "OneStandsOut", "moss seen from above, one orange sprig",
            "Risto Saukonpää"),
    _plasma("path", "Path", "path through a dark spruce forest", "Risto Saukonpää"),
    _plasma("summer_1am", "summer_1am", "lake under a pink summer night sky", "Risto Saukonpää"),
)
# The four photos of the first built-in input set: export/tflite.py calibrates int8 models on them
# and tests use them as real photos. The data and the benchmark use the whole POOL.
INPUT_PHOTOS = tuple(p for p in POOL if p.name in
                     ("astronaut", "rocket", "motorcycle_left", "motorcycle_right"))


def select_photos(names=None):
    """The pool photos to use and the ones left out: (photos, not_installed), in POOL order.

    Args:
      names: photo names to use; None: every POOL photo whose file exists, the others are
        `not_installed`.

    Raises:
      ValueError: a name that is not in POOL, or a repeated name.
      FileNotFoundError: a named photo is not installed (the message says what to install).
    """
    if names is None:
        present = tuple(p for p in POOL if _exists(p))
        return present, tuple(p for p in POOL if p not in present)
    known = {p.name: p for p in POOL}
    names = list(names)
    unknown = [n for n in names if n not in known]
    if unknown or len(set(names)) != len(names):
        raise ValueError(f"photos {names}: expected distinct names from {', '.join(known)}")
    photos = tuple(p for p in POOL if p.name in names)
    for photo in photos:
        photo.path()
    return photos, ()


def _exists(photo):
    try:
        photo.path()
    except FileNotFoundError:
        return False
    return True


def split_indices(count, *, heldout_fraction, target_fraction, seed=0, unit="photos"):
    """A seeded split of `count` items into (train, targets, held out) index arrays, disjoint,
    each non-empty, sorted; ValueError when `count` or the fractions cannot give that."""
    for name, value in (("heldout_fraction", heldout_fraction),
                        ("target_fraction", target_fraction)):
        if not 0.0 < value < 1.0:
            raise ValueError(f"{name}={value}: expected a fraction in (0, 1)")
    heldout = max(1, round(count * heldout_fraction))
    targets = max(1, round(count * target_fraction))
    if count - heldout - targets < 1:
        raise ValueError(f"{count} {unit} cannot be split into training inputs, targets "
                         f"({target_fraction:.0%}) and held-out {unit} ({heldout_fraction:.0%}) "
                         f"with at least one each")
    order = np.random.default_rng([seed, count]).permutation(count)
    return (np.sort(order[heldout + targets:]), np.sort(order[heldout:heldout + targets]),
            np.sort(order[:heldout]))


@dataclasses.dataclass(frozen=True)
class PhotoSplit:
    """Photos split by scene into the parts of PARTS.

    Attributes:
      photos: the SourcePhoto used, in the order given (POOL order from `select_photos`).
      parts: the part ("train", "targets" or "heldout") of each photo.
      not_installed: POOL photos left out because their package is not installed.
    """

    photos: tuple
    parts: tuple
    not_installed: tuple = ()

    def part(self, name):
        """The photos of one part, in the order of `photos`."""
        return tuple(p for p, part in zip(self.photos, self.parts, strict=True) if part == name)

    @property
    def train(self):
        return self.part("train")

    @property
    def targets(self):
        return self.part("targets")

    @property
    def heldout(self):
        return self.part("heldout")

    @property
    def inputs(self):
        """The photos made into DNG raws: training and held-out inputs."""
        return tuple(p for p, part in zip(self.photos, self.parts, strict=True)
                     if part != "targets")

    def scenes(self):
        """{part: sorted scene ids} for the parts of PARTS."""
        return {part: sorted({p.scene for p in self.part(part)}) for part in PARTS}

    def note(self):
        """A sentence on what the pool lacks ("" when every POOL photo is installed)."""
        if not self.not_installed:
            return ""
        packages = {}
        for photo in self.not_installed:
            packages.setdefault(photo.install, []).append(photo.name)
        missing = "; ".join(f"{_photos(len(names))} of {command.split()[-1]} ({command})"
                            for command, names in packages.items())
        return (f"not installed, left out: {missing}. Using {_photos(len(self.photos))} of "
                f"{len({p.scene for p in self.photos})} scenes.")


def _photos(count):
    return f"{count} photo{'' if count == 1 else 's'}"


def split_scenes(photos, *, heldout=(), seed=SPLIT_SEED, balance=True, not_installed=()):
    """Splits photos by scene into training inputs, targets and held-out inputs.

    The scenes (in the order of `photos`) are split by `split_indices` with HELDOUT_FRACTION and
    TARGET_FRACTION: the same photos and seed always give the same split, and all photos of a
    scene are in one part. Then, with `balance`, training and target scenes are swapped
    (`balance_colours`) until their colours in the reference style match.

    Args:
      photos: SourcePhoto of at least 3 scenes.
      heldout: photo names to hold out instead of the seeded held-out scenes (which then train);
        they must name whole scenes. Empty: the seeded split.
      seed: seeds the split.
      balance: balance the training and target scenes by colour (reads every photo once).
      not_installed: recorded in the returned split (see `select_photos`).

    Returns:
      PhotoSplit. ValueError says which `heldout` names are wrong or what cannot be split.
    """
    photos = tuple(photos)
    scenes = list(dict.fromkeys(p.scene for p in photos))
    indices = split_indices(len(scenes), heldout_fraction=HELDOUT_FRACTION,
                            target_fraction=TARGET_FRACTION, seed=seed, unit="scenes")
    part = {scenes[i]: name for name, chosen in zip(PARTS, indices, strict=True) for i in chosen}
    heldout = tuple(heldout)
    if heldout:
        names = [p.name for p in photos]
        if any(n not in names for n in heldout) or len(set(heldout)) != len(heldout):
            raise ValueError(f"held-out photos {list(heldout)}: expected distinct names from "
                             f"{', '.join(names)}")
        chosen = {p.scene for p in photos if p.name in heldout}
        for scene in chosen:
            together = [p.name for p in photos if p.scene == scene]
            if not set(together) <= set(heldout):
                raise ValueError(f"{' and '.join(together)} show one scene: hold out all of them "
                                 "or none")
        part = {scene: "heldout" if scene in chosen else "train" if name == "heldout" else name
                for scene, name in part.items()}
        for needed in ("train", "targets"):
            if needed not in part.values():
                raise ValueError(f"held-out photos {list(heldout)} leave no {needed} scene; at "
                                 "least one must remain for training and one as a target")
    if balance:
        part = balance_colours(photos, part)
    return PhotoSplit(photos, tuple(part[p.scene] for p in photos), tuple(not_installed))


@functools.cache
def styled_colour(photo):
    """Mean sRGB colour (3 floats) of the photo in the reference style, read at about
    COLOUR_SIDE pixels."""
    with Image.open(photo.path()) as image:
        image.draft("RGB", (COLOUR_SIDE, COLOUR_SIDE))  # JPEG: decode at a fraction of the size
        image = image.convert("RGB")
        k = max(1, min(image.size) // COLOUR_SIDE)
        if k > 1:
            image = image.reduce(k)
        rgb = np.asarray(image, dtype=np.float32) / 255.0
    styled = reference_style.apply_reference_style(rgb)
    return tuple(float(c) for c in styled.reshape(-1, 3).mean(axis=0))


def colour_mismatch(photos, part):
    """How far the training scenes' colours in the reference style are from the targets': the sum
    of |differences| of B/R, G/R and mean level of each part's mean colour (the mean of its
    scenes' mean colours)."""
    colour = _scene_colours(photos)

    def features(name):
        c = np.mean([colour[s] for s, p in part.items() if p == name], axis=0)
        return np.array([c[2] / c[0], c[1] / c[0], c.mean()])
    return float(np.abs(features("train") - features("targets")).sum())


def _scene_colours(photos):
    colours = {}
    for photo in photos:
        colours.setdefault(photo.scene, []).append(styled_colour(photo))
    return {scene: np.mean(c, axis=0) for scene, c in colours.items()}


def balance_colours(photos, part):
    """`part` ({scene: part}) with training and target scenes swapped, one pair at a time, the
    pair that lowers `colour_mismatch` most, while one does; held-out scenes stay.

    Unpaired training makes the training photos look like the targets as a whole: target scenes
    bluer in content (sea, sky) than the training scenes would teach bluing every photo as part of
    the style (issue 14; benchmarks/style_confound.py measures it on a benchmark's data)."""
    part = dict(part)
    while True:
        best, swap = colour_mismatch(photos, part), None
        for a, b in itertools.product([s for s, p in part.items() if p == "train"],
                                      [s for s, p in part.items() if p == "targets"]):
            mismatch = colour_mismatch(photos, {**part, a: "targets", b: "train"})
            if mismatch < best:
                best, swap = mismatch, (a, b)
        if swap is None:
            return part
        part[swap[0]], part[swap[1]] = "targets", "train"


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


def read_photo(photo):
    """The photo's pixels, downscaled so the longest side is at most MAX_SIDE: by the smallest
    integer factor k that does it, each pixel the mean of a k x k block rounded to 8 bits like the
    file (the last rows and columns that do not fill a block are dropped).

    Returns:
      (float32 sRGB [H, W, 3] in [0, 1], the file's sha256, the file's (height, width)).
    """
    path = photo.path()
    data = path.read_bytes()
    with Image.open(path) as image:
        image = image.convert("RGB")
        width, height = image.size
        k = -(-max(height, width) // MAX_SIDE)
        if k > 1:
            image = image.crop((0, 0, width // k * k, height // k * k)).reduce(k)
        rgb = np.asarray(image, dtype=np.float32) / 255.0
    return rgb, hashlib.sha256(data).hexdigest(), (height, width)


def _provenance(photo, sha256, shipped, used, box):
    return {
        "package": photo.package,
        "file": photo.source_file,
        "sha256": sha256,
        "description": photo.description,
        "licence": photo.licence,
        "credit": photo.credit,
        "licence_source": photo.licence_source,
        "size": {"height": shipped[0], "width": shipped[1]},
        "downscaled_to": {"height": used[0], "width": used[1]},
        "crop_box": {"top": box[0], "left": box[1], "height": box[2], "width": box[3]},
    }


def _write_jpeg(path, srgb):
    pixels = np.round(np.clip(srgb, 0.0, 1.0) * 255.0).astype(np.uint8)
    with atomic_output(path) as tmp:
        Image.fromarray(pixels).save(tmp, format="JPEG", quality=JPEG_QUALITY, subsampling=0)


def _remove_stale(folder, suffix, written):
    """Deletes built-in files (`<POOL photo>_<k><suffix>`) in `folder` that this run did not
    write: left by a run with another pool or split, they could put a scene on both sides."""
    names = {p.name for p in POOL}
    for path in folder.iterdir():
        stem, _, k = path.stem.rpartition("_")
        if (path.suffix == suffix and stem in names and k.isdigit() and path not in written
                and (path.is_file() or path.is_symlink())):
            path.unlink()


def materialize(output_dir, *, seed=0, photos=None, heldout=(), split=None, progress=True):
    """Writes the built-in dataset into `output_dir`.

    Layout: `raw/<photo>_<k>.dng` (inputs: training and held-out photos), `target/<photo>_<k>.jpg`
    (styled targets, 8-bit sRGB, JPEG quality 95) and `manifest.json`. The photos are split by
    scene (`split_scenes`), so inputs and targets never show one scene. Every file is written
    atomically and depends only on `seed` and the photo's own file, so running again rewrites
    identical files and an interrupted run never leaves a partial file. Built-in files that this
    run does not write (left by another pool or split) are removed; other files are kept.

    Args:
      output_dir: folder to create or reuse.
      seed: int; seeds the per-image camera, exposure, illuminant and noise draws.
      photos: names of POOL photos to use (see `select_photos`); default: every installed one.
      heldout: names of photos to hold out (see `split_scenes`); default: the seeded split.
      split: a PhotoSplit to use instead of `split_scenes`' (then `photos` and `heldout` are
        ignored).
      progress: show a tqdm progress bar.

    Returns:
      dict summary: output_dir, manifest path, split (PhotoSplit), note (what is not installed,
      "" if nothing), and for "raw" and "target" the file count, total bytes, the list of paths and
      the photo name of each path.
    """
    output_dir = pathlib.Path(output_dir)
    if output_dir.exists() and not output_dir.is_dir():
        raise NotADirectoryError(f"--output_dir {output_dir} exists and is not a folder")
    if split is None:
        chosen, not_installed = select_photos(photos)
        split = split_scenes(chosen, heldout=heldout, not_installed=not_installed)
    raw_dir, target_dir = output_dir / "raw", output_dir / "target"
    raw_dir.mkdir(parents=True, exist_ok=True)
    target_dir.mkdir(parents=True, exist_ok=True)

    jobs = [("raw", photo) for photo in split.inputs] + [("target", p) for p in split.targets]
    part = dict(zip((p.name for p in split.photos), split.parts, strict=True))
    records = {"raw": [], "target": []}
    bar = tqdm(jobs, desc="built-in photos", unit="photo", disable=not progress)
    for kind, photo in bar:
        bar.set_postfix_str(photo.name)
        rgb, sha256, shipped = read_photo(photo)
        for k, box in enumerate(crop_boxes(*rgb.shape[:2])):
            top, left, height, width = box
            crop = rgb[top : top + height, left : left + width]
            record = {"photo": photo.name, "scene": photo.scene, "part": part[photo.name],
                      "source": _provenance(photo, sha256, shipped, rgb.shape[:2], box)}
            if kind == "raw":
                rng_seed = [seed, zlib.crc32(photo.name.encode()), k]  # independent of the pool
                rng = np.random.default_rng(rng_seed)
                params = unprocess.sample_raw_params(rng)
                raw = unprocess.unprocess(crop, params, rng=rng)
                path = raw_dir / f"{photo.name}_{k}.dng"
                write_dng(path, raw.cfa, **raw.dng_tags)
                record.update(
                    rng_seed=rng_seed,
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
    for kind, folder, suffix in (("raw", raw_dir, ".dng"), ("target", target_dir, ".jpg")):
        _remove_stale(folder, suffix, {output_dir / r["file"] for r in records[kind]})

    manifest = {
        "version": MANIFEST_VERSION,
        "seed": seed,
        "pool": {
            "photos": len(split.photos),
            "scenes": len({p.scene for p in split.photos}),
            "not_installed": [{"photo": p.name, "package": p.package, "install": p.install}
                              for p in split.not_installed],
            "note": split.note(),
        },
        "split": {
            "seed": SPLIT_SEED,
            "heldout_fraction": HELDOUT_FRACTION,
            "target_fraction": TARGET_FRACTION,
            "heldout_named": list(heldout),
            "colour_balanced": "training and target scenes swapped while their mean colours in "
                               "the reference style get closer (builtin_data.balance_colours)",
            "colour_mismatch": round(colour_mismatch(
                split.photos, {p.scene: n for p, n in zip(split.photos, split.parts,
                                                           strict=True)}), 4),
            "scenes": split.scenes(),
        },
        "max_side": MAX_SIDE,
        "crops": (
            f"full frame plus 4 corner crops of {CROP_FRACTION:.0%} of each side "
            f"(at least {MIN_CROP_SIDE} px), even sides, of the photo downscaled to at most "
            f"{MAX_SIDE} px (by the smallest integer factor k, k x k block means)"
        ),
        "unprocessing": unprocess.__doc__.strip(),
        "reference_style": reference_style.__doc__.strip(),
        "inputs": records["raw"],
        "targets": records["target"],
    }
    manifest_path = output_dir / "manifest.json"
    with atomic_output(manifest_path) as tmp:
        tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    summary = {"output_dir": str(output_dir), "manifest": str(manifest_path), "split": split,
               "note": split.note()}
    for kind in ("raw", "target"):
        paths = [output_dir / record["file"] for record in records[kind]]
        summary[kind] = {
            "count": len(paths),
            "bytes": sum(p.stat().st_size for p in paths),
            "paths": [str(p) for p in paths],
            "photos": [record["photo"] for record in records[kind]],
        }
    return summary
