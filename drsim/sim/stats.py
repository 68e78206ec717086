"""Summary statistics that stream: flat memory however many trials, exact merges.

Each column is summarised by a :class:`Digest`: an exact count, sum, minimum,
maximum and count of infinite values, and a histogram on log-spaced bins (each
0.1 % wide) that keeps the exact smallest and largest value in every bin.
Percentiles are exact when a bin holds one distinct value (e.g. a fixed
duration) and otherwise within the bin's 0.1 % width. Digests of chunks
merge by adding, so the result does not depend on how trials were split
among workers.

The histogram is four NumPy arrays over the occupied bins only, sorted by bin:
a sweep digests ~30 columns of each configuration, so adding and merging are a
few array operations over the bins, never a Python loop over them.
"""

from __future__ import annotations

import math

import numpy as np

from drsim.rules import QUANTILES

_LOG_LO, _LOG_HI, _RATIO = math.log(1e-9), math.log(1e12), math.log(1.001)
_NBINS = math.ceil((_LOG_HI - _LOG_LO) / _RATIO) + 2  # + a bin for 0 and one for overflow


def _bins(x: np.ndarray) -> np.ndarray:
    """Bin of each finite, non-negative value; bin 0 holds exact zeros."""
    out = np.zeros(len(x), dtype=np.int64)
    pos = x > 0
    idx = np.floor((np.log(np.maximum(x[pos], 1e-300)) - _LOG_LO) / _RATIO).astype(np.int64) + 1
    out[pos] = np.clip(idx, 1, _NBINS - 1)
    return out


