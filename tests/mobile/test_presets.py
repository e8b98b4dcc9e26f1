"""Tests for mobile/presets.py: which files a request writes, the checks before anything is
written, and the comments every file carries."""
import json

import numpy as np
import pytest
from PIL import Image

from mobile import darktable, hald, presets
from tests.helpers.random_programs import random_program

PROGRAM = random_program(np.random.default_rng(41), num_steps=3)


def test_every_format_is_written_with_the_program_and_its_input_in_a_comment(tmp_path):
    (tmp_path / "luts").mkdir()
    plan = presets.plan([tmp_path / "edit.pp3", tmp_path / "edit.dtstyle", tmp_path / "p.xmp"],
                        hald_path=tmp_path / "luts" / "look.png", lut_root=tmp_path / "luts")
    written = presets.write(PROGRAM, plan, level=4, bits=8)
    assert written == [tmp_path / "luts" / "look.png", tmp_path / "edit.pp3",
                       tmp_path / "edit.dtstyle", tmp_path / "p.xmp"]
    with Image.open(written[0]) as image:
        texts = [image.info["Description"]]
        assert image.size == (64, 64) and image.mode == "RGB"
    texts += [path.read_text() for path in written[1:]]
    document = json.dumps(PROGRAM.to_dict(), separators=(",", ":"))
    for text in texts:
        assert "level-4 8-bit Hald CLUT" in text and f"step 3: {PROGRAM.steps[2]}" in text
        assert hald.INPUT_DESCRIPTION in text and document in text
    assert str(tmp_path / "luts" / "look.png") in texts[1]  # RawTherapee: absolute path
    assert "<name>exposure edit</name>" in texts[2]
    assert darktable.encode_params(darktable.lut3d_params("look.png")) in texts[3]


def test_the_clut_defaults_to_the_png_output_or_the_first_presets_name(tmp_path):
    assert presets.plan([tmp_path / "a.pp3", tmp_path / "b.png"]).hald == tmp_path / "b.png"
    assert presets.plan([tmp_path / "a.xmp", tmp_path / "b.pp3"]).hald == tmp_path / "a.png"
    assert presets.plan([tmp_path / "a.xmp"]).lut_root == tmp_path


@pytest.mark.parametrize("outputs, hald_path, message", [
    ([], None, "no output given"),
    (["a.cube"], None, "unknown preset format '.cube'"),
    (["a"], None, r"unknown preset format '\(no extension\)'"),
    (["a.png", "b.png"], None, "one Hald CLUT per program"),
    (["a.png"], "b.png", "one Hald CLUT per program"),
    (["a.pp3"], "a.tif", r"a\.tif: a Hald CLUT is written as \.png"),
    (["a.pp3", "a.pp3"], None, "the same file is named twice"),
    (["a.pp3"], "lookProPhoto.png", "not sRGB; rename"),
    (["a.dtstyle"], "/elsewhere/a.png", "not inside"),
])
def test_bad_requests_are_refused_before_anything_is_written(tmp_path, monkeypatch, outputs,
                                                             hald_path, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(presets.PresetError, match=message):
        presets.plan(outputs, hald_path, lut_root=tmp_path if outputs else None)
    assert list(tmp_path.iterdir()) == []


def test_existing_files_are_kept_unless_overwrite(tmp_path):
    (tmp_path / "a.png").write_bytes(b"mine")
    with pytest.raises(presets.PresetError, match=r"refusing to overwrite .*a\.png"):
        presets.plan([tmp_path / "a.pp3"])
    assert (tmp_path / "a.png").read_bytes() == b"mine" and not (tmp_path / "a.pp3").exists()
    presets.write(PROGRAM, presets.plan([tmp_path / "a.pp3"], overwrite=True), level=2)
    assert hald.read(tmp_path / "a.png").shape == (4, 4, 4, 3)
