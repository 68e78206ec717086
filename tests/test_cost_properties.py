"""Invariants of the cost model over many usage figures (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drsim import load_scenario
from drsim.cost import load_prices, price_scenario
from tests.conftest import SCENARIOS

PRICES = load_prices(["us-east-1", "us-east-2"])
SEED = load_scenario(SCENARIOS / "seed-warm-standby.yaml")
ACTIVE = load_scenario(SCENARIOS / "active-active.yaml")

usage = st.fixed_dictionaries({
    # the workload sets usage's requests and connections (issue 17)
    "workload.requests_per_s": st.floats(0, 5000),
    "usage.response_kb": st.floats(0, 500),
    "workload.requests_per_connection": st.floats(1, 500),
    "workload.connection_duration_s": st.floats(0, 600),
    "usage.s3_object_kb": st.floats(0, 1e4),
    "usage.dynamodb_item_kb": st.floats(0.01, 400),
    "usage.backup_daily_change_fraction": st.floats(0, 1),
    "usage.backup_retention_days": st.floats(0.1, 35),
})
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _price(scenario, overrides):
    return price_scenario(scenario.with_overrides(overrides), PRICES)


@SETTINGS
@given(overrides=usage)
def test_lines_are_quantity_times_rate_and_add_up(overrides):
    for scenario in (SEED, ACTIVE):
        b = _price(scenario, overrides)
        for line in b.lines:
            assert line.quantity > 0 and line.usd_per_unit >= 0
            assert line.monthly_usd == line.quantity * line.usd_per_unit
        assert b.monthly_usd == pytest.approx(sum(b.by_region.values()))
        assert b.monthly_usd == pytest.approx(sum(b.by_service.values()))
        assert 0 <= b.dr_monthly_usd <= b.monthly_usd + 1e-9


@SETTINGS
@given(factor=st.floats(1.01, 100))
def test_more_requests_grow_only_the_lines_that_follow_the_traffic(factor):
    base = _price(SEED, {})
    busier = _price(SEED, {"workload.requests_per_s": SEED.workload.requests_per_s * factor})
    changed = {(a.service, a.region, a.price.key)
               for a, b in zip(base.lines, busier.lines, strict=True) if a.quantity != b.quantity}
    # The ALB's capacity units and the writes the requests make (Aurora I/O, DynamoDB request
    # units, S3 replication PUTs, their inter-region transfer, the items and uploads through
    # the NAT gateway, and the access logs of the requests and of the objects in the log
    # buckets); instances, tasks, gateway-hours, stored
    # data and probes stay as they are.
    P, S = "us-east-1", "us-east-2"
    assert changed == {
        ("Elastic Load Balancing", P, "alb.lcu_hour"),
        ("Aurora PostgreSQL", P, "aurora.io.standard"),
        ("Aurora PostgreSQL", S, "aurora.global.replicated_write_io"),
        ("DynamoDB", P, "dynamodb.on_demand.wru"), ("DynamoDB", P, "dynamodb.on_demand.rru"),
        ("DynamoDB", S, "dynamodb.on_demand.rwru"), ("S3", S, "s3.replication_put"),
        ("Data Transfer", P, "transfer.inter_region.us-east-2"),
        ("S3", P, "s3.storage.standard"), ("S3", S, "s3.storage.standard"),
        ("VPC", P, "nat.gb"), ("CloudWatch Logs", P, "cloudwatch.logs.ingestion"),
        ("CloudWatch Logs", P, "cloudwatch.logs.storage")}, changed
    assert all(b.quantity > a.quantity for a, b in zip(base.lines, busier.lines)
               if a.quantity != b.quantity)
    assert busier.monthly_usd > base.monthly_usd


@SETTINGS
@given(share=st.floats(0.05, 0.95))
def test_active_active_split_keeps_the_sums_of_request_units(share):
    b = _price(ACTIVE, {"dns.primary_share": share})
    even = _price(ACTIVE, {"dns.primary_share": 0.5})

    def total(breakdown, key):
        return sum(ln.quantity for ln in breakdown.lines if ln.price.key == key)

    for key in ("dynamodb.on_demand.wru", "dynamodb.on_demand.rwru", "s3.replication_put",
                "s3.rtc"):
        assert total(b, key) == pytest.approx(total(even, key))
