"""Bad input through the console scripts: every case of issue 12's bad-input list ends with the
exit status of the convention (2: stopped, 1: a batch skipped a file) and a message naming the
flag, file or JSON path, never a traceback.

Each case is one command in its own process (`python -m <command module>`, this checkout on
PYTHONPATH), as a user runs it. The processes of all cases start together, a few at a time (the
`results` fixture), and each test checks one of them; only agan_search and exposure_retouch
import TensorFlow.
"""
import concurrent.futures
import json
import os
import pathlib
import socket
import subprocess
import sys
import typing

import numpy as np
import pytest
import tifffile
from PIL import Image

from agan import search_space
from mobile import lut
from mobile import program as program_lib
from tests.helpers.image_bombs import write_png_bomb

ROOT = pathlib.Path(__file__).resolve().parents[1]
PARALLEL = 6  # processes at a time


class Case(typing.NamedTuple):
    module: str
    args: tuple  # formatted with the `inputs` paths
    status: int
    message: str  # expected in stderr (stdout for exposure_eval's table of skipped files)
    stream: str = "err"


CASES = {
    # A decompression bomb in each batch command that reads user images: reported, skipped.
    "apply_bomb": Case("exposure.cli.apply", (
        "--program={program}", "--input={bombs}", "--output={out}/apply_bomb"), 1,
        "bomb.png: is 30000x30000 px (900,000,000 pixels), more than the limit of 200,000,000; "
        "not decoded (a larger limit: --max_image_pixels=N)"),
    "apply_limit_flag": Case("exposure.cli.apply", (
        "--program={program}", "--input={small}", "--output={out}/apply_small",
        "--max_image_pixels=1000"), 1, "small.jpg: is 80x64 px (5,120 pixels), more than the "
                                       "limit of 1,000"),
    "eval_bomb": Case("exposure.cli.eval", ("--outputs={bombs}", "--targets={targets}"), 1,
                      "bomb.png: is 30000x30000 px", "out"),
    "make_data_bomb": Case("agan.cli.make_data", (
        "--dataset=folder", "--data_dir={agan_images}", "--image_size=8",
        "--output_dir={out}/made"), 1, "bomb.png: is 30000x30000 px"),
    # Float RGB TIFFs, which Pillow cannot open for their EXIF.
    "apply_float_tiff": Case("exposure.cli.apply", (
        "--program={program}", "--input={float_tiffs}", "--output={out}/apply_float",
        "--format=tif"), 0, ""),
    # JSON the parser refuses.
    "architecture_nested": Case("agan.cli.describe", (
        "--architecture={deep_architecture}", "--output={out}/arch.png"), 2,
        "agan_describe: error: --architecture: {deep_architecture}: not an architecture: JSON "
        "nested too deeply"),
    "program_nested": Case("exposure.cli.apply", (
        "--program={deep_program}", "--cube={out}/nested.cube"), 2,
        "exposure_apply: error: bad program: {deep_program}: not valid JSON for a program: nested "
        "too deeply"),
    "program_digits": Case("exposure.cli.apply", (
        "--program={digits_program}", "--cube={out}/digits.cube"), 2,
        "{digits_program}: not valid JSON for a program: an integer of more than 4300 digits"),
    "program_latin1": Case("exposure.cli.apply", (
        "--program={latin1_program}", "--cube={out}/latin1.cube"), 2,
        "{latin1_program}: not UTF-8 text (byte 0xe9 at offset"),
    "bundle_latin1": Case("mobile.cli.bundle", (
        "--output_dir={out}/bundle", "--program={latin1_program}"), 2,
        "mobile_bundle: error: {latin1_program}: not UTF-8 text (byte 0xe9 at offset"),
    # Sizes users give: operations per module, steps per program, LUT sizes, samples.
    "architecture_ops": Case("agan.cli.describe", (
        "--architecture={big_architecture}", "--output={out}/big.png"), 2,
        f"generator_up.ops: 2000 operations; a module holds at most "
        f"{search_space.MAX_OPERATIONS}"),
    "program_steps": Case("exposure.cli.apply", (
        "--program={long_program}", "--cube={out}/long.cube"), 2,
        f"{{long_program}}: steps: 200000 steps; a program holds at most {program_lib.MAX_STEPS}"),
    "cube_size": Case("exposure.cli.apply", (
        "--program={program}", "--cube={out}/huge.cube", "--cube_size=100000"), 2,
        f"flag --cube_size=100000: 100000 is not an integer in the range [2, {lut.MAX_SIZE}]"),
    "bundle_lut_size": Case("mobile.cli.bundle", (
        "--output_dir={out}/bundle", "--lut_size=100000"), 2,
        f"flag --lut_size=100000: 100000 is not an integer in the range [2, {lut.MAX_SIZE}]"),
    "retouch_samples": Case("exposure.cli.retouch", (
        "--model_dir={out}/no_model", "--input={small}", "--output={out}/retouched",
        "--samples=100000"), 2, "flag --samples=100000: 100000 is not an integer in the range "
                                "[1, 100]"),
    # Where the command's own files cannot go, or come from.
    "worker_without_chief": Case("agan.cli.search", (
        "--role=worker", "--oracle_address=127.0.0.1:{free_port}", "--output_dir={out}/search",
        "--chief_patience_seconds=1"), 2,
        "agan_search: error: no chief answered at 127.0.0.1:{free_port} (--oracle_address) "
        "within 1 s (--chief_patience_seconds"),
    "make_data_output_is_a_file": Case("agan.cli.make_data", ("--output_dir={existing_file}",), 2,
                                       "agan_make_data: error: --output_dir: {existing_file} "
                                       "exists and is not a folder"),
    "fifo_input": Case("exposure.cli.apply", (
        "--program={program}", "--input={fifo}", "--output={out}/fifo.jpg"), 2,
        "exposure_apply: error: {fifo}: is not a regular file or folder (a FIFO, socket or "
        "device); expected a photo or a folder of photos"),
}
TENSORFLOW_CASES = ("worker_without_chief", "retouch_samples")  # the slowest start first


