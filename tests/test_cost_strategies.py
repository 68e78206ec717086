"""What runs where follows from the scenario: standby size, strategy order."""

from __future__ import annotations

import pytest

from drsim import load_scenario
from drsim.cost import price_scenario
from tests.conftest import SCENARIOS


def _cost(name, overrides=()):
    return price_scenario(load_scenario(SCENARIOS / f"{name}.yaml", list(overrides)))


def _by_item(breakdown):
    return {(ln.service, ln.region, ln.item): ln for ln in breakdown.lines}


@pytest.mark.parametrize("name,standby,doubled", [("seed-warm-standby", 1, 2),
                                                   ("hot-standby", 3, 6)])
def test_doubling_standby_tasks_changes_exactly_the_fargate_lines_and_their_insights(
        name, standby, doubled):
    before = _cost(name)
    after = _cost(name, [f"compute.standby_tasks={doubled}"])
    assert load_scenario(SCENARIOS / f"{name}.yaml").compute.standby_tasks == standby
    changed = []
    for a, b in zip(before.lines, after.lines, strict=True):
        assert (a.service, a.region, a.price.key) == (b.service, b.region, b.price.key)
        if a.quantity != b.quantity:
            changed.append(b)
            assert b.quantity == pytest.approx(2 * a.quantity)
            assert b.monthly_usd == pytest.approx(2 * a.monthly_usd)
    assert {(ln.service, ln.region, ln.price.key) for ln in changed} == {
        ("ECS Fargate", "us-east-2", "fargate.x86_64.vcpu_hour"),
        ("ECS Fargate", "us-east-2", "fargate.x86_64.gb_hour"),
        # the tasks' Container Insights performance events
        ("CloudWatch Logs", "us-east-2", "cloudwatch.logs.ingestion"),
    }
    # one warm task more costs 0.5 vCPU x 730 h x $0.04048 + 1 GB x 730 h x $0.004445,
    # and 730 h x 60 min x 2 KB of performance events at $0.50/GB
    per_task = 0.5 * 730 * 0.04048 + 1.0 * 730 * 0.004445 + 730 * 60 * 2 / 1e6 * 0.5
    assert after.monthly_usd - before.monthly_usd == pytest.approx((doubled - standby) * per_task)


def test_bundled_strategies_cost_in_order():
    cost = {name: _cost(name).monthly_usd for name in
            ("backup-restore", "pilot-light", "warm-standby", "hot-standby")}
    assert cost["backup-restore"] < cost["pilot-light"] < cost["warm-standby"] \
        < cost["hot-standby"]
    # The seed is a warm standby too; warm-standby.yaml only changes the runbook's timing.
    assert _cost("seed-warm-standby").monthly_usd == pytest.approx(cost["warm-standby"])


def test_hot_standby_costs_no_more_than_active_active_on_the_same_workload():
    """Same datastores, tasks and usage; active/active splits the traffic between regions.

    Splitting moves LCUs, request units and replication from one region to the other
    without changing their sums; active/active adds a health check on the second region,
    with hot standby's fast-interval option: $0.50 + $1.00 a month.
    """
    hot = _cost("hot-standby")
    active = _cost("hot-standby", ["strategy=active_active", "dns.primary_share=0.5"])
    assert hot.monthly_usd <= active.monthly_usd
    assert active.monthly_usd - hot.monthly_usd == pytest.approx(1.5)


def test_bundled_active_active_is_cheaper_than_hot_standby_because_of_its_data_tier():
    """The bundled active/active keeps orders in DynamoDB instead of Aurora (4 instances).

    Everything but the orders store (with its instances' Enhanced Monitoring logs and the
    Aurora master secret; the DynamoDB orders' items cross the NAT gateway), the RTC it buys
    for assets (fee and replication metrics) and the second health check costs the same as
    in hot standby; the Aurora cluster pair costs more than the
    DynamoDB table at these write rates, so the bundled active/active is cheaper.
    """
    hot, active = _cost("hot-standby"), _cost("active-active")

    def rest(b):
        return sum(ln.monthly_usd for ln in b.lines
                   if not ln.item.startswith(("orders", "assets: Replication Time Control",
                                              "assets: S3 replication metrics"))
                   and not (ln.service == "Route 53" and "health" in ln.item)
                   and "Enhanced Monitoring" not in ln.item
                   and ln.service != "Secrets Manager"
                   and "NAT gateway data processed" not in ln.item)

    assert rest(active) == pytest.approx(rest(hot))
    aurora = sum(ln.monthly_usd for ln in hot.lines if ln.item.startswith("orders_db"))
    dynamo = sum(ln.monthly_usd for ln in active.lines if ln.item.startswith("orders:"))
    # 4 x 730 h x $0.26 = 759.2 for the instances alone; 2.5 writes/s on demand in two
    # regions: 6.57 M WRU + 6.57 M rWRU at $0.625/M = 8.2125, plus reads and storage
    assert aurora > 759.2 and dynamo < 300
    assert active.monthly_usd < hot.monthly_usd
