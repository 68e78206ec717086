"""The faults an AWS game day injects through FIS, and the failure mode each plays.

The simulation a run is set beside is the scenario with ``failure.mode`` set to
the mode its fault stands for.
"""

from __future__ import annotations

from drsim.errors import DrsimError

AWS_FAULTS = {
    # FIS cross-region connectivity + network disruption of the primary's subnets,
    # replication paused: the primary region is gone for its clients.
    "region_isolation": "region_outage",
    # FIS aws:ecs:stop-task on the primary's service.
    "app_crash": "app_crash",
    # FIS / RDS failover of the primary's writer.
    "db_failover": "db_primary_loss",
}
"""AWS game-day fault kind -> the scenario's ``failure.mode`` it plays."""


def failure_mode(kind: str, where: str = "fault") -> str:
    """The scenario failure mode of the AWS fault ``kind``; DrsimError if unknown."""
    if kind not in AWS_FAULTS:
        raise DrsimError(f"{where}: {kind!r} is not one of {', '.join(AWS_FAULTS)}")
    return AWS_FAULTS[kind]
