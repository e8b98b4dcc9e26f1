"""The JSON sidecar written beside an exported predictor (`.tflite` or `.onnx`), named for it:
`predictor.tflite` -> `predictor.tflite.json`.

It tells an app everything it needs without reading Python: the input (name, shape, dtype, colour
space, how to make the thumbnail), each output (name, shape, dtype, meaning), the filter order,
and how to turn the outputs into a program. The format is stable (`format`/`version`); the mobile
manifest (`mobile/manifest.py`) maps these outputs to shader inputs. Example (abridged)::

    {"format": "exposure-predictor", "version": 1, "model_file": "predictor.tflite",
     "runtime": "tflite", "signature": "predict", "quantization": "fp32",
     "inputs": [{"name": "thumbnail", "shape": [1, 64, 64, 3], "dtype": "float32", ...}],
     "outputs": [{"name": "filter_index", ...}, {"name": "parameters", ...}, ...],
     "num_steps": 5, "max_op_params": 24,
     "filters": [{"index": 0, "name": "exposure", "op_params": 1, "op_param_names": ["ev"]}, ...],
     "program": {...}}
"""
import json
import pathlib

from export import predictor as predictor_lib
from mobile import manifest, registry
from mobile import program as program_lib
from mobile.atomic import write_bytes_atomically

FORMAT = "exposure-predictor"
VERSION = 1

THUMBNAIL_RECIPE = (
    "Decode the photo to linear RGB (RAW: linear camera RGB after white balance, 1.0 = white; "
    "8-bit JPEG/PNG: the IEC 61966-2-1 sRGB decoding curve on value/255), then area-resize the "
    "whole frame to 64x64 (box filter, exact area averaging; the aspect ratio is not kept). "
    "Values are nominally in [0, 1], not clipped.")


def describe(predictor, model_file, runtime, quantization, quantization_detail=""):
    """The sidecar document (a JSON-ready dict) for `predictor` (an `export.predictor.Predictor`)
    exported to `model_file` (a file name) for `runtime` ("tflite" or "onnx")."""
    steps, num_filters = predictor.num_steps, len(predictor.filter_names)
    batch = predictor.input_shape()[0]
    return {
        "format": FORMAT,
        "version": VERSION,
        "model_file": model_file,
        "runtime": runtime,
        "signature": predictor_lib.SIGNATURE,
        "quantization": quantization,
        "quantization_detail": quantization_detail,
        "inputs": [{
            "name": predictor_lib.INPUT_NAME,
            "shape": predictor.input_shape(),
            "dtype": "float32",
            "color_space": "linear RGB",
            "thumbnail": THUMBNAIL_RECIPE,
        }],
        "outputs": [
            {"name": "filter_index", "shape": [batch, steps], "dtype": "int32",
             "meaning": "the filter applied at each step, in order: an index into `filters`"},
            {"name": "parameters", "shape": [batch, steps, predictor_lib.MAX_OP_PARAMS],
             "dtype": "float32",
             "meaning": "the chosen filter's operator parameters at each step: the first "
                        "filters[i].op_params entries (names in op_param_names), then zeros"},
            {"name": "probabilities", "shape": [batch, steps, num_filters], "dtype": "float32",
             "meaning": "the filter-choice distribution at each step (informative only)"},
        ],
        "num_steps": steps,
        "max_op_params": predictor_lib.MAX_OP_PARAMS,
        "filters": [{"index": i, "name": name, "op_params": program_lib.num_op_params(name),
                     "op_param_names": registry.FILTERS[name].op_param_names()}
                    for i, name in enumerate(predictor.filter_names)],
        "program": {
            "units": "operator units: exactly what mobile/render.py and the shaders apply",
            "recipe": "for k in 0..num_steps-1: i = filter_index[0][k]; apply filters[i].name "
                      "with parameters[0][k][:filters[i].op_params] to the linear RGB image, in "
                      "step order; the result is display-encoded (sRGB) values: clip to [0, 1]",
            "op_param_units": {name: spec.op_param_summary()
                               for name, spec in registry.FILTERS.items()},
            "human_units": "mobile.program.Step.from_op_params(name, values) gives the program "
                           "JSON step (EV stops, gamma, multipliers, amounts, curve points)",
        },
    }


def write(path, document):
    """Writes the sidecar JSON to `path` atomically."""
    text = json.dumps(document, indent=2) + "\n"
    write_bytes_atomically(pathlib.Path(path), text.encode("utf-8"))


sidecar_path = manifest.sidecar_path  # the naming rule lives with the sidecar's consumers


def check_outputs(model_path, overwrite=False):
    """Raises FileExistsError naming `model_path` or its sidecar when one exists, unless
    `overwrite`: an export replaces no file it did not write unless asked."""
    if overwrite:
        return
    for path in (pathlib.Path(model_path), sidecar_path(model_path)):
        if path.exists():
            raise FileExistsError(f"{path}: exists, not replaced (--overwrite replaces it)")
