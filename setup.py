"""Installs the agan, exposure, export and mobile packages, their commands and the command-line
layer they share (commandline)."""
from setuptools import setup

# One line per command: "name = package.cli.module:run". Every command an issue names is here.
CONSOLE_SCRIPTS = [
    "agan_train = agan.cli.train:run",
    "agan_search = agan.cli.search:run",
    "agan_describe = agan.cli.describe:run",
    "agan_make_data = agan.cli.make_data:run",
    "exposure_make_data = exposure.cli.make_data:run",
    "exposure_apply = exposure.cli.apply:run",
    "exposure_train = exposure.cli.train:run",
    "exposure_retouch = exposure.cli.retouch:run",
    "exposure_eval = exposure.cli.eval:run",
    "exposure_export = export.cli.export:run",
    "mobile_bundle = mobile.cli.bundle:run",
    "exposure_benchmark = exposure.cli.benchmark:run",
    "exposure_preset = exposure.cli.preset:run",
]

# Optional speed-ups: OpenColorIO applies the 3D LUT of 16-bit/float/RAW renders (mobile/
# opencolorio_lut.py; numpy is the fallback). Tested: opencolorio 2.6.0.
FAST = ["opencolorio>=2.3"]

setup(
    name="agan-exposure",
    version="0.1.0",
    description=(
        "AGAN (RL architecture search for GANs) and Exposure (white-box RAW photo retouching), "
        "in TensorFlow 2 / Keras 3, with TFLite/SavedModel/ONNX export and on-device renderers."
    ),
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.11",
    packages=["agan", "agan.cli", "commandline", "exposure", "exposure.cli", "export", "export.cli",
              "mobile", "mobile.cli"],
    # mobile/web: the camera web app's files (its LiteRT.js runtime comes from `npm ci` there).
    package_data={"mobile": ["shaders/*", "web/*.html", "web/*.css", "web/*.js", "web/*.md",
                             "web/package.json", "web/package-lock.json"],
                  "agan": ["architectures/*.json"]},
    install_requires=[
        "tensorflow>=2.18,<2.22",  # tested: 2.21.0 (Keras 3.15)
        "numpy>=1.26",
        "scipy>=1.11",
        "absl-py>=2.1",
        "rawpy>=0.21",
        "tifffile>=2024.1",
        "imagecodecs>=2024.1",  # tested: 2026.3.6; LZW TIFF and 16-bit PNG decode/encode
        "pillow>=10.0",
        "scikit-image>=0.22",
        "tqdm>=4.66",
        "moderngl>=5.8,<6",  # tested: 5.13.0; headless GL (EGL) for the mobile shaders
        "matplotlib>=3.8",  # ships grace_hopper.jpg (a built-in Exposure photo); plots
        "scikit-learn>=1.3",  # tested: 1.9.1; ships china.jpg and flower.jpg (built-in photos)
        "threadpoolctl>=3.1",  # tested: 3.8.0; FID on one BLAS thread (agan/metrics.py)
        # tested: 0.2.2.post1 (+ pyfftw, future, filetype: 13 MB); only its sporco/data photos
        # (barbara, kodim23, monarch, sail, tulips) are read, its code is never imported
        "sporco>=0.2.2",
        "tensorboard>=2.18,<2.22",  # tf.summary scalars and images (AGAN training)
        "keras-tuner>=1.4.7,<1.5",  # tested: 1.4.8; AGAN search Oracle/Tuner, distributed gRPC
        # Export (exposure_export and its tests): tested ai-edge-litert 2.3.0, tf2onnx 1.17.0,
        # onnx 1.23.2, onnxruntime 1.31.1 beside TF 2.21 / protobuf 7 / numpy 2.4, no conflicts.
        "ai-edge-litert>=2.0",  # runs the exported .tflite (tf.lite.Interpreter is deprecated)
        "tf2onnx>=1.16",
        "onnx>=1.16",
        "onnxruntime>=1.18",
    ],
    extras_require={
        "and-cuda": ["tensorflow[and-cuda]>=2.18,<2.22"],
        "fast": FAST,
        # selenium (tested 4.51.0): drives headless Chromium in the web app's tests
        "dev": ["pytest>=8", "ruff>=0.5", "selenium>=4.20", *FAST],
    },
    entry_points={"console_scripts": CONSOLE_SCRIPTS},
)
