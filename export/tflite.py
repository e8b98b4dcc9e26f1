"""TFLite export of the parameter predictor, and a runner on `ai_edge_litert`.

The predictor (`export.predictor.Predictor`, batch 1) is saved as a SavedModel with the explicit
signature "predict" and converted with `tf.lite.TFLiteConverter.from_saved_model`, builtin ops
only (docs/deployment.md, "Conventions followed": converting a concrete function without its trackable
gives NaN outputs). Quantization variants:

* "fp32": no quantization.
* "fp16": weights stored as float16, computed in float32 (post-training float16 quantization).
* "int8": post-training integer quantization calibrated on a representative dataset (thumbnails
  of the built-in real photos, `representative_thumbnails`): weights and the activations of ops
  with int8 kernels are int8, ops without one (the filters' pow/exp/cos, ...) stay float32, and
  the input and outputs stay float32/int32 ("integer with float fallback", float I/O).

Beside `NAME.tflite` the sidecar `NAME.tflite.json` (`export.sidecar`) describes inputs and
outputs.
"""
import pathlib
import tempfile

import numpy as np
import tensorflow as tf
from ai_edge_litert.interpreter import Interpreter

from export import predictor as predictor_lib
from export import sidecar
from exposure import builtin_data, image_io
from exposure.retouch import thumbnail
from mobile.atomic import write_bytes_atomically

QUANTIZATIONS = ("fp32", "fp16", "int8")
QUANTIZATION_DETAIL = {
    "fp32": "none: float32 weights and activations",
    "fp16": "float16 weights, float32 compute (post-training float16 quantization)",
    "int8": "post-training integer quantization with float fallback: int8 weights and int8 "
            "activations where an int8 kernel exists (calibrated on thumbnails of real photos), "
            "float32 elsewhere; float32 input, float32/int32 outputs",
}
# Ops kept in float32 by the int8 variant: everything but the networks' convolutions, fully
# connected layers and activations (the filters, parameter mapping, softmax and bookkeeping).
FLOAT_OPS = ("ABS", "ADD", "ARG_MAX", "BATCH_MATMUL", "CONCATENATION", "COS", "DIV", "EXP",
             "GATHER", "GREATER", "MAXIMUM", "MINIMUM", "MUL", "ONE_HOT", "PACK", "PAD", "POW",
             "REDUCE_MAX", "REDUCE_MIN", "SELECT_V2", "SOFTMAX", "STRIDED_SLICE", "SUB", "SUM",
             "TANH", "TILE", "TRANSPOSE")
EXPOSURE_OFFSETS_EV = (-1.0, 0.0, 1.0)  # calibration brightness spread: under/normal/over


def representative_thumbnails(photos=None):
    """Calibration thumbnails float32 [N, 64, 64, 3] linear RGB from real photos.

    Args:
      photos: paths of photos (any format `exposure.image_io` reads); default: the built-in
        input photos (`exposure.builtin_data.INPUT_PHOTOS`, shipped by installed packages).

    Each photo gives its full frame and its four quadrants, each at -1, 0 and +1 EV, so
    calibration sees under- and over-exposed states as well (15 thumbnails per photo). An
    unreadable photo raises `exposure.image_io.ImageReadError` naming it.
    """
    if photos is None:
        photos = [photo.path() for photo in builtin_data.INPUT_PHOTOS]
    thumbs = []
    for path in photos:
        linear = image_io.read_linear(path)
        half_h, half_w = (linear.shape[0] + 1) // 2, (linear.shape[1] + 1) // 2
        crops = [linear] + [linear[top:top + half_h, left:left + half_w]
                            for top in (0, linear.shape[0] - half_h)
                            for left in (0, linear.shape[1] - half_w)]
        for crop in crops:
            thumbs.extend(thumbnail(crop) * np.float32(2.0 ** ev) for ev in EXPOSURE_OFFSETS_EV)
    return np.stack(thumbs).astype(np.float32)


def save_predictor(predictor, directory):
    """Saves `predictor` as a SavedModel in `directory` with the signature "predict"."""
    tf.saved_model.save(predictor, str(directory), signatures={
        predictor_lib.SIGNATURE: predictor.predict.get_concrete_function()})


