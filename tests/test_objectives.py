"""Objectives with a confidence and per-datastore RPO objectives, against closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

from drsim import load_scenario, simulate
from tests.conftest import run_cli

N = 10_000


def lognormal_cdf(lag, x: float) -> float:
    """P(lag <= x) of a lognormal given by its p50 and p95, from the normal CDF."""
    sigma = math.log(lag.p95 / lag.p50) / 1.6448536269514722
    return 0.5 * (1 + math.erf(math.log(x / lag.p50) / (sigma * math.sqrt(2))))


def se(p: float, n: int = N) -> float:
    return math.sqrt(p * (1 - p) / n)


@pytest.fixture(scope="module")
def runs():
    base = load_scenario("seed-warm-standby")
    own = base.with_overrides(["datastores.assets.rpo_objective_s=900"])
    return (simulate(base, trials=N, seed=5), simulate(own, trials=N, seed=5))


def test_an_assets_objective_of_900_s_is_met_as_often_as_the_lag_is_below_it(runs):
    base, own = runs
    assets = next(d for d in load_scenario("seed-warm-standby").datastores if d.name == "assets")
    lag = assets.replication_lag_s
    expect = lognormal_cdf(lag, 900.0)  # 0.95: 900 s is the given p95 of the lognormal
    assert expect == pytest.approx(0.95, abs=1e-9)
    got = own.summary.p_rpo_met_by_datastore["assets"]
    assert abs(got - expect) <= 4 * se(expect), (got, expect)
    # the other datastores keep objectives.rpo_s, and the same draws: the same counts
    for name in ("orders_db", "sessions"):
        assert own.summary.p_rpo_met_by_datastore[name] == base.summary.p_rpo_met_by_datastore[name]
    assert base.summary.p_rpo_met_by_datastore["assets"] == pytest.approx(
        lognormal_cdf(lag, 60.0), abs=4 * se(lognormal_cdf(lag, 60.0)))


def test_every_datastore_counts_against_its_own_objective_in_p_rpo_met(runs):
    _, own = runs
    t = own.trials
    within = ((t["rpo_s.orders_db"] <= 60) & (t["rpo_s.sessions"] <= 60)
              & (t["rpo_s.assets"] <= 900))
    assert own.summary.p_rpo_met == pytest.approx(within.mean(), abs=1e-12)
    assert own.summary.objectives.rpo_of("assets") == 900
    assert own.summary.objectives.rpo_of("orders_db") == 60


def test_meets_objectives_follows_the_confidence(runs):
    _, own = runs
    s = own.summary
    lowest = min(s.p_rto_met, *s.p_rpo_met_by_datastore.values())
    assert s.meets_objectives is (lowest >= s.objectives.confidence)
    eased = simulate(load_scenario("seed-warm-standby", [
        "datastores.assets.rpo_objective_s=900", f"objectives.confidence={max(lowest, 1e-3)}"]),
        trials=N, seed=5)
    assert eased.summary.meets_objectives


@pytest.mark.parametrize("override, words", [
    ("objectives.confidence=0", ["objectives.confidence", "0 is out of range; must be > 0"]),
    ("objectives.confidence=1.5", ["objectives.confidence", "must be <= 1"]),
    ("datastores.assets.rpo_objective_s=-1", ["datastores.assets.rpo_objective_s",
                                              "must be >= 0"]),
])
def test_bad_objectives_exit_2(override, words, tmp_path):
    r = run_cli("simulate", "seed-warm-standby", "--trials", "10", "--set", override, cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    for w in words:
        assert w in r.stderr, r.stderr


def test_json_states_confidence_and_each_objective(tmp_path):
    import json

    r = run_cli("simulate", "seed-warm-standby", "--trials", "200", "--json", "--set",
                "datastores.assets.rpo_objective_s=900", cwd=tmp_path)
    d = json.loads(r.stdout)
    assert d["objectives"]["confidence"] == 0.9
    assert d["objectives"]["rpo_by_datastore_s"] == {"orders_db": 60, "sessions": 60,
                                                     "assets": 900}
    assert isinstance(d["meets_objectives"], bool)
    assert np.isclose(d["p_rpo_met_by_datastore"]["assets"], 0.95, atol=0.1)
