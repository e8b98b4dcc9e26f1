"""Tests of exposure/black_box_benchmark.py: the data split, the baselines and the report.

Training takes about a minute even for 2 iterations here, so the "retouched" condition is stood in
for by a fake retoucher: the style's true output itself (which must score 100% / ΔE 0) and the
identity program's output (which must score as the identity baseline). The data is made from
seven photos of the pool with the rocket held out (5 held-out images, as fast as the first set);
the default split of the whole pool is checked without making its data.
"""
import json
import shutil

import numpy as np
import pytest

from exposure import black_box_benchmark as bench
from exposure import builtin_data, reference_style
from exposure.image_io import read_linear, read_srgb
from tests.exposure.photo_fixtures import smooth_linear_image, write_test_dng

SMALL = ("astronaut", "rocket", "motorcycle_left", "motorcycle_right", "chelsea", "coffee",
         "grace_hopper")


@pytest.fixture(scope="module", name="data")
def _data(tmp_path_factory):
    return bench.prepare_data(tmp_path_factory.mktemp("benchmark"), photos=SMALL,
                              heldout=("rocket",), progress=False)


@pytest.fixture(scope="module", name="baselines")
def _baselines(data):
    return bench.write_baselines(data, progress=False)


def _stems(folder):
    return sorted(p.stem for p in folder.iterdir())


def test_split_is_disjoint_by_scene_and_complete(data):
    train = {name.rsplit("_", 1)[0] for name in _stems(data.train_raw)}
    heldout = {name.rsplit("_", 1)[0] for name in _stems(data.heldout_raw)}
    targets = {name.rsplit("_", 1)[0] for name in _stems(data.targets)}
    assert heldout == {"rocket"} == set(data.heldout_photos)
    assert train == set(data.train_photos) and targets == set(data.target_photos)
    assert train | heldout | targets == set(SMALL)
    scene = {p.name: p.scene for p in builtin_data.POOL}
    train, heldout, targets = ({scene[n] for n in part} for part in (train, heldout, targets))
    assert not (train & heldout) and not (train & targets) and not (heldout & targets)
    assert _stems(data.heldout_truth) == _stems(data.heldout_raw) == [
        f"rocket_{k}" for k in range(5)]
    summary = bench.split_summary(data)
    assert (summary["train_images"], summary["target_images"], summary["heldout_images"]) == (
        5 * len(data.train_photos), 5 * len(data.target_photos), 5)
    assert summary["scenes"] == data.split.scenes() and not summary["meets_scene_goal"]
    text = bench.format_report({"split": summary, "conditions": {}})
    assert f"scenes: {len(train)} train, {len(targets)} targets, 1 heldout (BELOW the goal" in text


def test_the_default_split_of_the_whole_pool_meets_the_scene_goal():
    split = builtin_data.split_scenes(builtin_data.POOL)
    scenes = split.scenes()
    assert all(len(scenes[part]) >= count for part, count in bench.GOAL_SCENES.items())
    installed, not_installed = builtin_data.select_photos()
    assert bench.check_heldout(bench.DEFAULT_HELDOUT) == ()
    if not not_installed:  # .ci/run installs the Debian packages: the default is this split
        assert builtin_data.split_scenes(installed) == split


def test_a_rerun_with_another_split_leaves_nothing_of_the_old_one(data, tmp_path):
    root = tmp_path / "run"
    first = bench.prepare_data(root, photos=SMALL[:4] + ("chelsea",), heldout=("rocket",),
                               progress=False)
    again = bench.prepare_data(root, photos=SMALL[:4] + ("chelsea",), heldout=("astronaut",),
                               progress=False)
    assert first.heldout_photos == ("rocket",) and again.heldout_photos == ("astronaut",)
    assert _stems(again.heldout_raw) == _stems(again.heldout_truth) == [
        f"astronaut_{k}" for k in range(5)]
    assert {n.rsplit("_", 1)[0] for n in _stems(again.train_raw)} == set(again.train_photos)
    assert {n.rsplit("_", 1)[0] for n in _stems(again.targets)} == set(again.target_photos)


