"""Tests for mobile/bundle.py and the mobile_bundle command (mobile/cli/bundle.py): the files
written, and an app-side render from nothing but the bundle's files."""
import json
import re
import subprocess
import sys

import numpy as np
import pytest
from absl import app, flags

from commandline import BadInput
from mobile import bundle, lut, shader_source
from mobile.cli import bundle as bundle_cli
from mobile.render import render
from tests.helpers.random_programs import random_program
from tests.mobile.gl_fixtures import gl_renderer  # noqa: F401 (pytest fixture)

SIDECAR = {"format": "exposure-predictor", "version": 1, "model_file": "p.tflite",
           "filters": [{"index": 0, "name": "gamma"}, {"index": 1, "name": "exposure"}]}


def test_bundle_without_program_has_manifest_and_shaders(tmp_path):
    written = bundle.write_bundle(tmp_path / "b", sidecar=SIDECAR)
    assert [p.name for p in written][-1] == "manifest.json"
    for name in shader_source.SHADERS:
        assert (tmp_path / "b" / "shaders" / name).read_text() == shader_source.load(name)
    document = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert document["predictor"]["shader_ids"] == [1, 0]
    assert not (tmp_path / "b" / "lut.bin").exists() and "program" not in document


def test_app_renders_from_the_bundle_files_alone(tmp_path, gl_renderer):  # noqa: F811
    rng = np.random.default_rng(0)
    program = random_program(rng)
    bundle.write_bundle(tmp_path, program, lut_size=17)
    document = json.loads((tmp_path / "manifest.json").read_text())
    texture_info = document["lut_path"]["lut_texture"]
    size = texture_info["size"]
    table = np.fromfile(tmp_path / texture_info["file"], dtype="<f4").reshape(size, size, size, 3)
    assert texture_info["file_values"] == table.size
    np.testing.assert_array_equal(table, lut.bake(program, 17))
    image = rng.uniform(0.0, 1.0, (21, 30, 3)).astype(np.float32)
    want = lut.apply(table, image, encoding="linear", out_bits=8).astype(int)
    assert np.abs(gl_renderer.render_lut(table, image).astype(int) - want).max() <= 1
    uniforms = document["program"]["uniforms"]
    values = {"u_num_steps": uniforms["u_num_steps"],
              "u_filter": np.asarray(uniforms["u_filter"], np.int32),
              "u_params": np.asarray(uniforms["u_params"], np.float32)}
    texture = gl_renderer.upload_image(image)
    framebuffer = gl_renderer.draw_uniforms(texture, values)
    got = gl_renderer.read(framebuffer).astype(int)
    framebuffer.release()
    texture.release()
    want = np.rint(np.clip(render(program, image), 0.0, 1.0) * 255.0)
    assert np.abs(got - want).max() <= 1


def test_bad_lut_size_and_sidecar_file(tmp_path):
    for size in (1, lut.MAX_SIZE + 1):
        with pytest.raises(ValueError, match=f"integer from 2 to {lut.MAX_SIZE}"):
            bundle.write_bundle(tmp_path, lut_size=size)
    bad = tmp_path / "side.json"
    bad.write_text("{")
    with pytest.raises(ValueError, match="side.json: not valid JSON"):
        bundle.load_sidecar(bad)
    bad.write_text(json.dumps(dict(SIDECAR, version=2)))
    with pytest.raises(ValueError, match="side.json: sidecar: unsupported version 2"):
        bundle.load_sidecar(bad)
    with pytest.raises(ValueError, match="missing.json: cannot read the sidecar"):
        bundle.load_sidecar(tmp_path / "missing.json")


def test_command_writes_the_bundle(tmp_path):
    program = random_program(np.random.default_rng(1))
    program.save(tmp_path / "p.json")
    (tmp_path / "side.json").write_text(json.dumps(SIDECAR))
    result = subprocess.run([
        sys.executable, "-m", "mobile.cli.bundle", f"--output_dir={tmp_path / 'out'}",
        f"--program={tmp_path / 'p.json'}", f"--sidecar={tmp_path / 'side.json'}",
        "--lut_size=9"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].endswith("manifest.json")
    assert (tmp_path / "out" / "lut.bin").stat().st_size == 9 ** 3 * 3 * 4
    assert (tmp_path / "out" / "program.json").read_text() == program.to_json()


@pytest.mark.parametrize("args, message", [
    ([], "--output_dir is required"),
    (["--output_dir={tmp}/o", "--program={tmp}/nope.json"], "nope.json: cannot read program"),
    (["--output_dir={tmp}/o", "--sidecar={tmp}/bad.json"], "bad.json: not valid JSON"),
])
def test_bad_flags_give_clear_errors(tmp_path, args, message):
    (tmp_path / "bad.json").write_text("[")
    argv = ["mobile_bundle"] + [a.format(tmp=tmp_path) for a in args]
    try:
        with pytest.raises((app.UsageError, BadInput, flags.Error), match=re.escape(message)):
            flags.FLAGS(argv)
            bundle_cli.main(argv[:1])
    finally:
        flags.FLAGS.unparse_flags()
