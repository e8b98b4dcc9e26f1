"""Tests for mobile/gl_render.py: the headless renderer's API, input checks and timing pieces."""
import numpy as np
import pytest

from mobile import gl_render
from mobile.program import Program, Step
from mobile.render import render
from tests.mobile.gl_fixtures import gl_renderer  # noqa: F401 (pytest fixture)


def test_pieces_equal_the_one_call(gl_renderer):  # noqa: F811
    rng = np.random.default_rng(0)
    image = rng.uniform(0.0, 1.0, (17, 23, 3)).astype(np.float32)
    program = Program((Step("gamma", {"gamma": 0.5}), Step("contrast", {"amount": 0.5})))
    texture = gl_renderer.upload_image(image)
    framebuffer = gl_renderer.draw_program(texture, program)
    pieces = gl_renderer.read(framebuffer)
    framebuffer.release()
    texture.release()
    assert pieces.shape == (17, 23, 3) and pieces.dtype == np.uint8
    np.testing.assert_array_equal(pieces, gl_renderer.render_program(program, image))
    want = np.rint(np.clip(render(program, image), 0.0, 1.0) * 255.0)
    assert np.abs(pieces - want).max() <= 1


def test_bad_inputs_are_clear_errors(gl_renderer):  # noqa: F811
    with pytest.raises(ValueError, match=r"image: expected shape \[H, W, 3\]"):
        gl_renderer.upload_image(np.zeros((4, 4, 4), np.float32))
    with pytest.raises(ValueError, match="image: texture dtype must be one of"):
        gl_renderer.upload_image(np.zeros((4, 4, 3), np.float32), dtype="u1")
    with pytest.raises(ValueError, match=r"lut: expected shape \(N, N, N, 3\)"):
        gl_renderer.upload_lut(np.zeros((4, 4, 5, 3), np.float32))
    with pytest.raises(ValueError, match="at least 2 nodes"):
        gl_renderer.upload_lut(np.zeros((1, 1, 1, 3), np.float32))
    with pytest.raises(ValueError, match="at most 8"):
        gl_renderer.render_program(Program((Step("gamma", {"gamma": 1.0}),) * 9),
                                   np.zeros((2, 2, 3), np.float32))


def test_context_error_names_the_packages(monkeypatch):
    import moderngl

    def fail(**kwargs):
        raise Exception("eglGetDisplay failed")  # what glcontext raises without EGL

    monkeypatch.setattr(moderngl, "create_standalone_context", fail)
    with pytest.raises(gl_render.GLUnavailableError, match="apt-get install libegl1"):
        gl_render.create_context()
