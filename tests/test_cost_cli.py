"""``drsim cost`` through the real command line: the JSON shape, the table, bad input."""

from __future__ import annotations

import json

import pytest

from drsim.cli import main
from tests.conftest import SCENARIOS, run_cli

SEED = SCENARIOS / "seed-warm-standby.yaml"
LINE_KEYS = ["service", "item", "region", "quantity", "unit", "usd_per_unit", "monthly_usd",
             "source"]


@pytest.fixture(scope="module")
def seed_json():
    done = run_cli("cost", SEED, "--json", "--trials", "300", "--seed", "2")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_json_has_the_issue_shape(seed_json):
    d = seed_json
    assert list(d)[:6] == ["scenario", "monthly_usd", "by_service", "by_region", "lines",
                           "unconfirmed_lines"]
    assert d["scenario"] == "seed-warm-standby"
    for line in d["lines"] + d["unconfirmed_lines"]:
        assert list(line) == LINE_KEYS
        assert line["source"].strip()  # a source on every line
    assert d["unconfirmed_lines"] and all(ln in d["lines"] for ln in d["unconfirmed_lines"])


def test_json_sums_add_up(seed_json):
    d = seed_json
    total = sum(ln["monthly_usd"] for ln in d["lines"])
    assert d["monthly_usd"] == pytest.approx(total, abs=1e-4)
    assert d["monthly_usd"] == pytest.approx(1212.955986, abs=1e-5)  # see test_cost_lines
    assert sum(d["by_service"].values()) == pytest.approx(total, abs=1e-4)
    assert sum(d["by_region"].values()) == pytest.approx(total, abs=1e-4)
    assert set(d["by_region"]) == {"us-east-1", "us-east-2", "global"}
    for ln in d["lines"]:
        assert ln["monthly_usd"] == pytest.approx(ln["quantity"] * ln["usd_per_unit"], abs=1e-5)
    assert d["yearly_usd"] == pytest.approx(12 * d["monthly_usd"], abs=1e-4)


def test_json_sets_the_cost_of_risk_beside_the_dr_spend(seed_json):
    risk = seed_json["risk"]
    assert risk["computed"] and risk["trials"] == 300 and risk["seed"] == 2
    assert risk["dr_yearly_usd"] == seed_json["dr_yearly_usd"]
    expected = 0.02 * (risk["expected_downtime_s"] / 3600 * 20000
                       + risk["expected_lost_writes"] * 0.5)
    assert risk["expected_annual_usd"] == pytest.approx(expected, rel=1e-6)
    # what DR is worth against no DR (tests/test_cost_dr_value.py has the closed forms)
    assert risk["risk_avoided_usd_per_year"] == pytest.approx(
        risk["no_dr_risk_usd_per_year"] - risk["expected_annual_usd"], abs=2e-6)
    assert risk["pays_for_itself"] is (risk["risk_avoided_usd_per_year"] >= risk["dr_yearly_usd"])


def test_readable_text_says_what_dr_is_worth(capsys):
    assert main(["cost", str(SEED), "--trials", "200", "--seed", "2"]) == 0
    out = capsys.readouterr().out
    assert "no DR:         9,943.17 USD/year expected = 0.02 disasters/year x" in out
    assert "577,575 writes since the newest off-region backup (12.6 h on average)" in out
    assert "vs DR spend 7,055.64 USD/year: pays for itself at 0.02 disasters/year; " \
        "break-even from 0.0143" in out


def test_readable_table(capsys):
    assert main(["cost", str(SEED), "--no-risk"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("seed-warm-standby (warm_standby): 1,212.96 USD/month, "
                          "14,555.47 USD/year")
    assert "orders_db: db.r6g.large on-demand (Aurora Standard) (2 instances x 730 h) *" in out
    assert "* 25 of 69 lines (521.56 USD/month, 43 % of the bill)" in out
    assert "DR spend:" in out and "cost of risk:  not computed: not asked for" in out


def test_set_overrides_reach_the_cost(capsys):
    assert main(["cost", str(SEED), "--no-risk", "--json",
                 "--set", "compute.standby_tasks=2"]) == 0
    d = json.loads(capsys.readouterr().out)
    # one more warm task: 365 vCPU-h x $0.04048 + 730 GB-h x $0.004445, and its Container
    # Insights events: 730 h x 60 min x 2 KB = 0.0876 GB x $0.50
    assert d["monthly_usd"] == pytest.approx(1212.955986 + 14.7752 + 3.24485 + 0.0438, abs=1e-5)


@pytest.mark.parametrize("args,expected", [
    (["--set", "regions.secondary=eu-west-1"],
     "regions.secondary: no price table for region 'eu-west-1'"),
    (["--set", "datastores.orders_db.instance_class=db.x9.huge"],
     ("datastores[orders_db].instance_class: 'db.x9.huge' has no price in "
      "aws_us-east-1_2026-12-05.3.csv (key 'aurora.instance.db.x9.huge'); priced there: "
      "db.r6g.large, db.r7g.large")),
    (["--set", "usage.requests_per_s=-5"],
     "usage.requests_per_s: -5 is out of range; must be >= 0"),
    (["--set", "usage.s3_object_kb="], "usage.s3_object_kb: '' is not a number"),
    (["--set", "usage=null"], "usage: expected a section (a mapping of fields), got None"),
    (["--set", "usage.backed_up_aurora.orders_db={instances: 2}"],
     "usage.backed_up_aurora.orders_db.instance_class: is required but missing"),
    (["--set", "usage.backed_up_aurora.sessions={instance_class: db.r6g.large, instances: 1}"],
     ("usage.backed_up_aurora.sessions: names no datastore of kind backup; backup datastores: "
      "snapshots")),
    (["--set", "usage.request_per_s=5"], "usage.request_per_s: unknown field; did you mean"),
    (["--trials", "0"], "argument --trials: 0 must be at least 1"),
])
def test_bad_input_is_one_clear_line_and_exit_2(args, expected):
    done = run_cli("cost", SEED, "--no-risk", *args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert expected in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_unknown_region_lists_the_regions_with_tables(capsys):
    assert main(["cost", str(SEED), "--set", "regions.primary=eu-west-1", "--no-risk"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        f"drsim cost: {SEED}: regions.primary: no price table for region 'eu-west-1' in "
        f"{SCENARIOS.parent / 'prices'}; regions with a table: us-east-1, us-east-2 (add one "
        "with 'drsim prices refresh --region eu-west-1')")


def test_local_platform_has_no_aws_bill(capsys):
    assert main(["cost", str(SCENARIOS / "local-lab.yaml"), "--no-risk"]) == 2
    assert "platform: local runs on this machine and has no AWS bill" in capsys.readouterr().err


def test_every_bundled_aws_scenario_prices_with_a_source_on_every_line(capsys):
    for path in sorted(SCENARIOS.glob("*.yaml")):
        if path.name == "local-lab.yaml":
            continue
        assert main(["cost", str(path), "--no-risk", "--json"]) == 0, path
        d = json.loads(capsys.readouterr().out)
        assert d["lines"] and all(ln["source"] for ln in d["lines"]), path
