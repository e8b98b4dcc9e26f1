"""Tests for export/saved_model.py: the TF Serving SavedModel of a really trained model, loaded
in-process, run through saved_model_cli, and fed a REST request body as the server decodes it."""
import base64
import io
import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from export import predictor as predictor_lib
from export import saved_model
from exposure import builtin_data
from mobile.program import Program
from mobile.render import render
from mobile.srgb import srgb_to_linear

SAVED_MODEL_CLI = pathlib.Path(sys.executable).with_name("saved_model_cli")
# TF's area resize vs the exact area average in float64: float32 rounding.
THUMBNAIL_TOLERANCE = 1e-5
# Operator parameters of the served program vs the agent's on the same thumbnail: both float32
# TF, the thumbnail differs by float32 rounding.
PARAM_TOLERANCE = 1e-5


@pytest.fixture(scope="module")
def served(model_dir, tmp_path_factory):
    """(version folder, loaded SavedModel)."""
    folder = saved_model.export(model_dir, tmp_path_factory.mktemp("serving") / "exposure")
    return folder, tf.saved_model.load(str(folder))


@pytest.fixture(scope="module")
def photo():
    """A real photo (the built-in rocket), downsized to 96x72 8-bit sRGB."""
    with Image.open(builtin_data.INPUT_PHOTOS[1].path()) as image:
        return np.asarray(image.convert("RGB").resize((96, 72), Image.Resampling.BOX))


def _encode(pixels, fmt):
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format=fmt, quality=95)
    return buffer.getvalue()


def _area_matrix(n_in, n_out):
    """[n_out, n_in] weights of the exact area average (box integrals), float64."""
    scale = n_in / n_out
    lo = np.arange(n_out)[:, None] * scale
    j = np.arange(n_in)[None, :]
    return np.maximum(np.minimum(j + 1, lo + scale) - np.maximum(j, lo), 0.0) / scale


def _expected(agent, pixels):
    """The numpy path (`exposure_retouch` with the exact-area thumbnail): program and 8-bit
    output of an sRGB photo."""
    linear = srgb_to_linear(pixels / np.float32(255.0))
    thumb = np.einsum("ih,hwc,jw->ijc", _area_matrix(linear.shape[0], 64), linear,
                      _area_matrix(linear.shape[1], 64), optimize=True).astype(np.float32)
    decisions = agent.decide(thumb[None])
    (program,) = agent.programs({k: v.numpy() for k, v in decisions.items()})
    return program, np.rint(np.clip(render(program, linear), 0, 1) * 255)


def test_versioned_layout_and_immutable_versions(served, model_dir):
    folder, _ = served
    assert folder.name == "1"
    assert (folder / "saved_model.pb").is_file() and (folder / "variables").is_dir()
    assert saved_model.next_version(folder.parent) == 2
    assert [p.name for p in folder.parent.iterdir()] == ["1"]  # no temporary left behind
    with pytest.raises(FileExistsError, match="version 1 already exists"):
        saved_model.export(model_dir, folder.parent, version=1)
    with pytest.raises(ValueError, match="positive integer"):
        saved_model.export(model_dir, folder.parent, version=0)


@pytest.mark.parametrize("shape", [(72, 96), (61, 200), (640, 480)])
def test_served_thumbnail_is_the_exact_area_average(shape):
    image = np.random.default_rng(0).uniform(0, 1, shape + (3,)).astype(np.float32)
    expected = np.einsum("ih,hwc,jw->ijc", _area_matrix(shape[0], 64), image,
                         _area_matrix(shape[1], 64), optimize=True)
    served = tf.image.resize(image[None], [64, 64], method="area")[0].numpy()
    np.testing.assert_allclose(served, expected, atol=THUMBNAIL_TOLERANCE)


def test_serving_default_returns_the_program_and_the_retouched_photo(served, agent, photo):
    _, model = served
    program, expected = _expected(agent, photo)
    small = photo[:40, :56]
    out = model.signatures["serving_default"](image_bytes=tf.constant(
        [_encode(photo, "PNG"), _encode(small, "PNG")]))
    assert out["filter_index"].shape == (2, 5) and out["parameters"].shape == (2, 5, 24)
    (served_program, _) = predictor_lib.programs(out, agent.filter_names)
    assert [s.filter for s in served_program.steps] == [s.filter for s in program.steps]
    for got, want in zip(served_program.steps, program.steps, strict=True):
        np.testing.assert_allclose(got.op_params(), want.op_params(), atol=PARAM_TOLERANCE)
    document = Program.from_json(out["program_json"].numpy()[0].decode())
    for got, want in zip(document.steps, served_program.steps, strict=True):
        assert got.filter == want.filter
        np.testing.assert_allclose(got.op_params(), want.op_params(), rtol=1e-6, atol=1e-7)
    pngs = out["retouched_png_bytes"].numpy()
    written = np.asarray(Image.open(io.BytesIO(pngs[0])), np.float64)
    assert written.shape == photo.shape
    assert np.abs(written - expected).max() <= 1  # 8-bit rounding of float32 differences
    assert np.asarray(Image.open(io.BytesIO(pngs[1]))).shape == small.shape


