"""One region's EventBridge bus for DR events (failover started/finished).

The failover runbook publishes its completion here, so the AWS game-day
collector can read the runbook's own timeline from the bus's events.
"""

from __future__ import annotations

from aws_cdk import aws_events as events
from constructs import Construct


class DrEventBus(Construct):
    """A custom event bus named ``drsim-<scenario>``.

    Attributes
    ----------
    bus
    """

    def __init__(self, scope: Construct, construct_id: str, *, scenario_name: str) -> None:
        super().__init__(scope, construct_id)
        self.bus = events.EventBus(self, "Bus", event_bus_name=f"drsim-{scenario_name}")
