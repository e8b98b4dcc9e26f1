"""The dataset classifier: learns the built-in data, is cached, and plugs into IS/FID."""
import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from agan import classifier, data, metrics


def test_cache_key_names_every_setting(tmp_path):
    base = classifier.ClassifierSettings()
    keys = {
        base.cache_key(),
        classifier.ClassifierSettings(epochs=6).cache_key(),
        classifier.ClassifierSettings(num_samples=5).cache_key(),
        classifier.ClassifierSettings(seed=1).cache_key(),
        classifier.ClassifierSettings(dataset="folder", data_dir=str(tmp_path)).cache_key(),
    }
    assert len(keys) == 5
    assert all("/" not in key for key in keys)


def test_train_model_rejects_bad_arrays():
    with pytest.raises(ValueError, match="images"):
        classifier.train_model(np.zeros((4, 8, 8), np.uint8), np.zeros(4, int))
    with pytest.raises(ValueError, match="single class"):
        classifier.train_model(np.zeros((4, 8, 8, 3), np.uint8), np.zeros(4, int))


_DEMO_CLASSIFIER_SETTINGS = """
import dataclasses, json
from absl import flags
from agan import train
from agan.cli import search as cli
flags.FLAGS(["agan_search", "--flagfile=configs/agan/demo.flags", "--output_dir=unused"])
print(json.dumps(dataclasses.asdict(train.classifier_settings(cli.config_from_flags().child))))
"""


@pytest.fixture(scope="module")
def demo_classifier(tmp_path_factory):
    """(settings, cache folder, classifier) of the demo search's dataset classifier, trained once
    for the tests of this file (the flags are read in a child process: absl flags are global)."""
    root = pathlib.Path(__file__).resolve().parents[2]
    process = subprocess.run([sys.executable, "-c", _DEMO_CLASSIFIER_SETTINGS],
                             capture_output=True, text=True, cwd=root, timeout=300)
    assert process.returncode == 0, process.stderr[-2000:]
    settings = classifier.ClassifierSettings(**json.loads(process.stdout.strip().splitlines()[-1]))
    cache_dir = tmp_path_factory.mktemp("classifiers")
    return settings, cache_dir, classifier.load_or_train(settings, cache_dir=cache_dir)


@pytest.mark.slow
def test_the_demo_flags_give_a_classifier_that_separates_the_builtin_classes(demo_classifier):
    """The demo search's rewards mean something only if its classifier tells the shapes apart
    (issue 16: held-out accuracy >= 0.8), and the demo trains it on a small budget."""
    settings, _, trained = demo_classifier
    assert settings.dataset == "builtin"
    assert settings.num_samples * settings.epochs <= 30_000  # a small budget (issue 16)
    assert trained.info["holdout_accuracy"] >= 0.8


@pytest.mark.slow
def test_classifier_is_cached_and_scores_real_data(demo_classifier):
    settings, cache_dir, trained = demo_classifier
    model_file = cache_dir / f"{settings.cache_key()}.keras"
    info = json.loads((cache_dir / f"{settings.cache_key()}.json").read_text())
    assert model_file.is_file() and info["holdout_samples"] == settings.num_samples // 9
    assert not [p for p in cache_dir.iterdir() if ".tmp" in p.name]

    stamp = model_file.stat().st_mtime_ns
    loaded = classifier.load_or_train(settings, cache_dir=cache_dir)
    assert model_file.stat().st_mtime_ns == stamp  # loaded, not retrained

    images, labels = data.load_arrays("builtin", split="test", limit=200)
    x = images.astype(np.float32) / 127.5 - 1.0
    probs, features = loaded.predict(x)
    probs_again, _ = trained.predict(x)
    np.testing.assert_allclose(probs, probs_again, atol=1e-5)
    assert probs.shape == (200, 10) and features.shape == (200, 128)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    # Ten balanced classes: chance is 0.1.
    assert np.mean(probs.argmax(axis=1) == labels) > 0.7

    # Real data under a classifier that learned it: IS well above 1; FID of a set with itself ~0.
    real_mean, _ = metrics.real_data_inception_score(loaded, images, splits=2)
    assert real_mean > 3.0
    spread = np.trace(np.cov(features, rowvar=False))  # the scale of FID's terms
    assert metrics.fid(features, features) == pytest.approx(0.0, abs=1e-7 * spread)
    with pytest.raises(ValueError, match="expected"):
        loaded.predict(x[:, :16, :16])
