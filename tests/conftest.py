"""Shared pytest settings and fixtures: quiet TensorFlow logs, one tiny trained Exposure model per
test session (`model_dir`)."""
import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory):
    """A tiny trained model directory (tests/helpers/tiny_model.py), shared by the export and
    web-app tests; tests must not change it."""
    from tests.helpers.tiny_model import train_tiny_model
    return train_tiny_model(tmp_path_factory.mktemp("tiny_model"))
