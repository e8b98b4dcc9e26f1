"""A filter added in one place, an entry in `mobile.registry.FILTERS`, reaches everything that
knows filters: program validation and printing, the numpy renderer, the Keras layers, the export
predictor, sidecar and program JSON, and the shader manifest with its uniform layout."""
import json
import types

import keras
import numpy as np
import pytest
import tensorflow as tf

from export import predictor, program_json, sidecar
from exposure import filters
from mobile import manifest, registry
from mobile.parameters import Scalar
from mobile.program import Program, ProgramError, Step, step_from_raw
from mobile.render import render


def _invert(img, p, xp=np):
    """Blends img with 1 - img by p = [amount]."""
    return registry.lerp(img, 1.0 - img, p[..., 0:1])


# Shader id 9 has no branch in program.frag, which leaves such a step's pixels unchanged; the toy
# is never rendered on a GPU.
INVERT = registry.FilterSpec(
    "invert", "Invert", shader_id=9, parameters={"amount": Scalar(0.0, 1.0)},
    num_raw=1, from_raw=registry.sigmoid, from_raw_text="[sigmoid(x0)]", operation=_invert,
    default=False)
IMAGE = np.float32([[0.2, 0.4, 1.0]])


@pytest.fixture(autouse=True)
def invert(monkeypatch):
    monkeypatch.setitem(registry.FILTERS, INVERT.name, INVERT)


def test_program_validates_prints_and_renders_the_toy():
    program = Program.from_json('{"format": "exposure-program", "version": 1, '
                                '"steps": [{"filter": "invert", "amount": 0.25}]}')
    assert str(program) == "Invert +0.25"
    assert Program.from_json(program.to_json()) == program
    with pytest.raises(ProgramError, match=r"steps\[0\]\.amount: 2 is out of range; allowed "
                                           r"\[0, 1\]"):
        Program.from_dict(dict(program.to_dict(), steps=[{"filter": "invert", "amount": 2}]))
    assert step_from_raw("invert", [0.0]) == Step("invert", {"amount": 0.5})
    np.testing.assert_allclose(render(program, IMAGE), [[0.35, 0.45, 0.75]], rtol=1e-6)


def test_keras_layer_of_the_toy():
    layer, = filters.build_filters(["invert"])
    assert type(layer).__name__ == "InvertFilter" and layer.num_params == 1
    images = np.random.default_rng(0).random((2, 4, 5, 3)).astype(np.float32)
    raw = np.float32([[0.0], [1.5]])
    out = keras.ops.convert_to_numpy(layer(images, raw))
    for b, step in enumerate(layer.steps(raw)):
        np.testing.assert_allclose(out[b], render(Program((step,)), images[b]), atol=1e-6)


def test_predictor_sidecar_and_program_json_of_the_toy():
    every = predictor.op_parameters(tf.zeros([1, 2]), ["exposure", "invert"])
    assert every.shape == (1, 2, predictor.MAX_OP_PARAMS) and float(every[0, 1, 0]) == 0.5
    fake = types.SimpleNamespace(num_steps=2, filter_names=("exposure", "invert"),
                                 input_shape=lambda: [1, 64, 64, 3])
    document = sidecar.describe(fake, "predictor.tflite", "tflite", "fp32")
    assert document["filters"][1] == {"index": 1, "name": "invert", "op_params": 1,
                                      "op_param_names": ["amount"]}
    assert document["program"]["op_param_units"]["invert"] == "amount in [0, 1]"
    text = program_json.step_json("invert", tf.constant([0.25, 0.0, 0.0]))
    assert Step.from_json(json.loads(text.numpy())) == Step("invert", {"amount": 0.25})


def test_manifest_and_uniforms_of_the_toy():
    assert manifest.build_manifest()["filters"]["invert"] == {
        "id": 9, "title": "Invert", "op_params": 1,
        "slots": [{"index": 0, "uniform": "u_params[6*s + 0].x", "meaning": "amount in [0, 1]"}],
        "from_program": "[amount]", "raw_outputs": 1, "from_raw_outputs": "[sigmoid(x0)]"}
    values = manifest.uniform_values(Program((Step("invert", {"amount": 0.25}),)))
    assert values["u_filter"][0] == 9 and values["u_params"][0, 0] == 0.25
