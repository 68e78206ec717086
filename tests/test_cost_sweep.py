"""``drsim cost --sweep``: the bill and the cost of risk over one field's values."""

from __future__ import annotations

import json

import pytest

from drsim.compare.cost_report import cost_report
from drsim.compare.cost_sweep import cost_sweep
from drsim.scenario import load_scenario
from tests.conftest import SCENARIOS, run_cli

SEED = SCENARIOS / "seed-warm-standby.yaml"


@pytest.fixture(scope="module")
def traffic():
    done = run_cli("cost", SEED, "--sweep", "workload.requests_per_s=10,50,200", "--json",
                   "--trials", "300", "--seed", "3")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_sweep_names_its_field_values_and_seed(traffic):
    assert traffic["scenario"] == "seed-warm-standby"
    assert (traffic["trials"], traffic["seed"]) == (300, 3)
    assert traffic["sweep"]["field"] == "workload.requests_per_s"
    assert [r["value"] for r in traffic["sweep"]["rows"]] == [10, 50, 200]


def test_the_seed_own_value_gives_the_seed_own_bill(traffic):
    # An independent path: the unswept scenario, priced as drsim cost prices it.
    plain = cost_report(load_scenario(SEED), risk=False)
    row = traffic["sweep"]["rows"][1]
    assert row["monthly_usd"] == pytest.approx(plain["monthly_usd"], abs=1e-9)
    assert row["dr_monthly_usd"] == pytest.approx(plain["dr_monthly_usd"], abs=1e-9)
    assert row["unconfirmed_share"] == pytest.approx(plain["unconfirmed_share"], abs=1e-12)


def test_lost_writes_follow_the_traffic_exactly_and_downtime_not_at_all(traffic):
    # Every value is simulated with the same seed and the write rates are
    # requests x share x items, so each trial's lag is the same and its lost writes
    # scale with the requests: 200/s loses exactly 20 times what 10/s loses.
    # The JSON rounds to 6 decimals: half a unit of the last, scaled by the ratio.
    rows = traffic["sweep"]["rows"]
    base = rows[0]
    for r in rows[1:]:
        ratio = r["value"] / base["value"]
        assert r["expected_downtime_s"] == base["expected_downtime_s"]
        assert r["expected_lost_writes"] == pytest.approx(
            base["expected_lost_writes"] * ratio, abs=0.5e-6 * (1 + ratio))
    bills = [r["monthly_usd"] for r in rows]
    risks = [r["risk_annual_usd"] for r in rows]
    assert bills == sorted(bills) and len(set(bills)) == 3
    assert risks == sorted(risks) and len(set(risks)) == 3


def test_the_bill_grows_by_exactly_the_lines_that_follow_the_traffic():
    s = load_scenario(SEED)
    sweep = cost_sweep(s, "workload.requests_per_s", [50, 100], risk=False)
    lo, hi = (cost_report(load_scenario(SEED, [f"workload.requests_per_s={v}"]), risk=False)
              for v in (50, 100))
    assert [r["monthly_usd"] for r in sweep["rows"]] == pytest.approx(
        [lo["monthly_usd"], hi["monthly_usd"]], abs=1e-9)
    # Lines that do not follow the traffic (instances, gateways' hours) are unchanged.
    fixed = {(ln["service"], ln["region"], ln["item"]): ln["monthly_usd"] for ln in lo["lines"]}
    same = [ln for ln in hi["lines"]
            if fixed.get((ln["service"], ln["region"], ln["item"])) == ln["monthly_usd"]]
    assert any("db.r6g.large" in ln["item"] for ln in same)
    assert any("NAT gateway hour" in ln["item"] for ln in same)


def test_the_standby_size_sets_its_strategy_too():
    s = load_scenario(SEED)
    sweep = cost_sweep(s, "compute.standby_tasks", [0, 1], risk=False)
    pilot = cost_report(load_scenario(SEED, ["compute.standby_tasks=0", "strategy=pilot_light"]),
                        risk=False)
    assert sweep["rows"][0]["monthly_usd"] == pytest.approx(pilot["monthly_usd"], abs=1e-9)
    assert sweep["rows"][1]["monthly_usd"] > sweep["rows"][0]["monthly_usd"]


def test_the_text_is_one_row_per_value():
    done = run_cli("cost", SEED, "--sweep", "workload.requests_per_s=[10, 50]", "--no-risk")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("seed-warm-standby: the bill and the cost of risk as "
                               "workload.requests_per_s varies (priced only: --no-risk)")
    assert lines[1].split()[:3] == ["workload.requests_per_s", "bill", "[USD/mo]"]
    assert [ln.split()[0] for ln in lines[3:]] == ["10.0", "50.0"]
    assert "1,212.96" in lines[4]


@pytest.mark.parametrize("args, expected", [
    (["--sweep", "workload.requests_per_s"],
     "--sweep: 'workload.requests_per_s' is not PATH=V1,V2,..."),
    (["--sweep", "workload.requests_per_s=10,,50"], "is not PATH=V1,V2,..."),
    (["--sweep", "=10,50"], "is not PATH=V1,V2,..."),
    (["--sweep", "workload.request_per_s=10,50"],
     "--sweep workload.request_per_s: workload has no field 'request_per_s'"),
    (["--sweep", "workload.requests_per_s=10,-5"],
     "--sweep workload.requests_per_s=-5:"),
    (["--sweep", "workload.requests_per_s=[10, 50"], "is not a list of YAML values"),
    (["--sweep", "workload.requests_per_s=10,50", "--explain"],
     "--sweep and --explain: give one"),
])
def test_bad_sweeps_are_one_clear_line_and_exit_2(args, expected):
    done = run_cli("cost", SEED, "--no-risk", *args)
    assert done.returncode == 2, done.stdout
    assert done.stdout == "" and "Traceback" not in done.stderr
    assert expected in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
