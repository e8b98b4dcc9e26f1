"""Tests for mobile/manifest.py: uniform layout, agreement with the shader source, the document."""
import json
import re

import numpy as np
import pytest

from mobile import manifest, shader_source
from mobile.program import Program, Step, num_op_params
from mobile.registry import FILTER_NAMES
from tests.helpers.random_programs import random_program


def _shader_defines(name):
    return {m.group(1): int(m.group(2)) for m in re.finditer(
        r"^#define (\w+) (\d+)$", shader_source.load(name), flags=re.MULTILINE)}


def test_filter_ids_match_the_shader():
    defines = _shader_defines(shader_source.PROGRAM_SHADER)
    ids = manifest.filter_ids()
    assert {f"FILTER_{name.upper()}": i for name, i in ids.items()} == {
        k: v for k, v in defines.items() if k.startswith("FILTER_")}
    assert [ids[name] for name in FILTER_NAMES] == list(range(len(FILTER_NAMES)))


def test_layout_constants_match_the_shader():
    defines = _shader_defines(shader_source.PROGRAM_SHADER)
    assert defines["MAX_STEPS"] == manifest.MAX_STEPS
    assert defines["VEC4_PER_STEP"] == manifest.VEC4_PER_STEP
    assert max(num_op_params(name) for name in FILTER_NAMES) <= 4 * manifest.VEC4_PER_STEP


def test_uniform_values_place_op_params_per_step():
    program = Program((
        Step("exposure", {"ev": 1.25}),
        Step("color_curve", {"points": [[k / 8 for k in range(9)]] * 3}),
        Step("level", {"low": 0.1, "high": 1.5}),
    ))
    values = manifest.uniform_values(program)
    assert values["u_num_steps"] == 3
    assert values["u_filter"].dtype == np.int32 and values["u_filter"].shape == (8,)
    assert values["u_filter"][:3].tolist() == [0, 7, 8] and not values["u_filter"][3:].any()
    params = values["u_params"]
    assert params.dtype == np.float32 and params.shape == (48, 4)
    assert params[0].tolist() == [1.25, 0.0, 0.0, 0.0] and not params[1:6].any()
    np.testing.assert_allclose(params[6:12].ravel(), 1.0, rtol=1e-6)
    np.testing.assert_allclose(params[12], [0.1, 1.5, 0.0, 0.0], rtol=1e-6)
    assert not params[13:].any()


def test_uniform_values_equal_step_op_params():
    rng = np.random.default_rng(3)
    program = random_program(rng, num_steps=8, filters=FILTER_NAMES)
    params = manifest.uniform_values(program)["u_params"].reshape(8, -1)
    for s, step in enumerate(program.steps):
        op = step.op_params()
        np.testing.assert_array_equal(params[s, :op.size], op)


def test_too_many_steps_is_a_clear_error():
    program = Program((Step("gamma", {"gamma": 1.0}),) * 9)
    with pytest.raises(ValueError, match="9 steps.*at most 8.*LUT path"):
        manifest.uniform_values(program)


def test_manifest_document_names_shaders_and_every_filter():
    document = manifest.build_manifest()
    assert document["format"] == manifest.FORMAT and document["version"] == manifest.VERSION
    for key in ("program_path", "lut_path"):
        assert shader_source.shader_path(document[key]["fragment"]).is_file()
    assert shader_source.shader_path(document["shaders"]["vertex"]).is_file()
    assert set(document["filters"]) == set(FILTER_NAMES)
    for name, entry in document["filters"].items():
        assert entry["op_params"] == num_op_params(name) == len(entry["slots"])
    assert document["filters"]["color_curve"]["slots"][13]["uniform"] == "u_params[6*s + 3].y"
    assert "sRGB" in document["color"]["output"] and "linear" in document["color"]["input"]
    for texture in (document["color"]["input_texture"], document["lut_path"]["lut_texture"]):
        assert texture["min_mag_filter"].startswith("NEAREST")
    assert "program" not in document


def test_manifest_with_program_round_trips_through_json(tmp_path):
    program = random_program(np.random.default_rng(4))
    path = tmp_path / "app" / "manifest.json"
    manifest.write_manifest(path, program, lut_size=17)
    document = json.loads(path.read_text())
    assert Program.from_dict(document["program"]["document"]) == program
    uniforms = document["program"]["uniforms"]
    values = manifest.uniform_values(program)
    assert uniforms["u_filter"] == values["u_filter"].tolist()
    np.testing.assert_array_equal(np.asarray(uniforms["u_params"], np.float32),
                                  values["u_params"])
    assert document["lut_path"]["lut_texture"]["size"] == 17
    assert [p.name for p in path.parent.iterdir()] == ["manifest.json"]


def _predictor_call(program, filter_names):
    """A sidecar (export/sidecar.py format) and the outputs a predictor with filters
    `filter_names` returns for `program`: filter_index [1, S], zero-padded parameters."""
    sidecar = {"format": "exposure-predictor", "version": 1, "model_file": "predictor.tflite",
               "filters": [{"index": i, "name": name, "op_params": num_op_params(name)}
                           for i, name in enumerate(filter_names)]}
    index = np.array([[filter_names.index(s.filter) for s in program.steps]], np.int32)
    params = np.zeros((1, len(program.steps), 24), np.float32)
    for s, step in enumerate(program.steps):
        params[0, s, :num_op_params(step.filter)] = step.op_params()
    return {"filter_index": index, "parameters": params, "probabilities": None}, sidecar


def test_predictor_outputs_give_the_program_uniforms():
    rng = np.random.default_rng(5)
    program = random_program(rng, num_steps=5)
    reordered = list(rng.permutation(FILTER_NAMES))
    outputs, sidecar = _predictor_call(program, reordered)
    got = manifest.uniforms_from_predictor(outputs, sidecar)
    want = manifest.uniform_values(program)
    assert got["u_num_steps"] == want["u_num_steps"] == 5
    np.testing.assert_array_equal(got["u_filter"], want["u_filter"])
    np.testing.assert_array_equal(got["u_params"], want["u_params"])
    document = manifest.build_manifest(sidecar=sidecar)
    assert document["predictor"]["shader_ids"] == [FILTER_NAMES.index(n) for n in reordered]
    assert document["predictor"]["model_file"] == "predictor.tflite"


def test_predictor_bad_sidecar_and_outputs():
    program = random_program(np.random.default_rng(6), num_steps=3)
    outputs, sidecar = _predictor_call(program, list(FILTER_NAMES))
    with pytest.raises(ValueError, match="sidecar: expected format 'exposure-predictor'"):
        manifest.uniforms_from_predictor(outputs, {"format": "other"})
    with pytest.raises(ValueError, match="unknown filters \\['blur'\\]"):
        manifest.uniforms_from_predictor(outputs, dict(sidecar, filters=[
            {"index": 0, "name": "blur"}]))
    with pytest.raises(ValueError, match="outside the sidecar's 9 filters"):
        manifest.uniforms_from_predictor(dict(outputs, filter_index=outputs["filter_index"] + 9),
                                         sidecar)
    with pytest.raises(ValueError, match=r"expected filter_index \[1, S\]"):
        manifest.uniforms_from_predictor(dict(outputs, filter_index=np.zeros(3, int)), sidecar)
