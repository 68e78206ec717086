"""What DR is worth: the no-DR cost of risk, the risk avoided and the break-even
disaster probability, by hand arithmetic and closed forms (issue 12, item 3)."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest

from drsim import load_scenario
from drsim.compare.cost_report import cost_report
from drsim.compare.outcomes import evaluate, outcomes_table
from drsim.compare.risk import (
    expected_backup_age_s,
    no_dr_risk,
    no_dr_windows_s,
    scenario_dr_value,
)
from drsim.cost.risk import cost_of_risk, dr_value
from drsim.distributions import Z95
from drsim.errors import DrsimError
from drsim.scenario import scenario_from_dict
from drsim.scenario.model import REGION_OUTAGE_S
from drsim.sim.replication import draw_window_s
from tests.conftest import minimal

# 36,000 s (10 h) of downtime at $20,000/h and 1,000 writes at $0.50, at 0.02/year
NO_DR = cost_of_risk(annual_disaster_probability=0.02, expected_downtime_s=36000,
                     downtime_cost_usd_per_h=20000, expected_lost_writes=1000,
                     lost_write_cost_usd=0.5)


def test_dr_value_by_hand():
    assert NO_DR.per_disaster_usd == 200500  # 10 h x $20,000 + 1,000 x $0.50
    w = dr_value(NO_DR, per_disaster_usd=10500, dr_yearly_usd=1900)
    assert w.no_dr_risk_annual_usd == pytest.approx(4010)  # 0.02 x $200,500
    assert w.risk_annual_usd == pytest.approx(210)  # 0.02 x $10,500
    assert w.avoided_per_disaster_usd == 190000
    assert w.risk_avoided_annual_usd == pytest.approx(3800)  # $4,010 - $210
    assert w.break_even_annual_disaster_probability == pytest.approx(0.01)  # 1,900 / 190,000
    assert w.pays_for_itself


@pytest.mark.parametrize("per_disaster, spend", [(0.0, 0.0), (10500, 1900), (150000, 11386.48),
                                                 (200499, 5.0), (3.5, 1e6)])
def test_risk_avoided_is_the_difference_and_break_even_times_it_is_the_spend(per_disaster, spend):
    w = dr_value(NO_DR, per_disaster_usd=per_disaster, dr_yearly_usd=spend)
    assert w.risk_avoided_annual_usd == pytest.approx(
        NO_DR.expected_annual_usd - 0.02 * per_disaster, rel=1e-12, abs=1e-9)
    assert w.risk_avoided_annual_usd == pytest.approx(
        0.02 * w.avoided_per_disaster_usd, rel=1e-12, abs=1e-9)
    assert (w.break_even_annual_disaster_probability * w.avoided_per_disaster_usd
            == pytest.approx(spend, rel=1e-12, abs=1e-9))
    assert w.pays_for_itself == (0.02 >= w.break_even_annual_disaster_probability)


def test_it_pays_exactly_from_the_break_even_probability_on():
    def at(p):
        no_dr = cost_of_risk(annual_disaster_probability=p, expected_downtime_s=36000,
                             downtime_cost_usd_per_h=20000)
        return dr_value(no_dr, per_disaster_usd=0.0, dr_yearly_usd=2000)

    p_star = at(0.5).break_even_annual_disaster_probability
    assert p_star == pytest.approx(0.01)  # $2,000 / (10 h x $20,000)
    assert at(0.0101).pays_for_itself and not at(0.0099).pays_for_itself
    # the break-even does not depend on the probability it is found at
    assert at(0.3).break_even_annual_disaster_probability == p_star


def test_dr_that_never_recovers_avoids_nothing_and_never_pays():
    w = dr_value(NO_DR, per_disaster_usd=math.inf, dr_yearly_usd=1900)
    assert w.risk_avoided_annual_usd == -math.inf
    assert w.break_even_annual_disaster_probability == math.inf
    assert not w.pays_for_itself


def test_dr_worse_than_none_pays_only_if_free():
    assert dr_value(NO_DR, per_disaster_usd=300000, dr_yearly_usd=1).break_even_annual_disaster_probability == math.inf
    free = dr_value(NO_DR, per_disaster_usd=300000, dr_yearly_usd=0)
    assert free.break_even_annual_disaster_probability == 0.0
    assert not free.pays_for_itself  # it adds risk: -1,990 USD/year < 0


def test_a_zero_probability_is_not_nan_with_unbounded_dr():
    no_dr = cost_of_risk(annual_disaster_probability=0.0, expected_downtime_s=60,
                         downtime_cost_usd_per_h=1)
    w = dr_value(no_dr, per_disaster_usd=math.inf, dr_yearly_usd=10)
    assert w.risk_annual_usd == 0.0 and w.risk_avoided_annual_usd == 0.0


@pytest.mark.parametrize("kwargs, message", [
    ({"per_disaster_usd": -1.0, "dr_yearly_usd": 1.0}, "per_disaster_usd"),
    ({"per_disaster_usd": float("nan"), "dr_yearly_usd": 1.0}, "per_disaster_usd"),
    ({"per_disaster_usd": 1.0, "dr_yearly_usd": -5.0}, "dr_yearly_usd"),
    ({"per_disaster_usd": 1.0, "dr_yearly_usd": math.inf}, "dr_yearly_usd"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(DrsimError, match=message):
        dr_value(NO_DR, **kwargs)


# --- the backup's age and the no-DR scenario --------------------------------------------

def _backup(interval_s, copy_s, name="bk", rate=0.0):
    return {"name": name, "kind": "backup", "interval_s": interval_s, "copy_s": copy_s,
            "write_rate_per_s": rate}


def _scenario(datastores, **objectives):
    objs = {"annual_disaster_probability": 0.1, "downtime_cost_usd_per_h": 1000,
            "lost_write_cost_usd": 0.5, "region_outage_s": 36000, **objectives}
    return scenario_from_dict(minimal(datastores=datastores, objectives=objs))


@pytest.mark.parametrize("interval_s, copy_s, expected", [
    (86400, 0, 43200),                                       # half the interval
    (86400, {"dist": "uniform", "low": 600, "high": 3600}, 43200 + 2100),
    (3600, 5400, 1800 + 5400),                               # a copy longer than the interval
    (3600, {"dist": "uniform", "low": 0, "high": 7200}, 1800 + 3600),
])
def test_expected_backup_age_is_half_the_interval_plus_the_mean_copy(interval_s, copy_s, expected):
    s = _scenario([_backup(interval_s, copy_s)])
    assert expected_backup_age_s(s.datastores[0]) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("interval_s, copy_s", [
    (3600, {"dist": "uniform", "low": 0, "high": 7200}),
    (86400, {"dist": "uniform", "low": 600, "high": 3600}),
])
def test_the_simulators_backup_window_has_that_mean(interval_s, copy_s):
    ds = _scenario([_backup(interval_s, copy_s)]).datastores[0]
    rng = np.random.default_rng(3)
    x = np.array([draw_window_s(ds, rng) for _ in range(20000)])
    se = x.std(ddof=1) / math.sqrt(len(x))
    assert abs(x.mean() - expected_backup_age_s(ds)) <= 4 * se


def test_no_dr_risk_by_hand():
    # 10 h down at $1,000/h; a 2-h backup copied in 600 s: 3,600 + 600 = 4,200 s of
    # writes lost, at 10/s (the replicated table) + 5/s (the backup's own data) = 63,000 writes
    s = _scenario([{"name": "db", "kind": "dynamodb_global", "write_rate_per_s": 10},
                   _backup(7200, 600, rate=5)])
    assert no_dr_windows_s(s) == {"db": 4200, "bk": 4200}
    r = no_dr_risk(s)
    assert r.expected_downtime_s == 36000
    assert r.expected_lost_writes == 63000
    assert r.per_disaster_usd == 10000 + 31500
    assert r.expected_annual_usd == pytest.approx(4150)  # 0.1 x $41,500


def test_each_backup_keeps_its_own_age_the_rest_the_freshest():
    s = _scenario([{"name": "db", "kind": "dynamodb_global", "write_rate_per_s": 1},
                   _backup(86400, 0, name="daily", rate=2), _backup(3600, 0, name="hourly")])
    assert no_dr_windows_s(s) == {"db": 1800, "daily": 43200, "hourly": 1800}
    assert no_dr_risk(s).expected_lost_writes == 1800 + 2 * 43200


def test_without_a_backup_the_data_comes_back_with_the_region():
    s = _scenario([{"name": "db", "kind": "dynamodb_global", "write_rate_per_s": 50}])
    assert no_dr_windows_s(s) == {"db": 0.0}
    assert no_dr_risk(s).expected_lost_writes == 0
    assert no_dr_risk(s).per_disaster_usd == 10000  # the outage only


def test_the_outage_is_the_mean_of_its_distribution():
    s = _scenario([], region_outage_s={"dist": "uniform", "low": 3600, "high": 10800})
    assert no_dr_risk(s).expected_downtime_s == 7200


def test_the_default_outage_is_the_fit_to_the_published_events():
    # durations AWS's post-event summaries give (see REGION_OUTAGE_S in drsim/scenario/model.py)
    durations_s = [4 * 3600 + 17 * 60, 17 * 3600 + 8 * 60, 9 * 3600 + 14 * 60,
                   3 * 3600 + 48 * 60, 14 * 3600 + 32 * 60]
    logs = [math.log(d) for d in durations_s]
    mu, sigma = statistics.mean(logs), statistics.stdev(logs)
    assert REGION_OUTAGE_S.p50 == pytest.approx(math.exp(mu), abs=50)  # rounded to 100 s
    assert REGION_OUTAGE_S.p95 == pytest.approx(math.exp(mu + Z95 * sigma), abs=50)
    assert scenario_from_dict(minimal()).objectives.region_outage_s == REGION_OUTAGE_S
    assert load_scenario("seed-warm-standby").objectives.region_outage_s == REGION_OUTAGE_S


def test_seed_no_dr_risk_in_closed_form():
    s = load_scenario("seed-warm-standby")
    r = no_dr_risk(s)
    # daily backup copied in U(600, 3600) s: 43,200 + 2,100 s; 2.5 + 10 + 0.25 writes/s
    # (50 requests/s x write shares 0.05, 0.2 and 0.005)
    assert r.expected_lost_writes == pytest.approx(12.75 * 45300)
    assert r.expected_downtime_s == pytest.approx(REGION_OUTAGE_S.mean)
    assert r.expected_annual_usd == pytest.approx(
        0.02 * (REGION_OUTAGE_S.mean / 3600 * 20000 + 12.75 * 45300 * 0.5))
    unbounded = scenario_dr_value(s, None, 11386.48)
    assert unbounded.risk_avoided_annual_usd == -math.inf and not unbounded.pays_for_itself


# --- through the table and the cost report ------------------------------------------------

def test_outcomes_table_carries_what_dr_is_worth():
    s = load_scenario("seed-warm-standby")
    o = evaluate(s, trials=200, seed=3)
    row = outcomes_table([o]).iloc[0]
    assert row["no_dr_risk_annual_usd"] == pytest.approx(no_dr_risk(s).expected_annual_usd)
    assert row["risk_avoided_annual_usd"] == pytest.approx(
        row["no_dr_risk_annual_usd"] - row["risk_annual_usd"], rel=1e-12)
    assert (row["break_even_annual_disaster_probability"]
            * o.dr_value.avoided_per_disaster_usd == pytest.approx(row["dr_monthly_usd"] * 12))
    assert row["pays_for_itself"] == (row["risk_avoided_annual_usd"] >= row["dr_monthly_usd"] * 12)
    local = outcomes_table([evaluate(load_scenario("local-lab"), trials=20, seed=3)]).iloc[0]
    assert math.isnan(local["risk_avoided_annual_usd"]) and local["pays_for_itself"] is None


def test_cost_report_json_says_what_dr_is_worth():
    risk = cost_report(load_scenario("seed-warm-standby"), trials=200, seed=2)["risk"]
    assert risk["risk_avoided_usd_per_year"] == pytest.approx(
        risk["no_dr_risk_usd_per_year"] - risk["expected_annual_usd"], abs=2e-6)
    assert risk["break_even_annual_disaster_probability"] * risk["avoided_per_disaster_usd"] == \
        pytest.approx(risk["dr_yearly_usd"], rel=1e-6)
    assert risk["pays_for_itself"] is True
    assert risk["no_dr"]["lost_window_s"] == {"orders_db": 45300, "sessions": 45300,
                                              "assets": 45300, "snapshots": 45300}
    assert risk["no_dr"]["expected_lost_writes"] == pytest.approx(12.75 * 45300)
