"""An app bundle: the folder an app ships or downloads to render programs with the shaders.

    OUTPUT/manifest.json          mobile.manifest.build_manifest (uniform layout, conventions)
    OUTPUT/shaders/*.vert|*.frag  the GLSL ES 3.0 sources as shipped (mobile/shaders/)
    OUTPUT/program.json           with a program: the program document
    OUTPUT/lut.bin                with a program: its 3D LUT, float32 little-endian, [b][g][r][rgb]
                                  (glTexImage3D data for the LUT path, N = manifest lut size)

With a predictor (`write_web_app`), the bundle is also the camera web app (`mobile/web/`), a static
site any phone browser opens:

    OUTPUT/index.html, *.js, *.css, sw.js, README.md   the app (mobile/web/), as shipped
    OUTPUT/filters.json           the filters' titles, parameter kinds and ranges, shader ids and
                                  uniform layout (`web_filters`, from mobile.registry): the sliders
    OUTPUT/model/predictor.tflite.json  the predictor's sidecar (export/sidecar.py), unchanged
    OUTPUT/model/<model_file>     the .tflite it names
    OUTPUT/litert/                the LiteRT.js runtime (npm @litertjs/core, `npm ci` in
                                  mobile/web/): ES modules and both WASM builds it picks from
    OUTPUT/precache.js            the files the service worker keeps for offline use, and their
                                  digest (a rebuilt site replaces the cached one)

Every file is written atomically; existing files of the same name are replaced, nothing else in
the folder is touched. numpy and the standard library.
"""
import hashlib
import json
import pathlib
import re

import numpy as np

from mobile import lut as lut_lib
from mobile import manifest as manifest_lib
from mobile import registry, shader_source
from mobile.atomic import write_bytes_atomically
from mobile.parameters import CURVE_SEGMENTS, Curve, Gamma, Multipliers, Scalar

MANIFEST_FILE = "manifest.json"
PROGRAM_FILE = "program.json"
LUT_FILE = "lut.bin"


def load_sidecar(path):
    """Reads a predictor sidecar JSON (export/sidecar.py); ValueError naming the file if it is
    unreadable or not a version-1 "exposure-predictor" document."""
    path = pathlib.Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ValueError(f"{path}: cannot read the sidecar: {e.strerror}") from e
    except UnicodeDecodeError as e:
        raise ValueError(f"{path}: not UTF-8 text ({e})") from None
    except (ValueError, RecursionError) as e:  # not JSON, nested too deeply, a huge integer
        raise ValueError(f"{path}: not valid JSON: {e}") from None
    try:
        manifest_lib.shader_ids_for_predictor(document)
    except (ValueError, KeyError, TypeError) as e:
        raise ValueError(f"{path}: {e}") from e
    return document


def write_bundle(output_dir, program=None, sidecar=None, lut_size=lut_lib.DEFAULT_SIZE):
    """Writes the bundle (see module doc) into `output_dir` (created if missing).

    Args:
      output_dir: folder to write into.
      program: optional mobile.program.Program: adds program.json, lut.bin and its uniforms.
      sidecar: optional predictor sidecar document (dict) for the predictor -> shader mapping.
      lut_size: LUT nodes per axis (2 to mobile.lut.MAX_SIZE).

    Returns:
      list of the paths written (pathlib.Path), in write order (manifest.json last).
    """
    lut_size = lut_lib.check_size(lut_size)
    output_dir = pathlib.Path(output_dir)
    document = manifest_lib.build_manifest(program, lut_size, sidecar)
    files = {}
    for name in shader_source.SHADERS:
        files[f"shaders/{name}"] = shader_source.load(name).encode("utf-8")
    if program is not None:
        table = lut_lib.bake(program, lut_size).astype("<f4")
        files[LUT_FILE] = table.tobytes()
        files[PROGRAM_FILE] = program.to_json().encode("utf-8")
        document["lut_path"]["lut_texture"]["file"] = LUT_FILE
        document["lut_path"]["lut_texture"]["file_dtype"] = "float32 little-endian"
        document["lut_path"]["lut_texture"]["file_values"] = int(np.prod(table.shape))
    # The manifest last: once it exists, every file it names is complete.
    files[MANIFEST_FILE] = (json.dumps(document, indent=2) + "\n").encode("utf-8")
    written = []
    for name in files:
        path = output_dir / name
        write_bytes_atomically(path, files[name])
        written.append(path)
    return written


# ------------------------------------------------------------------ the camera web app

