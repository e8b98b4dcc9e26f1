"""exposure.builtin_data: the built-in dataset from real photos shipped by installed packages."""
import dataclasses
import hashlib
import json

import numpy as np
import pytest
import rawpy
from PIL import Image

from exposure import builtin_data, reference_style, unprocess

# The first built-in set: seven pip-shipped photos of six scenes (a stereo pair), about 6 s.
SMALL = ("astronaut", "rocket", "motorcycle_left", "motorcycle_right", "chelsea", "coffee",
         "grace_hopper")
# A photo whose package is not installed, to see it left out and named.
ABSENT = builtin_data.SourcePhoto(
    name="absent", package="no-such-backgrounds", module=None,
    file="/nonexistent/no-such-backgrounds/absent.jpg", description="none", licence="CC0-1.0",
    credit="nobody", licence_source="nowhere")


def small_pool():
    return tuple(p for p in builtin_data.POOL if p.name in SMALL) + (ABSENT,)


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """The data of a small pool (SMALL and ABSENT), made with the default arguments."""
    folder = tmp_path_factory.mktemp("builtin")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(builtin_data, "POOL", small_pool())
        summary = builtin_data.materialize(folder, seed=0, progress=False)
    manifest = json.loads((folder / "manifest.json").read_text())
    return folder, summary, manifest


