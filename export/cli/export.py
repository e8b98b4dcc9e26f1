"""exposure_export: packages a trained Exposure model for deployment.

    exposure_export --model_dir=models/demo --format=tflite --output=out/predictor.tflite
    exposure_export --model_dir=models/demo --format=tflite --quantize=int8 \
        --output=out/predictor_int8.tflite
    exposure_export --model_dir=models/demo --format=saved_model --output=serving/exposure
    exposure_export --model_dir=models/demo --format=onnx --output=out/predictor.onnx

tflite and onnx write the 64x64 parameter predictor and its JSON sidecar (the model file's name
plus .json: predictor.tflite.json); an existing model file or sidecar is replaced only with
--overwrite. saved_model writes `OUTPUT/<version>/` for TF Serving (an existing version is never
replaced). Exit status: 0 on success, 2 for bad flags,
a bad model directory or unreadable calibration photos (one line on stderr naming it).
"""
from absl import app, flags

from commandline import BadInput, check_usage, overwrite_flag, run_main
from export import onnx as onnx_lib
from export import saved_model as saved_model_lib
from export import tflite as tflite_lib
from exposure import image_io

FORMATS = ("tflite", "saved_model", "onnx")
SUFFIXES = {"tflite": ".tflite", "onnx": ".onnx"}

_MODEL_DIR = flags.DEFINE_string(
    "model_dir", None, "Model directory written by exposure_train (config.json, checkpoints/).")
_FORMAT = flags.DEFINE_enum(
    "format", None, list(FORMATS),
    "tflite: the 64x64 predictor for apps (ai_edge_litert); saved_model: photos in, program and "
    "retouched photo out, for TF Serving; onnx: the 64x64 predictor for ONNX Runtime.")
_OUTPUT = flags.DEFINE_string(
    "output", None, "tflite/onnx: the model file (.tflite / .onnx; the sidecar <output>.json "
                    "goes beside it). saved_model: the model base folder; the export goes to "
                    "OUTPUT/<version>/.")
_QUANTIZE = flags.DEFINE_enum(
    "quantize", "fp32", list(tflite_lib.QUANTIZATIONS),
    "tflite only. fp32: none; fp16: float16 weights; int8: integer quantization with float "
    "fallback, calibrated on real photos (see --calibration_images).")
_CALIBRATION = flags.DEFINE_string(
    "calibration_images", None,
    "With --quantize=int8: a folder of photos (RAW, TIFF, PNG, JPEG) whose thumbnails calibrate "
    "the quantization; default: the built-in real photos.")
_VERSION = flags.DEFINE_integer(
    "version", None, "saved_model only: the version folder (a positive integer); default: one "
                     "more than the largest existing version, 1 for a new folder.", lower_bound=1)

_OVERWRITE = overwrite_flag()


def _check_flag_combinations():
    """Raises app.UsageError for a flag that does not fit the others."""
    fmt = _FORMAT.value
    if fmt != "tflite" and _QUANTIZE.value != "fp32":
        raise app.UsageError(
            f"--quantize={_QUANTIZE.value} applies to --format=tflite only, not {fmt}")
    if _CALIBRATION.value and _QUANTIZE.value != "int8":
        raise app.UsageError("--calibration_images applies to --quantize=int8 only")
    if _OVERWRITE.value and fmt == "saved_model":
        raise app.UsageError("--overwrite applies to tflite and onnx; a SavedModel version is "
                             "never replaced (export a new --version)")
    if _VERSION.value is not None and fmt != "saved_model":
        raise app.UsageError(f"--version applies to --format=saved_model only, not {fmt}")
    if fmt in SUFFIXES and not _OUTPUT.value.endswith(SUFFIXES[fmt]):
        raise app.UsageError(
            f"--output={_OUTPUT.value}: a {fmt} model file must end in {SUFFIXES[fmt]}")


def main(argv):
    check_usage(argv, _MODEL_DIR, _FORMAT, _OUTPUT)
    _check_flag_combinations()
    fmt = _FORMAT.value
    try:
        representative = None
        if _CALIBRATION.value:
            photos, _ = image_io.list_images(_CALIBRATION.value)
            representative = tflite_lib.representative_thumbnails(photos)
        if fmt == "tflite":
            written = tflite_lib.export(_MODEL_DIR.value, _OUTPUT.value, _QUANTIZE.value,
                                        representative, overwrite=_OVERWRITE.value)
        elif fmt == "onnx":
            written = onnx_lib.export(_MODEL_DIR.value, _OUTPUT.value,
                                      overwrite=_OVERWRITE.value)
        else:
            written = (saved_model_lib.export(_MODEL_DIR.value, _OUTPUT.value, _VERSION.value),)
    except (OSError, ValueError) as error:
        raise BadInput(error) from error
    for path in written:
        print(f"exposure_export: wrote {path}")
    return 0


def run():
    run_main(main, __name__)


if __name__ == "__main__":
    run()