def _jpeg(path, size):
    """A smooth 8-bit JPEG of size (width, height)."""
    x = np.linspace(0, 255, size[0], dtype=np.float32)[None, :, None]
    y = np.linspace(0, 255, size[1], dtype=np.float32)[:, None, None]
    pixels = np.broadcast_to((x + y) / 2, (size[1], size[0], 3)).astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path, quality=95)


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """{name: path or value} of the bad inputs the cases name."""
    root = tmp_path_factory.mktemp("bad_input")
    paths = {"out": root / "out", "free_port": _free_port()}
    program = program_lib.Program((program_lib.Step("exposure", {"ev": 0.5}),))
    paths["program"] = root / "program.json"
    program.save(paths["program"])
    document = program.to_dict()

    paths["bombs"] = root / "bombs"
    _jpeg(paths["bombs"] / "good.jpg", (80, 64))
    write_png_bomb(paths["bombs"] / "bomb.png")
    paths["targets"] = root / "targets"
    _jpeg(paths["targets"] / "target.jpg", (90, 70))
    paths["small"] = root / "small"
    _jpeg(paths["small"] / "small.jpg", (80, 64))
    paths["agan_images"] = root / "agan_images"
    _jpeg(paths["agan_images"] / "good.jpg", (16, 16))
    write_png_bomb(paths["agan_images"] / "bomb.png")
    paths["float_tiffs"] = root / "float_tiffs"
    paths["float_tiffs"].mkdir()
    rng = np.random.default_rng(0)
    for dtype in ("float32", "float16"):
        tifffile.imwrite(paths["float_tiffs"] / f"{dtype}.tif",
                         rng.random((64, 80, 3)).astype(dtype), photometric="rgb")

    paths["deep_architecture"] = root / "deep_architecture.json"
    paths["deep_architecture"].write_text("[" * 100_000 + "]" * 100_000)
    big = search_space.random_architecture(0).to_json()
    big["generator_up"] = {"ops": [search_space.IDENTITY] * 2000,
                           "adjacency": [[1] * (i + 2) for i in range(1999)]}
    paths["big_architecture"] = root / "big_architecture.json"
    paths["big_architecture"].write_text(json.dumps(big))
    text = json.dumps(document)
    paths["deep_program"] = root / "deep_program.json"
    paths["deep_program"].write_text(text.replace('"steps": [', '"steps": [' + "[" * 100_000, 1)
                                     .replace("]}", "]" * 100_000 + "]}"))
    paths["digits_program"] = root / "digits_program.json"
    paths["digits_program"].write_text(text.replace("0.5", "1" + "0" * 4999))
    paths["latin1_program"] = root / "latin1_program.json"
    paths["latin1_program"].write_bytes(text.replace("}]", ', "note": "caf\u00e9"}]').encode(
        "latin-1"))
    paths["long_program"] = root / "long_program.json"
    paths["long_program"].write_text(json.dumps(dict(document, steps=document["steps"] * 200_000)))

    paths["existing_file"] = root / "existing.txt"
    paths["existing_file"].write_text("the user's file")
    paths["fifo"] = root / "pipe"
    os.mkfifo(paths["fifo"])
    return paths


def _run(case, inputs):
    args = [arg.format(**inputs) for arg in case.args]
    done = subprocess.run([sys.executable, "-m", case.module, *args], capture_output=True,
                          text=True, timeout=600, cwd=inputs["out"].parent,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    return done.returncode, done.stdout, done.stderr


@pytest.fixture(scope="module")
def results(inputs):
    """{case name: (exit status, stdout, stderr)} of every case, run PARALLEL at a time."""
    order = [*TENSORFLOW_CASES, *(name for name in CASES if name not in TENSORFLOW_CASES)]
    with concurrent.futures.ThreadPoolExecutor(PARALLEL) as pool:
        futures = {name: pool.submit(_run, CASES[name], inputs) for name in order}
        return {name: future.result() for name, future in futures.items()}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_gives_the_status_and_a_message_not_a_traceback(results, inputs, name):
    case = CASES[name]
    status, out, err = results[name]
    assert status == case.status, (out, err)
    assert case.message.format(**inputs) in {"out": out, "err": err}[case.stream], (out, err)
    assert "Traceback" not in err, err


def test_a_skipped_file_leaves_the_rest_of_the_batch_written(results, inputs):
    assert (inputs["out"] / "apply_bomb" / "good.jpg").is_file()
    assert not list((inputs["out"] / "apply_bomb").glob("bomb*"))
    for dtype in ("float32", "float16"):
        with Image.open(inputs["out"] / "apply_float" / f"{dtype}.tif") as image:
            assert image.size == (80, 64)
    assert np.load(inputs["out"] / "made" / "folder.npz")["x"].shape == (1, 8, 8, 3)
    assert inputs["existing_file"].read_text() == "the user's file"
