"""The child GAN trainer: real models and data at tiny size, a few steps, checkpoint resume."""
import gc
import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from agan import search_space, train

# One operation per segment keeps tracing fast; the module builder is tested in test_modules.py.
TINY_ARCHITECTURE = {
    "format": search_space.FORMAT,
    "version": search_space.VERSION,
    "description": "tiny test architecture",
    "generator_up": {"ops": [search_space.DECONV_3X3], "adjacency": []},
    "discriminator_down": {"ops": ["pool_first_conv_3x3"], "adjacency": []},
    "discriminator_normal": {"ops": [search_space.CONV_3X3], "adjacency": []},
}


@pytest.fixture(scope="module")
def classifier_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("classifier_cache")


def _config(tmp_path, classifier_cache, **overrides):
    path = tmp_path / "arch.json"
    path.write_text(json.dumps(TINY_ARCHITECTURE))
    settings = dict(
        architecture=str(path), channels=8, latent_dim=16, data_limit=128, eval_samples=40,
        is_splits=2, eval_batch_size=20, classifier="dataset",
        classifier_cache_dir=str(classifier_cache), classifier_samples=200, classifier_epochs=1,
        log_every=1, sample_every=2, checkpoint_every=1,
    )
    settings.update(overrides)
    return train.TrainConfig(**settings)


def test_hinge_losses_match_their_formulas():
    real = tf.constant([2.0, 0.5, -1.0])
    fake = tf.constant([-2.0, 0.0, 1.5])
    expected_d = np.mean([0.0, 0.5, 2.0]) + np.mean([0.0, 1.0, 2.5])
    assert float(train.hinge_discriminator_loss(real, fake)) == pytest.approx(expected_d)
    assert float(train.hinge_generator_loss(fake)) == pytest.approx(-np.mean([-2.0, 0.0, 1.5]))


def test_paper_defaults_and_validation():
    config = train.TrainConfig(architecture="a.json")
    assert (config.learning_rate, config.beta1, config.beta2) == (2e-4, 0.0, 0.9)
    assert (config.d_steps_per_g_step, config.real_batch_size, config.fake_batch_size,
            config.g_batch_size) == (5, 64, 64, 128)
    assert (config.steps, config.channels, config.eval_samples, config.is_splits) == (
        5000, 128, 50000, 10)
    config.validate()
    with pytest.raises(ValueError, match="g_batch_size"):
        train.TrainConfig(architecture="a.json", g_batch_size=0).validate()
    with pytest.raises(ValueError, match="classifier"):
        train.TrainConfig(architecture="a.json", classifier="vgg").validate()
    with pytest.raises(ValueError, match="architecture"):
        train.TrainConfig().validate()


@pytest.mark.slow
def test_train_writes_scores_samples_and_resumes_from_checkpoint(tmp_path, classifier_cache):
    out = tmp_path / "run"
    first = train.train(_config(tmp_path, classifier_cache, steps=2), out)
    assert first["resumed_from_step"] == 0 and first["steps"] == 2
    losses = [(h["d_loss"], h["g_loss"]) for h in first["history"]]
    assert [h["step"] for h in first["history"]] == [1, 2]
    assert np.all(np.isfinite(losses))
    assert losses[0] != losses[1]  # the parameters moved
    assert (out / "samples_2.png").is_file()
    assert json.loads((out / "result.json").read_text())["fid"] == pytest.approx(first["fid"])
    assert 1.0 <= first["inception_score_mean"] <= 10.0
    assert first["fid"] >= 0 and np.isfinite(first["fid"])
    assert "not comparable" in first["note"]
    assert list((out / "tensorboard").iterdir())
    assert gc.get_freeze_count() > 0  # the start-up objects are out of the collector's passes

    # The same call with more steps continues at step 2 with the saved optimizer state.
    second = train.train(_config(tmp_path, classifier_cache, steps=3), out)
    assert second["resumed_from_step"] == 2
    # The loss history covers every logged step since step 0, not only this run's.
    assert [h["step"] for h in second["history"]] == [1, 2, 3]
    reader = tf.train.load_checkpoint(str(out / "checkpoints"))
    assert reader.get_tensor("step/.ATTRIBUTES/VARIABLE_VALUE") == 3
    iterations = [k for k in reader.get_variable_to_shape_map()
                  if k.startswith("d_optimizer/") and "iteration" in k]
    assert iterations, "no discriminator optimizer step counter in the checkpoint"
    assert reader.get_tensor(iterations[0]) == 3 * 5  # 5 D updates per G step, none lost
    assert (out / "samples_3.png").is_file()


@pytest.mark.slow
def test_conditional_training_runs(tmp_path, classifier_cache):
    result = train.train(
        _config(tmp_path, classifier_cache, steps=1, conditional=True, d_steps_per_g_step=2),
        tmp_path / "conditional",
    )
    assert np.isfinite(result["history"][-1]["d_loss"])
    assert (tmp_path / "conditional" / "samples_1.png").is_file()


