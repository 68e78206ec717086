"""Clients moving to the secondary through their DNS caches, and when they are served.

The client population of a trial is drawn as vectors (never one process per
client): each client that resolved to the primary keeps its cached answer
until its own TTL expiry (uniform within the TTL after the record flips),
a TTL-violating resolver keeps it longer (how many clients sit behind one is
drawn per trial), a stuck client never moves.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from drsim.rules import SHARE_EPS
from drsim.sim.capacity import time_to_tasks
from drsim.sim.dnsrecord import client_change_s, moved_count

INF = float("inf")


@dataclass(frozen=True, slots=True)
class Clients:
    """The clients of one trial.

    home : clients already served by the secondary before the fault
        (active/active). [-]
    delay_s : for each client of the primary, from the DNS flip to its move to
        the secondary (inf: never moves). [s]
    violators : how many of those sit behind a TTL-violating resolver. [-]
    """

    home: int
    delay_s: np.ndarray
    violators: int = 0

    @property
    def total(self) -> int:
        return self.home + len(self.delay_s)


def client_counts(dns) -> tuple[int, int, int]:
    """``(moving, stuck, free)``: the clients of the primary (``clients x primary_share``,
    rounded), those of them that never move (``stuck_fraction``, rounded down) and those
    that can. Both engines count them here. [-]"""
    moving = int(round(dns.clients * dns.primary_share))
    stuck = int(math.floor(moving * dns.stuck_fraction + 1e-9))
    return moving, stuck, moving - stuck


def draw_clients(dns, rng) -> Clients:
    """Draw the client population of one trial from the scenario's ``dns`` section.

    ``stuck_fraction`` of the clients never move: that share is taken as exact
    (rounded down to whole clients), as a property of the client software
    (a JVM caching forever), not of a draw.

    The TTL violators are a *drawn count*: each client that can move sits
    behind a TTL-violating resolver with probability ``ttl_violation_fraction``,
    independently, so their number is Binomial(clients that can move,
    fraction). ``ttl_violation_fraction`` is measured as a share of resolvers
    (8.74 % of 8,524 resolvers, PAM 2023), not of clients; how clients spread
    over resolvers (a public resolver carries many) has no source here, so
    each client is taken to draw its own resolver (a share of resolvers fixes
    no exact number of a thousand clients). Grouping clients behind shared
    resolvers would keep the mean and widen the spread: the binomial's
    variance is the least a share that is a probability per client can have.

    Draws (common random numbers, see :mod:`drsim.sim.trial`): from ``rng``
    only the TTL phases of the clients that move, whatever the fraction and the
    extra delay, so a trial's other draws stay where they are when either
    changes. The violators come from their own generator, spawned from ``rng``
    (``Generator.spawn`` takes nothing from ``rng``'s own stream): its first
    uniform is turned into the count by the binomial's inverse CDF, and the
    values after it are the violators' extra delays, the i-th violator's the
    i-th value whatever the count. So with the same stream a larger fraction
    gives at least as many violators, the same clients with the same extra
    delays, and more (a coupled sensitivity), and a fraction of 1 gives every
    client that can move (the local lab). Only the violators' delays are
    drawn: about a tenth of the clients at the measured fraction, where one
    bounded delay per client was most of a trial's cost.
    """
    moving, stuck, free = client_counts(dns)
    delay_s = rng.uniform(0.0, dns.ttl_s, moving)
    violating = 0
    if free:
        violators_rng = rng.spawn(1)[0]
        violating = violator_count(free, dns.ttl_violation_fraction, float(violators_rng.random()))
        if violating:
            # Each distribution fills an array value by value, in order, so a larger
            # count draws the smaller count's delays first and then more.
            delay_s[stuck:stuck + violating] += np.asarray(
                dns.violation_extra_s.sample(violators_rng, violating), dtype=float)
    delay_s[:stuck] = INF
    return Clients(home=dns.clients - moving, delay_s=delay_s, violators=violating)


def violator_count(n: int, p: float, u: float) -> int:
    """The Binomial(``n``, ``p``) count at cumulative probability ``u`` (inverse CDF):
    the smallest ``k`` with ``u < P(X <= k)``. [-]

    ``u`` uniform on [0, 1) gives a Binomial(n, p) count; for a fixed ``u`` the
    count never falls as ``p`` grows.
    """
    if p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    return min(int(np.searchsorted(_binomial_cdf(n, p), u, side="right")), n)


@functools.lru_cache(maxsize=32)
def _binomial_cdf(n: int, p: float) -> np.ndarray:
    """P(X <= k) for k = 0..n, X ~ Binomial(n, p), 0 < p < 1. [-]"""
    # In logs, scaled by the largest term: (1 - p)^n alone underflows for large n.
    j = np.arange(1, n + 1, dtype=float)
    log_choose = np.concatenate(([0.0], np.cumsum(np.log((n - j + 1) / j))))
    k = np.arange(n + 1, dtype=float)
    log_pmf = log_choose + k * math.log(p) + (n - k) * math.log1p(-p)
    pmf = np.exp(log_pmf - log_pmf.max())
    cdf = np.cumsum(pmf)
    return cdf / cdf[-1]


def recovery_s(*, clients: Clients, flip_s: float, db_writable_s: float, compute,
               ready_s: np.ndarray, recovered_fraction: float,
               primary_served_share: float = 0.0,
               standby_at_s: float = 0.0, record=None,
               fenced_s: float = INF) -> tuple[float, float]:
    """``(first_success_s, rto_s)``: fault to the first *affected* client served, and
    to ``recovered_fraction`` of the affected clients served. [s]

    The affected clients are those the fault left on the failed primary; the
    ``home`` clients (active/active) were on the secondary all along and count
    neither way. The secondary serves a client once the client's DNS points
    there and the database there is writable, up to the share of the load its
    healthy tasks carry (``required_tasks`` carry all of it; its home clients
    take their part of that first). During a brownout the primary still serves
    ``primary_served_share`` of each unmoved client's requests until it is
    fenced, and the record may flip back (automatic failback): the RTO is then the
    moment from which the served share stays at or above ``recovered_fraction``
    (with one flip and no fence, the first moment it gets there). With no
    affected client at all there is nothing to recover: both times are 0.

    Parameters
    ----------
    flip_s : fault to the DNS record pointing at the secondary (inf: never). [s]
    db_writable_s : fault to the secondary database accepting writes. [s]
    ready_s : fault to healthy, for each task a scale-up launched. [s]
    standby_at_s : fault to the standby's own tasks being healthy. [s]
    record : when the DNS record names the secondary (:mod:`drsim.sim.dnsrecord`);
        None for ``[flip_s, inf)``. Only a brownout's record can flip back. [s]
    fenced_s : fault to the old primary being fenced (inf: never). [s]
    """
    if len(clients.delay_s) == 0:
        return 0.0, 0.0
    if primary_served_share > 0:
        return _recovery_by_breakpoints(clients, flip_s, db_writable_s, compute, ready_s,
                                        recovered_fraction, primary_served_share, standby_at_s,
                                        record=record, fenced_s=fenced_s)
    # Affected share served = that of min(share of clients pointed at the secondary,
    # share of the load its healthy tasks carry), once its database takes writes; both
    # only grow, so recovery is the latest of the three moments each reaches its part.
    n, home, req = clients.total, clients.home, compute.required_tasks
    cut_s = flip_s + clients.delay_s
    target = recovered_fraction - SHARE_EPS

    def clients_reach(k):
        return _affected_share((home + k) / n, clients) >= target

    def tasks_reach(j):
        return _affected_share(j / req, clients) >= target

    def tasks_s(needed):
        if needed is None:
            return INF
        return time_to_tasks(compute.standby_tasks, ready_s, needed, standby_at_s)

    rto = max(db_writable_s,
              _kth_moved_s(cut_s, _fewest(clients_reach, len(cut_s))),
              tasks_s(_fewest(tasks_reach, req)))
    first = max(db_writable_s,
                _kth_moved_s(cut_s, _fewest(lambda k: _affected_share((home + k) / n, clients) > 0,
                                            len(cut_s))),
                tasks_s(_fewest(lambda j: _affected_share(j / req, clients) > 0, req)))
    return first, rto


def _affected_share(share, clients: Clients):
    """The share of the affected clients served when the secondary serves ``share`` of
    all clients' load, its home clients first (0 until it carries them all). [-]

    The identity when every client is affected, so those results keep every bit.
    """
    if clients.home == 0:
        return share
    n = clients.total
    return np.maximum((share - clients.home / n) * (n / len(clients.delay_s)), 0.0)


def _fewest(reaches, most: int) -> int | None:
    """The smallest ``k`` in ``0..most`` for which ``reaches(k)`` (a condition that,
    once true, stays true as ``k`` grows), or None if even ``most`` does not. [-]"""
    if not reaches(most):
        return None
    lo, hi = 0, most
    while lo < hi:
        mid = (lo + hi) // 2
        if reaches(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


def _kth_moved_s(cut_s: np.ndarray, k: int | None) -> float:
    """When ``k`` affected clients point at the secondary (inf for None: never). [s]"""
    if k is None or k > len(cut_s):
        return INF
    if k <= 0:
        return 0.0
    if k == 1:  # the first success: the same value, found without a partition
        return float(cut_s.min())
    return float(np.partition(cut_s, k - 1)[k - 1])


def served_share(t_s, *, clients: Clients, flip_s, db_writable_s, compute, ready_s,
                 primary_served_share=0.0, standby_at_s=0.0, record=None,
                 fenced_s=INF) -> np.ndarray:
    """Share of the affected clients' load served at each time in ``t_s``. [-]

    The secondary serves ``min(share of clients pointed there, share of the load
    its healthy tasks carry)`` once its database takes writes, its home clients
    first; during a brownout the primary also serves ``primary_served_share`` of
    each unmoved client until it is fenced (at ``fenced_s``). ``record``: when the
    DNS record names the secondary (None: from ``flip_s`` on).
    """
    t_s = np.atleast_1d(np.asarray(t_s, dtype=float))
    n, m = clients.total, len(clients.delay_s)
    moved = moved_count(t_s, clients.delay_s, ((flip_s, INF),) if record is None else record)
    standby = np.where(t_s >= standby_at_s, compute.standby_tasks, 0)
    tasks = standby + np.searchsorted(np.sort(ready_s), t_s, side="right")
    secondary = np.minimum((clients.home + moved) / n, tasks / compute.required_tasks)
    served = np.where(t_s >= db_writable_s, _affected_share(secondary, clients), 0.0)
    primary = primary_served_share * (m - moved) / m
    if math.isfinite(fenced_s):
        primary = np.where(t_s < fenced_s, primary, 0.0)
    return served + primary


def _recovery_by_breakpoints(clients, flip_s, db_writable_s, compute, ready_s, fraction, share,
                             standby_at_s=0.0, *, record=None, fenced_s=INF):
    # Served share is not monotone here (a client that moves stops being half-served
    # by the primary before the secondary can serve it; the record may flip back; the
    # fence stops the primary serving), so check every moment the share can change:
    # the RTO is the first of them from which it stays recovered. Also the check of
    # the shortcut in recovery_s.
    if len(clients.delay_s) == 0:
        return 0.0, 0.0
    record = ((flip_s, INF),) if record is None else record
    points = np.concatenate(([0.0, db_writable_s, standby_at_s, fenced_s], ready_s,
                             client_change_s(clients.delay_s, record)))
    points = np.unique(points[np.isfinite(points)])
    served = served_share(points, clients=clients, flip_s=flip_s, db_writable_s=db_writable_s,
                          compute=compute, ready_s=ready_s, primary_served_share=share,
                          standby_at_s=standby_at_s, record=record, fenced_s=fenced_s)
    return _first_served_s(points, served), _stays_recovered_s(points, served, fraction)


def _first_served_s(points: np.ndarray, served: np.ndarray) -> float:
    """The first breakpoint at which any affected load is served (inf: none). [s]"""
    first_ok = served > 0
    return float(points[np.argmax(first_ok)]) if first_ok.any() else INF


def _stays_recovered_s(points: np.ndarray, served: np.ndarray, fraction: float) -> float:
    """The first breakpoint from which the served share stays at or above ``fraction``
    (inf if the last one falls short: the share is constant after it). [s]"""
    ok = served >= fraction - SHARE_EPS
    if not ok[-1]:
        return INF
    short = np.flatnonzero(~ok)
    return float(points[short[-1] + 1]) if len(short) else float(points[0])


def probe_recovery_s(*, flip_s: float, db_writable_s: float, capacity_ready_s: float,
                     ttl_s: float, interval_s: float, cache_phase: float,
                     attempt_phase: float) -> float:
    """Fault to the first attempt of an external probe that is served again (``probe_rto_s``). [s]

    The probe resolves afresh before every attempt, through a resolver that honours
    the TTL: its cached answer expires ``cache_phase * ttl_s`` after the flip (the
    phase of a cache relative to the flip is uniformly random, like the checkers').
    It is served once its answer names the secondary, the secondary's capacity is
    ready and (for a writing probe; else pass 0) its database takes writes; the
    recovery is the first attempt at or after that moment. Attempts come every
    ``interval_s`` from ``attempt_phase * interval_s`` after the fault.

    Parameters
    ----------
    flip_s : fault to authoritative DNS answering the secondary (inf: never). [s]
    db_writable_s : fault to the secondary database taking writes. [s]
    capacity_ready_s : fault to the secondary's capacity carrying the load. [s]
    ttl_s : TTL of the record. [s]
    interval_s : time between attempts. [s]
    cache_phase, attempt_phase : uniform on [0, 1). [-]
    """
    served_s = max(flip_s + cache_phase * ttl_s, db_writable_s, capacity_ready_s)
    if not math.isfinite(served_s):
        return INF
    first_s = attempt_phase * interval_s
    if served_s <= first_s:
        return first_s
    t_s = first_s + math.ceil((served_s - first_s) / interval_s) * interval_s
    # The product can round to just below served_s; the attempt after it is the one.
    return t_s if t_s >= served_s else t_s + interval_s