def digests(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def photo_named(name):
    return next(p for p in builtin_data.POOL if p.name == name)


def crop_of(record):
    """The source crop of a manifest record, float sRGB in [0, 1]."""
    rgb, _, _ = builtin_data.read_photo(photo_named(record["photo"]))
    box = record["source"]["crop_box"]
    return rgb[box["top"]:box["top"] + box["height"], box["left"]:box["left"] + box["width"]]


def raw_params(record):
    fields = dict(record["unprocess"])
    fields["xyz_to_camera"] = tuple(map(tuple, fields["xyz_to_camera"]))
    fields["wb_gains"] = tuple(fields["wb_gains"])
    fields["illuminant_cast"] = tuple(fields["illuminant_cast"])
    return unprocess.RawParams(**fields)


def develop(path):
    with rawpy.imread(str(path)) as raw:
        return raw.postprocess(gamma=(1, 1), no_auto_bright=True, output_bps=16,
                               use_camera_wb=True, adjust_maximum_thr=0.0) / 65535.0


def test_the_pool_lists_only_files_that_exist_and_names_the_others():
    photos, not_installed = builtin_data.select_photos()
    assert list(photos) == [p for p in builtin_data.POOL if p in photos]
    assert set(photos) | set(not_installed) == set(builtin_data.POOL)
    assert all(p.path().is_file() for p in photos)
    for photo in not_installed:
        with pytest.raises(FileNotFoundError, match=f"install {photo.package}"):
            photo.path()


def test_the_pool_table_scenes_and_licences():
    pool = builtin_data.POOL
    assert len({p.name for p in pool}) == len(pool) == 35
    assert sum(p.module is None for p in pool) == 21  # mate-backgrounds 12, Plasma 9
    scenes = [p.scene for p in pool]
    assert len(set(scenes)) == 34
    assert [p.name for p in pool if p.scene == "stereo_motorcycle"] == [
        "motorcycle_left", "motorcycle_right"]
    for photo in pool:
        assert photo.licence and photo.credit and photo.licence_source and photo.description
    assert {p.package for p in pool} == {"scikit-image", "scikit-learn", "matplotlib", "sporco",
                                         "mate-backgrounds", "plasma-workspace-wallpapers"}
    assert photo_named("kite").install == "apt-get install plasma-workspace-wallpapers"
    assert photo_named("tulips").install == "pip install sporco"
    assert [p.name for p in builtin_data.INPUT_PHOTOS] == [
        "astronaut", "rocket", "motorcycle_left", "motorcycle_right"]


def test_every_installed_photo_is_a_colour_photo_downscaled_to_the_cap():
    for photo in builtin_data.select_photos()[0]:
        rgb, sha256, shipped = builtin_data.read_photo(photo)
        assert builtin_data.MIN_CROP_SIDE <= min(rgb.shape[:2])
        k = -(-max(shipped) // builtin_data.MAX_SIDE)  # the smallest factor that fits the cap
        assert rgb.shape[:2] == (shipped[0] // k, shipped[1] // k), photo.name
        assert max(rgb.shape[:2]) <= builtin_data.MAX_SIDE
        chroma = np.abs(rgb - rgb.mean(-1, keepdims=True)).mean()
        assert chroma > 0.02, f"{photo.name}: grey ({chroma:.3f})"  # grey photos: < 0.001
        assert len(sha256) == 64


def test_a_large_photo_is_downscaled_by_block_means(tmp_path):
    pixels = np.zeros((1201, 2050, 3), np.uint8)
    pixels[:, ::2] = 200  # 1-px stripes: block means give their mean, no aliasing
    pixels[1200], pixels[:, 2049] = 255, 255  # cannot fill a 3 x 3 block: dropped
    Image.fromarray(pixels).save(tmp_path / "big.png")
    photo = dataclasses.replace(ABSENT, file=str(tmp_path / "big.png"))
    rgb, _, shipped = builtin_data.read_photo(photo)
    assert shipped == (1201, 2050) and rgb.shape == (400, 683, 3)  # 2050 px / 3 <= 1024
    np.testing.assert_allclose(rgb[:, 0::2], 400 / 3 / 255, atol=0.5 / 255 + 1e-6)  # 8 bits
    np.testing.assert_allclose(rgb[:, 1::2], 200 / 3 / 255, atol=0.5 / 255 + 1e-6)


def test_the_split_is_by_scene_seeded_and_meets_the_goal_on_the_whole_pool():
    split = builtin_data.split_scenes(builtin_data.POOL)
    scenes = split.scenes()
    assert [len(scenes[k]) for k in builtin_data.PARTS] == [13, 13, 8]
    assert sum(len(v) for v in scenes.values()) == len({p.scene for p in builtin_data.POOL})
    for photo in builtin_data.POOL:  # every photo of a scene is in its scene's part
        assert [photo.scene in scenes[k] for k in builtin_data.PARTS].count(True) == 1
        assert photo in split.part(next(k for k in builtin_data.PARTS if photo.scene in scenes[k]))
    assert set(split.inputs) == set(split.train) | set(split.heldout)
    assert builtin_data.split_scenes(builtin_data.POOL) == split
    assert builtin_data.split_scenes(builtin_data.POOL, seed=1) != split
    installed, not_installed = builtin_data.select_photos()
    if not not_installed:  # with the Debian packages (.ci/run installs them) the default is this
        assert builtin_data.split_scenes(installed) == split and split.note() == ""


def test_the_pip_only_pool_splits_below_the_goal_and_says_what_is_missing():
    pip_only = tuple(p for p in builtin_data.POOL if p.module is not None)
    debian = tuple(p for p in builtin_data.POOL if p.module is None)
    split = builtin_data.split_scenes(pip_only, not_installed=debian)
    assert [len(split.scenes()[k]) for k in builtin_data.PARTS] == [5, 5, 3]
    note = split.note()
    assert "12 photos of mate-backgrounds (apt-get install mate-backgrounds)" in note
    assert "9 photos of plasma-workspace-wallpapers" in note
    assert "Using 14 photos of 13 scenes" in note


def test_named_heldout_photos_replace_the_seeded_heldout_scenes():
    default = builtin_data.split_scenes(builtin_data.POOL, balance=False)
    target = default.targets[0].name
    split = builtin_data.split_scenes(builtin_data.POOL, heldout=(target,), balance=False)
    assert [p.name for p in split.heldout] == [target]
    assert set(split.targets) == set(default.targets) - {default.targets[0]}
    assert set(split.train) == set(default.train) | set(default.heldout)
    pair = ("motorcycle_left", "motorcycle_right")
    assert [p.name for p in builtin_data.split_scenes(builtin_data.POOL, heldout=pair).heldout] == [
        *pair]


def test_training_and_target_scenes_are_balanced_by_colour_keeping_the_heldout_scenes():
    def parts(split):
        return {p.scene: part for p, part in zip(split.photos, split.parts, strict=True)}
    seeded = builtin_data.split_scenes(builtin_data.POOL, balance=False)
    balanced = builtin_data.split_scenes(builtin_data.POOL)
    assert balanced.scenes()["heldout"] == seeded.scenes()["heldout"]
    assert [len(balanced.scenes()[k]) for k in builtin_data.PARTS] == [13, 13, 8]
    before = builtin_data.colour_mismatch(builtin_data.POOL, parts(seeded))
    after = builtin_data.colour_mismatch(builtin_data.POOL, parts(balanced))
    assert after < 0.2 * before  # the whole pool: about 0.27 -> 0.01
    # No single swap of a training and a target scene would bring the colours closer still.
    part = parts(balanced)
    for a in balanced.scenes()["train"]:
        for b in balanced.scenes()["targets"]:
            swapped = builtin_data.colour_mismatch(builtin_data.POOL,
                                                   {**part, a: "targets", b: "train"})
            assert swapped >= after


@pytest.mark.parametrize("heldout, message", [
    (("rocket", "rocket"), "expected distinct names"),
    (("lena",), r"held-out photos \['lena'\]: expected distinct names from astronaut, rocket"),
    (("motorcycle_left",), "motorcycle_left and motorcycle_right show one scene"),
    (("astronaut", "rocket", "chelsea", "coffee", "grace_hopper"), "leave no targets scene"),
])
def test_bad_heldout_names_are_refused(heldout, message):
    photos = tuple(p for p in builtin_data.POOL if p.name in SMALL)
    with pytest.raises(ValueError, match=message):
        builtin_data.split_scenes(photos, heldout=heldout)


def test_named_photos_are_checked():
    with pytest.raises(ValueError, match="photos \\['lena'\\]: expected distinct names"):
        builtin_data.select_photos(["lena"])
    with pytest.raises(ValueError, match="2 scenes cannot be split"):
        builtin_data.split_scenes(builtin_data.select_photos(["astronaut", "rocket"])[0])
    photos, not_installed = builtin_data.select_photos(["rocket", "astronaut"])
    assert [p.name for p in photos] == ["astronaut", "rocket"] and not_installed == ()


@pytest.mark.parametrize("count", [3, 7, 100])
def test_an_index_split_is_disjoint_complete_seeded_and_like_fivek(count):
    def split(seed):
        return builtin_data.split_indices(count, heldout_fraction=0.2, target_fraction=0.4,
                                          seed=seed)

    train, targets, heldout = split(4)
    assert sorted(np.concatenate([train, targets, heldout])) == list(range(count))
    assert min(len(train), len(targets), len(heldout)) >= 1
    if count == 100:
        assert (len(train), len(targets), len(heldout)) == (40, 40, 20)
    assert all(np.array_equal(a, b) for a, b in zip(split(4), (train, targets, heldout),
                                                     strict=True))
    assert count == 3 or not all(np.array_equal(a, b) for a, b in
                                 zip(split(5), (train, targets, heldout), strict=True))


def test_two_photos_cannot_be_split():
    with pytest.raises(ValueError, match="2 photos cannot be split"):
        builtin_data.split_indices(2, heldout_fraction=0.2, target_fraction=0.4)


def test_counts_files_and_manifest_agree(made):
    folder, summary, manifest = made
    split = summary["split"]
    assert summary["note"] == split.note() == manifest["pool"]["note"]
    assert "1 photo of no-such-backgrounds (apt-get install no-such-backgrounds)" in summary["note"]
    assert manifest["pool"]["not_installed"] == [
        {"photo": "absent", "package": "no-such-backgrounds",
         "install": "apt-get install no-such-backgrounds"}]
    assert {p.name for p in split.photos} == set(SMALL)
    per_photo = len(builtin_data.crop_boxes(512, 512))
    assert summary["raw"]["count"] == len(split.inputs) * per_photo
    assert summary["target"]["count"] == len(split.targets) * per_photo
    assert sorted(p.name for p in (folder / "raw").iterdir()) == sorted(
        r["file"].split("/")[1] for r in manifest["inputs"])
    assert sorted(p.name for p in (folder / "target").iterdir()) == sorted(
        r["file"].split("/")[1] for r in manifest["targets"])
    assert summary["raw"]["bytes"] == sum((folder / r["file"]).stat().st_size
                                          for r in manifest["inputs"])
    assert summary["raw"]["photos"] == [r["photo"] for r in manifest["inputs"]]
    assert manifest["seed"] == 0 and "inverse tone curve" in manifest["unprocessing"]
    assert manifest["split"]["scenes"] == split.scenes()


def test_inputs_and_targets_come_from_disjoint_scenes(made):
    _, _, manifest = made
    for key in ("scene", "photo"):
        inputs = {r[key] for r in manifest["inputs"]}
        targets = {r[key] for r in manifest["targets"]}
        assert inputs and targets and not inputs & targets
    assert not ({r["source"]["sha256"] for r in manifest["inputs"]}
                & {r["source"]["sha256"] for r in manifest["targets"]})
    parts = {r["photo"]: r["part"] for r in manifest["inputs"] + manifest["targets"]}
    assert {parts[r["photo"]] for r in manifest["inputs"]} <= {"train", "heldout"}
    assert {parts[r["photo"]] for r in manifest["targets"]} == {"targets"}


def test_the_manifest_records_each_photo_and_its_licence(made):
    _, _, manifest = made
    for record in manifest["inputs"] + manifest["targets"]:
        photo, source = photo_named(record["photo"]), record["source"]
        assert record["scene"] == photo.scene
        assert (source["package"], source["licence"], source["credit"],
                source["licence_source"]) == (photo.package, photo.licence, photo.credit,
                                              photo.licence_source)
        assert source["file"] == photo.source_file and photo.path().as_posix().endswith(
            source["file"])
    chelsea = next(r for r in manifest["inputs"] + manifest["targets"] if r["photo"] == "chelsea")
    assert chelsea["source"]["licence"] == "CC0-1.0"
    assert chelsea["source"]["file"] == "skimage/data/chelsea.png"


def test_crops_are_distinct_even_and_large_enough():
    for height, width in [(300, 451), (512, 512), (427, 640), (640, 1024)]:
        boxes = builtin_data.crop_boxes(height, width)
        assert len(set(boxes)) == len(boxes) == 5
        for top, left, h, w in boxes:
            assert h % 2 == w % 2 == 0 and min(h, w) >= builtin_data.MIN_CROP_SIDE
            assert 0 <= top and top + h <= height and 0 <= left and left + w <= width
    with pytest.raises(ValueError, match="smaller than 256"):
        builtin_data.crop_boxes(200, 400)


def test_every_raw_decodes_and_the_set_is_varied(made):
    folder, _, manifest = made
    brightness = []
    for record in manifest["inputs"]:
        developed = develop(folder / record["file"])
        box = record["source"]["crop_box"]
        assert developed.shape == (box["height"], box["width"], 3)
        brightness.append(np.log2(developed.mean() + 1e-6))
    evs = [r["unprocess"]["exposure_ev"] for r in manifest["inputs"]]
    assert min(evs) < -1.0 and max(evs) > 0.5
    assert max(brightness) - min(brightness) > 1.5  # stops between the darkest and brightest
    assert any(r["clipped_fraction"] > 0.001 for r in manifest["inputs"])


def test_a_raw_develops_back_to_the_scene_its_manifest_describes(made):
    """Tolerance (linear, white = 1), on 4x4 block means away from clipping: median error < 0.015
    and per-channel bias < 0.005. The raw has sensor noise (shot variance <= 2e-3 per unit, so
    std <= 0.02 per pixel at signal 0.2, 0.005 over a 4x4 block) and AHD demosaicking error at
    edges (zero-mean); a wrong exposure, gain or matrix gives a bias of > 0.01."""
    folder, _, manifest = made
    record = manifest["inputs"][0]
    params = raw_params(record)
    scene = unprocess.photo_to_scene(crop_of(record), params)
    developed = develop(folder / record["file"])
    sensor = unprocess.scene_to_sensor(scene, params)

    def blocks(image, k=4):
        h, w = image.shape[0] // k * k, image.shape[1] // k * k
        return image[:h, :w].reshape(h // k, k, w // k, k, -1).mean(axis=(1, 3))

    keep = blocks(((sensor > 0) & (sensor < 1)).all(-1, keepdims=True).astype(float))[..., 0] == 1
    error = (blocks(developed) - blocks(scene))[keep]
    assert keep.mean() > 0.5
    assert np.median(np.abs(error)) < 0.015
    np.testing.assert_array_less(np.abs(error.mean(axis=0)), 0.005)


def test_targets_are_the_styled_crops(made):
    folder, _, manifest = made
    for record in manifest["targets"][:3]:
        with Image.open(folder / record["file"]) as image:
            assert image.format == "JPEG" and image.mode == "RGB"
            written = np.asarray(image, np.float32) / 255.0
        expected = reference_style.apply_reference_style(crop_of(record),
                                                         gain=record["exposure_gain"])
        assert min(written.shape[:2]) >= builtin_data.MIN_CROP_SIDE
        assert np.abs(written - expected).mean() < 2.0 / 255  # JPEG quality 95


def test_a_raw_depends_on_its_photo_and_the_seed_not_on_the_rest_of_the_pool(made, tmp_path):
    folder, _, manifest = made
    record = manifest["inputs"][0]
    together = [p.name for p in builtin_data.POOL if p.scene == record["scene"]]
    others = [n for n in ("chelsea", "coffee", "grace_hopper") if n not in together][:2]
    builtin_data.materialize(tmp_path, seed=0, photos=together + others, heldout=together,
                             progress=False)
    assert (tmp_path / record["file"]).read_bytes() == (folder / record["file"]).read_bytes()


def test_a_second_run_rewrites_identical_files_and_removes_stale_built_in_ones(made):
    folder, _, manifest = made
    before = digests(folder)
    target = manifest["targets"][0]["photo"]
    (folder / "raw" / f"{target}_0.dng").write_bytes(b"an input of another split")
    (folder / "raw" / "mine.dng").write_bytes(b"not a built-in file")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(builtin_data, "POOL", small_pool())
        builtin_data.materialize(folder, seed=0, progress=False)
    assert not (folder / "raw" / f"{target}_0.dng").exists()
    (folder / "raw" / "mine.dng").unlink()
    assert digests(folder) == before


def test_output_dir_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError, match="file"):
        builtin_data.materialize(tmp_path / "file", progress=False)


def test_missing_package_says_what_to_install():
    photo = dataclasses.replace(ABSENT, package="no-such-dist", module="no_such_module_xyz",
                                file="x.png")
    with pytest.raises(FileNotFoundError, match="pip install no-such-dist"):
        photo.path()
    with pytest.raises(FileNotFoundError, match="apt-get install no-such-backgrounds"):
        ABSENT.path()


def test_a_given_split_decides_which_photos_become_raws_and_which_targets(tmp_path):
    chosen, _ = builtin_data.select_photos(["chelsea", "coffee", "grace_hopper"])
    part = {"chelsea": "targets", "coffee": "train", "grace_hopper": "heldout"}
    split = builtin_data.PhotoSplit(tuple(chosen), tuple(part[p.name] for p in chosen))
    summary = builtin_data.materialize(tmp_path, seed=0, split=split, progress=False)
    assert set(summary["raw"]["photos"]) == {"coffee", "grace_hopper"}
    assert set(summary["target"]["photos"]) == {"chelsea"}
