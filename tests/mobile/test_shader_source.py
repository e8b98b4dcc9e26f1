"""Tests for mobile/shader_source.py: loading the shipped shaders, the desktop version swap."""
import pytest

from mobile import shader_source


@pytest.mark.parametrize("name", shader_source.SHADERS)
def test_load_es_and_desktop(name):
    es = shader_source.load(name)
    desktop = shader_source.load(name, "desktop")
    assert es.splitlines()[0] == "#version 300 es"
    assert desktop.splitlines()[0] == "#version 330 core"
    assert es.splitlines()[1:] == desktop.splitlines()[1:]
    assert "precision highp float;" in es


def test_to_desktop_rejects_other_versions():
    with pytest.raises(ValueError, match=r"blur.frag: expected the first line '#version 300 es'"):
        shader_source.to_desktop("#version 100\nvoid main() {}\n", "blur.frag")


def test_unknown_shader_and_target():
    with pytest.raises(ValueError, match="unknown shader 'blur.frag'"):
        shader_source.load("blur.frag")
    with pytest.raises(ValueError, match="target must be one of"):
        shader_source.load(shader_source.LUT_SHADER, "vulkan")


def test_shaders_are_package_data():
    assert sorted(p.name for p in shader_source.SHADER_DIR.iterdir()) == sorted(
        shader_source.SHADERS)