def test_jpeg_and_image_tensor_signature_agree(served, photo):
    _, model = served
    jpeg = _encode(photo, "JPEG")
    with Image.open(io.BytesIO(jpeg)) as image:  # as exposure_apply and exposure_retouch decode it
        decoded = np.asarray(image.convert("RGB"))
    from_bytes = model.signatures["serving_default"](image_bytes=tf.constant([jpeg]))
    from_tensor = model.signatures["image_tensor"](image_tensor=tf.constant(decoded[None]))
    np.testing.assert_array_equal(from_bytes["filter_index"], from_tensor["filter_index"])
    np.testing.assert_array_equal(
        tf.io.decode_png(from_bytes["retouched_png_bytes"][0]).numpy(),
        from_tensor["retouched_image"][0].numpy())


def test_served_jpeg_is_exposure_apply_of_the_same_file_within_one_code(served, photo, tmp_path):
    _, model = served
    jpeg = tmp_path / "photo.jpg"
    jpeg.write_bytes(_encode(photo, "JPEG"))
    out = model.signatures["serving_default"](image_bytes=tf.constant([jpeg.read_bytes()]))
    program = tmp_path / "served.json"
    program.write_bytes(out["program_json"].numpy()[0])
    applied = tmp_path / "applied.png"
    result = subprocess.run([sys.executable, "-m", "exposure.cli.apply", f"--program={program}",
                             f"--input={jpeg}", f"--output={applied}", "--noprogress"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    served_pixels = tf.io.decode_png(out["retouched_png_bytes"][0]).numpy().astype(np.int64)
    with Image.open(applied) as image:
        applied_pixels = np.asarray(image, dtype=np.int64)
    assert np.abs(served_pixels - applied_pixels).max() <= 1  # float32 rounding, two renderers


@pytest.mark.parametrize("data, message", [
    (b"not an image at all", "Unknown image file format"),
    (b"", "Input is empty"),
])
def test_malformed_bytes_raise_a_clear_error(served, data, message):
    _, model = served
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        model.signatures["serving_default"](image_bytes=tf.constant([data]))


def test_rest_request_body_as_the_server_decodes_it(served, agent, photo):
    _, model = served
    png = _encode(photo, "PNG")
    text = base64.b64encode(png).decode("ascii")
    for body in ({"instances": [{"b64": text}]},
                 {"instances": [{"image_bytes": {"b64": text}}]}):
        inputs = saved_model.rest_request_inputs(json.loads(json.dumps(body)),
                                                 (saved_model.BYTES_INPUT,))
        assert inputs[saved_model.BYTES_INPUT] == [png]
        out = model.signatures["serving_default"](
            **{k: tf.constant(v) for k, v in inputs.items()})
        response = json.loads(json.dumps(saved_model.rest_response(out)))
        (prediction,) = response["predictions"]
        assert len(prediction["filter_index"]) == 5
        assert len(Program.from_json(prediction["program_json"]).steps) == 5
        returned = base64.b64decode(prediction["retouched_png_bytes"]["b64"])
        assert Image.open(io.BytesIO(returned)).size == (96, 72)
    with pytest.raises(ValueError, match=r"instances\[0\]\.image_bytes\.b64: not valid base64"):
        saved_model.rest_request_inputs({"instances": [{"b64": "***"}]}, ("image_bytes",))
    with pytest.raises(ValueError, match="expected"):
        saved_model.rest_request_inputs({"inputs": []}, ("image_bytes",))


def test_saved_model_cli_runs_both_signatures(served, photo, tmp_path):
    folder, model = served
    np.save(tmp_path / "bytes.npy", np.array([_encode(photo, "PNG")]))
    runs = {
        "serving_default": ["--inputs", f"image_bytes={tmp_path / 'bytes.npy'}"],
        "image_tensor": ["--inputs", f"image_tensor={tmp_path / 'pixels.npy'}"],
    }
    np.save(tmp_path / "pixels.npy", np.full((1, 24, 32, 3), 90, np.uint8))
    for signature, args in runs.items():
        out = tmp_path / signature
        result = subprocess.run(
            [str(SAVED_MODEL_CLI), "run", "--dir", str(folder), "--tag_set", "serve",
             "--signature_def", signature, "--outdir", str(out), *args],
            capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr[-3000:]
        assert np.load(out / "filter_index.npy").shape == (1, 5)
    image = np.load(tmp_path / "image_tensor" / "retouched_image.npy")
    direct = model.signatures["image_tensor"](
        image_tensor=tf.constant(np.full((1, 24, 32, 3), 90, np.uint8)))
    np.testing.assert_array_equal(image, direct["retouched_image"].numpy())
