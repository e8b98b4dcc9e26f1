"""Tests for the exposure_preset command (exposure/cli/preset.py): files, exit status, messages."""
import os
import pathlib
import subprocess
import sys

import pytest

from mobile import hald
from mobile.program import Program, Step

ROOT = pathlib.Path(__file__).resolve().parents[2]
PROGRAM = Program((Step("exposure", {"ev": 0.5}), Step("gamma", {"gamma": 1 / 2.2})))


def _command(module, *args):
    """Runs `python -m module args`; returns (exit status, stdout, stderr)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True,
                            env=env, timeout=300)
    return result.returncode, result.stdout, result.stderr


def _preset(*args):
    return _command("exposure.cli.preset", *args)


@pytest.fixture
def program_file(tmp_path):
    path = tmp_path / "edit.json"
    PROGRAM.save(path)
    return path


def test_writes_the_clut_and_presets_and_keeps_them_unless_overwrite(tmp_path, program_file):
    outputs = [tmp_path / "edit.pp3", tmp_path / "edit.dtstyle", tmp_path / "photo.dng.xmp"]
    status, out, err = _preset(f"--program={program_file}", "--level=4",
                               *[f"--output={path}" for path in outputs])
    assert status == 0, err
    lines = out.splitlines()
    assert lines[:4] == [f"wrote {path}" for path in [tmp_path / "edit.png", *outputs]]
    assert lines[4] == (f"darktable loads edit.png from its LUT folder {tmp_path} "
                        "(preferences > processing > 3D lut root folder)")
    assert hald.read(tmp_path / "edit.png").shape == (16, 16, 16, 3)
    before = {path: path.read_bytes() for path in [tmp_path / "edit.png", *outputs]}
    status, _, err = _preset(f"--program={program_file}", f"--output={outputs[0]}")
    assert status == 2 and "refusing to overwrite" in err and "--overwrite" in err
    assert {path: path.read_bytes() for path in before} == before
    status, _, err = _preset(f"--program={program_file}", f"--output={outputs[0]}", "--level=2",
                             "--overwrite")
    assert status == 0, err
    assert hald.read(tmp_path / "edit.png").shape == (4, 4, 4, 3)


@pytest.mark.parametrize("flag, message", [
    ("--level=1", "--level: Hald CLUT level must be an integer in [2, 16]"),
    ("--level=x", "--level: not an integer: 'x'"),
    ("--bits=12", "--bits: Hald CLUT bits per channel must be 8 or 16, got 12"),
    ("--output=edit.cube", "unknown preset format '.cube'"),
    ("--hald=lookRec2020.png", "not sRGB; rename"),
])
def test_bad_flags_are_named_and_exit_2(tmp_path, program_file, flag, message):
    status, _, err = _preset(f"--program={program_file}", f"--output={tmp_path / 'a.pp3'}", flag)
    assert status == 2 and message in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["edit.json"]


@pytest.mark.parametrize("document", [
    "{not json",
    '{"format": "exposure-program", "version": 1, "steps": [{"filter": "blur"}]}',
    '{"format": "exposure-program", "version": 1, "steps": [{"filter": "saturation", '
    '"amount": 3}]}',
    '{"format": "exposure-program", "version": 2, "steps": []}',
])
def test_a_bad_program_gives_exposure_applys_message_and_exit_2(tmp_path, document):
    bad = tmp_path / "bad.json"
    bad.write_text(document)
    status, _, err = _preset(f"--program={bad}", f"--output={tmp_path / 'a.png'}")
    apply_status, _, apply_err = _command("exposure.cli.apply", f"--program={bad}",
                                          f"--cube={tmp_path / 'a.cube'}")
    assert status == apply_status == 2
    assert err.removeprefix("exposure_preset: ") == apply_err.removeprefix("exposure_apply: ")
    assert err.startswith("exposure_preset: error: bad program: ") and str(bad) in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json"]
