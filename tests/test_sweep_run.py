"""run_sweep and drsim sweep: one row per configuration, simulated with the spec's seed
and priced as elsewhere; invalid combinations are rows; any number of workers gives the
same table."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from drsim.compare.outcomes import evaluate
from drsim.scenario import load_scenario
from drsim.sim import simulate
from drsim.sweep import run_sweep
from tests.conftest import run_cli

SPEC = {
    "base": "seed-warm-standby",
    "trials": 150,
    "seed": 3,
    "design": "grid",
    "fields": {
        "health_check.interval_s": [10, 15, 30],
        "compute.standby_tasks": [0, 3],
    },
}


@pytest.fixture(scope="module")
def result():
    return run_sweep(SPEC, progress=False)


def test_one_row_per_configuration_with_fields_and_figures(result):
    t = result.table
    assert list(t["config"]) == list(range(6))
    assert list(t.columns[:4]) == ["config", "base", "health_check.interval_s",
                                   "compute.standby_tasks"]
    assert list(t["health_check.interval_s"]) == [10, 10, 15, 15, 30, 30]
    valid = t[t["error"].isna()]
    assert len(valid) == 4
    assert (valid["monthly_usd"] > 0).all() and (valid["rto_p95_s"] > 0).all()
    assert set(valid["engine"]) <= {"simpy", "fast"}


def test_standby_tasks_implies_the_strategy(result):
    t = result.table.set_index("config")
    assert t.loc[0, "strategy"] == "pilot_light" and t.loc[1, "strategy"] == "hot_standby"


def test_a_combination_the_checks_refuse_is_a_row_with_its_reason(result):
    bad = result.table[result.table["health_check.interval_s"] == 15]
    assert len(bad) == 2
    for msg in bad["error"]:
        assert "health_check.interval_s: 15 is not one of 10, 30" in msg
    assert bad[["monthly_usd", "rto_p95_s", "p_rto_met"]].isna().all().all()
    assert bad["engine"].isna().all()


def test_a_row_holds_what_simulate_and_the_comparisons_say_for_that_configuration():
    """Common random numbers: the row of a configuration is the simulation of that scenario
    with the spec's seed; money and risk avoided are compare.outcomes' own figures (both
    with the SimPy engine, which simulate and compare.outcomes run by default)."""
    scenario = load_scenario("seed-warm-standby").with_overrides(
        {"health_check.interval_s": 30, "compute.standby_tasks": 3, "strategy": "hot_standby"})
    spec = {**SPEC, "fields": {"health_check.interval_s": [30], "compute.standby_tasks": [3]}}
    row = run_sweep(spec, engine="simpy", progress=False).table.iloc[0]
    assert row["engine"] == "simpy"
    summary = simulate(scenario, trials=150, seed=3, keep_trials=False, progress=False).summary
    assert row["rto_p95_s"] == summary.rto_s.p95
    assert row["probe_rto_p50_s"] == summary.probe_rto_s.p50
    assert row["rpo_p95_s"] == max(d.p95 for d in summary.rpo_s.values())
    assert row["p_rto_met"] == summary.p_rto_met
    outcome = evaluate(scenario, 150, 3)
    assert row["monthly_usd"] == outcome.monthly_usd
    assert row["risk_annual_usd"] == outcome.risk_annual_usd
    assert row["risk_avoided_annual_usd"] == outcome.dr_value.risk_avoided_annual_usd


def test_frontier_rows_are_valid_and_cheapest_first(result):
    front = result.frontier_table()
    assert len(front) >= 1 and front["error"].isna().all()
    assert list(front["monthly_usd"]) == sorted(front["monthly_usd"])


def test_two_workers_give_the_same_table(result):
    two = run_sweep(SPEC, workers=2, progress=False)
    pd.testing.assert_frame_equal(two.table, result.table)
    assert two.frontier == result.frontier


def test_a_local_platform_base_has_no_bill_and_no_frontier():
    r = run_sweep({"base": "local-lab", "trials": 50, "fields": {"dns.ttl_s": [1, 5]}},
                  progress=False)
    assert r.table["monthly_usd"].isna().all()
    assert r.table["rto_p95_s"].notna().all()
    assert r.frontier == [] and r.cheapest_meeting_objectives is None


def test_a_distribution_field_is_stored_as_its_json_text():
    r = run_sweep({"base": "seed-warm-standby", "trials": 50, "fields": {
        "runbook.promote_database.duration_s": [60, {"dist": "uniform", "low": 30, "high": 90}]}},
        progress=False)
    assert list(r.table["runbook.promote_database.duration_s"]) == [
        "60", '{"dist": "uniform", "high": 90, "low": 30}']
    assert r.table["error"].isna().all()


def test_cli_json_and_text(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(json.dumps(SPEC))  # JSON is YAML
    done = run_cli("sweep", spec, "--json")
    assert done.returncode == 0, done.stderr
    d = json.loads(done.stdout)
    for key in ("configurations", "rows", "frontier", "engine", "elapsed_s",
                "cheapest_meeting_objectives"):
        assert key in d
    assert d["configurations"] == 6 and d["engine"] == "auto" and d["invalid"] == 2
    assert d["rows"][2]["monthly_usd"] is None  # NaN as null
    text = run_cli("sweep", spec)
    assert text.returncode == 0, text.stderr
    assert "Frontier:" in text.stdout and "bill [USD/mo]" in text.stdout
    assert "p95 RTO [s]" in text.stdout and "invalid: 2 configurations" in text.stdout
    assert math.isfinite(d["elapsed_s"])


@pytest.mark.parametrize("name", ["seed-grid", "seed-latin"])
def test_bundled_specs_load_by_name_and_name_real_fields(name):
    from drsim.sweep import load_spec
    from drsim.sweep.configurations import check_fields, count_configurations, load_bases

    spec = load_spec(name)
    check_fields(spec, load_bases(spec))
    assert count_configurations(spec) >= 96


def test_a_progress_bar_counts_configurations(capsys):
    run_sweep({**SPEC, "trials": 20}, progress=True)
    err = capsys.readouterr().err
    assert "6/6" in err and "config" in err


def test_the_python_result_shows_itself():
    r = run_sweep({**SPEC, "trials": 20}, progress=False)
    assert repr(r).startswith("SweepResult(6 configurations, ")
    assert "<table" in r._repr_html_()
    frame = r.to_frame()
    assert frame["on_frontier"].sum() == len(r.frontier)
