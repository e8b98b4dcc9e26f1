"""mobile_bundle: writes the folder an app needs to render programs with the GLSL ES shaders:
manifest.json (uniform layout, colour conventions, predictor mapping), the shader sources and,
for a given program, its uniforms, program.json and its 3D LUT (lut.bin). With a predictor
(--tflite, or --model_dir to export one), the folder is also the camera web app: a static site
to serve (`python -m http.server`) and open on a phone (mobile/web/README.md).

    mobile_bundle --output_dir=bundle --program=edit.json
    mobile_bundle --output_dir=site --tflite=predictor.tflite
    mobile_bundle --output_dir=site --model_dir=runs/exposure
"""
import pathlib
import tempfile

from absl import app, flags

from commandline import BadInput, check_usage, run_main
from mobile import bundle
from mobile import lut as lut_lib
from mobile import program as program_lib

_OUTPUT_DIR = flags.DEFINE_string(
    "output_dir", None, "Folder to write the bundle into (created if missing; files of the same "
    "names are replaced atomically).")
_PROGRAM = flags.DEFINE_string(
    "program", None, "Optional program JSON (exposure-program format): adds its uniform values "
    "to the manifest, program.json and its baked 3D LUT lut.bin (a fixed preset).")
_SIDECAR = flags.DEFINE_string(
    "sidecar", None, "Optional predictor sidecar JSON written by exposure_export beside the "
    "model (predictor.tflite.json): adds the predictor filter index -> shader filter id table to "
    "the manifest (default with --tflite: the sidecar beside it).")
_LUT_SIZE = flags.DEFINE_integer(
    "lut_size", lut_lib.DEFAULT_SIZE, "3D LUT nodes per axis for the LUT path (33 or 65 usual).",
    lower_bound=2, upper_bound=lut_lib.MAX_SIZE)
_TFLITE = flags.DEFINE_string(
    "tflite", None, "An exported predictor (.tflite, exposure_export): also writes the camera "
    "web app with it.")
_MODEL_DIR = flags.DEFINE_string(
    "model_dir", None, "A trained model directory (exposure_train): exports its predictor "
    "(float32 .tflite) and writes the camera web app with it.")
_LITERTJS_DIR = flags.DEFINE_string(
    "litertjs_dir", None, "node_modules/@litertjs holding the LiteRT.js runtime for the web app "
    f"(default: {bundle.default_litertjs_dir()}, made by `npm ci` in {bundle.WEB_DIR}).")


def _export(model_dir, folder):
    """Exports the predictor of `model_dir` into `folder`; returns (.tflite, sidecar) paths."""
    # The one place mobile reaches into export (and TensorFlow): only with --model_dir.
    from export import tflite

    if not pathlib.Path(model_dir).is_dir():
        raise BadInput(f"--model_dir: {model_dir} is not a folder")
    try:
        return tflite.export(model_dir, pathlib.Path(folder) / "predictor.tflite")
    except (OSError, ValueError) as error:
        raise BadInput(f"--model_dir: cannot export {model_dir}: {error}") from error


def _write(program):
    """Writes the bundle, with the web app when a predictor is given; returns the paths."""
    if _TFLITE.value:
        return bundle.write_web_app(_OUTPUT_DIR.value, _TFLITE.value, _SIDECAR.value,
                                    _LITERTJS_DIR.value, program, _LUT_SIZE.value)
    if _MODEL_DIR.value:
        with tempfile.TemporaryDirectory(prefix="mobile_bundle_") as folder:
            model_path, sidecar_path = _export(_MODEL_DIR.value, folder)
            return bundle.write_web_app(_OUTPUT_DIR.value, model_path, sidecar_path,
                                        _LITERTJS_DIR.value, program, _LUT_SIZE.value)
    sidecar = bundle.load_sidecar(_SIDECAR.value) if _SIDECAR.value else None
    return bundle.write_bundle(_OUTPUT_DIR.value, program, sidecar, _LUT_SIZE.value)


def main(argv):
    check_usage(argv, _OUTPUT_DIR)
    if _TFLITE.value and _MODEL_DIR.value:
        raise app.UsageError("--tflite and --model_dir both give the predictor; give one")
    if _MODEL_DIR.value and _SIDECAR.value:
        raise app.UsageError("--sidecar goes with --tflite (--model_dir exports its own)")
    try:
        program = program_lib.load(_PROGRAM.value) if _PROGRAM.value else None
        written = _write(program)
    except ValueError as error:  # ProgramError is a ValueError; messages name the file
        raise BadInput(error) from error
    except OSError as error:
        raise BadInput(f"--output_dir: cannot write the bundle: {error}") from error
    for path in written:
        print(path)


def run():
    run_main(main, __name__)


if __name__ == "__main__":
    run()
