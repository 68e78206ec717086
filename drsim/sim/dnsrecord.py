"""The failover record as a step function of time, and what the clients behind it do.

The authoritative answer names the secondary during a few intervals ``[start, end)``
of time since the fault: while the health check has the primary declared unhealthy
(each change reaching the answers ``propagation_s`` later), and for good from the
end of a ``switch_traffic`` step (plus propagation), which pins it. A client's
answer at time ``t`` is the record at ``t - delay`` (its own cache delay, drawn
once per trial; inf for a stuck client, whose answer never changes). With a single
flip and no failback the record is one interval ``[flip_s, inf)``, and every
function here gives, bit for bit, what the single-flip model gave.
"""

from __future__ import annotations

import math

import numpy as np

INF = math.inf

Intervals = tuple[tuple[float, float], ...]
"""Disjoint ``[start, end)`` intervals in time order. [s]"""


def record_intervals(*, declared_s, recovered_s, pin_s: float, propagation_s: float) -> Intervals:
    """When the authoritative answer names the secondary. [s]

    Parameters
    ----------
    declared_s : each moment the health check declared the primary unhealthy (empty
        when the record does not follow the health check: ``routing: manual``). [s]
    recovered_s : each moment it declared it healthy again, the k-th after the k-th
        declaration (pass none for ``failback: manual``, where the record stays). [s]
    pin_s : end of the first ``switch_traffic`` step (inf: none). [s]
    propagation_s : from a change to the authoritative answers changing. [s]
    """
    spans = []
    for k, start in enumerate(declared_s):
        end = recovered_s[k] if k < len(recovered_s) else INF
        spans.append((start + propagation_s, end + propagation_s))
    if math.isfinite(pin_s):
        spans.append((pin_s + propagation_s, INF))
    return _merged(spans)


def _merged(spans) -> Intervals:
    out: list[list[float]] = []
    for start, end in sorted(spans):
        if end <= start:
            continue
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return tuple((a, b) for a, b in out)


def first_flip_s(record: Intervals) -> float:
    """When the answer first names the secondary (inf: never). [s]"""
    return record[0][0] if record else INF


def primary_spans(record: Intervals) -> Intervals:
    """The complement of ``record``: when the answer names the primary. [s]"""
    out, start = [], -INF
    for a, b in record:
        if a > start:
            out.append((start, a))
        start = b
    if start < INF:
        out.append((start, INF))
    return tuple(out)


def moved_count(t_s: np.ndarray, delay_s: np.ndarray, record: Intervals) -> np.ndarray:
    """How many clients' answers name the secondary at each time in ``t_s``. [-]

    Client ``i`` does during ``[start + delay_i, end + delay_i)`` of each interval.
    """
    moved = np.zeros(len(t_s), dtype=np.int64)
    for start, end in record:
        moved = moved + np.searchsorted(np.sort(start + delay_s), t_s, side="right")
        if math.isfinite(end):
            moved = moved - np.searchsorted(np.sort(end + delay_s), t_s, side="right")
    return moved


def client_change_s(delay_s: np.ndarray, record: Intervals) -> np.ndarray:
    """Every moment some client's answer changes (finite ones only). [s]"""
    edges = [edge + delay_s for span in record for edge in span if math.isfinite(edge)]
    if not edges:
        return np.empty(0)
    out = np.concatenate(edges)
    return out[np.isfinite(out)]


def unfenced_primary_s(delay_s: np.ndarray, record: Intervals, writable_s: float,
                       fenced_s: float) -> tuple[np.ndarray, np.ndarray]:
    """For each client: how long it writes to the old primary while both copies take
    writes, and the last such moment. [s], [s]

    Both copies take writes from ``writable_s`` (the secondary's promotion) until
    ``fenced_s`` (the old primary stops acknowledging; inf: never). A client writes
    to the old primary while its answer names the primary. Returns ``(time_s,
    last_s)``: the total time in ``[writable_s, fenced_s)``, and the last moment of
    it less ``writable_s`` (0 when there is none); a stuck client writes there
    until the fence (inf when unfenced).
    """
    m = len(delay_s)
    time_s, last_s = np.zeros(m), np.zeros(m)
    if not math.isfinite(writable_s) or fenced_s <= writable_s:
        return time_s, last_s
    stuck = ~np.isfinite(delay_s)
    delay = np.where(stuck, 0.0, delay_s)
    for start, end in primary_spans(record):
        lo = np.maximum(start + delay, writable_s)
        hi = np.minimum(end + delay, fenced_s)
        span = np.maximum(hi - lo, 0.0)
        time_s = time_s + span
        last_s = np.where(span > 0, hi - writable_s, last_s)
    time_s[stuck] = fenced_s - writable_s
    last_s[stuck] = fenced_s - writable_s
    return time_s, last_s
