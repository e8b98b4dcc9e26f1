"""Tests for exposure/retouch.py and the exposure_retouch command, on real files in tmp_path."""
import os
import pathlib
import shutil
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
import tifffile
from PIL import Image

from exposure import agent as agent_lib
from exposure import networks, retouch, train_config
from exposure.image_io import read_linear
from mobile.program import Program
from mobile.render import render
from tests.exposure.photo_fixtures import smooth_linear_image, write_test_dng
from tests.helpers.image_bombs import write_png_bomb

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    """A model directory as exposure_train leaves it: config.json and a policy checkpoint (an
    untrained policy whose heads are biased away from the identity)."""
    folder = tmp_path_factory.mktemp("model")
    config = train_config.TrainConfig()
    train_config.save(config, folder)
    policy = agent_lib.build_policy(config)
    rng = np.random.default_rng(5)
    for out in policy.param_outs:
        out.bias.assign(rng.normal(0, 1.0, out.bias.shape).astype(np.float32))
    tf.train.Checkpoint(policy=networks.checkpoint_variables(policy)).save(
        folder / agent_lib.CHECKPOINT_SUBDIR / "ckpt")
    return folder


@pytest.fixture
def photos(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    write_test_dng(folder / "ramp.dng", smooth_linear_image(96, 128))
    pixels = (smooth_linear_image(72, 90) ** 0.45 * 255).astype(np.uint8)
    Image.fromarray(pixels).save(folder / "sky.jpg", quality=95)
    (folder / "broken.jpg").write_bytes(b"not a jpeg at all")
    return folder


def test_command_retouches_a_folder_and_reports_the_bad_file(model_dir, photos, tmp_path):
    out = tmp_path / "out"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-m", "exposure.cli.retouch", f"--model_dir={model_dir}",
         f"--input={photos}", f"--output={out}", "--format=png", "--nofast", "--strip",
         "--noprogress"], capture_output=True, text=True, env=env, timeout=600)
    text = result.stdout + result.stderr
    assert result.returncode == 1, text  # one photo failed, the batch went on
    assert "broken.jpg" in text and "2 of 3 photos retouched" in text
    assert not (out / "broken.png").exists()
    for name in ("ramp", "sky"):
        program = Program.load(out / f"{name}.json")
        assert len(program.steps) == 5
        assert str(program) in result.stdout  # the printed program
        assert (out / f"{name}.strip.png").is_file()
        source = next(photos.glob(f"{name}.*"))
        expected = np.rint(np.clip(render(program, read_linear(source)), 0, 1) * 255)
        written = np.asarray(Image.open(out / f"{name}.png"), dtype=np.float64)
        assert np.abs(written - expected).max() <= 1
    assert sorted(p.name for p in photos.iterdir()) == ["broken.jpg", "ramp.dng", "sky.jpg"]


def test_samples_give_varied_seeded_programs(model_dir, photos, tmp_path):
    agent = agent_lib.load_agent(model_dir)
    pairs = [(photos / "ramp.dng", tmp_path / "a" / "ramp.jpg")]
    printed = []
    report = retouch.retouch(agent, pairs, samples=4, seed=3, progress=False,
                             echo=printed.append)
    assert not report.failures and len(printed) == 4
    outputs = [tmp_path / "a" / f"ramp_s{i}.jpg" for i in range(4)]
    assert all(p.is_file() and retouch.program_path(p).is_file() for p in outputs)
    programs = [Program.load(retouch.program_path(p)) for p in outputs]
    assert len({p.to_json() for p in programs}) > 1
    again = retouch.retouch(agent, [(pairs[0][0], tmp_path / "b" / "ramp.jpg")], samples=4,
                            seed=3, progress=False, echo=lambda _: None)
    assert [p for _, _, p in again.programs] == programs  # same seed, same programs


def test_deterministic_program_is_the_agents_decision_on_the_thumbnail(model_dir, photos,
                                                                       tmp_path):
    agent = agent_lib.load_agent(model_dir)
    linear = read_linear(photos / "sky.jpg")
    thumb = retouch.thumbnail(linear)
    assert thumb.shape == (64, 64, 3)
    np.testing.assert_allclose(thumb.mean(axis=(0, 1)), linear.mean(axis=(0, 1)), atol=1e-3)
    programs = retouch.decide(agent, linear)
    assert programs == retouch.decide(agent, linear)
    decisions = agent.decide(tf.constant(thumb[None]))
    assert programs == agent.programs({k: v.numpy() for k, v in decisions.items()})


