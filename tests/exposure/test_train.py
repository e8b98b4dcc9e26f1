"""Tests for exposure/train.py and exposure/train_config.py: Algorithm 1 on tiny real files,
checkpoints that resume, TensorBoard logs, config validation."""
import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from exposure import train as train_lib
from exposure import train_config
from exposure.train import TrainConfig
from tests.exposure.photo_fixtures import write_training_photos

ROOT = pathlib.Path(__file__).resolve().parents[2]

# Tiny settings: four filters (a smaller graph to trace), batch 4, memory 8, 4 iterations.
TINY = dict(filters=("exposure", "gamma", "contrast", "saturation"), batch_size=4, iterations=4,
            replay_size=8, n_critic=1, critic_boost_steps=2, critic_boost_first=1,
            checkpoint_every=2, log_every=1, image_every=2)


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    """raw/: a DNG and two 16-bit PNGs; target/: three 8-bit JPEGs; plus a patch cache folder."""
    return write_training_photos(tmp_path_factory.mktemp("photos"))


def _train(photos, output_dir, **kwargs):
    return train_lib.train(TrainConfig(**TINY), output_dir, photos / "raw", photos / "target",
                           cache_dir=photos / "cache", progress=False, **kwargs)


def test_train_steps_change_the_weights_with_finite_losses():
    learner = train_lib.Learner(TrainConfig(**TINY))
    rng = np.random.default_rng(1)
    images = tf.constant(rng.uniform(0, 1, (4, 64, 64, 3)), tf.float32)
    before = {name: [w.numpy() for w in model.trainable_variables] for name, model in
              (("policy", learner.policy), ("value", learner.value), ("critic", learner.critic))}
    learner.set_learning_rates(0)
    critic = learner.critic_step(images * 0.5, images)
    new_images, usage, steps, actor, chosen = learner.actor_step(
        images, tf.zeros([4, 4]), tf.zeros([4], tf.int32), tf.constant(0.0))
    for value in list(critic.values()) + list(actor.values()):
        assert np.isfinite(value.numpy())
    assert critic["critic/gradient_penalty"].numpy() > 0
    assert actor["penalty/saturation"].numpy() >= 0
    np.testing.assert_array_equal(steps.numpy(), 1)
    np.testing.assert_array_equal(usage.numpy(), np.eye(4)[chosen.numpy()])
    for name, model in (("policy", learner.policy), ("value", learner.value),
                        ("critic", learner.critic)):
        for old, new in zip(before[name], model.trainable_variables, strict=True):
            head = new.path.split("/")[1].rsplit("_fc", 1)[0]
            # Only the chosen filters' parameter heads get a gradient (deterministic policy
            # gradient through the applied filter), and the WGAN loss is blind to the critic's
            # output bias (it cancels in D(fake) - D(real)); every other weight moves.
            unused = (name == "policy" and head in TINY["filters"] and (
                TINY["filters"].index(head) not in chosen.numpy())) or (
                new.path.endswith("/critic_fc2/bias"))
            assert np.array_equal(old, new.numpy()) == unused, new.path


def test_a_stopped_run_resumes_and_leaves_a_self_describing_model(photos, tmp_path):
    model = tmp_path / "model"
    first = _train(photos, model, stop_after=2)
    assert (first["start_iteration"], first["final_iteration"]) == (0, 2)
    assert tf.train.latest_checkpoint(str(model / "checkpoints")).endswith("ckpt-2")
    second = _train(photos, model, heldout_dir=photos / "target",
                    heldout_truth_dir=photos / "target")
    # It continues from iteration 2 and ends where an uninterrupted run ends.
    assert (second["start_iteration"], second["final_iteration"]) == (2, TINY["iterations"])
    assert second["iterations_run"] == 2
    assert all(np.isfinite(v) for v in second["metrics"].values())
    assert 0 < second["parameters"]["total"] < 8.6e6
    assert train_config.load(model) == TrainConfig(**TINY)
    assert tf.train.latest_checkpoint(str(model / "checkpoints")).endswith("ckpt-4")
    assert json.loads((model / "summary.json").read_text())["final_iteration"] == 4
    tags = set()
    for event in (model / "logs").glob("events.out.tfevents.*"):
        for record in tf.compat.v1.train.summary_iterator(str(event)):
            tags.update(v.tag for v in record.summary.value)
    assert {"critic/loss", "actor/loss", "value/loss", "reward/total",
            "filter_usage/exposure", "filter_usage", "before_after",
            "heldout/hist_luminance", "heldout_input/hist_saturation",
            "heldout/delta_e2000_median", "heldout_truth/hist_luminance"} <= tags
    heldout = second["heldout"]
    assert heldout["photos"] == ["t0", "t1", "t2"]
    hist = {"hist_luminance", "hist_contrast", "hist_saturation"}
    assert set(heldout["retouched"]) == set(heldout["input_as_is"]) == hist | {
        "delta_e2000_median", "delta_e2000_mean"}
    assert set(heldout["truth"]) == hist


