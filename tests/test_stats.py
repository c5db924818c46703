"""The one statistics convention: numpy's linear quantiles, a diverged run is +inf,
and a quantile that touches +inf is +inf; never NaN, never a warning."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from optcompare import stats

INF = np.inf


# Four runs (an even seed count) with none, one, half and all diverged.  The
# expected values are worked by hand: position h = 3q over the sorted values.
@pytest.mark.parametrize(
    "values, q25, med, q75",
    [
        ([4.0, 1.0, 3.0, 2.0], 1.75, 2.5, 3.25),  # h = 0.75, 1.5, 2.25
        ([4.0, INF, 3.0, 1.0], 2.5, 3.5, INF),  # sorted 1 3 4 inf: q75 lies between 4 and inf
        ([INF, 1.0, INF, 3.0], 2.5, INF, INF),  # half: the median touches inf
        ([INF, INF, INF, INF], INF, INF, INF),
        ([np.nan, 2.0, 1.0, 5.0], 1.75, 3.5, INF),  # NaN (a diverged run's loss) counts as inf
    ],
)
def test_even_count_with_none_one_half_all_diverged(values, q25, med, q75):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = stats.median_and_band(values)
    assert got == (q25, med, q75)
    assert stats.median(values) == med


def test_median_of_even_count_is_mean_of_the_middle_two():
    assert stats.median([10.0, 1.0, 7.0, 3.0]) == 5.0


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=30), st.floats(0, 1))
def test_finite_values_agree_with_numpy_bit_for_bit(values, q):
    assert stats.quantiles(values, q) == np.quantile(np.array(values), q)


@given(
    st.lists(
        st.one_of(st.floats(-1e6, 1e6), st.just(INF), st.just(float("nan"))),
        min_size=1,
        max_size=20,
    ),
    st.floats(0, 1),
)
def test_never_nan_and_inf_exactly_when_touched(values, q):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = float(stats.quantiles(values, q))
    assert not np.isnan(got)
    s = np.sort(np.where(np.isnan(values), INF, values))
    h = (len(s) - 1) * q
    touched = s[int(np.floor(h))] == INF or s[int(np.ceil(h))] == INF
    assert np.isinf(got) == touched


def test_along_an_axis_matches_per_column():
    Y = np.array([[1.0, 5.0], [2.0, INF], [3.0, 6.0], [4.0, 7.0]])
    got = stats.quantiles(Y, [0.25, 0.5], axis=0)
    assert got.shape == (2, 2)
    for j in range(2):
        np.testing.assert_array_equal(got[:, j], [stats.quantiles(Y[:, j], q) for q in (0.25, 0.5)])


def test_median_run_is_the_lower_middle_and_names_the_median_for_odd_counts():
    assert stats.median_run_index([3.0, 1.0, 2.0]) == 2  # its value is the median
    assert stats.median_run_index([4.0, 1.0, 3.0, 2.0]) == 3  # 2.0, the lower middle
    assert stats.median_run_index([INF, 1.0, INF, INF]) == 0  # the median is inf


def test_empty_and_out_of_range_are_errors():
    with pytest.raises(ValueError):
        stats.median([])
    with pytest.raises(ValueError):
        stats.quantiles([1.0], 1.5)
