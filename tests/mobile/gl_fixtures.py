"""A shared headless GL renderer for the mobile tests; skips (with the reason) where EGL is absent."""
import pytest

from mobile import gl_render


@pytest.fixture(scope="session")
def gl_renderer():
    """One `gl_render.ShaderRenderer` per test session (EGL on Mesa llvmpipe in CI)."""
    try:
        renderer = gl_render.ShaderRenderer()
    except gl_render.GLUnavailableError as e:
        pytest.skip(f"no headless OpenGL context: {e}")
    yield renderer
    renderer.release()
