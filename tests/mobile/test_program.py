"""Tests for mobile/program.py: JSON format, validation messages, printed form, raw mapping."""
import json
import math
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from mobile import program as P
from mobile.registry import DEFAULT_FILTERS, FILTER_NAMES, tanh_range

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _random_program(rng, names=FILTER_NAMES):
    return P.Program([P.step_from_raw(n, rng.normal(size=P.num_raw_params(n)) * 2) for n in names])


def _doc(*steps):
    return {"format": P.FORMAT, "version": P.VERSION, "steps": list(steps)}


def _tone(points):
    return {"filter": "tone_curve", "points": points}


IDENTITY_POINTS = [k / 8 for k in range(9)]


def test_importing_program_and_render_loads_no_tensorflow():
    code = ("import sys, mobile.program, mobile.render; "
            "assert not {'tensorflow', 'keras'} & set(sys.modules), 'TF imported'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_filter_names_in_authors_default_order():
    assert FILTER_NAMES == (
        "exposure", "gamma", "white_balance", "saturation", "tone_curve", "contrast",
        "black_and_white", "color_curve", "level")
    assert DEFAULT_FILTERS == FILTER_NAMES[:8]


def test_json_round_trip_is_exact(tmp_path):
    program = _random_program(np.random.default_rng(0))
    assert P.Program.from_json(program.to_json()) == program
    path = tmp_path / "edit.json"
    program.save(path)
    assert P.load(path) == program
    assert json.loads(path.read_text())["format"] == "exposure-program"
    assert [p.name for p in tmp_path.iterdir()] == ["edit.json"]  # no temp file left behind


def test_save_replaces_atomically_and_keeps_old_file_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "edit.json"
    P.Program([P.Step("exposure", {"ev": 1.0})]).save(path)
    before = path.read_text()

    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        P.Program([P.Step("exposure", {"ev": -1.0})]).save(path)
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["edit.json"]


def test_printed_form_as_in_paper():
    steps = [
        P.Step("exposure", {"ev": 1.81}),
        P.Step("gamma", {"gamma": 1 / 1.16}),
        P.Step("gamma", {"gamma": 2.0}),
        P.Step("contrast", {"amount": -0.95}),
        P.Step("white_balance", {"multipliers": [1.0, 0.92, 1.13]}),
        P.Step("saturation", {"amount": 0.42}),
        P.Step("black_and_white", {"amount": 0.3}),
        P.Step("tone_curve", {"points": IDENTITY_POINTS}),
        P.Step("level", {"low": 0.1, "high": 1.2}),
    ]
    assert str(P.Program(steps)).splitlines() == [
        "Exposure +1.81",
        "Gamma 1/1.16",
        "Gamma 2.00",
        "Contrast -0.95",
        "White balance (1.00, 0.92, 1.13)",
        "Saturation +0.42",
        "Black & white +0.30",
        "Tone curve (0.00, 0.12, 0.25, 0.38, 0.50, 0.62, 0.75, 0.88, 1.00)",
        "Level (0.10, 1.20)",
    ]
    color = P.Step("color_curve", {"points": [IDENTITY_POINTS] * 3})
    assert str(color).startswith("Color curve R (0.00, 0.12,")
    assert " G (" in str(color) and " B (" in str(color)


@pytest.mark.parametrize(
    "doc, message",
    [
        ([], "document: expected a JSON object, got list"),
        ({"format": P.FORMAT, "steps": []}, "document: missing key 'version'"),
        ({**_doc(), "author": "me"}, "document: unexpected key 'author'"),
        ({**_doc(), "format": "lut"}, "format: expected 'exposure-program', got 'lut'"),
        ({**_doc(), "version": 2}, "version: unsupported version 2; this reader knows 1"),
        ({**_doc(), "steps": {}}, "steps: expected a list of steps"),
        (_doc({"ev": 1}), "steps[0]: missing key 'filter'"),
        (_doc({"filter": "exposure", "ev": 0}, {"filter": "blur"}),
         "steps[1].filter: unknown filter 'blur'; known filters: exposure, gamma, white_balance,"),
        (_doc({"filter": "exposure"}), "steps[0]: missing key 'ev' (exposure takes: ev)"),
        (_doc({"filter": "exposure", "ev": 1, "stops": 2}), "steps[0]: unexpected key 'stops'"),
        (_doc({"filter": "exposure", "ev": "1"}), "steps[0].ev: expected a number, got '1'"),
        (_doc({"filter": "exposure", "ev": True}), "steps[0].ev: expected a number, got True"),
        (_doc({"filter": "exposure", "ev": 4.0}),
         "steps[0].ev: 4 is out of range; allowed [-3.5, 3.5]"),
        (_doc({"filter": "gamma", "gamma": 0.2}),
         "steps[0].gamma: 0.2 is out of range; allowed [0.333333, 3]"),
        (_doc({"filter": "contrast", "amount": -1.5}),
         "steps[0].amount: -1.5 is out of range; allowed [-1, 1]"),
        (_doc({"filter": "level", "low": 0.1, "high": 0.5}),
         "steps[0].high: 0.5 is out of range; allowed [1, 2]"),
        (_doc({"filter": "white_balance", "multipliers": [1, 1]}),
         "steps[0].multipliers: expected 3 values, got 2"),
        (_doc({"filter": "white_balance", "multipliers": [1, 0, 1]}),
         "steps[0].multipliers: multipliers must be positive"),
        (_doc({"filter": "white_balance", "multipliers": [1, 2, 1]}),
         "steps[0].multipliers: ratio g/r = 2 is out of range; allowed [0.6065, 1.649]"),
        (_doc({"filter": "exposure", "ev": 0}, {"filter": "gamma", "gamma": 1},
              _tone(IDENTITY_POINTS[:7])),
         "steps[2].points: expected 9 values, got 7"),
        (_doc(_tone([0.1] + IDENTITY_POINTS[1:])),
         "steps[0].points: a curve must start at 0 and end at 1, got 0.1 .. 1"),
        (_doc(_tone([0, 0.5, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1])),
         "steps[0].points: segment slopes 8*(y[k+1]-y[k]) must be positive and within a factor 4"),
        (_doc(_tone([0, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1])),
         "slope bounds [0.5, 2]); got 0.4 .. 3.2"),
        (_doc({"filter": "color_curve", "points": [IDENTITY_POINTS] * 2}),
         "steps[0].points: expected 3 curves (r, g, b) of 9 points"),
        (_doc({"filter": "color_curve", "points": [IDENTITY_POINTS, IDENTITY_POINTS, _tone(0)]}),
         "steps[0].points[2]: expected a list of 9 numbers"),
        (_doc({"filter": "color_curve",
               "points": [IDENTITY_POINTS, [0, .2, .3, .4, .5, .6, .7, .8, 1], IDENTITY_POINTS]}),
         "steps[0].points[1]: segment slopes 8*(y[k+1]-y[k]) must be positive and within a "
         "factor 1.222"),
    ],
)
def test_validation_messages(doc, message):
    with pytest.raises(P.ProgramError) as info:
        P.Program.from_dict(doc)
    assert message in str(info.value)


def test_load_errors_name_the_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(P.ProgramError, match=r"bad\.json: not valid JSON"):
        P.load(bad)
    bad.write_text(json.dumps(_doc({"filter": "exposure", "ev": 9})))
    with pytest.raises(P.ProgramError, match=r"bad\.json: steps\[0\]\.ev: 9 is out of range"):
        P.load(bad)
    with pytest.raises(P.ProgramError, match=r"missing\.json: cannot read program"):
        P.load(tmp_path / "missing.json")
    assert issubclass(P.ProgramError, ValueError)


def test_step_constructor_validates():
    with pytest.raises(P.ProgramError, match="step.filter: unknown filter 'vignette'"):
        P.Step("vignette", {})
    with pytest.raises(P.ProgramError, match="step.amount: 2 is out of range"):
        P.Step("saturation", {"amount": 2})


def test_tanh_range_matches_reference_formula():
    x = np.linspace(-3, 3, 7)
    np.testing.assert_allclose(tanh_range(x, -3.5, 3.5), np.tanh(x) * 3.5)
    # With an initial value, x = 0 maps to it.
    assert tanh_range(0.0, 0.5, 2.0, initial=1.5) == pytest.approx(1.5)
    assert tanh_range(100.0, 0.5, 2.0) == pytest.approx(2.0)


def test_raw_mapping_ranges_and_reference_values():
    ev = P.step_from_raw("exposure", [0.3]).params["ev"]
    assert ev == pytest.approx(3.5 * math.tanh(0.3))
    g = P.step_from_raw("gamma", [0.3]).params["gamma"]
    assert g == pytest.approx(math.exp(math.log(3) * math.tanh(0.3)))
    assert P.step_from_raw("saturation", [0.7]).params["amount"] == pytest.approx(
        1 / (1 + math.exp(-0.7)))
    assert P.step_from_raw("contrast", [0.7]).params["amount"] == pytest.approx(math.tanh(0.7))
    level = P.step_from_raw("level", [0.0, 0.0]).params
    assert (level["low"], level["high"]) == pytest.approx((0.5, 1.5))
    # White balance: red's raw value is ignored, luminance of the multipliers is ~1.
    wb1 = P.step_from_raw("white_balance", [5.0, 0.2, -0.4]).params["multipliers"]
    wb2 = P.step_from_raw("white_balance", [-5.0, 0.2, -0.4]).params["multipliers"]
    assert wb1 == wb2
    assert 0.27 * wb1[0] + 0.67 * wb1[1] + 0.06 * wb1[2] == pytest.approx(1.0, abs=1e-4)
    assert wb1[1] / wb1[0] == pytest.approx(math.exp(0.5 * math.tanh(0.2)))
    # Curves: zero raw output is the identity for the colour curve (initial slope 1).
    color = P.step_from_raw("color_curve", np.zeros(24)).params["points"]
    np.testing.assert_allclose(color, [IDENTITY_POINTS] * 3, atol=1e-12)


def test_tone_points_follow_paper_curve_representation():
    raw = np.random.default_rng(1).normal(size=8)
    t = 0.5 + (np.tanh(raw) * 0.5 + 0.5) * 1.5
    points = P.step_from_raw("tone_curve", raw).params["points"]
    np.testing.assert_allclose(points, np.concatenate([[0], np.cumsum(t) / t.sum()]), atol=1e-12)
    op = P.Step("tone_curve", {"points": points}).op_params()
    np.testing.assert_allclose(op, t * 8 / t.sum(), rtol=1e-6)


def test_extreme_raw_outputs_stay_valid():
    for name in FILTER_NAMES:
        for value in (-50.0, 50.0):
            raw = np.full(P.num_raw_params(name), value, dtype=np.float32)
            # float32 mapping at saturation lands on the closed bounds; the step still validates.
            op = P.raw_to_op_params(name, raw).astype(np.float32)
            step = P.Step.from_op_params(name, op)
            assert P.Step.from_json(step.to_json()) == step


def test_num_params():
    assert [P.num_raw_params(n) for n in FILTER_NAMES] == [1, 1, 3, 1, 8, 1, 1, 24, 2]
    assert [P.num_op_params(n) for n in FILTER_NAMES] == [1, 1, 3, 1, 8, 1, 1, 24, 2]
    with pytest.raises(P.ProgramError, match="filter: unknown filter 'x'"):
        P.num_raw_params("x")


@pytest.mark.parametrize("text, message", [
    ('{"steps": ' + "[" * 100_000 + "]" * 100_000 + "}",
     "not valid JSON for a program: nested too deeply"),
    ('{"ev": 1' + "0" * 4999 + "}", "an integer of more than 4300 digits"),
])
def test_json_the_parser_refuses_is_a_program_error(text, message):
    with pytest.raises(P.ProgramError, match=message):
        P.Program.from_json(text)


def test_values_too_large_or_deep_for_a_message_are_cut():
    huge = _doc({"filter": "exposure", "ev": 10**400})
    with pytest.raises(P.ProgramError,
                       match=r"steps\[0\]\.ev: 1000.*\.\.\..*is too large for a number"):
        P.Program.from_dict(huge)
    nested = _doc(json.loads("[" * 900 + "]" * 900))
    with pytest.raises(P.ProgramError) as info:
        P.Program.from_dict(nested)
    message = str(info.value)
    assert message.startswith("steps[0]: expected an object with a 'filter' key, got [[[")
    assert "[...]" in message and len(message) < 100


def test_a_program_holds_at_most_max_steps():
    step = {"filter": "exposure", "ev": 0.5}
    assert len(P.Program.from_dict(_doc(*[step] * P.MAX_STEPS)).steps) == P.MAX_STEPS
    message = f"steps: {P.MAX_STEPS + 1} steps; a program holds at most {P.MAX_STEPS}"
    with pytest.raises(P.ProgramError, match=message):
        P.Program.from_dict(_doc(*[step] * (P.MAX_STEPS + 1)))
    with pytest.raises(P.ProgramError, match=message):
        P.Program((P.Step("exposure", {"ev": 0.5}),) * (P.MAX_STEPS + 1))


def test_a_file_that_is_not_utf8_is_named(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes(json.dumps({**_doc(), "author": "Jos\u00e9"}).encode("utf-8").replace(
        b"\\u00e9", "\u00e9".encode("latin-1")))
    with pytest.raises(P.ProgramError, match=r"latin1\.json: not UTF-8 text \(byte 0xe9 at offset"):
        P.load(path)
