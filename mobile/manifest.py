"""The manifest an app reads to render programs with the shaders of `mobile/shaders/`.

Two render paths, both one full-screen pass at full resolution:

* program path (`program.frag`): the program's steps as uniforms. `uniform_values(program)` gives
  them; an app fills the same layout from the TFLite predictor's outputs (one call per photo).
* LUT path (`lut3d.frag`): the program baked into a 3D LUT (`mobile.lut.bake`) uploaded as a 3D
  texture; cost independent of the number of steps, the usual form for video or previews.

Uniform layout of `program.frag` (`MAX_STEPS` steps, `VEC4_PER_STEP` vec4 per step):

    int  u_num_steps            number of steps, 0 .. MAX_STEPS
    int  u_filter[MAX_STEPS]    filter id of step s: the filter's shader_id (mobile.registry)
    vec4 u_params[MAX_STEPS*6]  operator parameter k of step s at u_params[6 s + k / 4][k % 4]

The operator parameters are what `mobile.render` applies (`Step.op_params()`, the output of
`mobile.program.raw_to_op_params`); unused slots are 0. The document's `filters` section, built
from the filter registry (`mobile.registry`), gives each filter's id, slots and their meaning,
and how the slots follow from the program document and from raw network outputs.

The predictor's outputs (`export/sidecar.py`: "filter_index" int32 [1, S], "parameters" float32
[1, S, 24] zero-padded op params) map onto this layout directly: `uniforms_from_predictor`.

Colour convention (both paths): input linear RGB (scene-referred, 1.0 = display white); output
the program's display values, sRGB-encoded, clamped to [0, 1]. numpy and the standard library.
"""
import json
import pathlib

import numpy as np

from mobile import lut as lut_lib
from mobile import registry, shader_source
from mobile.atomic import write_bytes_atomically

FORMAT = "exposure-mobile-manifest"
VERSION = 1
MAX_STEPS = 8  # steps one program.frag pass renders (#define MAX_STEPS in program.frag)
VEC4_PER_STEP = 6  # vec4 uniforms per step: room for the colour curve's 24 slopes
PREDICTOR_FORMAT = "exposure-predictor"  # the export sidecar this manifest reads (version 1)

# Texture filter the app must set: the ES 3.0 defaults (mipmapped min filter; LINEAR on 32-bit
# floats without OES_texture_float_linear) leave a texture incomplete, and texelFetch then reads 0.
_FILTER_NOTE = ("NEAREST for GL_TEXTURE_MIN_FILTER and GL_TEXTURE_MAG_FILTER: the defaults "
                "leave the texture incomplete in ES 3.0 and texelFetch then returns 0")


def filter_ids():
    """Returns {filter name: id}, the value of `u_filter[s]` (the registry's shader_id)."""
    return {name: spec.shader_id for name, spec in registry.FILTERS.items()}


def uniform_values(program):
    """The uniforms of `program.frag` that render `program` (a mobile.program.Program).

    Returns:
      {"u_num_steps": int, "u_filter": int32 [MAX_STEPS], "u_params": float32
      [MAX_STEPS * VEC4_PER_STEP, 4]}; unused steps and slots are 0.

    Raises:
      ValueError if the program has more than MAX_STEPS steps (render it through the LUT path,
      which takes programs of any length).
    """
    steps = program.steps
    if len(steps) > MAX_STEPS:
        raise ValueError(
            f"program has {len(steps)} steps; program.frag renders at most {MAX_STEPS} "
            "(bake it with mobile.lut.bake and use the LUT path)")
    ids = filter_ids()
    filters = np.zeros(MAX_STEPS, dtype=np.int32)
    params = np.zeros((MAX_STEPS, VEC4_PER_STEP * 4), dtype=np.float32)
    for s, step in enumerate(steps):
        filters[s] = ids[step.filter]
        op = step.op_params()
        params[s, :op.size] = op
    return {"u_num_steps": len(steps), "u_filter": filters,
            "u_params": params.reshape(MAX_STEPS * VEC4_PER_STEP, 4)}