WEB_DIR = pathlib.Path(__file__).resolve().parent / "web"
# The app's own files (mobile/web/), copied as they are.
WEB_FILES = ("index.html", "style.css", "app.js", "photo.js", "predictor.js", "program.js",
             "controls.js", "renderer.js", "sw.js", "README.md")
FILTERS_FILE = "filters.json"
SIDECAR_FILE = "model/predictor.tflite.json"
PRECACHE_FILE = "precache.js"
LITERTJS_PACKAGE = "@litertjs/core"
# Site path -> path under node_modules/@litertjs. The page imports core's ES module (its bare
# import of wasm-utils is resolved by the import map of index.html); `loadLiteRt("litert/wasm/")`
# loads litert_wasm_internal (browsers with relaxed SIMD) or litert_wasm_compat_internal (the
# others); the threaded and JSPI builds need options the app does not set.
LITERTJS_FILES = {
    "litert/core/index.js": "core/dist/index.js",
    "litert/wasm-utils/index.js": "wasm-utils/dist/index.js",
    **{f"litert/wasm/{name}": f"core/wasm/{name}"
       for build in ("litert_wasm_internal", "litert_wasm_compat_internal")
       for name in (f"{build}.js", f"{build}.wasm")},
}
TFLITE_IDENTIFIER = b"TFL3"  # bytes 4..8 of a TFLite flatbuffer (its file_identifier)
# How Gamma.format, Multipliers.format and Curve.format print each value ("{:.2f}", no sign;
# mobile/parameters.py).
_FIXED_DECIMALS = 2


def default_litertjs_dir():
    """Where `npm ci` in mobile/web/ puts the LiteRT.js packages (node_modules/@litertjs)."""
    return WEB_DIR / "node_modules" / "@litertjs"


def litertjs_version():
    """The @litertjs/core version the app is written against: mobile/web/package.json's pin."""
    package = json.loads((WEB_DIR / "package.json").read_text(encoding="utf-8"))
    return package["dependencies"][LITERTJS_PACKAGE]


def _printed_number(fmt):
    """{"sign": bool, "decimals": int} for a Scalar's format string such as "{:+.2f}"."""
    match = re.fullmatch(r"\{:(\+?)\.(\d+)f\}", fmt)
    if match is None:
        raise ValueError(f"format {fmt!r}: the web app prints only '{{:.Nf}}' or '{{:+.Nf}}'")
    return {"sign": match[1] == "+", "decimals": int(match[2])}


def _control(key, kind):
    """One step parameter as the app's sliders and printing see it (see `web_filters`)."""
    if isinstance(kind, Gamma):
        return {"key": key, "kind": "gamma", "low": kind.low, "high": kind.high,
                "sign": False, "decimals": _FIXED_DECIMALS}
    if isinstance(kind, Scalar):
        return {"key": key, "kind": "scalar", "low": kind.low, "high": kind.high,
                **_printed_number(kind.fmt)}
    if isinstance(kind, Multipliers):
        return {"key": key, "kind": "multipliers", "log_range": kind.log_range,
                "sign": False, "decimals": _FIXED_DECIMALS}
    if isinstance(kind, Curve):
        return {"key": key, "kind": "curve", "channels": kind.channels, "segments": CURVE_SEGMENTS,
                "low": kind.low, "high": kind.high,
                "sign": False, "decimals": _FIXED_DECIMALS}
    raise ValueError(f"parameter {key!r}: the web app has no control for {type(kind).__name__}")


def web_filters():
    """The filter table the web app reads (JSON-ready dict), from `mobile.registry`:

    {"max_steps", "vec4_per_step": the uniform layout of program.frag (mobile.manifest),
     "luminance": Lum(p) weights (white-balance sliders keep the multipliers' luminance),
     "filters": {name: {"title", "shader_id", "parameters": [control, ...]}}}, one control per
    JSON key of a step in operator-parameter order: kind "scalar" or "gamma" (low, high), or
    "multipliers" (log_range: g/r and b/r within exp(+-log_range)), or "curve" (channels,
    segments, slope bounds low/high); each with how the paper's printed form writes its values
    (sign, decimals).
    """
    return {
        "max_steps": manifest_lib.MAX_STEPS,
        "vec4_per_step": manifest_lib.VEC4_PER_STEP,
        "luminance": list(registry.LUMINANCE_WEIGHTS),
        "filters": {name: {"title": spec.title, "shader_id": spec.shader_id,
                           "parameters": [_control(key, kind)
                                          for key, kind in spec.parameters.items()]}
                    for name, spec in registry.FILTERS.items()},
    }


