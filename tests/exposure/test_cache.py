"""Tests for exposure/cache.py, and that load_collection really decodes only once."""
import numpy as np
import pytest

from exposure import data
from exposure.cache import ArrayCache, cache_key, default_cache_dir, file_digest
from exposure.image_io import write_image
from tests.exposure.photo_fixtures import smooth_linear_image, write_test_dng


def test_default_dir_respects_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "exposure"
    monkeypatch.setenv("XDG_CACHE_HOME", "")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "exposure"


def test_key_depends_on_content_and_every_parameter(tmp_path):
    (tmp_path / "a.bin").write_bytes(b"photo one")
    (tmp_path / "renamed.bin").write_bytes(b"photo one")
    (tmp_path / "b.bin").write_bytes(b"photo two")
    a, renamed, b = (file_digest(tmp_path / n) for n in ("a.bin", "renamed.bin", "b.bin"))
    assert a == renamed != b
    base = cache_key(a, kind="input", seed=0)
    assert base == cache_key(a, seed=0, kind="input")  # parameter order does not matter
    assert len({base, cache_key(b, kind="input", seed=0), cache_key(a, kind="target", seed=0),
                cache_key(a, kind="input", seed=1)}) == 4


def test_save_load_round_trip_atomic(tmp_path):
    cache = ArrayCache(tmp_path / "new" / "cache")
    assert cache.load("k") is None
    x = np.random.default_rng(0).random((4, 8, 8, 3)).astype(np.float32)
    cache.save("k", x)
    np.testing.assert_array_equal(cache.load("k"), x)
    assert [p.name for p in (tmp_path / "new" / "cache").iterdir()] == ["k.npy"]


@pytest.mark.parametrize("damage", [b"", b"not numpy at all", "truncate"])
def test_corrupt_entry_is_a_miss_not_an_error(tmp_path, damage):
    cache = ArrayCache(tmp_path)
    cache.save("k", np.zeros((4, 80, 80, 3), np.float32))
    path = cache.path_for("k")
    path.write_bytes(path.read_bytes()[:200] if damage == "truncate" else damage)
    assert cache.load("k") is None


def _folder_with_photos(tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    write_test_dng(photos / "a.dng", smooth_linear_image())
    write_image(photos / "b.png", smooth_linear_image(80, 100)[..., ::-1], bits=16)
    return photos


def test_second_run_does_not_decode_again(tmp_path, monkeypatch):
    photos = _folder_with_photos(tmp_path)
    first, report = data.load_collection(photos, cache_dir=tmp_path / "cache", progress=False)
    assert (report.loaded, report.from_cache) == (2, 0)

    def no_decoding(path, **kwargs):
        raise AssertionError(f"decoded {path} although it is cached")

    monkeypatch.setattr(data, "read_linear", no_decoding)
    second, report = data.load_collection(photos, cache_dir=tmp_path / "cache", progress=False)
    assert (report.loaded, report.from_cache) == (2, 2)
    np.testing.assert_array_equal(first, second)


def test_changed_file_or_parameters_are_decoded_again(tmp_path):
    photos = _folder_with_photos(tmp_path)
    cache_dir = tmp_path / "cache"
    data.load_collection(photos, cache_dir=cache_dir, progress=False)
    write_image(photos / "b.png", smooth_linear_image(80, 100), bits=16)  # new content
    _, report = data.load_collection(photos, cache_dir=cache_dir, progress=False)
    assert report.from_cache == 1
    _, report = data.load_collection(photos, cache_dir=cache_dir, seed=1, progress=False)
    assert report.from_cache == 0
    _, report = data.load_collection(photos, cache_dir=cache_dir, tiff_encoding="linear",
                                     progress=False)
    assert report.from_cache == 0


def test_corrupt_entry_is_recomputed_by_the_loader(tmp_path):
    photos = _folder_with_photos(tmp_path)
    cache_dir = tmp_path / "cache"
    first, _ = data.load_collection(photos, cache_dir=cache_dir, progress=False)
    for entry in cache_dir.iterdir():
        entry.write_bytes(b"garbage")
    again, report = data.load_collection(photos, cache_dir=cache_dir, progress=False)
    assert report.from_cache == 0
    np.testing.assert_array_equal(first, again)
    _, report = data.load_collection(photos, cache_dir=cache_dir, progress=False)
    assert report.from_cache == 2
