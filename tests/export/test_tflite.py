"""Tests for export/tflite.py, export/predictor.py, export/sidecar.py and tests/helpers/parity.py:
the three TFLite variants of a really trained model, run in ai_edge_litert against the TF agent."""
import json

import numpy as np
import pytest
import tensorflow as tf

from export import predictor as predictor_lib
from export import sidecar, tflite
from exposure import agent as agent_lib
from exposure import networks, train_config
from exposure.train_config import TrainConfig
from mobile import program as program_lib
from mobile.registry import DEFAULT_FILTERS
from tests.helpers import parity

# fp32 TFLite vs the TF graph, in operator units (EV stops, exponents, multipliers, slopes):
# both run the same float32 ops, the difference is kernel rounding (measured: < 1e-6).
FP32_PARAM_TOLERANCE = 1e-5


@pytest.fixture(scope="module")
def thumbnails():
    """Calibration-style thumbnails of the built-in real photos; every 3rd of them (20)."""
    return tflite.representative_thumbnails()[::3]


@pytest.fixture(scope="module")
def exported(model_dir, thumbnails, tmp_path_factory):
    folder = tmp_path_factory.mktemp("tflite")
    return tflite.export_variants(
        model_dir, {q: folder / f"predictor_{q}.tflite" for q in tflite.QUANTIZATIONS},
        representative=thumbnails)


@pytest.fixture(scope="module")
def reference(agent, thumbnails):
    """The TF agent's own decisions, as the predictor's outputs, one call per thumbnail."""
    return [{k: v.numpy() for k, v in predictor_lib.program_tensors(
        agent.decide(t[None]), agent.filter_names).items()} for t in thumbnails]


def _run(path, thumbnails):
    runner = tflite.TFLitePredictor(path)
    return [runner(t[None]) for t in thumbnails]


def test_fp32_gives_the_same_programs_as_the_agent(exported, agent, thumbnails, reference):
    outputs = _run(exported["fp32"][0], thumbnails)
    result = parity.compare(reference, outputs, agent.filter_names)
    assert result.step_agreement == 1.0 and result.program_agreement == 1.0
    assert result.max_param_error <= FP32_PARAM_TOLERANCE
    for out, thumb in zip(outputs, thumbnails, strict=True):
        (program,) = predictor_lib.programs(out, agent.filter_names)
        (expected,) = agent.programs({k: v.numpy() for k, v in agent.decide(thumb[None]).items()})
        assert [s.filter for s in program.steps] == [s.filter for s in expected.steps]
        for got, want in zip(program.steps, expected.steps, strict=True):
            np.testing.assert_allclose(got.op_params(), want.op_params(),
                                       atol=FP32_PARAM_TOLERANCE)


def test_models_hold_frozen_weights_and_builtin_ops_only(exported):
    sizes = {q: exported[q][0].stat().st_size for q in tflite.QUANTIZATIONS}
    for quantize, (path, _) in exported.items():
        ops = tflite.TFLitePredictor(path).op_names()
        assert "CONV_2D" in ops and "FULLY_CONNECTED" in ops
        # No resource variables (unfrozen weights read zeros), no Flex (SELECT_TF_OPS) or custom.
        assert not {"VAR_HANDLE", "READ_VARIABLE", "CUSTOM"} & ops, (quantize, ops)
        assert not [op for op in ops if op.startswith("Flex")], (quantize, ops)
    # ~6.2 M float32 weights; fp16 halves them, int8 quarters them.
    assert sizes["fp32"] > 20e6
    assert sizes["fp16"] < 0.55 * sizes["fp32"]
    assert sizes["int8"] < 0.3 * sizes["fp32"]


def test_quantized_variants_give_valid_programs_and_report_parity(exported, agent, thumbnails,
                                                                  reference):
    for quantize in ("fp16", "int8"):
        outputs = _run(exported[quantize][0], thumbnails)
        for out in outputs:
            assert np.isfinite(out["parameters"]).all()
            np.testing.assert_allclose(out["probabilities"].sum(-1), 1.0, atol=1e-3)
            predictor_lib.programs(out, agent.filter_names)  # raises on an invalid program
        result = parity.compare(reference, outputs, agent.filter_names)
        print(f"{quantize}: {result}")
        assert 0.0 <= result.step_agreement <= 1.0


