"""The faults, injected into the running stack for real.

=================  ===========================================================
app_crash          SIGKILL of every worker of region A's service
app_hang           SIGSTOP of every worker: connections open, nothing answers,
                   checks fail only after ``timeout_s``
brownout           SIGUSR1: workers live on but fail a share of requests
                   (``failure.brownout_failure_fraction``)
db_primary_loss    SIGKILL of A's PostgreSQL (postmaster and backends)
region_outage      all of A: its workers and database are killed, its front
                   door and the link drop every packet (bytes in flight are lost)
partition          the link proxy stops carrying replication and A's front door
                   stops answering: packets dropped, nothing refused
=================  ===========================================================
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from dataclasses import dataclass

from drsim.scenario.model import FAILURE_MODES


@dataclass
class Targets:
    """What a fault can act on.

    region_a : :class:`~drsim.gameday.local.service.Region` of A's service.
    primary : A's :class:`~drsim.gameday.local.postgres.PgServer`.
    proxy_command : sends a command line to the proxy (``partition link``...) and returns
        the monotonic time it took effect.
    """

    region_a: object
    primary: object
    proxy_command: Callable[[str], float]


def inject(kind: str, t: Targets) -> tuple[str, str]:
    """Inject fault ``kind``; returns ``(component, detail)`` for the timeline."""
    if kind not in FAILURE_MODES:  # pragma: no cover - the scenario model validated it
        raise ValueError(kind)
    if kind == "app_crash":
        pids = t.region_a.signal_workers(signal.SIGKILL)
        return "service-a", f"SIGKILL {' '.join(map(str, pids))}"
    if kind == "app_hang":
        pids = t.region_a.signal_workers(signal.SIGSTOP)
        return "service-a", f"SIGSTOP {' '.join(map(str, pids))}"
    if kind == "brownout":
        pids = t.region_a.signal_workers(signal.SIGUSR1)
        return "service-a", f"brownout {' '.join(map(str, pids))}"
    if kind == "db_primary_loss":
        t.primary.child.signal_group(signal.SIGKILL)
        return "postgres-a", f"SIGKILL {t.primary.child.pid}"
    if kind == "region_outage":
        # The network goes first: WAL still in flight to B dies with the region.
        t.proxy_command("partition link")
        t.proxy_command("partition front_a")
        pids = t.region_a.signal_workers(signal.SIGKILL)
        t.primary.child.signal_group(signal.SIGKILL)
        return "region-a", (f"SIGKILL {' '.join(map(str, pids + [t.primary.child.pid]))}; "
                            "front door and link drop packets")
    # partition
    t.proxy_command("partition link")
    t.proxy_command("partition front_a")
    return "link", "replication link and A's front door cut"
