"""Tests of the exposure_benchmark command's flag handling (exposure/cli/benchmark.py).

The full run (training included) is exercised by tests/exposure/test_black_box_benchmark.py's
parts and by the README's recorded run; here: bad flags fail fast with a clear message.
"""
import pathlib
import re

import pytest
from absl import app, flags

from exposure.cli import benchmark as benchmark_cli
from exposure.cli import training_flags

FLAGSFILE = pathlib.Path(__file__).resolve().parents[2] / "configs/exposure/benchmark.flags"


@pytest.mark.parametrize("args, message", [
    (["--heldout=rocket"], "--output_dir is required"),
    (["--output_dir={tmp}", "--heldout=motorcycle_left"], "--heldout: motorcycle_left and"),
    (["--output_dir={tmp}", "--heldout=lena"], "--heldout: held-out photos ['lena']"),
    (["--output_dir={tmp}", "--batch_size=0"], "--batch_size: expected an integer >= 1"),
    (["--output_dir={tmp}", "--photo_dir={tmp}", "--heldout=rocket"],
     "--heldout names built-in photos; with --photo_dir use --heldout_fraction"),
    (["--output_dir={tmp}", "--photo_dir={tmp}", "--heldout_fraction=1.5"],
     "--heldout_fraction=1.5: expected a fraction in (0, 1)"),
    (["--output_dir={tmp}", "--target_fraction=0"], "--target_fraction=0.0: expected a fraction"),
])
def test_bad_flags_are_refused_before_any_work(tmp_path, args, message):
    argv = ["exposure_benchmark"] + [a.format(tmp=tmp_path / "run") for a in args]
    try:
        flags.FLAGS(argv)
        with pytest.raises(app.UsageError, match=re.escape(message)):
            benchmark_cli.main(argv[:1])
    finally:
        flags.FLAGS.unparse_flags()
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("name", ["raw_dir", "target_dir"])
def test_exposure_trains_data_flags_are_not_the_benchmarks(tmp_path, name):
    with pytest.raises(flags.Error, match=f"Unknown command line flag '{name}'"):
        flags.FLAGS(["exposure_benchmark", f"--output_dir={tmp_path}", f"--{name}={tmp_path}"])
    flags.FLAGS.unparse_flags()


def test_the_benchmark_flagfile_parses_to_a_valid_training_config(tmp_path):
    try:
        flags.FLAGS(["exposure_benchmark", f"--flagfile={FLAGSFILE}", f"--output_dir={tmp_path}"])
        config = training_flags().config()
        assert flags.FLAGS.heldout == []  # the seeded, colour-balanced scene split
    finally:
        flags.FLAGS.unparse_flags()
    assert config.iterations == 900 and config.batch_size == 16 and config.replay_size == 32
    assert config.critic_lr == 10 * config.actor_lr and config.critic_view == "sorted"
    assert config.policy_average == 0.998 and config.mask_used_filters
    assert config.policy_statistics


@pytest.mark.parametrize("name, expected", [
    ("paper.flags", dict(batch_size=64, iterations=20000, replay_size=2048,
                         mask_used_filters=False, policy_statistics=False)),
    ("demo.flags", dict(batch_size=16, iterations=300, replay_size=32, policy_average=0.99,
                        critic_view="sorted", mask_used_filters=True, policy_statistics=True)),
])
def test_the_training_flagfiles_parse_to_their_configs(name, expected, monkeypatch):
    monkeypatch.chdir(FLAGSFILE.parents[2])  # demo.flags includes configs/exposure/benchmark.flags
    try:
        flags.FLAGS(["exposure_train", f"--flagfile={FLAGSFILE.with_name(name)}"])
        config = training_flags().config()
    finally:
        flags.FLAGS.unparse_flags()
    assert {key: getattr(config, key) for key in expected} == expected