def test_truth_is_the_style_applied_to_the_heldout_raw_as_shown(data):
    truth = read_srgb(data.heldout_truth / "rocket_3.png")
    as_shown = read_srgb(data.heldout_raw / "rocket_3.dng")  # camera white balance, sRGB
    expected = reference_style.apply_reference_style(as_shown)
    np.testing.assert_allclose(truth, expected, atol=1 / 65535 + 1e-6)  # 16-bit PNG
    # The black box is applied to the RAW's own rendering, not to the clean photo it was made
    # from: their styles differ (the RAW has its own exposure, colour and noise).
    photo = next(p for p in builtin_data.POOL if p.name == "rocket")
    srgb, _, _ = builtin_data.read_photo(photo)
    top, left, height, width = builtin_data.crop_boxes(*srgb.shape[:2])[3]
    clean_style = reference_style.apply_reference_style(srgb[top:top + height, left:left + width])
    assert clean_style.shape == truth.shape
    assert np.abs(clean_style - truth).mean() > 0.01
    # Same scene: the luminances correlate strongly.
    correlation = np.corrcoef(clean_style.mean(-1).ravel(), truth.mean(-1).ravel())[0, 1]
    assert correlation > 0.8


def test_baselines_and_report_with_a_fake_retoucher(data, baselines, tmp_path):
    folders = dict(baselines)
    assert _stems(folders[bench.INPUT_AS_IS]) == _stems(data.heldout_truth)
    identity = read_srgb(folders[bench.IDENTITY] / "rocket_0.png")
    np.testing.assert_allclose(identity, np.clip(read_linear(data.heldout_raw / "rocket_0.dng"),
                                                 0, 1), atol=1 / 65535 + 1e-6)
    # A perfect retoucher (its outputs are the truth) against the two baselines.
    perfect = tmp_path / "perfect"
    shutil.copytree(data.heldout_truth, perfect)
    folders[bench.RETOUCHED] = perfect
    scores = bench.evaluate_conditions(data, folders, progress=False)
    assert scores[bench.RETOUCHED]["histogram_intersection"] == pytest.approx(
        {"luminance": 1.0, "contrast": 1.0, "saturation": 1.0}, abs=1e-12)  # float sums
    assert scores[bench.RETOUCHED]["delta_e2000"] == {"median": 0.0, "mean": 0.0}
    assert scores[bench.RETOUCHED]["meets_goal"]
    for baseline in (bench.INPUT_AS_IS, bench.IDENTITY):
        assert not scores[baseline]["meets_goal"]
        assert scores[baseline]["delta_e2000"]["median"] > bench.GOAL_DELTA_E
        assert scores[baseline]["count"] == 5
    # The identity program shows linear values: darker, further from the style than as-is.
    assert (scores[bench.IDENTITY]["delta_e2000"]["median"]
            > scores[bench.INPUT_AS_IS]["delta_e2000"]["median"])

    report = {"split": bench.split_summary(data), "conditions": scores,
              "programs": {"rocket_0": "Exposure +1.00\nGamma 1/2.20"}}
    text = bench.format_report(report)
    assert "identity program" in text and "input as-is" in text and "Gamma 1/2.20" in text
    assert text.count("not met") == 2
    bench.write_report(report, tmp_path / "report.json")
    written = json.loads((tmp_path / "report.json").read_text())
    assert written["conditions"][bench.RETOUCHED]["psnr"]["median"] is None  # inf: identical


def test_a_retoucher_copying_the_identity_output_scores_as_the_identity_baseline(
        data, baselines, tmp_path):
    fake = tmp_path / "identity_copy"
    shutil.copytree(baselines[bench.IDENTITY], fake)
    scores = bench.evaluate_conditions(
        data, {bench.IDENTITY: baselines[bench.IDENTITY], bench.RETOUCHED: fake}, progress=False)
    assert scores[bench.RETOUCHED] == scores[bench.IDENTITY]


@pytest.mark.parametrize("heldout, message", [
    (("rocket", "rocket"), "expected distinct names"),
    (("lena",), "expected distinct names"),
    (("motorcycle_left",), "show one scene"),
    (SMALL[:-1], "at least one must remain"),
])
def test_bad_heldout_sets_are_refused(heldout, message):
    with pytest.raises(ValueError, match=message):
        bench.check_heldout(heldout, SMALL)
    assert bench.check_heldout(("motorcycle_left", "motorcycle_right"), SMALL)


