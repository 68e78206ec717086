"""The cost of risk: hand arithmetic for the pure function, then through the simulator."""

from __future__ import annotations

import pytest

from drsim import load_scenario
from drsim.compare.risk import outcome_from_summary, scenario_risk
from drsim.cost.risk import cost_of_risk
from drsim.errors import DrsimError
from tests.conftest import SCENARIOS
from tests.test_summary import hand_summary


def test_cost_of_risk_by_hand():
    r = cost_of_risk(annual_disaster_probability=0.02, expected_downtime_s=1800,
                     downtime_cost_usd_per_h=20000, expected_lost_writes=1000,
                     lost_write_cost_usd=0.5)
    assert r.downtime_usd_per_disaster == pytest.approx(10000)  # 0.5 h x $20,000/h
    assert r.lost_writes_usd_per_disaster == pytest.approx(500)  # 1,000 x $0.50
    assert r.per_disaster_usd == pytest.approx(10500)
    assert r.expected_annual_usd == pytest.approx(210)  # 0.02 x $10,500


def test_no_downtime_and_no_lost_writes_cost_nothing():
    r = cost_of_risk(annual_disaster_probability=1.0, expected_downtime_s=0,
                     downtime_cost_usd_per_h=1e6, expected_lost_writes=0,
                     lost_write_cost_usd=100)
    assert r.expected_annual_usd == 0


def test_cost_of_risk_is_linear_in_the_probability():
    args = {"expected_downtime_s": 3600, "downtime_cost_usd_per_h": 1000}
    one = cost_of_risk(annual_disaster_probability=0.01, **args).expected_annual_usd
    assert one == pytest.approx(10)
    assert cost_of_risk(annual_disaster_probability=0.05, **args).expected_annual_usd == \
        pytest.approx(5 * one)


@pytest.mark.parametrize("field,value,message", [
    ("annual_disaster_probability", 1.5, "is a probability; it must be <= 1"),
    ("expected_downtime_s", -1.0, "must be a finite number >= 0"),
    ("lost_write_cost_usd", float("nan"), "must be a finite number >= 0"),
    ("downtime_cost_usd_per_h", float("inf"), "must be a finite number >= 0"),
])
def test_bad_arguments(field, value, message):
    args = {"annual_disaster_probability": 0.02, "expected_downtime_s": 60,
            "downtime_cost_usd_per_h": 100, "expected_lost_writes": 0, "lost_write_cost_usd": 0}
    args[field] = value
    with pytest.raises(DrsimError, match=message):
        cost_of_risk(**args)


def test_outcome_from_a_summary_sums_lost_writes_over_datastores():
    summary = hand_summary(rto_mean_s=900.0, lost_means={"orders_db": 10.0, "sessions": 5.5})
    assert outcome_from_summary(summary) == (900.0, 15.5)
    assert outcome_from_summary(hand_summary(rto_mean_s=60, lost_means={})) == (60.0, 0.0)
    # the old dict shape is refused with a message, not read by keys
    with pytest.raises(DrsimError, match="expected a simulation summary"):
        outcome_from_summary({"rto_s": {"mean": 60.0}, "lost_writes": {}})
    with pytest.raises(DrsimError, match="mean RTO is inf: some trials never recover"):
        outcome_from_summary(hand_summary(rto_mean_s=float("inf"), lost_means={}))


def test_scenario_risk_uses_the_simulated_mean_rto_and_lost_writes():
    from drsim.sim import simulate

    scenario = load_scenario(SCENARIOS / "seed-warm-standby.yaml")
    summary = simulate(scenario, trials=300, seed=5, workers=1).summary
    mean_rto = summary.rto_s.mean
    lost = sum(v.mean for v in summary.lost_writes.values())
    r = scenario_risk(scenario, trials=300, seed=5)
    assert r.expected_downtime_s == pytest.approx(mean_rto)
    assert r.expected_lost_writes == pytest.approx(lost)
    # the seed's objectives: 0.02 disasters a year, $20,000 per hour, $0.50 per lost write
    assert r.expected_annual_usd == pytest.approx(0.02 * (mean_rto / 3600 * 20000 + lost * 0.5))


def test_unbounded_losses_are_an_unbounded_risk_everywhere():
    # In a brownout nothing fences the old primary, and the seed's stuck clients keep
    # writing to it: lost writes, and so the cost of risk, have no bound.
    from drsim.compare.risk import annual_risk_usd, risk_from_summary
    from drsim.cost.risk import UnboundedRisk
    from drsim.sim import simulate

    scenario = load_scenario(SCENARIOS / "seed-warm-standby.yaml", ["failure.mode=brownout"])
    summary = simulate(scenario, trials=50, seed=1).summary
    assert summary.lost_writes["orders_db"].mean == float("inf")
    with pytest.raises(UnboundedRisk, match="lost writes is unbounded"):
        risk_from_summary(scenario, summary)
    assert annual_risk_usd(scenario, summary) == float("inf")
    bounded = simulate(load_scenario(SCENARIOS / "seed-warm-standby.yaml"), trials=50, seed=1)
    assert annual_risk_usd(scenario, bounded.summary) == risk_from_summary(
        scenario, bounded.summary).expected_annual_usd
