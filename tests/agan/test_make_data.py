"""The agan_make_data command, run as a real process."""
import os
import pathlib
import subprocess
import sys

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _run(*args, keras_home):
    env = dict(os.environ, KERAS_HOME=str(keras_home), PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "agan.cli.make_data", *args], env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def test_builtin_from_a_flagfile(tmp_path):
    flagfile = tmp_path / "make.flags"
    flagfile.write_text(f"--output_dir={tmp_path / 'out'}\n--num_samples=40\n--seed=5\n")
    result = _run(f"--flagfile={flagfile}", keras_home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "40 images of shape (32, 32, 3)" in result.stdout and "10 classes" in result.stdout
    with np.load(tmp_path / "out" / "builtin.npz") as arrays:
        assert arrays["x"].shape == (40, 32, 32, 3) and arrays["x"].dtype == np.uint8
        assert np.bincount(arrays["y"]).tolist() == [4] * 10
    assert (tmp_path / "out" / "samples.png").is_file()


def test_missing_cifar10_fails_with_the_download_url(tmp_path):
    result = _run("--dataset=cifar10", f"--output_dir={tmp_path / 'out'}", keras_home=tmp_path)
    assert result.returncode != 0
    assert "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz" in result.stderr
    assert not (tmp_path / "out").exists()
