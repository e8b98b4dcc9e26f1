"""The GLSL ES 3.0 shaders of `mobile/shaders/` and their desktop-GL form.

The shader files are written for OpenGL ES 3.0 (`#version 300 es`, explicit precision
qualifiers), what Android and iOS (MoltenGL/ANGLE) apps compile. Desktop OpenGL 3.3 core
(llvmpipe in the tests, desktop previews) accepts the same source once the version line says
`#version 330 core`; precision qualifiers are legal there and ignored. Standard library only.
"""
import pathlib

SHADER_DIR = pathlib.Path(__file__).resolve().parent / "shaders"
VERTEX_SHADER = "fullscreen.vert"
PROGRAM_SHADER = "program.frag"  # the program's steps from uniforms (layout: mobile/manifest.py)
LUT_SHADER = "lut3d.frag"  # the program baked into a 3D LUT texture (mobile/lut.py)
SHADERS = (VERTEX_SHADER, PROGRAM_SHADER, LUT_SHADER)
TARGETS = ("es", "desktop")

ES_VERSION_LINE = "#version 300 es"
DESKTOP_VERSION_LINE = "#version 330 core"


def shader_path(name):
    """Returns the path of the shader file `name` (one of SHADERS)."""
    if name not in SHADERS:
        raise ValueError(f"unknown shader {name!r}; known shaders: {', '.join(SHADERS)}")
    return SHADER_DIR / name


def to_desktop(source, name="shader"):
    """Rewrites GLSL ES 3.0 source for desktop OpenGL 3.3 core: swaps the first line.

    Raises ValueError naming `name` if the source does not start with `#version 300 es`.
    """
    first, newline, rest = source.partition("\n")
    if first.strip() != ES_VERSION_LINE:
        raise ValueError(
            f"{name}: expected the first line {ES_VERSION_LINE!r}, got {first.strip()!r}")
    return DESKTOP_VERSION_LINE + newline + rest


def load(name, target="es"):
    """Returns the source text of shader `name` for `target` ("es": as shipped; "desktop":
    `#version 330 core`)."""
    if target not in TARGETS:
        raise ValueError(f"target must be one of {TARGETS}, got {target!r}")
    source = shader_path(name).read_text(encoding="utf-8")
    return source if target == "es" else to_desktop(source, name)
