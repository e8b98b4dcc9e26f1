"""Latency and size of the exported 64x64 parameter predictor in every runtime, with parity.

Not a test. Exports one model to TFLite fp32/fp16/int8 and ONNX, then times one call per image
(batch 1, the thumbnails of the built-in real photos, median of --repeats passes) in:

* TF: the traced predictor (`export.predictor.Predictor.predict`, the Keras layers in a
  `tf.function`), the baseline of the ratios;
* TFLite fp32 / fp16 / int8 in `ai_edge_litert`;
* ONNX Runtime (CPU);

and prints ms per image, the ratio to TF in the same run, each file's size, and the programs'
agreement with TF (`tests.helpers.parity`). All runtimes get --threads threads.

    .venv/bin/python benchmarks/predictor_latency.py --model_dir=models/demo
    .venv/bin/python benchmarks/predictor_latency.py   # an untrained model: timing and sizes only

Without --model_dir the policy is freshly initialized (the paper's configuration, random
weights): latency and size do not depend on the weights, but the quantized variants' agreement
does, so quote agreement only for a trained model.
"""
import os
import pathlib
import statistics
import tempfile
import time

import checkout_path  # noqa: F401 (this checkout first on sys.path: tests.helpers)
from absl import app, flags

_MODEL_DIR = flags.DEFINE_string(
    "model_dir", None, "Model directory written by exposure_train; default: an untrained policy.")
_OUTPUT_DIR = flags.DEFINE_string(
    "output_dir", None, "Folder for the exported files (kept); default: a temporary folder.")
_REPEATS = flags.DEFINE_integer("repeats", 5, "Timed passes over the thumbnails (median).",
                                lower_bound=1)
_THREADS = flags.DEFINE_integer("threads", 1, "CPU threads of every runtime.", lower_bound=1)


def _median_ms_per_image(run, thumbnails, repeats):
    for thumb in thumbnails[:3]:
        run(thumb[None])  # warm-up: first-call allocation and tracing
    passes = []
    for _ in range(repeats):
        start = time.perf_counter()
        for thumb in thumbnails:
            run(thumb[None])
        passes.append((time.perf_counter() - start) / len(thumbnails))
    return 1000.0 * statistics.median(passes)


def _untrained_model(folder):
    """A model directory holding a freshly initialized policy (paper configuration)."""
    import tensorflow as tf

    from exposure import agent as agent_lib
    from exposure import networks, train_config

    config = train_config.TrainConfig()
    folder.mkdir(parents=True, exist_ok=True)
    train_config.save(config, folder)
    policy = agent_lib.build_policy(config)
    tf.train.Checkpoint(policy=networks.checkpoint_variables(policy)).save(
        pathlib.Path(folder) / agent_lib.CHECKPOINT_SUBDIR / "ckpt")
    return folder


def main(argv):
    del argv
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(_THREADS.value)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    from export import onnx as onnx_lib
    from export import predictor as predictor_lib
    from export import tflite
    from tests.helpers import parity

    scratch = tempfile.TemporaryDirectory(prefix="predictor_latency_")
    out = pathlib.Path(_OUTPUT_DIR.value or scratch.name)
    model_dir = _MODEL_DIR.value or _untrained_model(out / "untrained_model")
    print(f"model: {model_dir if _MODEL_DIR.value else 'untrained (random weights)'}; "
          f"threads: {_THREADS.value}; cores: {os.cpu_count()}")
    files = {f"TFLite {q}": path for q, (path, _) in tflite.export_variants(
        model_dir, {q: out / f"predictor_{q}.tflite" for q in tflite.QUANTIZATIONS}).items()}
    files["ONNX Runtime"] = onnx_lib.export(model_dir, out / "predictor.onnx")[0]

    thumbnails = tflite.representative_thumbnails()
    predictor = predictor_lib.load(model_dir)
    runners = {"TF (Keras layers, tf.function)": lambda t: {
        k: v.numpy() for k, v in predictor.predict(t).items()}}
    for name, path in files.items():
        runners[name] = (tflite.TFLitePredictor(path, _THREADS.value) if name.startswith("TFLite")
                         else onnx_lib.ONNXPredictor(path, _THREADS.value))
    reference = [runners["TF (Keras layers, tf.function)"](t[None]) for t in thumbnails]

    rows = []
    for name, run in runners.items():
        ms = _median_ms_per_image(run, thumbnails, _REPEATS.value)
        result = parity.compare(reference, [run(t[None]) for t in thumbnails],
                                predictor.filter_names)
        size = f"{files[name].stat().st_size / 1e6:.2f}" if name in files else "-"
        rows.append((name, size, ms, result))
    base = rows[0][2]
    print(f"\n{len(thumbnails)} thumbnails, batch 1, median of {_REPEATS.value} passes")
    print(f"{'runtime':32s} {'size MB':>8s} {'ms/image':>9s} {'vs TF':>6s} {'steps same':>10s} "
          f"{'programs same':>13s} {'max param err':>13s}")
    for name, size, ms, result in rows:
        print(f"{name:32s} {size:>8s} {ms:9.2f} {ms / base:6.2f} {result.step_agreement:10.1%} "
              f"{result.program_agreement:13.1%} {result.max_param_error:13.2e}")
    scratch.cleanup()


if __name__ == "__main__":
    app.run(main)