def test_sidecar_alone_is_enough_to_read_the_program(exported, agent, thumbnails, reference):
    path, side = exported["fp32"]
    assert side == path.with_name(path.name + ".json")
    doc = json.loads(side.read_text())
    assert (doc["format"], doc["version"], doc["model_file"]) == (
        sidecar.FORMAT, sidecar.VERSION, path.name)
    assert doc["signature"] == "predict" and doc["quantization"] == "fp32"
    runner = tflite.TFLitePredictor(path)
    inputs = runner.runner.get_input_details()
    (spec,) = doc["inputs"]
    assert list(inputs[spec["name"]]["shape"]) == spec["shape"] == [1, 64, 64, 3]
    assert spec["color_space"] == "linear RGB"
    outputs = runner.runner.get_output_details()
    for out in doc["outputs"]:
        assert list(outputs[out["name"]]["shape"]) == out["shape"]
        assert np.dtype(outputs[out["name"]]["dtype"]).name == out["dtype"]
    assert [f["name"] for f in doc["filters"]] == list(agent.filter_names)
    # Follow the sidecar's recipe by hand, with no export code.
    result = runner(thumbnails[0][None])
    steps = []
    for k in range(doc["num_steps"]):
        entry = doc["filters"][int(result["filter_index"][0][k])]
        values = result["parameters"][0][k]
        assert len(entry["op_param_names"]) == entry["op_params"]
        assert not values[entry["op_params"]:].any()  # zero padding
        steps.append(program_lib.Step.from_op_params(entry["name"], values[:entry["op_params"]]))
    (expected,) = predictor_lib.programs(reference[0], agent.filter_names)
    assert [s.filter for s in steps] == [s.filter for s in expected.steps]


def test_bad_arguments_are_named(model_dir, tmp_path):
    with pytest.raises(ValueError, match="quantize: expected one of fp32, fp16, int8"):
        tflite.export(model_dir, tmp_path / "p.tflite", quantize="int4")
    with pytest.raises(ValueError, match="must end in .tflite"):
        tflite.export(model_dir, tmp_path / "p.onnx")
    with pytest.raises(FileNotFoundError, match="no training config"):
        tflite.export(tmp_path, tmp_path / "p.tflite")
    assert not list(tmp_path.glob("*.tflite"))


def test_parity_compares_only_the_agreeing_prefix():
    names = DEFAULT_FILTERS
    ref = {"filter_index": np.array([[0, 1, 2]]), "parameters": np.zeros([1, 3, 24])}
    cand = {"filter_index": np.array([[0, 3, 2]]), "parameters": np.full([1, 3, 24], 0.5)}
    cand["parameters"][0, 0, 1:] = 9.0  # beyond exposure's one parameter: ignored
    result = parity.compare([ref], [cand], names)
    assert (result.step_agreement, result.program_agreement) == (2 / 3, 0.0)
    assert (result.prefix_steps, result.max_param_error) == (1, 0.5)


def test_a_masked_policy_exports_programs_without_repeated_filters(tmp_path, thumbnails):
    (tmp_path / "model").mkdir()
    config = TrainConfig(filters=("exposure", "gamma", "tone_curve"), num_steps=3,
                         mask_used_filters=True)
    train_config.save(config, tmp_path / "model")
    policy = agent_lib.build_policy(config)
    tf.train.Checkpoint(policy=networks.checkpoint_variables(policy)).save(
        tmp_path / "model" / agent_lib.CHECKPOINT_SUBDIR / "ckpt")
    path, _ = tflite.export(tmp_path / "model", tmp_path / "masked.tflite")
    agent = agent_lib.load_agent(tmp_path / "model")
    runner = tflite.TFLitePredictor(path)
    for thumbnail in thumbnails[:6]:
        chosen = runner(thumbnail[None])["filter_index"][0]
        assert sorted(chosen) == [0, 1, 2]
        np.testing.assert_array_equal(chosen, agent.decide(thumbnail[None])["filter_index"][0])
