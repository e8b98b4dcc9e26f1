"""Tests for export/cli/export.py (exposure_export), run as a command."""
import json
import os
import pathlib
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from export import sidecar, tflite

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _run(*args):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "export.cli.export", *args],
                          capture_output=True, text=True, env=env, timeout=600)


@pytest.mark.parametrize("args, message", [
    ([], "--model_dir is required"),
    (["--model_dir=m", "--format=onnx", "--output=p.onnx", "--quantize=int8"],
     "--quantize=int8 applies to --format=tflite only"),
    (["--model_dir=m", "--format=tflite", "--output=p.onnx"], "must end in .tflite"),
    (["--model_dir=m", "--format=tflite", "--output=p.tflite", "--version=2"],
     "--version applies to --format=saved_model only"),
    (["--model_dir=m", "--format=keras", "--output=p"], "--format"),
])
def test_bad_flags_exit_2_with_a_message(args, message):
    result = _run(*args)
    assert result.returncode != 0 and message in result.stderr, result.stderr[-2000:]


def test_missing_model_dir_is_named(tmp_path):
    result = _run(f"--model_dir={tmp_path / 'nope'}", "--format=onnx",
                  f"--output={tmp_path / 'p.onnx'}")
    assert result.returncode == 2
    assert "exposure_export:" in result.stderr and "nope" in result.stderr
    assert not (tmp_path / "p.onnx").exists()


def test_help_describes_the_flags():
    result = _run("--helpshort")
    for flag in ("--model_dir", "--format", "--quantize", "--output", "--calibration_images"):
        assert flag in result.stdout


def test_exports_an_fp16_predictor_from_a_flagfile(small_model_dir, tmp_path):
    output = tmp_path / "out" / "predictor_fp16.tflite"
    flagfile = tmp_path / "export.flags"
    flagfile.write_text(f"--model_dir={small_model_dir}\n--format=tflite\n--quantize=fp16\n"
                        f"--output={output}\n")
    result = _run(f"--flagfile={flagfile}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"wrote {output}" in result.stdout
    doc = json.loads(sidecar.sidecar_path(output).read_text())
    assert doc["quantization"] == "fp16"
    outputs = tflite.TFLitePredictor(output)(tflite.representative_thumbnails()[:1])
    assert outputs["filter_index"].shape == (1, 2)


def test_int8_calibrates_on_the_given_photos(small_model_dir, tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    rng = np.random.default_rng(0)
    for k in range(2):
        pixels = (rng.uniform(0, 1, (80, 120, 3)) * 255).astype(np.uint8)
        Image.fromarray(pixels).save(photos / f"p{k}.png")
    output = tmp_path / "predictor_int8.tflite"
    result = _run(f"--model_dir={small_model_dir}", "--format=tflite", "--quantize=int8",
                  f"--calibration_images={photos}", f"--output={output}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(sidecar.sidecar_path(output).read_text())["quantization"] == "int8"
    empty = tmp_path / "empty"
    empty.mkdir()
    result = _run(f"--model_dir={small_model_dir}", "--format=tflite", "--quantize=int8",
                  f"--calibration_images={empty}", f"--output={tmp_path / 'x.tflite'}")
    assert result.returncode == 2 and "empty" in result.stderr, result.stderr[-2000:]
    assert not (tmp_path / "x.tflite").exists()


def test_existing_files_are_kept_and_each_model_keeps_its_own_sidecar(small_model_dir,
                                                                      tmp_path):
    model = tmp_path / "predictor.tflite"
    model.write_bytes(b"an earlier model")
    sidecar.sidecar_path(model).write_text("{}")
    result = _run(f"--model_dir={small_model_dir}", "--format=tflite", f"--output={model}")
    assert result.returncode == 2, result.stderr[-2000:]
    assert f"exposure_export: error: {model}: exists, not replaced (--overwrite replaces it)" \
        in result.stderr
    # With --overwrite the ONNX model of the same stem replaces its own files, and only them.
    onnx_model = tmp_path / "predictor.onnx"
    onnx_model.write_bytes(b"an earlier model")
    result = _run(f"--model_dir={small_model_dir}", "--format=onnx", f"--output={onnx_model}",
                  "--overwrite")
    assert result.returncode == 0, result.stderr[-2000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "predictor.onnx", "predictor.onnx.json", "predictor.tflite", "predictor.tflite.json"]
    doc = json.loads(sidecar.sidecar_path(onnx_model).read_text())
    assert (doc["model_file"], doc["runtime"]) == ("predictor.onnx", "onnx")
    assert onnx_model.read_bytes() != b"an earlier model"
    assert model.read_bytes() == b"an earlier model"
    assert sidecar.sidecar_path(model).read_text() == "{}"


def test_overwrite_does_not_apply_to_a_saved_model_version():
    result = _run("--model_dir=m", "--format=saved_model", "--output=serving", "--overwrite")
    assert result.returncode == 2 and "a SavedModel version is never replaced" in result.stderr


def test_every_checkpoint_damaged_is_named_and_nothing_written(small_model_dir, tmp_path):
    model = tmp_path / "model"
    shutil.copytree(small_model_dir, model)
    index = next((model / "checkpoints").glob("*.index"))
    index.write_bytes(index.read_bytes()[:100])
    result = _run(f"--model_dir={model}", "--format=onnx", f"--output={tmp_path / 'p.onnx'}")
    assert result.returncode == 2, result.stderr[-2000:]
    assert "every checkpoint is damaged" in result.stderr and index.name in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "p.onnx").exists()
