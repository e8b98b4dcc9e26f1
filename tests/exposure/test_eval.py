"""Tests of exposure_eval (exposure/cli/eval.py) and exposure/evaluation.py on real image files."""
import json
import re
import subprocess
import sys

import numpy as np
import pytest
from absl import app, flags
from PIL import Image
from skimage import data

from commandline import BadInput
from exposure import evaluation, metrics
from exposure.cli import eval as eval_cli
from exposure.image_io import read_srgb, write_image


def _photo(name, size=96):
    image = getattr(data, name)().astype(np.float32) / 255
    return image[: size * 2 : 2, : size * 3 : 2]  # real photo content, small


@pytest.fixture(name="folders")
def _folders(tmp_path):
    """outputs/ (3 photos, one in a subfolder, a broken file, a step strip, a program JSON),
    targets/ (2 photos), references/ (the outputs' pairs under other extensions, one missing)."""
    outputs, targets, references = (tmp_path / k for k in ("outputs", "targets", "references"))
    for folder in (outputs / "sub", targets, references / "sub"):
        folder.mkdir(parents=True)
    photos = {"astronaut": _photo("astronaut"), "sub/coffee": _photo("coffee"),
              "chelsea": _photo("chelsea")}
    for name, image in photos.items():
        write_image(outputs / f"{name}.png", image)
    write_image(references / "astronaut.tif", np.clip(photos["astronaut"] + 0.1, 0, 1))
    write_image(references / "sub/coffee.jpg", photos["sub/coffee"], quality=95)
    (outputs / "broken.jpg").write_bytes(b"not a jpeg at all")
    write_image(outputs / "astronaut.strip.png", np.zeros((64, 320, 3)))
    (outputs / "astronaut.json").write_text("{}")
    write_image(targets / "rocket.jpg", _photo("rocket"))
    write_image(targets / "coffee.png", _photo("coffee"))
    return outputs, targets, references


def test_command_scores_skips_the_bad_file_and_pairs_by_relative_name(folders, tmp_path):
    outputs, targets, references = folders
    result = subprocess.run([
        sys.executable, "-m", "exposure.cli.eval", f"--outputs={outputs}", f"--targets={targets}",
        f"--references={references}",
        f"--json={tmp_path / 'scores.json'}", f"--plot={tmp_path / 'hist.png'}",
    ], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr  # done, but a file was skipped
    assert "histogram intersection" in result.stdout and "ΔE2000" in result.stdout
    assert "broken.jpg" in result.stdout  # reported as skipped

    doc = json.loads((tmp_path / "scores.json").read_text())
    assert doc["output_count"] == 3 and doc["target_count"] == 2
    assert [f["path"].endswith("broken.jpg") for f in doc["failures"]] == [True]
    assert doc["unpaired"] == ["chelsea.png"]
    pairs = {p["output"]: p for p in doc["pairs"]}
    assert set(pairs) == {"astronaut.png", "sub/coffee.png"}
    # astronaut's reference is brighter by 0.1 (clipped): PSNR near 20 dB, as computed here.
    out = read_srgb(outputs / "astronaut.png")
    ref = read_srgb(references / "astronaut.tif")
    assert pairs["astronaut.png"]["psnr"] == pytest.approx(metrics.psnr(out, ref), abs=1e-6)
    assert 19.5 < pairs["astronaut.png"]["psnr"] < 22
    assert pairs["astronaut.png"]["delta_e2000_mean"] == pytest.approx(
        metrics.delta_e2000(out, ref).mean(), abs=1e-6)
    # coffee's reference is the same photo as JPEG q95: small but non-zero difference.
    assert 0 < pairs["sub/coffee.png"]["delta_e2000_mean"] < 2
    summary = doc["paired_summary"]
    assert summary["count"] == 2
    assert summary["delta_e2000"]["median"] == pytest.approx(
        np.median([p["delta_e2000_mean"] for p in pairs.values()]))
    with Image.open(tmp_path / "hist.png") as plot:
        assert plot.format == "PNG" and plot.size[0] > 600


def test_scores_equal_the_library_histogram_intersection(folders):
    outputs, targets, _ = folders
    (outputs / "broken.jpg").unlink()  # a skipped file would shift the per-index crop seeds
    result = evaluation.evaluate_folders(outputs, targets, seed=3, progress=False)
    # Sorted paths, crops of the i-th image from image_rng(seed, i): the library's convention.
    expected = metrics.histogram_intersection(
        [read_srgb(outputs / n) for n in ("astronaut.png", "chelsea.png", "sub/coffee.png")],
        [read_srgb(targets / n) for n in ("coffee.png", "rocket.jpg")], seed=3)
    assert result.histogram_intersection == expected
    assert 0 < min(expected.values()) and max(expected.values()) < 1
    assert result.references is None and result.pairs == [] and result.paired_summary() is None
    assert result.output_count == 3 and result.failures == []


def test_a_folder_against_itself_scores_one_and_infinite_psnr_is_null(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    for name in ("astronaut", "coffee"):
        write_image(folder / f"{name}.png", _photo(name))
    result = evaluation.evaluate_folders(folder, folder, folder, progress=False)
    assert result.histogram_intersection == {"luminance": 1.0, "contrast": 1.0, "saturation": 1.0}
    assert all(p["psnr"] == float("inf") and p["delta_e2000_mean"] == 0.0 for p in result.pairs)
    evaluation.write_json(result, tmp_path / "scores.json")
    doc = json.loads((tmp_path / "scores.json").read_text())
    assert doc["pairs"][0]["psnr"] is None


def test_size_mismatch_and_ambiguous_references_are_reported(tmp_path):
    outputs, references = tmp_path / "out", tmp_path / "ref"
    outputs.mkdir()
    references.mkdir()
    write_image(outputs / "a.png", _photo("astronaut"))
    write_image(outputs / "b.png", _photo("coffee"))
    write_image(references / "a.png", _photo("astronaut", size=80))
    write_image(references / "b.png", _photo("coffee"))
    write_image(references / "b.jpg", _photo("coffee"))
    result = evaluation.evaluate_folders(outputs, outputs, references, progress=False)
    reasons = dict(result.failures)
    assert "its reference" in reasons[str(outputs / "a.png")]
    assert "several references" in reasons[str(outputs / "b.png")]
    assert result.pairs == []
    assert result.output_count == 2  # both still count for the histogram intersection


@pytest.mark.parametrize("args, message", [
    (["--outputs={tmp}/nope", "--targets={targets}"], "nope: no such folder"),
    (["--outputs={empty}", "--targets={targets}"], "none of its images could be read"),
    (["--outputs={outputs}", "--targets={targets}", "--json=scores.txt"],
     "--json must name a file ending in .json"),
    (["--outputs={outputs}"], "--targets is required"),
])
def test_bad_flags_and_folders_give_clear_errors(folders, tmp_path, args, message):
    outputs, targets, _ = folders
    empty = tmp_path / "only_broken"
    empty.mkdir()
    (empty / "x.jpg").write_bytes(b"junk")
    argv = ["exposure_eval"] + [a.format(tmp=tmp_path, outputs=outputs, targets=targets,
                                         empty=empty) for a in args]
    try:
        with pytest.raises((app.UsageError, BadInput, flags.Error), match=re.escape(message)):
            flags.FLAGS(argv)
            eval_cli.main(argv[:1])
    finally:
        flags.FLAGS.unparse_flags()
