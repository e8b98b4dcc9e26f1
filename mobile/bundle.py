"""An app bundle: the folder an app ships or downloads to render programs with the shaders.

    OUTPUT/manifest.json          mobile.manifest.build_manifest (uniform layout, conventions)
    OUTPUT/shaders/*.vert|*.frag  the GLSL ES 3.0 sources as shipped (mobile/shaders/)
    OUTPUT/program.json           with a program: the program document
    OUTPUT/lut.bin                with a program: its 3D LUT, float32 little-endian, [b][g][r][rgb]
                                  (glTexImage3D data for the LUT path, N = manifest lut size)

Every file is written atomically; existing files of the same name are replaced, nothing else in
the folder is touched. numpy and the standard library.
"""
import json
import pathlib

import numpy as np

from mobile import lut as lut_lib
from mobile import manifest as manifest_lib
from mobile import shader_source
from mobile.atomic import write_bytes_atomically

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
