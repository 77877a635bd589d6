from __future__ import annotations

import numpy as np
import pytest

from bench.stats import median, median_or_none, percentile


@pytest.mark.parametrize("q", [0, 5, 25, 50, 90, 95, 99, 100])
def test_percentile_matches_numpys_linear_interpolation(q: float) -> None:
    samples = [12.0, 3.5, 40.0, 7.25, 7.25, 19.0, 101.0, 55.5, 1.0, 33.0, 8.0]
    assert percentile(samples, q) == pytest.approx(float(np.percentile(samples, q)))


def test_percentile_of_one_sample_is_that_sample() -> None:
    assert percentile([42.0], 95) == 42.0


def test_percentile_does_not_depend_on_order() -> None:
    assert percentile([5, 1, 4, 2, 3], 95) == percentile([1, 2, 3, 4, 5], 95) == pytest.approx(4.8)


def test_median_of_an_even_count_is_the_midpoint() -> None:
    assert median([1, 2, 3, 10]) == 2.5


def test_percentile_refuses_no_samples_and_a_bad_q() -> None:
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_median_or_none_ignores_missing_values() -> None:
    assert median_or_none([None, 3.0, 1.0, None, 2.0]) == 2.0
    assert median_or_none([None, None]) is None
