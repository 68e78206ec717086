"""Summary statistics that stream: flat memory however many trials, exact merges.

Each column is summarised by a :class:`Digest`: an exact count, sum, minimum,
maximum and count of infinite values, and a histogram on log-spaced bins (each
0.1 % wide) that keeps the exact smallest and largest value in every bin.
Percentiles are exact when a bin holds one distinct value (e.g. a fixed
duration) and otherwise within the bin's 0.1 % width. Digests of chunks
merge by adding, so the result does not depend on how trials were split
among workers.
"""

from __future__ import annotations

import math

import numpy as np

from drsim.rules import QUANTILES

_LOG_LO, _LOG_HI, _RATIO = math.log(1e-9), math.log(1e12), math.log(1.001)
_NBINS = int(math.ceil((_LOG_HI - _LOG_LO) / _RATIO)) + 2  # + a bin for 0 and one for overflow


def _bins(x: np.ndarray) -> np.ndarray:
    """Bin of each finite, non-negative value; bin 0 holds exact zeros."""
    out = np.zeros(len(x), dtype=np.int64)
    pos = x > 0
    idx = np.floor((np.log(np.maximum(x[pos], 1e-300)) - _LOG_LO) / _RATIO).astype(np.int64) + 1
    out[pos] = np.clip(idx, 1, _NBINS - 1)
    return out


class Digest:
    """Streaming summary of one column of non-negative values (inf allowed)."""

    __slots__ = ("n", "n_inf", "total", "vmax", "_count", "_lo", "_hi")

    def __init__(self):
        self.n = 0
        self.n_inf = 0
        self.total = 0.0
        self.vmax = -math.inf
        self._count: dict[int, int] = {}
        self._lo: dict[int, float] = {}
        self._hi: dict[int, float] = {}

    def add(self, values) -> "Digest":
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
        uniq, start = np.unique(b, return_index=True)
        counts = np.diff(np.append(start, len(b)))
        lo = np.minimum.reduceat(v, start)
        hi = np.maximum.reduceat(v, start)
        for k, c, low, high in zip(uniq.tolist(), counts.tolist(), lo.tolist(), hi.tolist()):
            if k in self._count:
                self._count[k] += c
                self._lo[k] = min(self._lo[k], low)
                self._hi[k] = max(self._hi[k], high)
            else:
                self._count[k], self._lo[k], self._hi[k] = c, low, high
        return self

    def merge(self, other: "Digest") -> "Digest":
        self.n += other.n
        self.n_inf += other.n_inf
        self.total += other.total
        self.vmax = max(self.vmax, other.vmax)
        for k, c in other._count.items():
            if k in self._count:
                self._count[k] += c
                self._lo[k] = min(self._lo[k], other._lo[k])
                self._hi[k] = max(self._hi[k], other._hi[k])
            else:
                self._count[k], self._lo[k], self._hi[k] = c, other._lo[k], other._hi[k]
        return self

    @property
    def mean(self) -> float:
        if self.n == 0:
            return math.nan
        return math.inf if self.n_inf else self.total / self.n

    def order_statistic(self, k: int) -> float:
        """The k-th smallest value (0-based); exact at bin edges and in one-value bins."""
        seen = 0
        for b in sorted(self._count):
            c = self._count[b]
            if k < seen + c:
                lo, hi = self._lo[b], self._hi[b]
                if c == 1 or lo == hi:
                    return lo
                return lo + (hi - lo) * (k - seen) / (c - 1)
            seen += c
        return math.inf

    def quantile(self, q: float) -> float:
        """Percentile with numpy's default (linear) interpolation between order statistics."""
        if self.n == 0:
            return math.nan
        h = (self.n - 1) * q
        lo = int(math.floor(h))
        a = self.order_statistic(lo)
        if h == lo:
            return a
        b = self.order_statistic(lo + 1)
        if math.isinf(b):
            return math.inf
        return a + (h - lo) * (b - a)

    def summary(self) -> dict[str, float]:
        out = {"mean": self.mean}
        out.update({name: self.quantile(q) for name, q in QUANTILES.items()})
        out["max"] = self.vmax if self.n else math.nan
        return out