def test_the_averaged_policy_is_what_retouching_loads(photos, tmp_path):
    from exposure import agent as agent_lib
    config = TrainConfig(**{**TINY, "policy_average": 0.5})
    learner = train_lib.Learner(config)
    images = tf.constant(np.random.default_rng(2).uniform(0, 1, (4, 64, 64, 3)), tf.float32)
    before = [w.numpy() for w in learner.policy.weights]
    learner.actor_step(images, tf.zeros([4, 4]), tf.zeros([4], tf.int32), tf.constant(0.0))
    moved = [not np.array_equal(b, w.numpy())
             for b, w in zip(before, learner.policy.weights, strict=True)]
    assert any(moved)
    for b, w, mean in zip(before, learner.policy.weights, learner.average.weights, strict=True):
        # One update with decay 0.5: halfway between the start and the new weights.
        np.testing.assert_allclose(mean.numpy(), 0.5 * b + 0.5 * w.numpy(), rtol=1e-5, atol=1e-7)
    model = tmp_path / "model"
    train_lib.train(config, model, photos / "raw", photos / "target", cache_dir=photos / "cache",
                    progress=False)
    loaded = agent_lib.load_agent(model)
    reference = train_lib.Learner(config)
    tf.train.Checkpoint(**{agent_lib.AVERAGE_KEY: train_lib.networks.checkpoint_variables(
        reference.average)}).restore(tf.train.latest_checkpoint(
            str(model / "checkpoints"))).expect_partial()
    for mine, theirs in zip(loaded.policy.weights, reference.average.weights, strict=True):
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


def test_fresh_fakes_are_the_current_policys_finished_episodes(photos, tmp_path):
    config = TrainConfig(**{**TINY, "critic_fakes": "fresh", "mask_used_filters": True,
                            "num_steps": 4})
    learner = train_lib.Learner(config)
    images = tf.constant(np.random.default_rng(3).uniform(0, 1, (4, 64, 64, 3)), tf.float32)
    fakes = learner.fresh_fakes(images).numpy()
    assert fakes.shape == (4, 64, 64, 3) and np.isfinite(fakes).all()
    # Four filters, four steps, no filter twice: every fake went through all four edits, so
    # none is its input.
    assert np.abs(fakes - images.numpy()).max(axis=(1, 2, 3)).min() > 1e-3
    summary = train_lib.train(config, tmp_path / "model", photos / "raw", photos / "target",
                              cache_dir=photos / "cache", progress=False)
    assert summary["final_iteration"] == TINY["iterations"]
    with pytest.raises(ValueError, match="critic_fakes"):
        TrainConfig(**{**TINY, "critic_fakes": "recent"})
    with pytest.raises(ValueError, match="critic_view"):
        TrainConfig(**{**TINY, "critic_view": "shuffled"})


def test_resuming_with_other_settings_is_refused(photos, tmp_path):
    train_config.save(TrainConfig(**TINY), tmp_path)
    other = TrainConfig(**{**TINY, "batch_size": 2})
    with pytest.raises(ValueError, match="batch_size: saved 4, now 2"):
        train_lib.train(other, tmp_path, photos / "raw", photos / "target", progress=False)


