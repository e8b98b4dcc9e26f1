"""IS and FID against independent numpy/scipy computations and known cases."""
import math

import numpy as np
import pytest
import scipy.linalg
from threadpoolctl import threadpool_info

from agan import metrics


def _random_probs(rng, n, k, sharpness=3.0):
    logits = rng.standard_normal((n, k)) * sharpness
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _reference_is(probs, splits):
    """Direct formula: exp of the mean over samples of sum_y p(y|x) log(p(y|x) / p(y))."""
    size = len(probs) // splits
    scores = []
    for s in range(splits):
        part = probs[s * size:(s + 1) * size]
        marginal = [sum(row[y] for row in part) / len(part) for y in range(part.shape[1])]
        kl = [
            sum(row[y] * math.log(row[y] / marginal[y]) for y in range(len(row)) if row[y] > 0)
            for row in part
        ]
        scores.append(math.exp(sum(kl) / len(kl)))
    mean = sum(scores) / splits
    return mean, math.sqrt(sum((s - mean) ** 2 for s in scores) / splits)


def _reference_fid(a, b):
    mu1, mu2 = a.mean(axis=0), b.mean(axis=0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = scipy.linalg.sqrtm(s1 @ s2).real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1 + s2 - 2 * covmean))


def test_inception_score_matches_direct_kl_formula():
    probs = _random_probs(np.random.default_rng(0), 200, 7)
    mean, std = metrics.inception_score(probs, splits=10)
    ref_mean, ref_std = _reference_is(probs, 10)
    assert mean == pytest.approx(ref_mean, rel=1e-10)
    assert std == pytest.approx(ref_std, rel=1e-8)
    assert 1.0 < mean < 7.0 and std > 0


def test_inception_score_known_cases():
    uniform = np.full((100, 10), 0.1)
    assert metrics.inception_score(uniform, splits=10) == pytest.approx((1.0, 0.0))
    one_hot = np.eye(10)[np.arange(100) % 10]
    mean, std = metrics.inception_score(one_hot, splits=10)
    assert mean == pytest.approx(10.0) and std == pytest.approx(0.0, abs=1e-12)
    # All samples confidently the same class: no diversity, score 1.
    assert metrics.inception_score(np.eye(10)[np.zeros(50, int)], splits=5)[0] == pytest.approx(1.0)


def test_inception_score_rejects_bad_input():
    with pytest.raises(ValueError, match="splits"):
        metrics.inception_score(np.full((5, 2), 0.5), splits=6)
    with pytest.raises(ValueError, match="sum to 1"):
        metrics.inception_score(np.ones((4, 2)), splits=2)
    with pytest.raises(ValueError, match=r"\[N, K\]"):
        metrics.inception_score(np.ones(4) / 4, splits=1)


def test_fid_matches_scipy_sqrtm():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((300, 16)) @ rng.standard_normal((16, 16))
    b = rng.standard_normal((250, 16)) * 1.5 + 0.3
    assert metrics.fid(a, b) == pytest.approx(_reference_fid(a, b), rel=1e-6)
    assert metrics.fid(a, b) == pytest.approx(metrics.fid(b, a), rel=1e-6)


def test_fid_runs_on_one_blas_thread(monkeypatch):
    threads = []
    trace_sqrt_product = metrics.trace_sqrt_product

    def recording(sigma1, sigma2):
        threads.extend(pool["num_threads"] for pool in threadpool_info()
                       if pool["user_api"] == "blas")
        return trace_sqrt_product(sigma1, sigma2)

    monkeypatch.setattr(metrics, "trace_sqrt_product", recording)
    rng = np.random.default_rng(6)
    metrics.fid(rng.normal(size=(20, 3)), rng.normal(size=(30, 3)))
    assert threads and set(threads) == {1}


def test_fid_identical_sets_is_zero_and_shift_adds_squared_distance():
    rng = np.random.default_rng(2)
    a = rng.standard_normal((500, 8))
    assert metrics.fid(a, a) == pytest.approx(0.0, abs=1e-8)
    shift = np.arange(8, dtype=np.float64)
    assert metrics.fid(a, a + shift) == pytest.approx(float(shift @ shift), rel=1e-8)


def test_frechet_distance_of_known_gaussians():
    # N(0, I) vs N(0, 4 I) in D dims: D + 4D - 2 * 2D = D.
    d = 5
    assert metrics.frechet_distance(
        np.zeros(d), np.eye(d), np.zeros(d), 4 * np.eye(d)
    ) == pytest.approx(d)
    with pytest.raises(ValueError, match="covariances"):
        metrics.frechet_distance(np.zeros(2), np.eye(3), np.zeros(2), np.eye(2))


def test_fid_rank_deficient_covariances_match_scipy():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((6, 12))  # fewer samples than dimensions: singular covariance
    b = rng.standard_normal((9, 12))
    assert metrics.fid(a, b) == pytest.approx(_reference_fid(a, b), rel=1e-4)


class _FixedClassifier(metrics.Classifier):
    """Classifies an image by the sign of its mean: two classes, confidently."""

    name = "sign of the mean"

    def predict(self, images):
        positive = images.reshape(len(images), -1).mean(axis=1) > 0
        probs = np.stack([positive, ~positive], axis=1).astype(np.float64)
        return probs, images.reshape(len(images), -1)[:, :4].astype(np.float64)


def test_real_data_inception_score_uses_the_classifier_and_uint8_scaling():
    images = np.zeros((40, 4, 4, 3), np.uint8)
    images[::2] = 255  # half bright (mean > 0 after scaling), half dark
    mean, std = metrics.real_data_inception_score(_FixedClassifier(), images, splits=4,
                                                  batch_size=7)
    assert mean == pytest.approx(2.0) and std == pytest.approx(0.0, abs=1e-12)
    assert "not comparable" in _FixedClassifier().note()


def test_inception_classifier_without_weights_names_what_to_download(tmp_path):
    missing = tmp_path / "models" / metrics.INCEPTION_WEIGHTS_FILE
    with pytest.raises(FileNotFoundError) as error:
        metrics.InceptionV3Classifier(weights_path=missing)
    assert str(missing) in str(error.value)
    assert metrics.INCEPTION_WEIGHTS_URL in str(error.value)


def test_default_inception_weights_path_follows_keras_home(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert metrics.default_inception_weights_path() == (
        tmp_path / "models" / metrics.INCEPTION_WEIGHTS_FILE
    )
