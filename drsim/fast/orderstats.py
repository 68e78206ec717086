"""Order statistics of uniforms, drawn exactly without drawing the whole sample.

The ``r``-th smallest of ``m`` iid U(0, 1) is ``S_r / S_{m+1}``, where ``S_j`` is the
sum of the first ``j`` of ``m + 1`` iid Exp(1) variables (the spacings of uniform
order statistics are exchangeable exponentials normalised by their total). A run of
ranks ``lo..hi`` is then: a Gamma(lo) start, ``hi - lo`` exponential steps, and a
Gamma(m + 1 - hi) remainder for the total: ``hi - lo + 3`` draws instead of ``m``.
"""

from __future__ import annotations

import numpy as np

INF = np.inf


def uniform_ranks(rng: np.random.Generator, m: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                  width: int) -> tuple[np.ndarray, np.ndarray]:
    """The smallest and the ranks ``lo..hi`` of ``m`` iid U(0, 1), per row. [-]

    Returns ``(first, window)``: ``first[i]`` is the smallest of row ``i``'s ``m[i]``
    uniforms (inf where ``m[i]`` is 0); ``window[i, j]`` is its rank ``lo[i] + j``
    (1-based) for ``j <= hi[i] - lo[i]``, inf beyond (and where ``lo > hi``). Both
    come from one sample, so they are jointly distributed as the order statistics of
    one draw of ``m`` uniforms. ``width`` is at least ``max(hi - lo + 1)``.

    Draws a fixed number of values per row (``width + 2``), whatever ``m``, ``lo`` and
    ``hi`` are.

    Parameters
    ----------
    m : uniforms per row (>= 0). [-]
    lo, hi : the first and last rank wanted (1-based; ``lo >= 1``, ``hi <= m``). [-]
    width : columns of ``window``. [-]
    """
    n = len(m)
    m, lo, hi = (np.asarray(x, dtype=np.int64) for x in (m, lo, hi))
    width = max(int(width), 1)
    s1 = rng.standard_exponential(n)  # S_1
    # S_a, a = max(lo, 2): rank 1 is S_1 itself, a later start is S_1 + Gamma(a - 1).
    a = np.maximum(lo, 2)
    start = s1 + rng.standard_gamma(np.maximum(a - 1, 1).astype(float))
    steps = rng.standard_exponential((n, width))
    # window column j holds rank lo + j: rank 1 (when lo == 1) is S_1, then S_a onwards
    col = np.arange(width)
    rank = lo[:, None] + col[None, :]
    from_a = rank - a[:, None]  # steps after S_a
    steps[:, 0] = 0.0
    walk = start[:, None] + np.cumsum(steps, axis=1)  # walk[:, j] = S_{a + j}
    s = np.take_along_axis(walk, np.clip(from_a, 0, width - 1), axis=1)
    s = np.where(rank == 1, s1[:, None], s)
    valid = (rank <= hi[:, None]) & (m[:, None] > 0)
    # the highest rank drawn: hi where the window reaches it, else 1 (S_1)
    top = np.where(hi >= a, hi, 1)
    s_top = np.where(hi >= a, np.take_along_axis(walk, np.clip(hi - a, 0, width - 1)[:, None],
                                                  axis=1)[:, 0], s1)
    total = s_top + rng.standard_gamma(np.maximum(m + 1 - top, 1).astype(float))
    window = np.where(valid, s / total[:, None], INF)
    first = np.where(m > 0, s1 / total, INF)
    return first, window


def kth_of_union(k: int, m: np.ndarray, values: np.ndarray, v: np.ndarray, scale: float,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``(smallest, k-th smallest)`` of ``m`` iid U(0, scale) together with the given
    values, per row, without drawing the ``m`` uniforms. [unit of scale]

    ``values`` holds the explicit values row after row, ``v[i]`` of them for row ``i``.
    The k-th smallest is inf where a row has fewer than ``k`` values.

    Why a window of ranks suffices. Let the uniforms sorted be ``U_(1) <= ... <= U_(m)``
    and let a row hold ``v`` explicit values. A uniform of rank ``j <= k - v - 1`` has
    at most ``j - 1`` uniforms and ``v`` explicit values at or below it, so it is among
    the ``j + v <= k - 1`` smallest of the union; a uniform of rank ``j > k`` has ``k``
    uniforms at or below it, so it is not among the ``k`` smallest. Dropping both kinds
    leaves the window ``U_(lo..hi)``, ``lo = max(1, k - v)``, ``hi = min(k, m)``, with
    the explicit values; ``lo - 1`` values all below the k-th were dropped, so the k-th
    of the union is the ``(k - lo + 1) = min(k, v + 1)``-th smallest of what is left.
    (tests/test_fast_parts.py checks this against sorting the whole union.)
    """
    m = np.asarray(m, dtype=np.int64)
    v = np.asarray(v, dtype=np.int64)
    lo = np.maximum(1, k - v)
    hi = np.minimum(k, m)
    width = int(max(np.max(hi - lo + 1, initial=1), 1))
    first_u, window = uniform_ranks(rng, m, lo, hi, width)
    # scaled where drawn (inf * 0 would be NaN for a TTL of 0)
    with np.errstate(invalid="ignore"):
        window = np.where(np.isfinite(window), window * scale, INF)
        smallest = np.where(np.isfinite(first_u), first_u * scale, INF)
    some = v > 0
    if some.any():  # each row's smallest explicit value, from the flat values
        starts = (np.cumsum(v) - v)[some]
        smallest[some] = np.minimum(smallest[some], np.minimum.reduceat(values, starts))
    # The rank wanted among the window and the explicit values is min(k, v + 1): k
    # where v >= k - 1 (the window starts at rank 1), else v + 1. One partition per
    # kind of row, each with one kth for all its rows:
    kth = np.full(len(m), INF)
    low = v >= k - 1
    if low.any():  # the k-th smallest of the row, padded with inf
        row = np.concatenate((window[low], _rows(values, v, low, INF)), axis=1)
        if row.shape[1] >= k:
            row.partition(k - 1, axis=1)
            kth[low] = row[:, k - 1]
    high = ~low
    if high.any():
        # the (v + 1)-th smallest: with the explicit values' unused columns -inf, it is
        # the (cols + 1)-th smallest of the row for every row (inf pads the window).
        below = _rows(values, v, high, -INF)
        cols = below.shape[1]
        row = np.concatenate((window[high] if not high.all() else window, below), axis=1)
        row.partition(cols, axis=1)
        kth[high] = row[:, cols]
    kth = np.where(m + v >= k, kth, INF)
    return smallest, kth


def _rows(values: np.ndarray, v: np.ndarray, which: np.ndarray, pad: float) -> np.ndarray:
    """The rows ``which`` of the explicit values (row ``i`` has ``v[i]`` of them, in
    order), each padded with ``pad`` to the longest."""
    width = max(int(v.max(initial=0)), 1)
    used = np.arange(width)[None, :] < v[:, None]
    out = np.full((len(v), width), pad)
    out[used] = values  # a boolean mask assigns row by row, in order
    return out if which.all() else out[which]
