"""The train/test split every data problem shares: stratified, fixed by a seed.

``split(labels, test, data_seed)`` puts round(test x n) rows in the test set
(rounded half up), shared out among the classes in proportion to their sizes
(largest remainders; a tie goes to the class that comes first in sorted order),
so each class keeps its share of the data on both sides.  Which rows of a class
go to the test set is decided by one permutation of all n rows drawn from
``data_seed``: a class's test rows are its first rows in that permutation.  The
same labels, fraction and seed give the same split on every machine (numpy's
PCG64 generator).
"""

from __future__ import annotations

import math

import numpy as np


def held_out_count(n: int, test: float) -> int:
    """round(test x n), rounded half up: the number of test rows."""
    return math.floor(test * n + 0.5)


def split(labels: np.ndarray, test: float, data_seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The training and test rows of a data set with these labels.

    Args:
        labels: (n,) class of each row (any values numpy can sort).
        test: the fraction of rows held out, in [0, 1).
        data_seed: seed of the permutation that picks the test rows.

    Returns:
        ``(train_idx, test_idx)``: row indices in increasing order, disjoint, together
        covering every row; ``test_idx`` holds round(test x n) rows.

    Raises:
        ValueError: when ``test`` is outside [0, 1), or when a class would be left
            with no training row (too few rows for that fraction).
    """
    labels = np.asarray(labels)
    n = len(labels)
    if not 0.0 <= test < 1.0:
        raise ValueError(f"test={test:g} is not allowed; test must be a number in [0, 1)")
    classes, inverse, sizes = np.unique(labels, return_inverse=True, return_counts=True)
    per_class = _apportion(held_out_count(n, test), sizes)
    short = np.flatnonzero(per_class >= sizes)
    if len(short):
        raise ValueError(
            f"test={test:g} leaves class {classes[short[0]]} without a training row "
            f"({sizes[short[0]]} rows, {per_class[short[0]]} of them held out)"
        )
    order = np.random.default_rng(data_seed).permutation(n)
    # a row's rank among the rows of its class, in the permutation's order
    ranked = inverse[order]
    rank = np.empty(n, dtype=np.int64)
    for c in range(len(classes)):
        rows = order[ranked == c]
        rank[rows] = np.arange(len(rows))
    held = rank < per_class[inverse]
    return np.flatnonzero(~held), np.flatnonzero(held)


def _apportion(total: int, sizes: np.ndarray) -> np.ndarray:
    """``total`` shared out in proportion to ``sizes`` by largest remainders."""
    quota = total * sizes / sizes.sum()
    out = np.floor(quota).astype(np.int64)
    # stable sort: equal remainders go to the earlier class
    extra = np.argsort(-(quota - out), kind="stable")[: total - int(out.sum())]
    out[extra] += 1
    return out
