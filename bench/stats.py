"""Percentiles and medians of latency samples (pure)."""

from __future__ import annotations

import math
from typing import Iterable, List, Optional, Sequence


def percentile(samples: Iterable[float], q: float) -> float:
    """The q-th percentile (0..100) with linear interpolation between ranks (numpy's default).

    Raises ValueError on no samples or a q outside 0..100.
    """
    ordered = sorted(samples)
    if not ordered:
        raise ValueError("percentile of no samples")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile q must be within 0..100, not {q}")
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = math.ceil(rank)
    if low == high:
        return ordered[low]
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(samples: Iterable[float]) -> float:
    return percentile(samples, 50)


def median_or_none(values: Sequence[Optional[float]]) -> Optional[float]:
    """The median of the values that were measured; None when none was."""
    present: List[float] = [v for v in values if v is not None]
    return median(present) if present else None