def convert_saved_model(saved_model_dir, quantize="fp32", representative=None):
    """The .tflite flatbuffer (bytes) of a predictor SavedModel written by `save_predictor`.

    Args:
      quantize: one of QUANTIZATIONS.
      representative: float32 [N, 64, 64, 3] calibration thumbnails for "int8" (default:
        `representative_thumbnails()`); ignored otherwise.
    """
    if quantize not in QUANTIZATIONS:
        raise ValueError(f"quantize: expected one of {', '.join(QUANTIZATIONS)}, got {quantize!r}")
    converter = tf.lite.TFLiteConverter.from_saved_model(
        str(saved_model_dir), signature_keys=[predictor_lib.SIGNATURE])
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if quantize == "fp16":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    elif quantize == "int8":
        samples = representative_thumbnails() if representative is None else representative

        def dataset():
            return ({predictor_lib.INPUT_NAME: sample[None]} for sample in samples)

        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = dataset
        # Selective quantization: the networks' ops are int8, the filters' pixel math stays
        # float32 (a quantized DIV fails at run time when a divisor rounds to zero).
        debugger = tf.lite.experimental.QuantizationDebugger(
            converter=converter, debug_dataset=dataset,
            debug_options=tf.lite.experimental.QuantizationDebugOptions(
                denylisted_ops=list(FLOAT_OPS)))
        return debugger.get_nondebug_quantized_model()
    return converter.convert()


def export(model_dir, output, quantize="fp32", representative=None, overwrite=False):
    """Exports a trained model directory to `output` (.tflite) and its sidecar
    (`export.sidecar.sidecar_path`: `output` + .json).

    Returns:
      (tflite path, sidecar path). Both written atomically; the folder is created. Existing
      files are replaced only with `overwrite` (else FileExistsError, before any work).
    """
    return export_variants(model_dir, {quantize: output}, representative, overwrite)[quantize]


def export_variants(model_dir, outputs, representative=None, overwrite=False):
    """Exports several quantization variants from one traced SavedModel.

    Args:
      outputs: {quantize: .tflite path}, quantize in QUANTIZATIONS.
      representative: calibration thumbnails for "int8" (see `convert_saved_model`).
      overwrite: replace existing model files and sidecars (else FileExistsError).

    Returns:
      {quantize: (tflite path, sidecar path)}.
    """
    outputs = {quantize: pathlib.Path(path) for quantize, path in outputs.items()}
    for quantize, path in outputs.items():
        if quantize not in QUANTIZATIONS:
            raise ValueError(
                f"quantize: expected one of {', '.join(QUANTIZATIONS)}, got {quantize!r}")
        if path.suffix != ".tflite":
            raise ValueError(f"{path}: a TFLite model file must end in .tflite")
        sidecar.check_outputs(path, overwrite)
    predictor = predictor_lib.load(model_dir, batch_size=1)
    written = {}
    with tempfile.TemporaryDirectory(prefix="exposure_tflite_") as folder:
        save_predictor(predictor, folder)
        for quantize, path in outputs.items():
            write_bytes_atomically(path, convert_saved_model(folder, quantize, representative))
            side = sidecar.sidecar_path(path)
            sidecar.write(side, sidecar.describe(predictor, path.name, "tflite", quantize,
                                                 QUANTIZATION_DETAIL[quantize]))
            written[quantize] = (path, side)
    return written


class TFLitePredictor:
    """Runs an exported .tflite predictor with `ai_edge_litert` through its "predict" signature.

    `predictor(thumbnail)`: float32 [1, 64, 64, 3] -> dict of numpy outputs (see
    `export.predictor`); `num_threads` CPU threads.
    """

    def __init__(self, path, num_threads=1):
        self.path = pathlib.Path(path)
        self.interpreter = Interpreter(model_path=str(self.path), num_threads=num_threads)
        signatures = self.interpreter.get_signature_list()
        if predictor_lib.SIGNATURE not in signatures:
            raise ValueError(f"{self.path}: no {predictor_lib.SIGNATURE!r} signature (found "
                             f"{sorted(signatures)}); export it with exposure_export")
        self.runner = self.interpreter.get_signature_runner(predictor_lib.SIGNATURE)

    def __call__(self, thumbnail):
        outputs = self.runner(**{predictor_lib.INPUT_NAME: np.asarray(thumbnail, np.float32)})
        return {name: outputs[name] for name in predictor_lib.OUTPUT_NAMES}

    def op_names(self):
        """The set of TFLite operator names in the model (builtin ops have plain names)."""
        return {op["op_name"] for op in self.interpreter._get_ops_details()}
