"""Tests for exposure/heldout.py: the held-out evaluation scored during training."""
import numpy as np
import pytest
from PIL import Image

from exposure import agent as agent_lib
from exposure import heldout
from exposure.image_io import ImageReadError
from exposure.train_config import TrainConfig
from mobile.srgb import linear_to_srgb
from tests.exposure.photo_fixtures import smooth_linear_image


def _write(folder, name, srgb):
    folder.mkdir(exist_ok=True)
    Image.fromarray(np.round(np.clip(srgb, 0, 1) * 255).astype(np.uint8)).save(folder / name)


@pytest.fixture
def folders(tmp_path):
    """inputs/: three 8-bit PNG photos (sRGB); truth/: the same photos 1 EV brighter."""
    rng = np.random.default_rng(0)
    for k in range(3):
        linear = smooth_linear_image(96, 128) * rng.uniform(0.3, 1.0, 3)
        _write(tmp_path / "inputs", f"p{k}.png", linear_to_srgb(linear))
        _write(tmp_path / "truth", f"p{k}.png", linear_to_srgb(np.clip(2 * linear, 0, 1)))
    return tmp_path


def _agent():
    config = TrainConfig(filters=("exposure", "gamma"), num_steps=2)
    return agent_lib.Agent(agent_lib.build_policy(config), config.num_steps)


def test_the_input_scores_zero_against_itself_and_more_against_a_brighter_truth(folders):
    same = heldout.load(folders / "inputs", [], truth_dir=folders / "inputs")
    same.targets = tuple(linear_to_srgb(same.copies))  # the targets: the inputs themselves
    scores = same.baseline()
    assert scores["delta_e2000_median"] < 0.5  # 8-bit rounding only
    assert scores["hist_luminance"] == pytest.approx(1.0)
    brighter = heldout.load(folders / "inputs", same.targets,
                            truth_dir=folders / "truth").baseline()
    assert brighter["delta_e2000_median"] > 5
    assert set(brighter) == {"hist_luminance", "hist_contrast", "hist_saturation",
                             "delta_e2000_median", "delta_e2000_mean"}


def test_the_truths_own_score_is_the_ceiling_of_the_unpaired_scores(folders):
    data = heldout.load(folders / "inputs", [], truth_dir=folders / "truth")
    data.targets = tuple(data.truths)  # targets that are the truths: the style reproduced scores 1
    ceiling = data.truth_score()
    assert ceiling["hist_luminance"] == pytest.approx(1.0)
    assert ceiling["delta_e2000_median"] == 0.0
    assert data.baseline()["hist_luminance"] < 0.9  # the inputs are 1 EV darker
    assert heldout.load(folders / "inputs", []).truth_score() is None


def test_an_agent_is_scored_on_every_photo_without_truth(folders):
    data = heldout.load(folders / "inputs", list(np.full((2, 80, 80, 3), 0.5, np.float32)))
    assert data.names == ("p0", "p1", "p2") and data.truths is None
    assert data.thumbnails.shape == (3, 64, 64, 3)
    scores = data.evaluate(_agent())
    assert set(scores) == {"hist_luminance", "hist_contrast", "hist_saturation"}
    assert all(0.0 <= v <= 1.0 for v in scores.values())


def test_a_photo_without_truth_is_skipped_and_an_empty_folder_named(folders, tmp_path):
    (folders / "truth" / "p1.png").unlink()
    data = heldout.load(folders / "inputs", [], truth_dir=folders / "truth")
    assert data.names == ("p0", "p2")
    assert "p1" in data.skipped[0][0] and "no truth" in data.skipped[0][1]
    (tmp_path / "empty").mkdir()
    with pytest.raises((ImageReadError, FileNotFoundError), match="empty"):
        heldout.load(tmp_path / "empty", [])
