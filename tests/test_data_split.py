"""The stratified train/test split: sizes, proportions, seed, disjoint and covering."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optcompare.data import uci
from optcompare.data.split import held_out_count, split

DATASETS = [uci.load(name).labels for name in uci.names()]
FRACTIONS = [0.0, 0.1, 0.2, 0.25, 0.5]


@pytest.mark.parametrize("labels", DATASETS, ids=uci.names())
@pytest.mark.parametrize("test", FRACTIONS)
def test_split_sizes_cover_and_are_disjoint(labels, test):
    train, held = split(labels, test, data_seed=0)
    n = len(labels)
    assert len(held) == int(np.floor(test * n + 0.5))
    assert len(np.intersect1d(train, held)) == 0
    np.testing.assert_array_equal(np.union1d(train, held), np.arange(n))
    assert np.all(np.diff(train) > 0) and np.all(np.diff(held) > 0)


@pytest.mark.parametrize("labels", DATASETS, ids=uci.names())
@pytest.mark.parametrize("test", [0.1, 0.2, 0.5])
def test_each_class_keeps_its_share(labels, test):
    _, held = split(labels, test, data_seed=3)
    classes, sizes = np.unique(labels, return_counts=True)
    got = np.array([np.sum(labels[held] == c) for c in classes])
    # each class's count differs from its exact share of the test rows by less than one
    exact = len(held) * sizes / len(labels)
    assert np.all(np.abs(got - exact) < 1.0), (got, exact)
    assert got.sum() == len(held)


def test_breast_cancer_counts_by_hand():
    # 569 rows, 212 malignant: round(0.2 x 569) = 114 test rows, 114 x 212 / 569 = 42.47
    # malignant and 71.53 benign; the larger remainder (benign, .53) gets the extra row
    labels = uci.load("breast-cancer").labels
    _, held = split(labels, 0.2, data_seed=0)
    assert len(held) == 114
    assert np.sum(labels[held] == 0) == 42 and np.sum(labels[held] == 1) == 72


def test_half_rounds_up():
    assert held_out_count(10, 0.25) == 3  # 2.5 -> 3, not Python's round-half-even 2
    assert held_out_count(150, 0.2) == 30


def test_the_seed_fixes_the_split():
    labels = uci.load("wine").labels
    a = split(labels, 0.2, data_seed=7)
    b = split(labels, 0.2, data_seed=7)
    c = split(labels, 0.2, data_seed=8)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[1], c[1])


def test_the_split_is_the_first_rows_of_each_class_in_the_seeds_permutation():
    labels = np.array([0, 1, 0, 1, 0, 1, 0, 1, 1, 1])  # 4 of class 0, 6 of class 1
    _, held = split(labels, 0.5, data_seed=11)  # 5 held: 2 of class 0, 3 of class 1
    order = np.random.default_rng(11).permutation(10)
    expect = [r for r in order if labels[r] == 0][:2] + [r for r in order if labels[r] == 1][:3]
    np.testing.assert_array_equal(held, np.sort(expect))


def test_any_label_values_work():
    labels = np.array([-1, 1] * 10)  # the synthetic shapes' labels
    train, held = split(labels, 0.2, data_seed=0)
    assert len(held) == 4 and np.sum(labels[held] == 1) == 2


@pytest.mark.parametrize("test", [-0.1, 1.0, 1.5])
def test_fraction_out_of_range_is_refused(test):
    with pytest.raises(ValueError, match=r"test must be a number in \[0, 1\)"):
        split(np.array([0, 1, 0, 1]), test, 0)


def test_a_class_without_training_rows_is_refused():
    # 3 rows of class 1 of 10; 0.9 holds out 9 rows: 2.7 -> 3 of class 1, all of them
    with pytest.raises(ValueError, match="leaves class 1 without a training row"):
        split(np.array([0] * 7 + [1] * 3), 0.9, 0)


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 30), min_size=1, max_size=4),
    test=st.floats(0.0, 0.6),
    seed=st.integers(0, 2**32 - 1),
)
def test_any_labels_split_into_disjoint_covering_stratified_parts(sizes, test, seed):
    labels = np.repeat(np.arange(len(sizes)), sizes)
    labels = labels[np.random.default_rng(seed).permutation(len(labels))]
    try:
        train, held = split(labels, test, seed)
    except ValueError as e:
        assert "without a training row" in str(e)
        return
    assert len(held) == held_out_count(len(labels), test)
    np.testing.assert_array_equal(np.sort(np.concatenate([train, held])), np.arange(len(labels)))
    for c, size in enumerate(sizes):
        assert abs(np.sum(labels[held] == c) - len(held) * size / len(labels)) < 1.0
