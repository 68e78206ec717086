"""``drsim compare``: configurations meeting their objectives rank first, the recommendation
meets them (or the output says none does), and the differences are field by field."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from drsim import load_scenario
from drsim.compare.decisions import decision_table, differences, recommendation, step_up_rows
from drsim.compare.outcomes import Outcome
from tests.conftest import run_cli
from tests.test_summary import old_dict
from drsim.summary import Summary


def outcome(name: str, *, p_rto: float, p_rpo: float, monthly_usd: float,
            risk_usd: float = 0.0) -> Outcome:
    """A hand-made configuration: its probabilities of meeting the objectives and its cost."""
    scenario = load_scenario("warm-standby").with_overrides([f"name={name}"])
    summary = Summary.from_dict(old_dict(scenario=name, p_rto_met=p_rto,
                                         p_rpo_met_by_datastore={"orders_db": p_rpo}))
    return Outcome(name, None, None, False, scenario, summary, np.zeros(1), np.zeros(1),
                   monthly_usd, monthly_usd / 2, risk_usd, 0)


def test_meeting_configurations_rank_first_then_by_yearly_cost():
    table = decision_table([
        outcome("cheap-miss", p_rto=0.10, p_rpo=1.0, monthly_usd=100),
        outcome("dear-meet", p_rto=0.95, p_rpo=0.95, monthly_usd=900),
        outcome("mid-meet", p_rto=0.92, p_rpo=0.99, monthly_usd=500, risk_usd=1000),
        outcome("near-miss", p_rto=0.89, p_rpo=1.0, monthly_usd=200),
    ])
    assert list(table["scenario"]) == ["mid-meet", "dear-meet", "cheap-miss", "near-miss"]
    assert list(table["rank"]) == [1, 2, 3, 4]
    assert list(table["total_annual_usd"][:2]) == [500 * 12 + 1000, 900 * 12]
    advice = recommendation(table)
    assert advice["scenario"] == "mid-meet" and advice["meets_objectives"]
    assert "cheapest configuration that meets" in advice["statement"]


def test_when_none_meets_the_output_says_so_and_names_the_closest():
    table = decision_table([
        outcome("far", p_rto=0.10, p_rpo=1.0, monthly_usd=100),
        outcome("near", p_rto=0.89, p_rpo=0.85, monthly_usd=900),
    ])
    advice = recommendation(table)
    assert advice["scenario"] is None and not advice["meets_objectives"]
    assert advice["closest"] == "near"  # worst shortfall 0.05 against 0.8
    assert advice["statement"].startswith("None of the 2 configurations meets its objectives")
    assert "RTO (P 0.890 < 0.9)" in advice["missed"] and "RPO orders_db (P 0.850 < 0.9)" in \
        advice["missed"]


def test_each_step_up_is_set_against_the_next_cheaper_configuration():
    table = decision_table([
        outcome("mid", p_rto=0.92, p_rpo=0.99, monthly_usd=500, risk_usd=1000),
        outcome("cheap", p_rto=0.10, p_rpo=1.0, monthly_usd=100, risk_usd=9000),
        outcome("dear", p_rto=0.95, p_rpo=0.95, monthly_usd=900, risk_usd=800),
        outcome("never", p_rto=0.0, p_rpo=1.0, monthly_usd=50, risk_usd=math.inf),
    ]).set_index("scenario")
    assert table.loc["never", "next_cheaper"] is None
    assert table.loc["never", "step_pays_for_itself"] is None
    # cheap over never: 12 x 50 more avoids trials that never recover
    assert table.loc["cheap", "next_cheaper"] == "never"
    assert table.loc["cheap", "extra_risk_avoided_annual_usd"] == math.inf
    # mid over cheap: 12 x 400 = 4,800 more a year avoids 8,000: it pays
    assert table.loc["mid", "next_cheaper"] == "cheap"
    assert table.loc["mid", "extra_spend_annual_usd"] == 4800
    assert table.loc["mid", "extra_risk_avoided_annual_usd"] == 8000
    assert table.loc["mid", "step_pays_for_itself"] is True
    # dear over mid: 4,800 more avoids 200: it does not
    assert table.loc["dear", "extra_risk_avoided_annual_usd"] == 200
    assert table.loc["dear", "step_pays_for_itself"] is False
    ladder = step_up_rows(table.reset_index())
    assert list(ladder["scenario"]) == ["cheap", "mid", "dear"]


def test_differences_are_field_by_field_and_items_by_name():
    base = load_scenario("warm-standby")
    other = base.with_overrides(["name=more", "compute.standby_tasks=2", "dns.ttl_s=10"])
    assert differences(base, other) == ["compute.standby_tasks: 1 -> 2", "dns.ttl_s: 60.0 -> 10.0"]
    assert differences(base, base) == []
    aa = differences(base, load_scenario("active-active"))
    assert "datastores.orders_db (aurora_global): only in warm-standby" in aa
    assert "datastores.orders (dynamodb_global): only in active-active" in aa
    assert "runbook.promote_database (promote_database): only in warm-standby" in aa


@pytest.mark.slow
def test_compare_cli_never_ranks_a_miss_above_a_meet(tmp_path):
    # With a lower confidence and the assets' own objective some strategies meet theirs.
    r = run_cli("compare", "backup-restore", "pilot-light", "warm-standby", "hot-standby",
                "active-active", "--trials", 1000, "--seed", 2, "--json",
                "--set", "objectives.confidence=0.5",
                "--set", "datastores.assets.rpo_objective_s=900", cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    d = json.loads(r.stdout)
    rows = d["ranking"]
    assert d["trials"] == 1000 and d["seed"] == 2 and len(rows) == 5
    for row in rows:  # meets_objectives is what the probabilities say
        ps = [row["p_rto_met"], *row["p_rpo_met_by_datastore"].values()]
        assert row["meets_objectives"] is (min(ps) >= row["confidence"])
    meets = [row["meets_objectives"] for row in rows]
    assert meets == sorted(meets, reverse=True)
    for group in (True, False):
        totals = [row["total_usd_per_year"] for row in rows if row["meets_objectives"] is group]
        assert totals == sorted(totals)
    if any(meets):
        assert d["recommended"] == rows[0]["scenario"] and rows[0]["meets_objectives"]
    else:
        assert d["recommended"] is None and "None of the" in d["statement"]
    assert rows[0]["differences"] == [] or rows[0]["scenario"] != "backup-restore"
    first = next(row for row in rows if row["scenario"] == "backup-restore")
    assert first["differences"] == []
    # each step up against the next cheaper bill: the difference of the bills and the risks
    by_bill = sorted(rows, key=lambda row: row["monthly_usd"])
    assert by_bill[0]["vs_next_cheaper"] is None
    for cheaper, row in zip(by_bill, by_bill[1:]):
        step = row["vs_next_cheaper"]
        assert step["scenario"] == cheaper["scenario"]
        assert step["extra_spend_usd_per_year"] == pytest.approx(
            12 * (row["monthly_usd"] - cheaper["monthly_usd"]), rel=1e-12)
        assert step["extra_risk_avoided_usd_per_year"] == pytest.approx(
            cheaper["risk_usd_per_year"] - row["risk_usd_per_year"], rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("args, words", [
    (["warm-standbye"], ["did you mean 'warm-standby'"]),
    (["warm-standby", "--trials", "0"], ["--trials", "at least 1"]),
    (["warm-standby", "warm-standby"], ["appears twice"]),
])
def test_bad_compare_input_exits_2(args, words, tmp_path):
    r = run_cli("compare", *args, cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    for w in words:
        assert w in r.stderr
