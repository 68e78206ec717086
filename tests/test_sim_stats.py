"""drsim.sim.stats.Digest: exact where it promises, within a bin otherwise, merges that
do not depend on the split, and the same figures to the bit as the dict-based digest it
replaced (kept below as the reference)."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drsim.rules import QUANTILES
from drsim.sim.stats import Digest, _bins

BIN_WIDTH = 1e-3  # each bin spans a factor 1.001 [-]


class DictDigest:
    """The digest as it was before its bins became arrays: a dict per bin, Python loops.

    Kept as the reference the array digest must match to the bit, figure by figure.
    """

    def __init__(self):
        self.n, self.n_inf, self.total, self.vmax = 0, 0, 0.0, -math.inf
        self.count, self.lo, self.hi = {}, {}, {}

    def add(self, values):
        x = np.asarray(values, dtype=float)
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
        lo, hi = np.minimum.reduceat(v, start), np.maximum.reduceat(v, start)
        self._fold(zip(uniq.tolist(), counts.tolist(), lo.tolist(), hi.tolist()))
        return self

    def merge(self, other):
        self.n += other.n
        self.n_inf += other.n_inf
        self.total += other.total
        self.vmax = max(self.vmax, other.vmax)
        self._fold((k, c, other.lo[k], other.hi[k]) for k, c in other.count.items())
        return self

    def _fold(self, bins):
        for k, c, low, high in bins:
            if k in self.count:
                self.count[k] += c
                self.lo[k], self.hi[k] = min(self.lo[k], low), max(self.hi[k], high)
            else:
                self.count[k], self.lo[k], self.hi[k] = c, low, high

    def order_statistic(self, k):
        seen = 0
        for b in sorted(self.count):
            c = self.count[b]
            if k < seen + c:
                lo, hi = self.lo[b], self.hi[b]
                if c == 1 or lo == hi:
                    return lo
                return lo + (hi - lo) * (k - seen) / (c - 1)
            seen += c
        return math.inf

    def summary(self):
        out = {"mean": math.nan if self.n == 0 else math.inf if self.n_inf else self.total / self.n}
        for name, q in QUANTILES.items():
            if self.n == 0:
                out[name] = math.nan
                continue
            h = (self.n - 1) * q
            lo = math.floor(h)
            a = self.order_statistic(lo)
            b = a if h == lo else self.order_statistic(lo + 1)
            out[name] = a if h == lo else math.inf if math.isinf(b) else a + (h - lo) * (b - a)
        out["max"] = self.vmax if self.n else math.nan
        return out


def same_bits(a: dict, b: dict) -> bool:
    """Equal key by key down to the bit (NaN equals NaN, 0.0 differs from -0.0)."""
    return a.keys() == b.keys() and all(
        np.float64(a[k]).tobytes() == np.float64(b[k]).tobytes() for k in a)


# Values a column may hold: zeros, infs (never recovered), values repeated (fixed
# durations) and values from 1e-6 to 1e9 s, many sharing a bin.
_value = st.one_of(st.just(0.0), st.just(math.inf), st.sampled_from([1e-6, 30.0, 400.0, 1e9]),
                   st.floats(1e-6, 1e9), st.floats(100.0, 100.5))
columns = st.lists(_value, min_size=0, max_size=300)
# -0.0 as well, for the comparison with the reference: which zero a bin keeps must not
# change either (splitting differently may change it, in both digests alike).
columns_with_negative_zero = st.lists(_value | st.just(-0.0), min_size=0, max_size=300)


def split_points(draw_from, n: int) -> list[int]:
    return sorted(draw_from(st.lists(st.integers(0, n), max_size=6)))


@settings(max_examples=300, deadline=None)
@given(columns_with_negative_zero, st.data())
def test_the_figures_match_the_dict_digest_to_the_bit(values, data):
    cuts = split_points(data.draw, len(values))
    chunks = np.split(np.array(values, dtype=float), cuts)
    by_add, ref_add = Digest(), DictDigest()
    for c in chunks:
        by_add.add(c)
        ref_add.add(c)
    assert same_bits(by_add.summary(), ref_add.summary())
    # Chunks digested apart (in worker processes) and merged in order.
    by_merge, ref_merge = Digest(), DictDigest()
    for c in chunks:
        by_merge.merge(pickle.loads(pickle.dumps(Digest().add(c))))
        ref_merge.merge(DictDigest().add(c))
    assert same_bits(by_merge.summary(), ref_merge.summary())
    for k in range(len(values) + 1):
        assert same_bits({"x": by_merge.order_statistic(k)}, {"x": ref_merge.order_statistic(k)})


@settings(max_examples=300, deadline=None)
@given(columns)
def test_order_statistics_are_exact_in_one_value_bins_and_within_the_bin_otherwise(values):
    x = np.array(values, dtype=float)
    d = Digest().add(x)
    ordered = np.sort(x)
    finite = ordered[np.isfinite(ordered)]
    bins = _bins(finite)
    for k, want in enumerate(ordered):
        got = d.order_statistic(k)
        if math.isinf(want):
            assert got == math.inf
            continue
        in_bin = finite[bins == bins[k]]
        if in_bin.min() == in_bin.max():
            assert got == want
        else:
            assert in_bin.min() <= got <= in_bin.max()
            assert abs(got - want) <= BIN_WIDTH * want
    assert d.order_statistic(len(x)) == math.inf
    assert d.n == len(x) and d.n_inf == int(np.isinf(x).sum())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 10**9).map(float) | st.just(math.inf), max_size=300), st.data())
def test_merging_the_parts_gives_the_summary_of_the_whole(values, data):
    # Whole numbers below 2**53 add up exactly, so even the mean must not depend on the split.
    x = np.array(values, dtype=float)
    parts = [Digest().add(c) for c in np.split(x, split_points(data.draw, len(x)))]
    merged = Digest()
    for p in parts:
        merged.merge(pickle.loads(pickle.dumps(p)))
    assert same_bits(merged.summary(), Digest().add(x).summary())


@settings(max_examples=200, deadline=None)
@given(columns, st.data())
def test_merging_the_parts_of_any_values_gives_the_same_percentiles_as_the_whole(values, data):
    x = np.array(values, dtype=float)
    merged, whole = Digest(), Digest().add(x)
    for c in np.split(x, split_points(data.draw, len(x))):
        merged.merge(Digest().add(c))
    got, want = merged.summary(), whole.summary()
    # The sum of the parts' sums may round differently from the sum of the whole.
    assert got.pop("mean") == pytest.approx(want.pop("mean"), rel=1e-12, nan_ok=True)
    assert same_bits(got, want)


def test_a_merge_leaves_the_other_digest_as_it_was():
    a, b = Digest().add([1.0, 2.0]), Digest().add([2.0, 3.0, 0.0])
    before = b.summary()
    a.merge(b)
    a.add([2.0, 5.0])
    assert same_bits(b.summary(), before) and b.n == 3
    empty = Digest().merge(b)  # takes b's bins as they are...
    empty.add([7.0, 3.0])  # ...and must not change them when it grows
    assert same_bits(b.summary(), before)


def test_an_empty_digest_and_bad_values():
    assert all(math.isnan(v) for v in Digest().summary().values())
    assert all(math.isnan(v) for v in Digest().add([]).summary().values())
    only_inf = Digest().add([math.inf] * 3).summary()
    assert only_inf == {"mean": math.inf, **{k: math.inf for k in QUANTILES}, "max": math.inf}
    for bad in ([1.0, math.nan], [-1.0]):
        with pytest.raises(ValueError, match="non-negative"):
            Digest().add(bad)