def test_config_validation_names_the_field():
    with pytest.raises(ValueError, match="batch_size"):
        TrainConfig(batch_size=0)
    with pytest.raises(ValueError, match="filters"):
        TrainConfig(filters=("exposure", "sharpen"))
    with pytest.raises(ValueError, match="replay_size"):
        TrainConfig(batch_size=64, replay_size=32)
    with pytest.raises(ValueError, match="tiff_encoding"):
        TrainConfig(tiff_encoding="log")
    with pytest.raises(ValueError, match="num_steps: mask_used_filters"):
        TrainConfig(filters=("exposure", "gamma"), num_steps=3, mask_used_filters=True)
    with pytest.raises(ValueError, match="num_steps: a program holds at most 100 steps, got 101"):
        TrainConfig(num_steps=101, mask_used_filters=False)


def test_schedules_follow_the_paper():
    config = TrainConfig()
    assert config.learning_rates(0) == pytest.approx((5e-5, 5e-5, 5e-4))
    assert config.learning_rates(20000) == pytest.approx((5e-8, 5e-8, 5e-7))  # decayed to 1e-3
    assert [config.critic_steps(i) for i in (0, 9, 10, 11, 500, 501)] == [100, 100, 5, 5, 100, 5]


def test_config_file_round_trip_and_bad_file(tmp_path):
    config = TrainConfig(**TINY)
    path = train_config.save(config, tmp_path)
    assert pathlib.Path(path).name == "config.json"
    assert train_config.load(tmp_path) == config
    path.write_text('{"batch_size": 4, "colour": 1}')
    with pytest.raises(ValueError, match=r"config.json: unknown keys \['colour'\]"):
        train_config.load(tmp_path)


def _command(*args):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-m", "exposure.cli.train", "--noprogress", *args],
                            capture_output=True, text=True, env=env, timeout=300)
    return result.returncode, result.stdout + result.stderr


def test_command_names_a_bad_flag(tmp_path):
    status, text = _command("--batch_size=0", f"--raw_dir={tmp_path / 'raw'}",
                            f"--target_dir={tmp_path / 'target'}",
                            f"--output_dir={tmp_path / 'model'}")
    assert status == 2 and "--batch_size: expected an integer >= 1, got 0" in text


def test_a_missing_folder_is_named_and_nothing_is_written(photos, tmp_path):
    with pytest.raises(FileNotFoundError, match="nope: no such folder"):
        train_lib.train(TrainConfig(**TINY), tmp_path / "model", tmp_path / "nope",
                        photos / "target", progress=False)
    assert not (tmp_path / "model").exists()  # nothing written before the data is read


def test_a_damaged_latest_checkpoint_is_named_and_training_goes_on_from_the_one_before(
        photos, tmp_path, capfd):
    model = tmp_path / "model"
    config = TrainConfig(**TINY)
    model.mkdir()
    train_config.save(config, model)
    learner = train_lib.Learner(config)
    folder = model / "checkpoints"
    manager = tf.train.CheckpointManager(learner.checkpoint(), str(folder), 3)
    for number in (2, 3):  # what a run stopped at iteration 3 leaves
        learner.step.assign(number)
        manager.save(checkpoint_number=number)
    with open(folder / "ckpt-3.index", "r+b") as index:
        index.truncate(100)
    (folder / "ckpt-4_temp").mkdir()  # a save cut short by a kill -9
    again = _train(photos, model, stop_after=1)
    err = capfd.readouterr().err
    assert "damaged checkpoint, passed over: ckpt-3.index: " in err
    assert "using ckpt-2 instead" in err and "ckpt-4_temp, a save cut short" in err
    assert (again["start_iteration"], again["final_iteration"]) == (2, 3)
    assert not (folder / "ckpt-4_temp").exists()
    assert tf.train.load_checkpoint(str(folder / "ckpt-3")).get_tensor(
        "step/.ATTRIBUTES/VARIABLE_VALUE") == 3  # written again, intact