def test_an_output_over_an_input_is_refused(model_dir, photos):
    agent = agent_lib.load_agent(model_dir)
    source = photos / "sky.jpg"
    before = source.read_bytes()
    report = retouch.retouch(agent, [(source, source)], progress=False, echo=lambda _: None)
    assert report.failures and "refusing to overwrite" in report.failures[0][1]
    assert source.read_bytes() == before


def _command(*args):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "exposure.cli.retouch", "--noprogress", *args],
                          capture_output=True, text=True, env=env, timeout=600)


def test_output_into_the_input_folder_leaves_the_users_files_alone(model_dir, photos):
    notes = photos / "sky.json"
    notes.write_text("the user's notes, not a program")
    result = _command(f"--model_dir={model_dir}", f"--input={photos}", f"--output={photos}",
                      "--format=png", "--overwrite")
    assert result.returncode == 1, result.stderr[-2000:]
    assert f"refusing to overwrite {notes} (a file of the input" in result.stderr
    assert notes.read_text() == "the user's notes, not a program"
    assert not (photos / "sky.png").exists()
    assert Program.load(photos / "ramp.json").steps  # the other photo is retouched beside it
    assert "1 of 3 photos retouched" in result.stdout


def test_existing_outputs_are_replaced_only_when_asked(model_dir, photos, tmp_path):
    agent = agent_lib.load_agent(model_dir)
    pairs = [(photos / "sky.jpg", tmp_path / "out" / "sky.png")]
    first = retouch.retouch(agent, pairs, progress=False, echo=lambda _: None)
    assert not first.failures
    program = tmp_path / "out" / "sky.json"
    program.write_text("edited by hand")
    again = retouch.retouch(agent, pairs, progress=False, echo=lambda _: None)
    assert again.written == [] and "sky.png: it exists and this run did not write it" in (
        again.failures[0][1])
    assert program.read_text() == "edited by hand"
    replaced = retouch.retouch(agent, pairs, progress=False, echo=lambda _: None, overwrite=True)
    assert not replaced.failures and Program.load(program) == first.programs[0][2]
    kept = retouch.retouch(agent, pairs, progress=False, echo=lambda _: None, overwrite=True,
                           keep=[program])
    assert "refusing to overwrite" in kept.failures[0][1] and not kept.written


def test_a_damaged_latest_checkpoint_is_named_and_the_one_before_used(model_dir, photos,
                                                                      tmp_path):
    model = tmp_path / "model"
    shutil.copytree(model_dir, model)
    config = train_config.load(model)
    policy = agent_lib.build_policy(config)  # other weights, saved as ckpt-2, then damaged
    tf.train.CheckpointManager(
        tf.train.Checkpoint(policy=networks.checkpoint_variables(policy)),
        str(model / agent_lib.CHECKPOINT_SUBDIR), 3).save(checkpoint_number=2)
    data = next((model / agent_lib.CHECKPOINT_SUBDIR).glob("ckpt-2.data-*"))
    data.write_bytes(data.read_bytes()[:1000])
    result = _command(f"--model_dir={model}", f"--input={photos / 'sky.jpg'}",
                      f"--output={tmp_path / 'sky.jpg'}")
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"damaged checkpoint, passed over: {data.name}: " in result.stderr
    assert "using ckpt-1 instead" in result.stderr
    expected = retouch.decide(agent_lib.load_agent(model_dir), read_linear(photos / "sky.jpg"))
    assert Program.load(tmp_path / "sky.json") == expected[0]


def test_a_bomb_is_skipped_and_float_tiffs_are_retouched(model_dir, tmp_path):
    agent = agent_lib.load_agent(model_dir)
    photos = tmp_path / "photos"
    photos.mkdir()
    write_png_bomb(photos / "bomb.png")
    rng = np.random.default_rng(0)
    for dtype in ("float32", "float16"):  # Pillow cannot read their EXIF; it is optional
        tifffile.imwrite(photos / f"{dtype}.tif", rng.random((64, 80, 3)).astype(dtype),
                         photometric="rgb")
    pairs = [(p, tmp_path / "out" / f"{p.stem}.png") for p in sorted(photos.iterdir())]
    report = retouch.retouch(agent, pairs, progress=False, echo=lambda _: None)
    ((failed, reason),) = report.failures
    assert failed.endswith("bomb.png") and "is 30000x30000 px" in reason
    assert "--max_image_pixels" in reason
    for dtype in ("float32", "float16"):
        assert Image.open(tmp_path / "out" / f"{dtype}.png").size == (80, 64)
