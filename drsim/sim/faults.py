"""What each fault does to health checks, to the alarm, to service from the primary
and to data.

The fault happens at time 0. These tables are the only place where fault modes
differ; every other part of the engine reads them. What the alarm sees of each
fault (``alarm_sight``) is defined in :mod:`drsim.scenario.alarm_sources`, below
the engine, because validation warns about an alarm that cannot see its fault.
"""

from __future__ import annotations

from dataclasses import dataclass

from drsim.scenario.alarm_sources import AlarmSight, alarm_sight

__all__ = ["AlarmSight", "CheckBehaviour", "alarm_sight", "check_behaviour",
           "loses_primary_data", "primary_served_share"]

# Datastore kinds whose primary copy a fault destroys, so unreplicated writes are lost.
ALL_KINDS = ("aurora_global", "dynamodb_global", "s3_crr", "postgres_streaming", "backup")
LOSES_PRIMARY_DATA = {
    "region_outage": ALL_KINDS,
    "partition": ALL_KINDS,  # writes acknowledged by the cut-off side never replicate
    "db_primary_loss": ("aurora_global", "postgres_streaming", "backup"),
    "app_crash": (),
    "app_hang": (),
    "brownout": (),
}


@dataclass(frozen=True, slots=True)
class CheckBehaviour:
    """How one health check of the primary ends after the fault.

    p_fail : chance that a check fails. [-]
    result_delay_s : time from sending a failing check to its result (a
        timeout for an unreachable or hung endpoint, 0 for a refused
        connection or an error response). [s]
    """

    p_fail: float
    result_delay_s: float


def check_behaviour(scenario) -> CheckBehaviour:
    """The health-check outcome of the scenario's fault."""
    mode, hc = scenario.failure.mode, scenario.health_check
    if mode in ("region_outage", "partition", "app_hang"):
        return CheckBehaviour(1.0, hc.timeout_s)  # nothing answers: the check times out
    if mode == "app_crash":
        return CheckBehaviour(1.0, 0.0)  # connection refused at once
    if mode == "brownout":
        return CheckBehaviour(scenario.failure.brownout_failure_fraction, 0.0)
    if mode == "db_primary_loss":
        # A shallow /health keeps answering 200 while every write fails.
        return CheckBehaviour(1.0 if hc.checks_database else 0.0, 0.0)
    raise ValueError(f"unknown failure mode {mode!r}")


def primary_served_share(scenario) -> float:
    """Share of requests the primary still serves after the fault. [-]

    Only a brownout leaves the primary serving. Nothing fences it, so the
    writes it acknowledges after the secondary's promotion land on a diverged
    copy and are lost (see :func:`drsim.sim.replication.split_brain_s`).
    """
    if scenario.failure.mode == "brownout":
        return 1.0 - scenario.failure.brownout_failure_fraction
    return 0.0


def loses_primary_data(mode: str, kind: str) -> bool:
    """Whether fault ``mode`` loses the unreplicated writes of a datastore of ``kind``."""
    return kind in LOSES_PRIMARY_DATA[mode]