@pytest.mark.parametrize("flagfile", ["train_demo.flags", "train_paper.flags", "train_long.flags"])
def test_agan_train_command_reads_flagfiles_and_names_a_bad_architecture(tmp_path, flagfile):
    root = pathlib.Path(__file__).resolve().parents[2]
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "agan-architecture", "version": 7}')
    process = subprocess.run(
        [sys.executable, "-m", "agan.cli.train", f"--flagfile={root / 'configs/agan' / flagfile}",
         f"--architecture={bad}", f"--output_dir={tmp_path / 'out'}"],
        capture_output=True, text=True, cwd=root, timeout=300,
    )
    assert process.returncode != 0
    assert f"agan_train: error: {bad}" in process.stderr
    assert "version" in process.stderr
    assert not (tmp_path / "out").exists()


def test_runs_with_different_seeds_share_one_dataset_classifier(tmp_path):
    cache = tmp_path / "cache"
    first = train.make_classifier(_config(tmp_path, cache, seed=0, classifier_samples=60))
    second = train.make_classifier(_config(tmp_path, cache, seed=1, classifier_samples=60))
    assert len(list(cache.glob("*.keras"))) == 1
    assert first.info == second.info
    other = train.make_classifier(
        _config(tmp_path, cache, seed=1, classifier_samples=60, classifier_seed=1))
    assert len(list(cache.glob("*.keras"))) == 2
    assert other.info["settings"]["seed"] == 1


@pytest.mark.slow
def test_resume_names_a_changed_flag_passes_over_a_damaged_checkpoint_and_keeps_the_history(
        tmp_path, classifier_cache, capfd):
    out = tmp_path / "run"
    first = train.train(_config(tmp_path, classifier_cache, steps=2), out)
    assert [h["step"] for h in first["history"]] == [1, 2]
    root = pathlib.Path(__file__).resolve().parents[2]
    process = subprocess.run(
        [sys.executable, "-m", "agan.cli.train", f"--architecture={tmp_path / 'arch.json'}",
         f"--output_dir={out}", "--channels=16", "--latent_dim=16", "--data_limit=128",
         "--eval_samples=40", "--is_splits=2", "--noprogress"],
        capture_output=True, text=True, cwd=root, timeout=300)
    assert process.returncode == 2, process.stderr[-2000:]
    assert f"agan_train: error: {out} holds a run of another model (--channels: saved 8, now 16)" \
        in process.stderr
    other = dict(TINY_ARCHITECTURE, generator_up={"ops": [search_space.DECONV_5X5],
                                                    "adjacency": []})
    with pytest.raises(ValueError, match="--architecture: the saved run's architecture differs"):
        train.train(_config(tmp_path, classifier_cache, steps=3,
                            architecture=search_space.Architecture.from_json(other)), out)

    data = next((out / "checkpoints").glob("ckpt-2.data-*"))
    data.write_bytes(data.read_bytes()[:100])
    capfd.readouterr()
    second = train.train(_config(tmp_path, classifier_cache, steps=3), out)
    err = capfd.readouterr().err
    assert f"damaged checkpoint, passed over: {data.name}: " in err and "using ckpt-1" in err
    assert second["resumed_from_step"] == 1
    saved = json.loads((out / "result.json").read_text())["history"]
    assert [h["step"] for h in saved] == [1, 2, 3]
    assert saved[0] == first["history"][0]  # from before the resume
    assert saved[1] != first["history"][1]  # step 2 again, after the fallback


def test_the_single_traced_step_computes_what_a_d_step_then_a_g_step_compute(tmp_path):
    config = _config(tmp_path, tmp_path, d_steps_per_g_step=1, real_batch_size=4,
                     fake_batch_size=4, g_batch_size=6)
    real_images = tf.constant(np.random.default_rng(0).uniform(-1, 1, (4, 16, 16, 3)), tf.float32)
    real_labels = tf.zeros([4], tf.int32)
    single, separate = (train.GanSteps(*train.build_models(config, image_size=16), config)
                        for _ in range(2))
    for _ in range(2):
        single_metrics = single.step(real_images, real_labels)
        separate_metrics = {**separate.d_step(real_images, real_labels), **separate.g_step()}
    assert sorted(single_metrics) == ["d_fake", "d_loss", "d_real", "g_loss"]
    for name, value in single_metrics.items():
        np.testing.assert_allclose(float(value), float(separate_metrics[name]), rtol=1e-5,
                                   atol=1e-6)
    for model in ("generator", "discriminator"):
        for a, b in zip(getattr(single, model).variables, getattr(separate, model).variables,
                        strict=True):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-6)
