"""Tests for export/program_json.py: the program document written by TF ops reads back (with
mobile.program's validation) as the program the numpy code builds from the same outputs."""
import numpy as np
import pytest
import tensorflow as tf

from export import predictor as predictor_lib
from export import program_json
from mobile import program as program_lib
from mobile.registry import DEFAULT_FILTERS, FILTER_NAMES


@pytest.mark.parametrize("filter_names", [DEFAULT_FILTERS, FILTER_NAMES])
def test_document_reads_back_as_the_same_program(filter_names):
    rng = np.random.default_rng(len(filter_names))
    width = sum(program_lib.num_raw_params(n) for n in filter_names)
    raw = tf.constant(rng.normal(0, 2, (1, len(filter_names), width)), tf.float32)
    index = tf.constant(rng.permutation(len(filter_names))[None].astype(np.int32))
    outputs = predictor_lib.program_tensors(
        {"filter_index": index, "raw_parameters": raw, "probabilities": None}, filter_names)
    build = tf.function(lambda i, p: program_json.program_json(i, p, filter_names))
    text = build(outputs["filter_index"][0], outputs["parameters"][0]).numpy().decode()
    program = program_lib.Program.from_json(text)  # validates format, ranges and curves
    (expected,) = predictor_lib.programs(
        {k: v.numpy() for k, v in outputs.items() if v is not None}, filter_names)
    assert [s.filter for s in program.steps] == [s.filter for s in expected.steps]
    assert {s.filter for s in program.steps} == set(filter_names)  # every filter written once
    for got, want in zip(program.steps, expected.steps, strict=True):
        np.testing.assert_allclose(got.op_params(), want.op_params(), rtol=1e-6, atol=1e-7)
