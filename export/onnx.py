"""ONNX export of the parameter predictor (tf2onnx), and a runner on ONNX Runtime.

The same predictor as the TFLite export (`export.predictor.Predictor`, batch 1): input
"thumbnail" float32 [1, 64, 64, 3] linear RGB, outputs "filter_index", "parameters",
"probabilities" (see `export.predictor`), float32 throughout. tf2onnx freezes the traced function
(weights become initializers) and converts it at `OPSET`. Beside `NAME.onnx` the sidecar
`NAME.onnx.json` (`export.sidecar`) describes inputs and outputs, as for TFLite.

Versions tested together: tf2onnx 1.17.0, onnx 1.23.2, onnxruntime 1.31.1 with TensorFlow 2.21,
protobuf 7 and numpy 2.4 (installed with their normal dependencies, no pins needed).
"""
import pathlib

import numpy as np
import onnxruntime
import tf2onnx

from export import predictor as predictor_lib
from export import sidecar
from mobile.atomic import write_bytes_atomically

OPSET = 17  # ONNX opset: supported by every onnxruntime since 1.14


def convert(predictor, opset=OPSET):
    """The ONNX model (an `onnx.ModelProto`) of `predictor` (an `export.predictor.Predictor`)."""
    model, _ = tf2onnx.convert.from_function(
        predictor.predict, input_signature=predictor.predict.input_signature, opset=opset)
    return model


def export(model_dir, output, opset=OPSET, overwrite=False):
    """Exports a trained model directory to `output` (.onnx) and its sidecar
    (`export.sidecar.sidecar_path`: `output` + .json).

    Returns:
      (onnx path, sidecar path), both written atomically; the folder is created. Existing files
      are replaced only with `overwrite` (else FileExistsError, before any work).
    """
    output = pathlib.Path(output)
    if output.suffix != ".onnx":
        raise ValueError(f"{output}: an ONNX model file must end in .onnx")
    sidecar.check_outputs(output, overwrite)
    predictor = predictor_lib.load(model_dir, batch_size=1)
    write_bytes_atomically(output, convert(predictor, opset).SerializeToString())
    side = sidecar.sidecar_path(output)
    sidecar.write(side, sidecar.describe(predictor, output.name, "onnx", "fp32",
                                         f"none: float32 (ONNX opset {opset})"))
    return output, side


class ONNXPredictor:
    """Runs an exported .onnx predictor with ONNX Runtime on the CPU.

    `predictor(thumbnail)`: float32 [1, 64, 64, 3] -> dict of numpy outputs (see
    `export.predictor`); `num_threads` intra-op threads.
    """

    def __init__(self, path, num_threads=1):
        self.path = pathlib.Path(path)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = num_threads
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(
            str(self.path), options, providers=["CPUExecutionProvider"])
        names = [i.name for i in self.session.get_inputs()]
        if names != [predictor_lib.INPUT_NAME]:
            raise ValueError(f"{self.path}: expected one input {predictor_lib.INPUT_NAME!r}, "
                             f"found {names}; export it with exposure_export")

    def __call__(self, thumbnail):
        values = self.session.run(
            list(predictor_lib.OUTPUT_NAMES),
            {predictor_lib.INPUT_NAME: np.asarray(thumbnail, np.float32)})
        return dict(zip(predictor_lib.OUTPUT_NAMES, values, strict=True))
