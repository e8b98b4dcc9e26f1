"""exposure.builtin_data: the built-in dataset from real photos shipped by installed packages."""
import hashlib
import json

import numpy as np
import pytest
import rawpy
from PIL import Image

from exposure import builtin_data, reference_style, unprocess


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """One materialized dataset shared by the tests of this file (about 6 s)."""
    folder = tmp_path_factory.mktemp("builtin")
    summary = builtin_data.materialize(folder, seed=0, progress=False)
    manifest = json.loads((folder / "manifest.json").read_text())
    return folder, summary, manifest


def digests(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def crop_of(record, photos):
    """The source crop of a manifest record, float sRGB in [0, 1]."""
    name = record["file"].split("/")[-1].rsplit("_", 1)[0]
    photo = next(p for p in photos if p.name == name)
    box = record["source"]["crop_box"]
    rgb = np.asarray(Image.open(photo.path()).convert("RGB"), np.float32) / 255.0
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


def test_counts_files_and_manifest_agree(made):
    folder, summary, manifest = made
    per_photo = len(builtin_data.crop_boxes(512, 512))
    assert summary["raw"]["count"] == len(builtin_data.INPUT_PHOTOS) * per_photo == 20
    assert summary["target"]["count"] == len(builtin_data.TARGET_PHOTOS) * per_photo == 15
    assert sorted(p.name for p in (folder / "raw").iterdir()) == sorted(
        r["file"].split("/")[1] for r in manifest["inputs"])
    assert sorted(p.name for p in (folder / "target").iterdir()) == sorted(
        r["file"].split("/")[1] for r in manifest["targets"])
    assert summary["raw"]["bytes"] == sum((folder / r["file"]).stat().st_size
                                          for r in manifest["inputs"])
    assert manifest["seed"] == 0 and "inverse tone curve" in manifest["unprocessing"]


def test_inputs_and_targets_come_from_disjoint_photos(made):
    _, _, manifest = made
    inputs = {r["source"]["sha256"] for r in manifest["inputs"]}
    targets = {r["source"]["sha256"] for r in manifest["targets"]}
    assert len(inputs) == 4 and len(targets) == 3 and not inputs & targets
    assert not ({r["source"]["file"] for r in manifest["inputs"]}
                & {r["source"]["file"] for r in manifest["targets"]})


def test_crops_are_distinct_even_and_large_enough():
    for height, width in [(300, 451), (512, 512), (427, 640)]:
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
    scene = unprocess.photo_to_scene(crop_of(record, builtin_data.INPUT_PHOTOS), params)
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
        expected = reference_style.apply_reference_style(
            crop_of(record, builtin_data.TARGET_PHOTOS), gain=record["exposure_gain"])
        assert min(written.shape[:2]) >= builtin_data.MIN_CROP_SIDE
        assert np.abs(written - expected).mean() < 2.0 / 255  # JPEG quality 95


def test_second_run_rewrites_identical_files_and_leaves_nothing_else(made):
    folder, _, _ = made
    before = digests(folder)
    builtin_data.materialize(folder, seed=0, progress=False)
    assert digests(folder) == before


def test_output_dir_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError, match="file"):
        builtin_data.materialize(tmp_path / "file", progress=False)


def test_missing_package_says_what_to_install():
    photo = builtin_data.SourcePhoto("x", "no-such-dist", "no_such_module_xyz", "x.png", "none")
    with pytest.raises(FileNotFoundError, match="pip install no-such-dist"):
        photo.path()
