"""The workload (issue 17): write rates, ALB traffic and the bill follow from one set of figures."""

from __future__ import annotations

import json

import pytest

import drsim
from drsim.cost.breakdown import SECONDS_PER_MONTH
from drsim.cost.lines import price_scenario
from drsim.scenario.workload import Workload

SEED = "seed-warm-standby"


def _store(s, name):
    (ds,) = [d for d in s.datastores if d.name == name]
    return ds


def test_seed_write_rates_follow_from_requests_share_and_items():
    s = drsim.load_scenario(SEED)
    w = s.workload
    for ds in s.datastores:
        if ds.write_share is not None:
            assert ds.write_rate_per_s == pytest.approx(
                w.requests_per_s * ds.write_share * ds.items_per_write)
    # no datastore writes more often than requests arrive
    assert all(ds.write_rate_per_s <= w.requests_per_s for ds in s.datastores)
    assert s.usage.requests_per_s == w.requests_per_s
    assert s.usage.new_connections_per_s == pytest.approx(w.requests_per_s
                                                          / w.requests_per_connection)
    assert s.usage.active_connections == pytest.approx(s.usage.new_connections_per_s
                                                       * w.connection_duration_s)


@pytest.mark.parametrize("name", ["pilot-light", "warm-standby", "hot-standby", "active-active",
                                  "backup-restore", "local-lab"])
def test_every_bundled_scenario_derives_its_write_rates(name):
    s = drsim.load_scenario(name)
    assert s.workload is not None
    for ds in s.datastores:
        if ds.kind != "backup" or ds.write_rate_per_s:
            assert ds.write_share is not None, ds.name


def test_an_override_of_the_requests_rederives_every_rate_and_the_bill_scales():
    base = drsim.load_scenario(SEED)
    big = base.with_overrides({"workload.requests_per_s": 200})
    for ds in base.datastores:
        assert _store(big, ds.name).write_rate_per_s == pytest.approx(4 * ds.write_rate_per_s)
    assert big.usage.requests_per_s == 200
    assert big.usage.active_connections == pytest.approx(4 * base.usage.active_connections)
    # the same through the loader's --set path
    again = drsim.load_scenario(SEED, ["workload.requests_per_s=200"])
    assert [d.write_rate_per_s for d in again.datastores] == \
        [d.write_rate_per_s for d in big.datastores]
    small_bill, big_bill = price_scenario(base), price_scenario(big)
    assert big_bill.monthly_usd > small_bill.monthly_usd


def test_aurora_write_ios_and_dynamodb_units_are_priced_on_the_derived_rate():
    s = drsim.load_scenario(SEED)
    orders, sessions = _store(s, "orders_db"), _store(s, "sessions")
    bill = price_scenario(s)
    io = [ln for ln in bill.lines if ln.service == "Aurora PostgreSQL"
          and ln.region == s.regions.secondary and "I/O" in ln.item]
    assert io, [ln.item for ln in bill.lines if ln.service == "Aurora PostgreSQL"]
    assert io[0].quantity == pytest.approx(orders.write_rate_per_s
                                           * s.usage.aurora_write_ios_per_write
                                           * SECONDS_PER_MONTH / 1e6)
    wru = [ln for ln in bill.lines if ln.service == "DynamoDB" and ln.unit == "million WRU"]
    assert sum(ln.quantity for ln in wru) == pytest.approx(
        sessions.write_rate_per_s * SECONDS_PER_MONTH / 1e6)


def test_a_pinned_rate_above_the_requests_needs_its_reason():
    with pytest.raises(drsim.ScenarioError, match="write_rate_reason"):
        drsim.load_scenario(SEED, ["datastores.orders_db.write_share=null",
                                   "datastores.orders_db.write_rate_per_s=80"])
    s = drsim.load_scenario(SEED, ["datastores.orders_db.write_share=null",
                                   "datastores.orders_db.write_rate_per_s=80",
                                   "datastores.orders_db.write_rate_reason=nightly batch import"])
    assert _store(s, "orders_db").write_rate_per_s == 80


def test_without_a_workload_more_writes_than_requests_is_a_warning():
    s = drsim.load_scenario(SEED).with_overrides({"datastores.sessions.write_share": None,
                                                  "datastores.sessions.write_rate_per_s": 20})
    assert not any("sessions" in w for w in s.warnings())
    raw = s.model_dump(mode="json")
    raw.pop("workload")
    raw["sources"] = {k: v for k, v in raw["sources"].items() if not k.startswith("workload.")}
    for ds in raw["datastores"]:
        if ds["write_share"] is not None:
            ds["write_rate_per_s"], ds["write_share"] = 1.0, None
    raw["datastores"][1]["write_rate_per_s"] = 200
    legacy = drsim.Scenario.model_validate(raw)
    assert any("datastores.1.write_rate_per_s: 200 writes/s is more than the 50" in w
               for w in legacy.warnings())


def test_a_daily_profile_gives_the_peak_and_must_average_to_the_mean():
    night, day = [20.0] * 12, [80.0] * 12
    w = Workload(requests_per_s=50, hourly_requests_per_s=night + day)
    assert w.peak_requests_per_s == 80
    assert Workload(requests_per_s=50, peak_to_mean_ratio=3).peak_requests_per_s == 150
    with pytest.raises(ValueError, match="averages 52.5"):
        Workload(requests_per_s=50, hourly_requests_per_s=night[:-1] + [80.0] + day)
    with pytest.raises(ValueError, match="contradicts the profile's 1.6"):
        Workload(requests_per_s=50, hourly_requests_per_s=night + day, peak_to_mean_ratio=3)


def test_the_traffic_sweep_shows_the_bill_and_the_risk_growing_with_the_requests(capsys):
    from drsim.cli import main

    assert main(["sweep", "seed-traffic", "--json"]) == 0
    rows = sorted(json.loads(capsys.readouterr().out)["rows"],
                  key=lambda r: r["workload.requests_per_s"])
    assert [r["workload.requests_per_s"] for r in rows] == [10, 50, 200]
    assert not any(r["error"] for r in rows)
    bills = [r["monthly_usd"] for r in rows]
    risks = [r["risk_annual_usd"] for r in rows]
    assert bills == sorted(bills) and bills[0] < bills[-1]
    assert risks == sorted(risks) and risks[0] < risks[-1]  # more writes lost per disaster
    assert bills[1] == pytest.approx(price_scenario(drsim.load_scenario(SEED)).monthly_usd)


def test_a_dumped_scenario_validates_again_to_the_same_figures():
    s = drsim.load_scenario(SEED)
    again = drsim.Scenario.model_validate(s.model_dump(mode="json"))
    assert again == s