def _check_sidecar(sidecar):
    """Returns the sidecar's filter names in its index order; ValueError if it is not one."""
    if not isinstance(sidecar, dict) or sidecar.get("format") != PREDICTOR_FORMAT:
        found = sidecar.get("format") if isinstance(sidecar, dict) else type(sidecar).__name__
        raise ValueError(f"sidecar: expected format {PREDICTOR_FORMAT!r}, got {found!r}")
    if sidecar.get("version") != 1:
        raise ValueError(f"sidecar: unsupported version {sidecar.get('version')!r}; this reader "
                         "knows 1")
    names = [entry.get("name") for entry in sorted(sidecar["filters"], key=lambda e: e["index"])]
    ids = filter_ids()
    unknown = [name for name in names if name not in ids]
    if unknown:
        raise ValueError(f"sidecar.filters: unknown filters {unknown}; the shader knows "
                         f"{', '.join(ids)}")
    return names


def shader_ids_for_predictor(sidecar):
    """Returns [shader filter id] indexed by the predictor's filter index (the sidecar's
    `filters` order, which may be a subset or reordering of the registry's filters)."""
    ids = filter_ids()
    return [ids[name] for name in _check_sidecar(sidecar)]


def uniforms_from_predictor(outputs, sidecar):
    """The uniforms of `program.frag` from one TFLite/ONNX predictor call, as an app computes them.

    Args:
      outputs: {"filter_index": int [1, S], "parameters": float [1, S, P]} (P <= 24), the
        predictor's outputs (other keys are ignored).
      sidecar: the predictor's sidecar document (dict, `export/sidecar.py` format version 1).

    Returns:
      the same dict as `uniform_values` (u_num_steps = S).
    """
    remap = shader_ids_for_predictor(sidecar)
    index = np.asarray(outputs["filter_index"])
    params = np.asarray(outputs["parameters"], dtype=np.float32)
    if index.ndim != 2 or index.shape[0] != 1 or params.shape[:2] != index.shape:
        raise ValueError(
            f"predictor outputs: expected filter_index [1, S] and parameters [1, S, P], got "
            f"{index.shape} and {params.shape}")
    steps = index.shape[1]
    if steps > MAX_STEPS or params.shape[2] > 4 * VEC4_PER_STEP:
        raise ValueError(f"predictor outputs: {steps} steps x {params.shape[2]} parameters do "
                         f"not fit {MAX_STEPS} steps x {4 * VEC4_PER_STEP}")
    if index.min(initial=0) < 0 or index.max(initial=0) >= len(remap):
        raise ValueError(f"predictor outputs: filter_index {index.tolist()} outside the "
                         f"sidecar's {len(remap)} filters")
    filters = np.zeros(MAX_STEPS, dtype=np.int32)
    filters[:steps] = [remap[i] for i in index[0]]
    packed = np.zeros((MAX_STEPS, 4 * VEC4_PER_STEP), dtype=np.float32)
    packed[:steps, :params.shape[2]] = params[0]
    return {"u_num_steps": steps, "u_filter": filters,
            "u_params": packed.reshape(MAX_STEPS * VEC4_PER_STEP, 4)}


def _filters_section():
    """Every registered filter: id, title, slots with their uniform and meaning, and how the
    slots follow from the program document and from raw outputs (tanh_range(x, lo, hi) =
    (tanh(x) / 2 + 1/2)(hi - lo) + lo)."""
    return {name: {
        "id": spec.shader_id,
        "title": spec.title,
        "op_params": spec.num_op_params,
        "slots": [{"index": k,
                   "uniform": f"u_params[{VEC4_PER_STEP}*s + {k // 4}].{'xyzw'[k % 4]}",
                   "meaning": meaning} for k, meaning in enumerate(spec.op_param_meanings())],
        "from_program": spec.from_program_text(),
        "raw_outputs": spec.num_raw,
        "from_raw_outputs": spec.from_raw_text,
    } for name, spec in registry.FILTERS.items()}