def _read(path, what):
    try:
        return pathlib.Path(path).read_bytes()
    except OSError as e:
        raise ValueError(f"{path}: cannot read {what}: {e.strerror}") from e


def _litertjs_files(litertjs_dir):
    """{site path: bytes} of the LiteRT.js runtime in `litertjs_dir` (node_modules/@litertjs);
    ValueError saying how to install it when missing or of another version."""
    litertjs_dir = pathlib.Path(litertjs_dir)
    install = (f"install it with `npm ci --prefix {WEB_DIR}` (package.json and package-lock.json "
               "there pin the version)")
    package_file = litertjs_dir / "core" / "package.json"
    if not package_file.is_file():
        raise ValueError(f"{litertjs_dir}: no LiteRT.js runtime ({LITERTJS_PACKAGE}) there; "
                         f"{install}")
    found = json.loads(package_file.read_text(encoding="utf-8")).get("version")
    if found != litertjs_version():
        raise ValueError(f"{litertjs_dir}: LiteRT.js {found}, the app needs "
                         f"{litertjs_version()}; {install}")
    return {site: _read(litertjs_dir / source, "the LiteRT.js runtime")
            for site, source in LITERTJS_FILES.items()}


def check_tflite(data, path):
    """ValueError naming `path` unless `data` (bytes) is a TFLite flatbuffer."""
    if data[4:8] != TFLITE_IDENTIFIER:
        raise ValueError(f"{path}: not a TFLite model (no {TFLITE_IDENTIFIER.decode()} "
                         "identifier at byte 4)")


def write_web_app(output_dir, model_path, sidecar_path=None, litertjs_dir=None, program=None,
                  lut_size=lut_lib.DEFAULT_SIZE):
    """Writes the camera web app with the predictor `model_path` into `output_dir` (see the
    module doc), with the shader bundle (`write_bundle(output_dir, program, sidecar,
    lut_size)`) beside it.

    Args:
      output_dir: folder to write into (created if missing); must not hold the inputs.
      model_path: the exported predictor (.tflite, from exposure_export).
      sidecar_path: its sidecar JSON; default: beside it (`manifest.sidecar_path`).
      litertjs_dir: node_modules/@litertjs of an `npm ci` in mobile/web/ (default there).

    Returns:
      list of the paths written (pathlib.Path); precache.js last.

    Raises:
      ValueError naming the file when an input is missing or not what is expected.
    """
    output_dir = pathlib.Path(output_dir)
    model_path = pathlib.Path(model_path)
    sidecar_path = manifest_lib.sidecar_path(model_path) if sidecar_path is None else sidecar_path
    sidecar = load_sidecar(sidecar_path)
    if sidecar.get("runtime") != "tflite":
        raise ValueError(f"{sidecar_path}: the sidecar of a {sidecar.get('runtime')!r} model; the "
                         "web app runs a .tflite (exposure_export --format=tflite)")
    model_file = sidecar.get("model_file")
    if not isinstance(model_file, str) or pathlib.PurePosixPath(model_file).name != model_file:
        raise ValueError(f"{sidecar_path}: model_file {model_file!r} is not a file name")
    model = _read(model_path, "the predictor")
    check_tflite(model, model_path)
    for path in (model_path, pathlib.Path(sidecar_path)):
        if output_dir.resolve() in path.resolve().parents:
            raise ValueError(f"{path}: an input inside the output folder {output_dir}; write the "
                             "site elsewhere")
    files = {name: _read(WEB_DIR / name, "the web app") for name in WEB_FILES}
    files.update(_litertjs_files(default_litertjs_dir() if litertjs_dir is None
                                 else litertjs_dir))
    files[FILTERS_FILE] = (json.dumps(web_filters(), indent=2) + "\n").encode("utf-8")
    files[SIDECAR_FILE] = _read(sidecar_path, "the sidecar")
    files[f"model/{model_file}"] = model
    for name in shader_source.SHADERS:
        files[f"shaders/{name}"] = shader_source.load(name).encode("utf-8")
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode("utf-8") + b"\0" + files[name] + b"\0")
    cached = ["./"] + sorted(name for name in files if name != "README.md")
    files[PRECACHE_FILE] = ("// Written by mobile_bundle: what sw.js keeps for offline use.\n"
                            "self.PRECACHE = " + json.dumps(
                                {"version": digest.hexdigest()[:16], "files": cached}, indent=2)
                            + ";\n").encode("utf-8")
    written = write_bundle(output_dir, program, sidecar, lut_size)
    for name, data in files.items():
        if (output_dir / name) not in written:
            write_bytes_atomically(output_dir / name, data)
            written.append(output_dir / name)
    return written
