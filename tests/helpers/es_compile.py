"""Compiles and links GLSL ES shaders in a real OpenGL ES 3 context, as a phone's driver would.

`glslangValidator` checks the language; this runs the driver's own compiler and linker on the
unmodified `#version 300 es` sources (Mesa's, headless: EGL surfaceless platform, llvmpipe
without a GPU) and reports the program's active uniforms, so the manifest's layout can be checked
against what the driver actually exposes. ctypes over libEGL and libGLESv2; standard library only.
"""
import ctypes

ES_PACKAGES = "libegl1 libgles2 libegl-mesa0 libgl1-mesa-dri"

_EGL_PLATFORM_SURFACELESS_MESA = 0x31DD
_EGL_OPENGL_ES_API = 0x30A0
_EGL_CONTEXT_CLIENT_VERSION = 0x3098
_EGL_NONE = 0x3038
_GL_FRAGMENT_SHADER = 0x8B30
_GL_VERTEX_SHADER = 0x8B31
_GL_COMPILE_STATUS = 0x8B81
_GL_LINK_STATUS = 0x8B82
_GL_ACTIVE_UNIFORMS = 0x8B86
_GL_VERSION = 0x1F02
_GL_RENDERER = 0x1F01
_LOG_CHARS = 8192


class ESUnavailableError(RuntimeError):
    """No OpenGL ES 3 context could be created (libEGL / libGLESv2 / Mesa missing)."""


class ShaderCompileError(ValueError):
    """A shader failed to compile or a program failed to link; the message holds the driver log."""


def _load_libraries():
    try:
        return ctypes.CDLL("libEGL.so.1"), ctypes.CDLL("libGLESv2.so.2")
    except OSError as e:
        raise ESUnavailableError(
            f"cannot load libEGL.so.1 / libGLESv2.so.2 ({e}); on Debian/Ubuntu: "
            f"apt-get install {ES_PACKAGES}") from e


class ESContext:
    """A current, surfaceless OpenGL ES 3 context; use as a context manager (released on exit).

    `version` and `renderer` are the driver's GL_VERSION and GL_RENDERER strings.
    """

    def __init__(self):
        self._egl, self._gl = _load_libraries()
        egl, gl = self._egl, self._gl
        egl.eglGetProcAddress.restype = ctypes.c_void_p
        egl.eglGetProcAddress.argtypes = [ctypes.c_char_p]
        address = egl.eglGetProcAddress(b"eglGetPlatformDisplayEXT")
        if not address:
            raise ESUnavailableError("EGL has no eglGetPlatformDisplayEXT (EGL_EXT_platform_base)")
        get_display = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_uint, ctypes.c_void_p,
                                       ctypes.c_void_p)(address)
        self._display = get_display(_EGL_PLATFORM_SURFACELESS_MESA, None, None)
        egl.eglInitialize.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
        if not self._display or not egl.eglInitialize(self._display, None, None):
            raise ESUnavailableError(
                "cannot open the EGL surfaceless display (Mesa's EGL_MESA_platform_surfaceless); "
                f"on Debian/Ubuntu: apt-get install {ES_PACKAGES}")
        egl.eglCreateContext.restype = ctypes.c_void_p
        egl.eglCreateContext.argtypes = [ctypes.c_void_p] * 4
        egl.eglMakeCurrent.argtypes = [ctypes.c_void_p] * 4
        egl.eglDestroyContext.argtypes = [ctypes.c_void_p] * 2
        egl.eglTerminate.argtypes = [ctypes.c_void_p]
        attributes = (ctypes.c_int * 3)(_EGL_CONTEXT_CLIENT_VERSION, 3, _EGL_NONE)
        egl.eglBindAPI(_EGL_OPENGL_ES_API)
        self._context = egl.eglCreateContext(self._display, None, None, attributes)
        if not self._context or not egl.eglMakeCurrent(self._display, None, None, self._context):
            egl.eglTerminate(self._display)
            raise ESUnavailableError("cannot create a current OpenGL ES 3 context (EGL)")
        gl.glGetString.restype = ctypes.c_char_p
        gl.glGetString.argtypes = [ctypes.c_uint]
        self.version = gl.glGetString(_GL_VERSION).decode()
        self.renderer = gl.glGetString(_GL_RENDERER).decode()

    def _compile(self, kind, source, name):
        gl = self._gl
        shader = gl.glCreateShader(kind)
        text = ctypes.c_char_p(source.encode("utf-8"))
        gl.glShaderSource(shader, 1, ctypes.byref(text), None)
        gl.glCompileShader(shader)
        status = ctypes.c_int()
        gl.glGetShaderiv(shader, _GL_COMPILE_STATUS, ctypes.byref(status))
        if not status.value:
            log = ctypes.create_string_buffer(_LOG_CHARS)
            gl.glGetShaderInfoLog(shader, _LOG_CHARS, None, log)
            gl.glDeleteShader(shader)
            raise ShaderCompileError(f"{name}: does not compile: {log.value.decode().strip()}")
        return shader

    def link(self, vertex_source, fragment_source, names=("vertex shader", "fragment shader")):
        """Compiles both sources and links them; returns the active uniforms {name: array size}
        (arrays named `u_x[0]`, as the driver reports them). Raises ShaderCompileError with the
        driver's log, prefixed with the offending name from `names`."""
        gl = self._gl
        shaders = [self._compile(_GL_VERTEX_SHADER, vertex_source, names[0])]
        try:
            shaders.append(self._compile(_GL_FRAGMENT_SHADER, fragment_source, names[1]))
            program = gl.glCreateProgram()
            for shader in shaders:
                gl.glAttachShader(program, shader)
            gl.glLinkProgram(program)
            status = ctypes.c_int()
            gl.glGetProgramiv(program, _GL_LINK_STATUS, ctypes.byref(status))
            if not status.value:
                log = ctypes.create_string_buffer(_LOG_CHARS)
                gl.glGetProgramInfoLog(program, _LOG_CHARS, None, log)
                gl.glDeleteProgram(program)
                raise ShaderCompileError(
                    f"{' + '.join(names)}: do not link: {log.value.decode().strip()}")
            uniforms = self._active_uniforms(program)
            gl.glDeleteProgram(program)
            return uniforms
        finally:
            for shader in shaders:
                gl.glDeleteShader(shader)

    def _active_uniforms(self, program):
        gl = self._gl
        count = ctypes.c_int()
        gl.glGetProgramiv(program, _GL_ACTIVE_UNIFORMS, ctypes.byref(count))
        uniforms = {}
        for index in range(count.value):
            name = ctypes.create_string_buffer(256)
            size, kind = ctypes.c_int(), ctypes.c_uint()
            gl.glGetActiveUniform(program, index, 256, None, ctypes.byref(size),
                                  ctypes.byref(kind), name)
            uniforms[name.value.decode()] = size.value
        return uniforms

    def release(self):
        """Releases the context and the display."""
        self._egl.eglMakeCurrent(self._display, None, None, None)
        self._egl.eglDestroyContext(self._display, self._context)
        self._egl.eglTerminate(self._display)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()
