"""Fencing the old primary and failing back: closed forms and hand-computed cases."""

from __future__ import annotations

from drsim.scenario import scenario_from_dict
from drsim.sim import simulate
from tests.conftest import minimal


def test_fence_primary_step_and_fences_primary_field_are_accepted():
    runbook = [
        {"name": "promote_database", "duration_s": 10, "fences_primary": True},
        {"name": "fence", "action": "fence_primary", "after": ["promote_database"], "duration_s": 5},
        {"name": "switch_traffic", "after": ["fence"], "duration_s": 1},
    ]
    s = scenario_from_dict(minimal(
        runbook=runbook, datastores=[{"name": "db", "kind": "aurora_global", "replication_lag_s": 1}]))
    assert s.step("fence").action == "fence_primary"
    assert s.step("promote_database").fences_primary
    assert not s.step("switch_traffic").fences_primary
    t = simulate(s, trials=5, seed=1).trials
    assert ((t["step.fence.end_s"] - t["step.fence.start_s"]) == 5).all()
