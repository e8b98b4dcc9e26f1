"""Headless OpenGL rendering of programs with the shaders of `mobile/shaders/` (moderngl).

What an app does on the phone, run on the desktop: upload the linear image as a float texture,
set the uniforms of `mobile.manifest` (program path) or upload the 3D LUT (LUT path), draw one
full-screen triangle into an RGBA8 framebuffer, read the 8-bit display codes back. On a machine
without a GPU, the EGL backend runs on Mesa's llvmpipe (fp32 arithmetic).

Imports moderngl (not TensorFlow); `create_context` raises `GLUnavailableError` with the Debian
packages to install when no context can be made.
"""
import numpy as np

from mobile import manifest as manifest_lib
from mobile import shader_source

TEXTURE_DTYPES = ("f4", "f2")  # float32 / float16 textures (RGB32F / RGB16F)
GL_VERSION = 330  # desktop OpenGL 3.3 core: runs the GLSL ES 3.0 sources after the version swap
EGL_PACKAGES = "libegl1 libgl1 libegl-mesa0 libgl1-mesa-dri"


class GLUnavailableError(RuntimeError):
    """No headless OpenGL 3.3 context could be created (no EGL/Mesa, or moderngl missing)."""


def create_context():
    """Returns a standalone moderngl context on EGL (OpenGL >= 3.3 core)."""
    try:
        import moderngl
    except ImportError as e:
        raise GLUnavailableError(f"moderngl is not installed ({e}); pip install moderngl") from e
    try:
        return moderngl.create_standalone_context(backend="egl", require=GL_VERSION)
    except Exception as e:  # glcontext raises plain Exception subclasses for every EGL failure
        raise GLUnavailableError(
            f"cannot create a headless OpenGL {GL_VERSION // 100}.{GL_VERSION % 100 // 10} "
            f"context with EGL ({e}); on Debian/Ubuntu: apt-get install {EGL_PACKAGES}") from e


def _check_dtype(dtype, what):
    if dtype not in TEXTURE_DTYPES:
        raise ValueError(f"{what}: texture dtype must be one of {TEXTURE_DTYPES}, got {dtype!r}")
    return np.float32 if dtype == "f4" else np.float16


class ShaderRenderer:
    """Renders programs and 3D LUTs with the GLSL shaders; one GL context, shaders compiled once.

    `render_program` / `render_lut` do the whole upload -> draw -> readback; the pieces
    (`upload_image`, `upload_lut`, `draw_program`, `draw_lut`, `read`) let a benchmark time the
    draw alone. Textures and framebuffers returned by the pieces are the caller's to `release()`.
    """

    def __init__(self, context=None):
        self.ctx = context or create_context()
        vertex = shader_source.load(shader_source.VERTEX_SHADER, "desktop")
        self._program = self.ctx.program(
            vertex_shader=vertex,
            fragment_shader=shader_source.load(shader_source.PROGRAM_SHADER, "desktop"))
        self._lut = self.ctx.program(
            vertex_shader=vertex,
            fragment_shader=shader_source.load(shader_source.LUT_SHADER, "desktop"))
        self._program["u_image"].value = 0
        self._lut["u_image"].value = 0
        self._lut["u_lut"].value = 1
        self._program_vao = self.ctx.vertex_array(self._program, [])
        self._lut_vao = self.ctx.vertex_array(self._lut, [])

    def upload_image(self, image, dtype="f4"):
        """Uploads linear RGB float [H, W, 3] as an RGB32F ("f4") or RGB16F ("f2") texture."""
        image = np.asarray(image)
        if image.ndim != 3 or image.shape[-1] != 3:
            raise ValueError(f"image: expected shape [H, W, 3] (linear RGB), got {image.shape}")
        data = np.ascontiguousarray(image, dtype=_check_dtype(dtype, "image"))
        height, width = image.shape[:2]
        texture = self.ctx.texture((width, height), 3, data, dtype=dtype, alignment=1)
        texture.filter = (self.ctx.NEAREST, self.ctx.NEAREST)
        return texture

    def upload_lut(self, lut, dtype="f4"):
        """Uploads a 3D LUT float (N, N, N, 3) [b, g, r] (`mobile.lut.bake`) as a 3D texture."""
        lut = np.asarray(lut)
        if lut.ndim != 4 or lut.shape[-1] != 3 or not lut.shape[0] == lut.shape[1] == lut.shape[2]:
            raise ValueError(f"lut: expected shape (N, N, N, 3), got {lut.shape}")
        if lut.shape[0] < 2:
            raise ValueError(f"lut: needs at least 2 nodes per axis, got {lut.shape[0]}")
        data = np.ascontiguousarray(lut, dtype=_check_dtype(dtype, "lut"))
        texture = self.ctx.texture3d(lut.shape[:3], 3, data, dtype=dtype, alignment=1)
        texture.filter = (self.ctx.NEAREST, self.ctx.NEAREST)
        return texture

    def _draw(self, vao, size, textures):
        framebuffer = self.ctx.simple_framebuffer(size, components=4)
        framebuffer.use()
        for unit, texture in enumerate(textures):
            texture.use(unit)
        vao.render(mode=self.ctx.TRIANGLES, vertices=3)
        self.ctx.finish()
        return framebuffer

    def draw_program(self, image_texture, program):
        """Renders `program` (mobile.program.Program) over the image texture; returns the RGBA8
        framebuffer (finished: the GPU work is done when this returns)."""
        return self.draw_uniforms(image_texture, manifest_lib.uniform_values(program))

    def draw_uniforms(self, image_texture, values):
        """Renders with program.frag uniforms `values` (`mobile.manifest.uniform_values` or
        `uniforms_from_predictor`); returns the finished RGBA8 framebuffer."""
        self._program["u_num_steps"].value = values["u_num_steps"]
        self._program["u_filter"].write(values["u_filter"].tobytes())
        self._program["u_params"].write(values["u_params"].tobytes())
        return self._draw(self._program_vao, image_texture.size, [image_texture])

    def draw_lut(self, image_texture, lut_texture):
        """Renders the 3D LUT texture over the image texture; returns the finished framebuffer."""
        return self._draw(self._lut_vao, image_texture.size, [image_texture, lut_texture])

    @staticmethod
    def read(framebuffer):
        """Reads the framebuffer back as uint8 display codes [H, W, 3] (row 0 = image row 0)."""
        width, height = framebuffer.size
        data = framebuffer.read(components=3, alignment=1)
        return np.frombuffer(data, dtype=np.uint8).reshape(height, width, 3)

    def render_program(self, program, image, dtype="f4"):
        """Renders `program` on linear RGB [H, W, 3]; returns uint8 sRGB-encoded codes [H, W, 3]."""
        return self._render(lambda texture: self.draw_program(texture, program), image, dtype)

    def render_lut(self, lut, image, dtype="f4", lut_dtype="f4"):
        """Renders a 3D LUT (`mobile.lut.bake`) on linear RGB [H, W, 3]; returns uint8 codes."""
        lut_texture = self.upload_lut(lut, lut_dtype)
        try:
            return self._render(lambda texture: self.draw_lut(texture, lut_texture), image, dtype)
        finally:
            lut_texture.release()

    def _render(self, draw, image, dtype):
        texture = self.upload_image(image, dtype)
        try:
            framebuffer = draw(texture)
            try:
                return self.read(framebuffer)
            finally:
                framebuffer.release()
        finally:
            texture.release()

    def release(self):
        """Releases the GL objects and the context."""
        for obj in (self._program_vao, self._lut_vao, self._program, self._lut):
            obj.release()
        self.ctx.release()