def _first_min(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``min(a, b)`` element by element as Python's ``min`` picks: ``a`` unless ``b < a``.

    Unlike ``np.minimum`` this fixes which of 0.0 and -0.0 is kept, so a digest's
    figures do not depend on the order of its merges down to the sign of a zero.
    """
    return np.where(b < a, b, a)


def _first_max(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``max(a, b)`` element by element as Python's ``max`` picks: ``a`` unless ``b > a``."""
    return np.where(b > a, b, a)


class Digest:
    """Streaming summary of one column of non-negative values (inf allowed).

    ``n`` values in all, ``n_inf`` of them infinite; ``total`` the sum of the
    finite ones and ``vmax`` the largest (inf once any is inf). [unit of values]
    """

    __slots__ = ("_count", "_hi", "_keys", "_lo", "n", "n_inf", "total", "vmax")

    def __init__(self):
        self.n = 0
        self.n_inf = 0
        self.total = 0.0
        self.vmax = -math.inf
        # Occupied bins in increasing order, and each one's count, smallest and largest
        # value. Never changed in place: a merge builds new arrays, so digests may share them.
        self._keys = np.empty(0, dtype=np.int64)
        self._count = np.empty(0, dtype=np.int64)
        self._lo = np.empty(0, dtype=float)
        self._hi = np.empty(0, dtype=float)

    def add(self, values) -> Digest:
        """Add ``values`` (array-like, non-negative, inf allowed); returns this digest."""
        x = np.asarray(values, dtype=float)
        if np.isnan(x).any() or (x < 0).any():
            raise ValueError("a digest summarises non-negative values (inf allowed)")
        self.n += len(x)
        finite = x[np.isfinite(x)]
        self.n_inf += len(x) - len(finite)
        if len(finite) == 0:
            if len(x):
                self.vmax = math.inf
            return self
        self.total += float(np.sum(finite))
        self.vmax = math.inf if self.n_inf else max(self.vmax, float(finite.max()))
        bins = _bins(finite)
        order = np.argsort(bins, kind="stable")
        b, v = bins[order], finite[order]
        start = np.flatnonzero(np.r_[True, b[1:] != b[:-1]])
        counts = np.diff(np.append(start, len(b)))
        self._merge_bins(b[start], counts, np.minimum.reduceat(v, start),
                         np.maximum.reduceat(v, start))
        return self

    def merge(self, other: Digest) -> Digest:
        """Add ``other``'s values to this digest (``other`` is left as it is); returns this one."""
        self.n += other.n
        self.n_inf += other.n_inf
        self.total += other.total
        self.vmax = max(self.vmax, other.vmax)
        self._merge_bins(other._keys, other._count, other._lo, other._hi)
        return self

    def _merge_bins(self, keys: np.ndarray, count: np.ndarray, lo: np.ndarray,
                    hi: np.ndarray) -> None:
        """Fold in bins ``keys`` (increasing, distinct) with their counts and extremes."""
        if len(keys) == 0:
            return
        if len(self._keys) == 0:
            self._keys, self._count, self._lo, self._hi = keys, count, lo, hi
            return
        at = np.searchsorted(self._keys, keys)
        found = self._keys[np.minimum(at, len(self._keys) - 1)] == keys
        if found.all():  # no new bin: the common case once a column has run a while
            new_keys, new_count = self._keys, self._count.copy()
            new_count[at] += count
            new_lo, new_hi = self._lo.copy(), self._hi.copy()
            new_lo[at] = _first_min(new_lo[at], lo)
            new_hi[at] = _first_max(new_hi[at], hi)
        else:
            # Both key arrays are sorted and distinct, so after a stable sort of the two
            # together every bin is one entry or two (this digest's first, then the new one).
            both = np.concatenate((self._keys, keys))
            order = np.argsort(both, kind="stable")
            k = both[order]
            first = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
            last = np.append(first[1:], len(k)) - 1
            new_keys = k[first]
            new_count = np.add.reduceat(np.concatenate((self._count, count))[order], first)
            lo_all = np.concatenate((self._lo, lo))[order]
            hi_all = np.concatenate((self._hi, hi))[order]
            new_lo = _first_min(lo_all[first], lo_all[last])
            new_hi = _first_max(hi_all[first], hi_all[last])
        self._keys, self._count, self._lo, self._hi = new_keys, new_count, new_lo, new_hi

    @property
    def mean(self) -> float:
        """Mean of all values: inf if any is inf, NaN for an empty digest. [unit of values]"""
        if self.n == 0:
            return math.nan
        return math.inf if self.n_inf else self.total / self.n

    def _below(self) -> np.ndarray:
        """How many finite values lie in the bins up to and including each one."""
        return np.cumsum(self._count)

    def _order_statistic(self, below: np.ndarray, k: int) -> float:
        """:meth:`order_statistic` with the cumulative counts ``below`` (:meth:`_below`)."""
        b = int(np.searchsorted(below, k, side="right"))  # the first bin reaching past k
        if b == len(below):
            return math.inf
        c = int(self._count[b])
        seen = int(below[b]) - c
        lo, hi = float(self._lo[b]), float(self._hi[b])
        if c == 1 or lo == hi:
            return lo
        # Python floats and ints, as in the dict-based digest, so figures match to the bit.
        return lo + (hi - lo) * (k - seen) / (c - 1)

    def order_statistic(self, k: int) -> float:
        """The k-th smallest value (0-based); exact at bin edges and in one-value bins."""
        return self._order_statistic(self._below(), k)

    def _quantile(self, below: np.ndarray, q: float) -> float:
        """:meth:`quantile` with the cumulative counts ``below`` (:meth:`_below`)."""
        if self.n == 0:
            return math.nan
        h = (self.n - 1) * q
        lo = math.floor(h)
        a = self._order_statistic(below, lo)
        if h == lo:
            return a
        b = self._order_statistic(below, lo + 1)
        if math.isinf(b):
            return math.inf
        return a + (h - lo) * (b - a)

    def quantile(self, q: float) -> float:
        """Percentile with numpy's default (linear) interpolation between order statistics."""
        return self._quantile(self._below(), q)

    def summary(self) -> dict[str, float]:
        """``{"mean", "p50", "p90", "p95", "p99", "max"}``; NaN throughout if empty."""
        below = self._below()  # once for all the percentiles
        out = {"mean": self.mean}
        out.update({name: self._quantile(below, q) for name, q in QUANTILES.items()})
        out["max"] = self.vmax if self.n else math.nan
        return out
