"""Tests for export/onnx.py: the tf2onnx export of a really trained model, run in ONNX Runtime
against the TF agent."""
import json

import numpy as np
import onnx
import pytest

from export import onnx as onnx_lib
from export import predictor as predictor_lib
from export import sidecar, tflite
from tests.helpers import parity

# ONNX Runtime vs the TF graph, operator units: the same float32 math, other kernels.
PARAM_TOLERANCE = 1e-5


@pytest.fixture(scope="module")
def exported(model_dir, tmp_path_factory):
    return onnx_lib.export(model_dir, tmp_path_factory.mktemp("onnx") / "predictor.onnx")


def test_onnx_runtime_gives_the_same_programs_as_the_agent(exported, agent):
    path, _ = exported
    onnx.checker.check_model(str(path))
    runner = onnx_lib.ONNXPredictor(path)
    thumbnails = tflite.representative_thumbnails()[::4]
    reference = [{k: v.numpy() for k, v in predictor_lib.program_tensors(
        agent.decide(t[None]), agent.filter_names).items()} for t in thumbnails]
    outputs = [runner(t[None]) for t in thumbnails]
    result = parity.compare(reference, outputs, agent.filter_names)
    assert result.program_agreement == 1.0
    assert result.max_param_error <= PARAM_TOLERANCE
    for out, ref in zip(outputs, reference, strict=True):
        np.testing.assert_allclose(out["probabilities"], ref["probabilities"], atol=1e-5)


def test_sidecar_names_the_onnx_inputs_and_outputs(exported):
    path, side = exported
    doc = json.loads(side.read_text())
    assert (doc["format"], doc["runtime"], doc["model_file"]) == (
        sidecar.FORMAT, "onnx", path.name)
    session = onnx_lib.ONNXPredictor(path).session
    assert [(i.name, i.shape) for i in session.get_inputs()] == [
        (s["name"], s["shape"]) for s in doc["inputs"]]
    assert {o.name: o.shape for o in session.get_outputs()} == {
        o["name"]: o["shape"] for o in doc["outputs"]}


def test_bad_output_name_is_refused(model_dir, tmp_path):
    with pytest.raises(ValueError, match="must end in .onnx"):
        onnx_lib.export(model_dir, tmp_path / "predictor.tflite")
