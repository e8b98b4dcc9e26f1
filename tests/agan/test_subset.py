import numpy as np
import pytest

from agan.subset import subset_indices


def test_all_when_no_limit_or_limit_too_big():
    np.testing.assert_array_equal(subset_indices(5, None, 0), np.arange(5))
    np.testing.assert_array_equal(subset_indices(5, 9, 0), np.arange(5))


def test_seeded_sorted_distinct_subset():
    chosen = subset_indices(1000, 10, seed=3)
    assert len(set(chosen.tolist())) == 10 and np.all(np.diff(chosen) > 0)
    np.testing.assert_array_equal(chosen, subset_indices(1000, 10, seed=3))
    assert not np.array_equal(chosen, subset_indices(1000, 10, seed=4))


def test_non_positive_limit_is_refused():
    with pytest.raises(ValueError, match="limit"):
        subset_indices(10, 0, 0)
