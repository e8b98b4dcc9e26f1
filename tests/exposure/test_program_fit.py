"""Tests of exposure/program_fit.py: a program is recovered from a paired example it made."""
import numpy as np
import pytest

from exposure import program_fit
from mobile import program as program_lib
from mobile.render import render


def _photo(seed=0, size=48):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size] / size
    base = np.stack([x, y, 0.5 * (x + y)], -1) * 0.4
    return (base + rng.uniform(0, 0.05, base.shape)).astype(np.float32)


def _program(*steps):
    return program_lib.Program(tuple(program_lib.Step(s[0], s[1]) for s in steps))


def test_the_fit_reproduces_an_edit_the_filters_can_express():
    linear = _photo()
    truth = _program(("exposure", {"ev": 1.2}), ("gamma", {"gamma": 1 / 2.0}),
                     ("saturation", {"amount": 0.4}))
    target = np.clip(render(truth, linear), 0, 1)
    program, mse = program_fit.fit_program(linear, target, order=("exposure", "gamma",
                                                                   "saturation"), steps=600)
    assert mse < 1e-4
    np.testing.assert_allclose(np.clip(render(program, linear), 0, 1), target, atol=0.03)
    assert [s.filter for s in program.steps] == ["exposure", "gamma", "saturation"]
    # Doing nothing is far worse: the test can fail.
    assert np.mean((np.clip(linear, 0, 1) - target) ** 2) > 100 * mse


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="steps=0"):
        program_fit.fit_program(_photo(), _photo(), steps=0)
