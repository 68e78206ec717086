"""Clients moving to the secondary through their DNS caches, and when they are served.

The client population of a trial is drawn as vectors (never one process per
client): each client that resolved to the primary keeps its cached answer
until its own TTL expiry (uniform within the TTL after the record flips),
a TTL-violating resolver keeps it longer, a stuck client never moves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from drsim.rules import SHARE_EPS, smallest_count
from drsim.sim.capacity import tasks_needed, time_to_tasks

INF = float("inf")


@dataclass(frozen=True, slots=True)
class Clients:
    """The clients of one trial.

    home : clients already served by the secondary before the fault
        (active/active). [-]
    delay_s : for each client of the primary, from the DNS flip to its move to
        the secondary (inf: never moves). [s]
    """

    home: int
    delay_s: np.ndarray

    @property
    def total(self) -> int:
        return self.home + len(self.delay_s)


def draw_clients(dns, rng) -> Clients:
    """Draw the client population of one trial from the scenario's ``dns`` section.

    ``stuck_fraction`` of the clients never move; ``ttl_violation_fraction`` of
    the others sit behind a TTL-violating resolver. Those shares are taken as
    exact (the clients stand for a large population), rounded to whole clients
    with the stuck share rounded down; drawing them binomially from a
    thousand clients would add spread that real populations do not have.
    """
    moving = int(round(dns.clients * dns.primary_share))
    stuck = int(math.floor(moving * dns.stuck_fraction + 1e-9))
    violating = min(int(round((moving - stuck) * dns.ttl_violation_fraction)), moving - stuck)
    delay_s = rng.uniform(0.0, dns.ttl_s, moving)
    if violating:
        delay_s[stuck:stuck + violating] += dns.violation_extra_s.sample(rng, int(violating))
    delay_s[:stuck] = INF
    return Clients(home=dns.clients - moving, delay_s=delay_s)


def recovery_s(*, clients: Clients, flip_s: float, db_writable_s: float, compute,
               ready_s: np.ndarray, recovered_fraction: float,
               primary_served_share: float = 0.0,
               standby_at_s: float = 0.0) -> tuple[float, float]:
    """``(first_success_s, rto_s)``: fault to the first client served, and to
    ``recovered_fraction`` of clients served. [s]

    The secondary serves a client once the client's DNS points there and the
    database there is writable, up to the share of the load its healthy tasks
    carry (``required_tasks`` carry all of it). During a brownout the primary
    still serves ``primary_served_share`` of each unmoved client's requests.

    Parameters
    ----------
    flip_s : fault to the DNS record pointing at the secondary (inf: never). [s]
    db_writable_s : fault to the secondary database accepting writes. [s]
    ready_s : fault to healthy, for each task a scale-up launched. [s]
    standby_at_s : fault to the standby's own tasks being healthy. [s]
    """
    if primary_served_share > 0:
        return _recovery_by_breakpoints(clients, flip_s, db_writable_s, compute, ready_s,
                                        recovered_fraction, primary_served_share, standby_at_s)
    # Served share = min(share of clients pointed at the secondary, share of the load
    # its healthy tasks carry), once its database takes writes; both shares only grow,
    # so recovery is the latest of the three moments each reaches its part.
    n = clients.total
    cut_s = flip_s + clients.delay_s
    rto = max(db_writable_s,
              _kth_client_s(clients.home, cut_s, smallest_count(recovered_fraction, n)),
              time_to_tasks(compute.standby_tasks, ready_s,
                            tasks_needed(compute, recovered_fraction), standby_at_s))
    first = max(db_writable_s, _kth_client_s(clients.home, cut_s, 1),
                time_to_tasks(compute.standby_tasks, ready_s, 1, standby_at_s))
    return first, rto


def _kth_client_s(home: int, cut_s: np.ndarray, k: int) -> float:
    """When ``k`` clients point at the secondary. [s]"""
    m = k - home
    if m <= 0:
        return 0.0
    if m > len(cut_s):
        return INF
    return float(np.partition(cut_s, m - 1)[m - 1])


def served_share(t_s, *, clients: Clients, flip_s, db_writable_s, compute, ready_s,
                 primary_served_share=0.0, standby_at_s=0.0) -> np.ndarray:
    """Share of the load served at each time in ``t_s``. [-]

    The secondary serves ``min(share of clients pointed there, share of the load
    its healthy tasks carry)`` once its database takes writes; during a brownout
    the primary also serves ``primary_served_share`` of each unmoved client.
    """
    t_s = np.atleast_1d(np.asarray(t_s, dtype=float))
    n = clients.total
    moved = np.searchsorted(np.sort(flip_s + clients.delay_s), t_s, side="right")
    standby = np.where(t_s >= standby_at_s, compute.standby_tasks, 0)
    tasks = standby + np.searchsorted(np.sort(ready_s), t_s, side="right")
    secondary = np.minimum((clients.home + moved) / n, tasks / compute.required_tasks)
    served = np.where(t_s >= db_writable_s, secondary, 0.0)
    return served + primary_served_share * (len(clients.delay_s) - moved) / n


def _recovery_by_breakpoints(clients, flip_s, db_writable_s, compute, ready_s, fraction, share,
                             standby_at_s=0.0):
    # Served share is not monotone here (a client that moves stops being half-served
    # by the primary before the secondary can serve it), so check every moment the
    # share can change. Also the check of the shortcut in recovery_s.
    cut_s = flip_s + clients.delay_s
    points = np.concatenate(([0.0, db_writable_s, standby_at_s], ready_s, cut_s))
    points = np.unique(points[np.isfinite(points)])
    served = served_share(points, clients=clients, flip_s=flip_s, db_writable_s=db_writable_s,
                          compute=compute, ready_s=ready_s, primary_served_share=share,
                          standby_at_s=standby_at_s)
    ok = served >= fraction - SHARE_EPS
    first_ok = served > 0
    rto = float(points[np.argmax(ok)]) if ok.any() else INF
    first = float(points[np.argmax(first_ok)]) if first_ok.any() else INF
    return first, rto
