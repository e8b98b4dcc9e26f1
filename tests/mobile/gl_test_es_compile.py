"""Tests for tests/helpers/es_compile.py: the shipped `#version 300 es` sources compile and link
in a real OpenGL ES 3 context (Mesa, EGL surfaceless), exposing exactly the manifest's uniforms."""
import pytest

from mobile import manifest, shader_source
from tests.helpers import es_compile


@pytest.fixture(scope="module")
def es_context():
    try:
        context = es_compile.ESContext()
    except es_compile.ESUnavailableError as e:
        pytest.skip(f"no OpenGL ES 3 context: {e}")
    yield context
    context.release()


def _link(context, fragment_source, name="fragment"):
    return context.link(shader_source.load(shader_source.VERTEX_SHADER), fragment_source,
                        (shader_source.VERTEX_SHADER, name))


def _expected_uniforms(path):
    """{driver name: array size} of the manifest's uniform list for `path`."""
    return {(u["name"] + "[0]" if "count" in u else u["name"]): u.get("count", 1)
            for u in manifest.build_manifest()[path]["uniforms"]}


def test_context_is_opengl_es_3(es_context):
    assert es_context.version.startswith("OpenGL ES 3")


@pytest.mark.parametrize("path", ["program_path", "lut_path"])
def test_shipped_shaders_link_with_the_manifest_uniforms(es_context, path):
    name = manifest.build_manifest()[path]["fragment"]
    uniforms = _link(es_context, shader_source.load(name), name)
    assert uniforms == _expected_uniforms(path)


def test_es_driver_rejects_what_es_forbids(es_context):
    source = shader_source.load(shader_source.PROGRAM_SHADER)
    # A fragment shader without a default float precision does not compile in ES.
    with pytest.raises(es_compile.ShaderCompileError, match="no_precision.frag: does not compile"):
        _link(es_context, source.replace("precision highp float;\n", ""), "no_precision.frag")
    # The desktop form is not ES: the ES driver refuses its version line.
    with pytest.raises(es_compile.ShaderCompileError, match="desktop.frag: does not compile"):
        _link(es_context, shader_source.to_desktop(source), "desktop.frag")


def test_type_error_gives_the_driver_log(es_context):
    source = shader_source.load(shader_source.PROGRAM_SHADER)
    with pytest.raises(es_compile.ShaderCompileError,
                       match="broken.frag: does not compile: .*error"):
        _link(es_context, source.replace("return c * exp2(p.x);", "return exp2(p.x);"),
              "broken.frag")