def build_manifest(program=None, lut_size=lut_lib.DEFAULT_SIZE, sidecar=None):
    """The manifest document (plain JSON-ready dict) an app reads.

    Args:
      program: optional mobile.program.Program; when given, the document also carries its
        uniform values under "program" (a fixed preset an app can render without a predictor).
      lut_size: nodes per axis the document recommends for the LUT path.
      sidecar: optional predictor sidecar document (`export/sidecar.py`); when given,
        "predictor" names its model file and the predictor-index -> shader-id table.

    Returns:
      dict with keys format, version, color, shaders, program_path, lut_path, filters,
      predictor and, with a program, program.
    """
    document = {
        "format": FORMAT,
        "version": VERSION,
        "color": {
            "input": "linear RGB, scene-referred, 1.0 = display white (decode the camera frame "
                     "and undo its transfer curve before upload)",
            "output": "display values, sRGB-encoded, clamped to [0, 1]; render into RGBA8",
            "input_texture": {"target": "TEXTURE_2D", "formats": ["RGBA32F", "RGB32F", "RGBA16F"],
                              "sampling": "texelFetch at gl_FragCoord (1:1, no filtering)",
                              "min_mag_filter": _FILTER_NOTE},
        },
        "shaders": {"vertex": shader_source.VERTEX_SHADER,
                    "glsl": shader_source.ES_VERSION_LINE,
                    "desktop_gl": f"replace the first line by {shader_source.DESKTOP_VERSION_LINE!r}",
                    "draw": "TRIANGLES, 3 vertices, no attributes; viewport = image size"},
        "program_path": {
            "fragment": shader_source.PROGRAM_SHADER,
            "max_steps": MAX_STEPS,
            "uniforms": [
                {"name": "u_image", "type": "sampler2D", "unit": 0},
                {"name": "u_num_steps", "type": "int", "value": "number of steps, 0 .. max_steps"},
                {"name": "u_filter", "type": "int", "count": MAX_STEPS,
                 "value": "filter id of step s (filters.NAME.id)"},
                {"name": "u_params", "type": "vec4", "count": MAX_STEPS * VEC4_PER_STEP,
                 "value": f"op param k of step s at u_params[{VEC4_PER_STEP}*s + k/4][k%4]; "
                          "unused slots 0"},
            ],
        },
        "lut_path": {
            "fragment": shader_source.LUT_SHADER,
            "uniforms": [
                {"name": "u_image", "type": "sampler2D", "unit": 0},
                {"name": "u_lut", "type": "sampler3D", "unit": 1},
            ],
            "lut_texture": {
                "target": "TEXTURE_3D", "formats": ["RGB16F", "RGB32F"], "size": lut_size,
                "texel": "texel (x, y, z) = program output for the sRGB-encoded input "
                         "(x, y, z) / (size - 1) in (r, g, b)",
                "data": "mobile.lut.bake(program, size): float32 [b][g][r][rgb], C order "
                        "(the .cube order of mobile.cube)",
                "sampling": "texelFetch, tetrahedral interpolation in the shader",
                "min_mag_filter": _FILTER_NOTE,
            },
        },
        "filters": _filters_section(),
        "predictor": {
            "call": "one TFLite call (signature 'predict') on the 64x64 linear RGB thumbnail "
                    "per photo; outputs named in the sidecar JSON beside the .tflite",
            "u_num_steps": "S = filter_index.shape[1]",
            "u_filter": "u_filter[s] = shader_ids[filter_index[0][s]] (shader_ids: the "
                        "sidecar's filters mapped to filters.NAME.id)",
            "u_params": f"u_params[{VEC4_PER_STEP}*s .. {VEC4_PER_STEP}*s+{VEC4_PER_STEP - 1}] = "
                        f"parameters[0][s][0 .. {4 * VEC4_PER_STEP - 1}] ({4 * VEC4_PER_STEP} "
                        "floats, already zero-padded op params); steps S .. max_steps-1 zero",
            "raw_outputs": "a model returning raw outputs instead: op params = "
                           "filters.NAME.from_raw_outputs",
        },
    }
    if sidecar is not None:
        document["predictor"]["model_file"] = sidecar.get("model_file")
        document["predictor"]["shader_ids"] = shader_ids_for_predictor(sidecar)
    if program is not None:
        values = uniform_values(program)
        document["program"] = {
            "document": program.to_dict(),
            "uniforms": {"u_num_steps": values["u_num_steps"],
                         "u_filter": values["u_filter"].tolist(),
                         "u_params": values["u_params"].tolist()},
        }
    return document


def write_manifest(path, program=None, lut_size=lut_lib.DEFAULT_SIZE, sidecar=None):
    """Writes `build_manifest(program, lut_size, sidecar)` as indented JSON to `path`,
    atomically."""
    text = json.dumps(build_manifest(program, lut_size, sidecar), indent=2) + "\n"
    write_bytes_atomically(path, text.encode("utf-8"))


def sidecar_path(model_path):
    """The sidecar of an exported model file: its full name with `.json` added
    (`predictor.tflite.json`), so that models of one stem (`predictor.tflite`, `predictor.onnx`)
    each keep their own."""
    model_path = pathlib.Path(model_path)
    return model_path.with_name(model_path.name + ".json")
