"""What a local run is set up with besides its scenario: knobs, addresses, its database's name.

Region A's clients reach it through its front door (``A_HOST``, a proxy route,
so a partition can cut it); region B's workers listen on ``B_HOST`` directly.
Both use the same port number, so the DNS answer (an address) is all a client
needs to move.
"""

from __future__ import annotations

from dataclasses import dataclass

from drsim.scenario.model import Scenario

A_HOST = "127.0.0.2"  # region A's front door (loopback: all of 127/8 is)
B_HOST = "127.0.0.3"  # region B's service
LOCAL = "127.0.0.1"   # databases, A's workers, DNS, the link proxy
TMP_PREFIX = "drsim-gameday-"


@dataclass
class Options:
    """Knobs of a local run that are not part of the scenario.

    link_latency_s : one-way latency of the replication link between the regions. [s]
    link_bandwidth_bytes_per_s : bandwidth of that link; 0 for unlimited. [B/s]
    timeout_s : give up waiting for recovery this long after the fault. [s]
    warmup_s : least time clients run against A before the fault. [s]
    request_timeout_s : a client abandons a request (and a DNS query) after this. [s]
    settle_s : keep the load running this long after recovery, so late writes are journaled. [s]
    stack_set : ``PATH=VALUE`` overrides applied to the real stack only, never to the model
        it is compared with (:mod:`~drsim.gameday.local.stackset`): e.g.
        ``("runbook.promote_database.duration_s={dist: lognormal, p50: 1, p95: 2}",)``.
    """

    link_latency_s: float = 0.005
    link_bandwidth_bytes_per_s: float = 0.0
    timeout_s: float = 20.0
    warmup_s: float = 1.0
    request_timeout_s: float = 1.0
    settle_s: float = 0.3
    stack_set: tuple[str, ...] = ()


def scenario_db_name(scenario: Scenario) -> str:
    """The name of the scenario's one ``postgres_streaming`` datastore (the stack's database)."""
    return next(ds.name for ds in scenario.datastores if ds.kind == "postgres_streaming")
