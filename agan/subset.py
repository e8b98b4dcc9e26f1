"""Choosing a reproducible subset of a dataset's examples."""
import numpy as np


def subset_indices(total, limit, seed):
    """Sorted indices (int64) of ``min(limit, total)`` examples drawn without replacement by ``seed``.

    ``limit=None`` selects all ``total`` examples in order. Raises ValueError for ``limit < 1``.
    """
    if limit is None or limit >= total:
        return np.arange(total, dtype=np.int64)
    if limit < 1:
        raise ValueError(f"limit must be a positive number of examples or None, got {limit}")
    return np.sort(np.random.default_rng(seed).choice(total, size=limit, replace=False))
