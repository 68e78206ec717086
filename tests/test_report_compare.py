"""drsim.compare (sweeps, frontier, ranking) and the report's tables, without notebooks."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from drsim import compare, load_scenario
from drsim.errors import DrsimError
from drsim.report import pick_trials, tables
from drsim.scenario.locate import scenario_file
from drsim.summary import Stats
from tests.conftest import SCENARIOS


def test_figures_print_as_drsim_simulate_prints_them():
    cases = {0.0: "0.0", 0.04: "0.0", 3.6: "3.6", 949.04: "949.0", 1433.0: "1,433.0",
             999_999.9: "999,999.9", 2.5e7: "2.5e+07", math.nan: "-", None: "-"}
    for x, text in cases.items():
        assert tables.fmt_s(x) == text, x
    assert tables.fmt_s(math.inf) == "never"  # a time that never comes
    assert tables.fmt_s(math.inf, "unbounded") == "unbounded"  # a loss without bound


def test_frontier_keeps_exactly_the_undominated_rows():
    t = pd.DataFrame({"monthly_usd": [100, 200, 300, 250, 100, math.nan],
                      "rto_p95_s": [900, 400, 100, 500, 1000, 10]})
    # row 3 is beaten by row 1 on both; row 4 ties row 0 on cost and is slower; NaN cost is off
    assert compare.frontier(t).tolist() == [True, True, True, False, False, False]


def test_rank_orders_by_the_column_and_leaves_missing_values_unranked():
    t = pd.DataFrame({"label": list("abc"), "monthly_usd": [3.0, math.nan, 1.0],
                      "rto_p95_s": [10.0, 5.0, 20.0], "total_annual_usd": [36.0, math.nan, 12.0]})
    r = compare.rank(t)
    assert r["label"].tolist() == ["c", "a", "b"]
    assert r["rank"].tolist()[:2] == [1, 2] and pd.isna(r["rank"].iloc[2])
    assert r["frontier"].tolist() == [True, True, False]
    with pytest.raises(DrsimError, match="rank by 'cost'"):
        compare.rank(t, by="cost")


def test_standby_size_sets_the_strategy_it_implies():
    seed = load_scenario("seed-warm-standby")
    assert compare.standby_overrides(seed, 0)["strategy"] == "pilot_light"
    assert compare.standby_overrides(seed, 2)["strategy"] == "warm_standby"
    assert compare.standby_overrides(seed, 3)["strategy"] == "hot_standby"
    aa = load_scenario("active-active")
    assert compare.standby_overrides(aa, 5) == {"compute.standby_tasks": 5}


def test_sweep_varies_one_setting_at_a_time_with_common_random_numbers():
    base = load_scenario("warm-standby")
    out = compare.sweep(base, {"dns.ttl_s": [10, 300]}, trials=40, seed=5)
    assert [o.value for o in out] == [10, 60, 300]  # the base's 60 added, in order
    assert [o.is_base for o in out] == [False, True, False]
    # replication is untouched by the TTL, and the same seed gives the same lags
    assert all(np.array_equal(o.rpo_s, out[0].rpo_s) for o in out)
    # a longer TTL never makes the RTO of the same trial shorter
    assert np.all(out[2].rto_s >= out[0].rto_s - 1e-9)
    assert out[0].monthly_usd > 0 and math.isfinite(out[0].risk_annual_usd)
    t = compare.outcomes_table(out)
    assert t["rpo_p95_s"].tolist() == [max(d.p95 for d in o.summary.rpo_s.values())
                                       for o in out]
    assert t["rto_p95_s"].tolist() == [o.summary.rto_s.p95 for o in out]


def test_sweep_results_do_not_depend_on_workers():
    base = load_scenario("seed-warm-standby")
    one = compare.sweep(base, {"health_check.failure_threshold": [1, 5]}, trials=30, seed=1)
    two = compare.sweep(base, {"health_check.failure_threshold": [1, 5]}, trials=30, seed=1,
                        workers=2)
    assert [o.summary for o in one] == [o.summary for o in two]


def test_sweep_names_the_setting_and_value_the_scenario_refuses():
    base = load_scenario("seed-warm-standby")
    with pytest.raises(DrsimError, match=r"sweep health_check.interval_s=15: .*not one of 10, 30"):
        compare.sweep(base, {"health_check.interval_s": [15]}, trials=10, seed=1)
    with pytest.raises(DrsimError, match="sweep dns.tll_s"):
        compare.sweep(base, {"dns.tll_s": [10]}, trials=10, seed=1)


def test_local_scenario_has_no_bill_and_stays_off_the_frontier():
    out = compare.compare_scenarios([load_scenario("local-lab"), load_scenario("active-active")],
                                    trials=30, seed=1)
    t = compare.outcomes_table(out)
    assert math.isnan(t.loc[0, "monthly_usd"]) and t.loc[1, "monthly_usd"] > 0
    assert compare.frontier(t).tolist() == [False, True]


def test_scenario_file_accepts_bundled_names_and_explains_unknown_ones():
    assert scenario_file("pilot-light") == SCENARIOS / "pilot-light.yaml"
    with pytest.raises(DrsimError, match="bundled: active-active, backup-restore"):
        scenario_file("pilot-lite")


def test_pick_trials_finds_the_trials_nearest_p50_and_p95():
    trials = pd.DataFrame({"trial": [0, 1, 2, 3], "rto_s": [10.0, 50.0, 30.0, math.inf]})
    rto = Stats(mean=math.inf, p50=29.0, p90=45.0, p95=49.0, p99=math.inf, max=math.inf)
    assert pick_trials(trials, rto) == {"median": 2, "p95": 1}
    assert pick_trials(trials, dataclasses.replace(rto, p95=math.inf))["p95"] == 3


def test_sources_table_flags_assumptions_and_unconfirmed_prices():
    from drsim.cost import price_scenario

    sc = load_scenario("seed-warm-standby")
    b = price_scenario(sc)
    t = tables.sources_table(sc, b)
    scen = t[~t["figure"].str.startswith("price ")]
    assert len(scen) == len(sc.sources)
    row = scen[scen["figure"] == "alarm.evaluation_periods"].iloc[0]
    assert row["flag"] == "assumption" and row["value"] == "2"
    assert scen[scen["figure"] == "dns.ttl_s"].iloc[0]["flag"] == ""
    prices = t[t["figure"].str.startswith("price ")]
    unconfirmed_keys = {ln.price.key for ln in b.unconfirmed_lines}
    assert {f.split()[1] for f in prices.loc[prices["flag"] == "unconfirmed", "figure"]} == \
        unconfirmed_keys
    assert unconfirmed_keys  # the seed's tables do hold unconfirmed prices


def test_summary_table_has_the_rows_of_drsim_simulate():
    from drsim.sim import simulate

    s = simulate(load_scenario("seed-warm-standby"), trials=50, seed=2).summary
    t = tables.summary_table(s)
    rto_row = next(line for line in s.to_text().splitlines() if line.startswith("RTO [s]"))
    assert t.loc["RTO [s]"].tolist() == rto_row.split()[2:]
    assert "lost writes assets [writes]" in t.index and "phase: cut over [s]" in t.index


def test_load_scenario_takes_overrides_as_strings_or_as_a_mapping():
    as_text = load_scenario("seed-warm-standby", ["failure.mode=brownout", "dns.ttl_s=30"])
    as_map = load_scenario("seed-warm-standby", {"failure.mode": "brownout", "dns.ttl_s": 30})
    assert as_text == as_map
    assert as_map.failure.mode == "brownout" and as_map.dns.ttl_s == 30