def test_report_text_names_training_progress_and_timings():
    split = {"train_photos": ["a"], "target_photos": ["b"], "heldout_photos": ["c"],
             "train_images": 5, "target_images": 5, "heldout_images": 5}
    scores = {"luminance": 0.5, "contrast": 0.25, "saturation": 1.0}
    condition = {"histogram_intersection": scores, "delta_e2000": {"median": 3.0, "mean": 4.0},
                 "psnr": {"median": 20.0, "mean": 21.0}, "meets_goal": False}
    report = {"split": split, "conditions": {bench.RETOUCHED: condition},
              "training": {"final_iteration": 200, "iterations_run": 50, "seconds": 100.0,
                           "iterations_per_second": 0.5},
              "seconds": {"training": 100.0, "evaluation": 7.4}}
    text = bench.format_report(report)
    assert "retouched            50.0%   25.0%  100.0%    3.00    4.00     20.00  not met" in text
    assert "training: 200 iterations (50 in 100 s this run, 0.5 it/s)" in text
    assert "wall time: training 100 s, evaluation 7 s" in text
    report["training"].update(iterations_run=0, iterations_per_second=None)
    assert "training: 200 iterations (none this run)" in bench.format_report(report)


def test_the_delta_e_goal_is_reachable_by_programs_fitted_to_the_truth(data):
    # With the truth defined as the style of the clean photo the RAW was made from, this fit
    # reached only a median ΔE2000 of 9.9: the goal was out of any retoucher's reach.
    folder, programs = bench.write_fitted(data, progress=False)
    assert sorted(programs) == _stems(data.heldout_raw) == _stems(folder)
    scores = bench.evaluate_conditions(data, {bench.FITTED: folder}, progress=False)[bench.FITTED]
    assert scores["delta_e2000"]["median"] < bench.GOAL_DELTA_E / 2, scores
    # Measured 86 / 100 / 85%: 80 patches in 32 bins are coarse, and a bias of a quarter bin
    # (about 0.005 in mean luminance or saturation) moves many patches to the next bin.
    assert min(scores["histogram_intersection"].values()) > 0.75, scores


def test_a_folder_of_raws_is_split_styled_and_linked_not_copied(tmp_path):
    photos = tmp_path / "photos"
    (photos / "day2").mkdir(parents=True)
    for k in range(5):
        linear = smooth_linear_image(96, 128) * (0.4 + 0.15 * k)
        write_test_dng(photos / ("day2" if k % 2 else "") / f"img{k}.dng", linear)
    (photos / "broken.dng").write_bytes(b"not a raw file")
    before = {p: p.read_bytes() for p in photos.rglob("*") if p.is_file()}
    data = bench.prepare_photo_data(tmp_path / "run", photos, seed=1, progress=False)

    counted = len(data.train_photos) + len(data.target_photos) + len(data.heldout_photos)
    assert counted == 6 and len(data.skipped) <= 1
    assert all(p.is_symlink() for p in data.train_raw.iterdir())
    assert all(p.is_symlink() for p in data.heldout_raw.iterdir())
    for raw in data.heldout_raw.iterdir():  # truth = the style of the RAW as shown
        truth = read_srgb(data.heldout_truth / f"{raw.stem}.png")
        np.testing.assert_allclose(
            truth, reference_style.apply_reference_style(read_srgb(raw)), atol=1 / 65535 + 1e-6)
    assert sorted(p.suffix for p in data.targets.iterdir()) == [".jpg"] * len(
        [n for n in data.target_photos if n != "broken.dng"])
    assert {p: p.read_bytes() for p in photos.rglob("*") if p.is_file()} == before
    summary = bench.split_summary(data)
    assert summary["skipped"] == [list(s) for s in data.skipped]
    text = bench.format_report({"split": summary, "conditions": {}})
    assert "held out:" in text
    # The same command again gives the same split.
    again = bench.prepare_photo_data(tmp_path / "run", photos, seed=1, progress=False)
    assert again.heldout_photos == data.heldout_photos
    # A changed folder changes the split; nothing of the old split is left behind.
    (photos / "broken.dng").unlink()
    for k in range(5, 9):
        write_test_dng(photos / f"img{k}.dng", smooth_linear_image(96, 128) * 0.1 * k)
    changed = bench.prepare_photo_data(tmp_path / "run", photos, seed=1, progress=False)
    assert sorted(p.name for p in changed.train_raw.iterdir()) == sorted(changed.train_photos)
    assert sorted(p.name for p in changed.heldout_raw.iterdir()) == sorted(changed.heldout_photos)
    assert len(list(changed.heldout_truth.iterdir())) == len(changed.heldout_photos)
    assert len(list(changed.targets.iterdir())) == len(changed.target_photos)
