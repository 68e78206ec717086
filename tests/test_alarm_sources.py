"""Alarm sources (issue 11, item 5): an alarm fires only for faults that change what it
watches; validation warns where it cannot, and the simulation counts P(never detected).

Expectations are written out here by hand (which source is blind to which fault, the
alarm's closed form), not read from the engine's own table.
"""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest
from scipy import stats

import drsim
from drsim.scenario import scenario_from_dict
from drsim.scenario.alarm_sources import ALARM_SIGHT, ALARM_SOURCES, health_check_sees
from drsim.scenario.checks import find_warnings
from drsim.scenario.model import FAILURE_MODES
from drsim.sim import TrialPlan, simulate, trial_rng
from drsim.sim.faults import check_behaviour
from tests.conftest import BUNDLED, minimal, run_cli

KS_P = 1e-3  # reject a shape only on strong evidence; seeds are fixed, so no flakiness

# Which (source, fault) pairs the alarm cannot see, with the defaults
# (treat_missing_data: not_breaching; a brownout that fails some checks). The health
# URL is blind to a lost database only behind a shallow health path.
BLIND_ALWAYS = {
    ("alb_5xx", "region_outage"), ("alb_5xx", "partition"),
    ("db_writes", "region_outage"), ("db_writes", "partition"), ("db_writes", "app_crash"),
    ("db_writes", "app_hang"), ("db_writes", "brownout"),
    *(("none", mode) for mode in FAILURE_MODES),
}


def alarm_blind(source: str, mode: str, checks_database: bool) -> bool:
    if source == "health_url" and mode == "db_primary_loss":
        return not checks_database
    return (source, mode) in BLIND_ALWAYS


def scenario(**sections):
    """One checker on a crashed app (detection uniform on [60, 90] s), TTL 0, an alarm
    that sees it after U(0, 60) + 60 s (fixed delay 60, 1 of 1)."""
    base = dict(
        failure={"mode": "app_crash"},
        health_check={"interval_s": 30, "failure_threshold": 3, "checkers": 1,
                      "healthy_fraction": 0.0},
        alarm={"period_s": 60, "evaluation_periods": 1, "datapoints_to_alarm": 1,
               "metric_delay_s": 60},
        dns={"ttl_s": 0, "ttl_violation_fraction": 0, "stuck_fraction": 0, "clients": 1000},
    )
    for key, value in sections.items():
        base[key] = {**base.get(key, {}), **value} if isinstance(value, dict) else value
    return scenario_from_dict(minimal(**base))


# --- the table ---------------------------------------------------------------------------


def test_the_table_has_every_source_and_every_fault_mode():
    assert set(ALARM_SIGHT) == set(ALARM_SOURCES)
    for source, row in ALARM_SIGHT.items():
        assert set(row) == set(FAILURE_MODES), source
        assert all(why for _, why in row.values()), source


@pytest.mark.parametrize("source", [s for s in ALARM_SOURCES if s != "none"])
def test_every_source_but_none_is_changed_by_some_fault(source):
    seen = [mode for mode in FAILURE_MODES
            if not alarm_blind(source, mode, checks_database=False)]
    assert seen, f"{source}: no fault changes it"
    for mode in seen:
        s = scenario(failure={"mode": mode}, alarm={"source": source})
        assert TrialPlan(s).alarm_sight.fires


@pytest.mark.parametrize("mode, checks_database, fraction", list(itertools.product(
    FAILURE_MODES, (False, True), (0.0, 0.5))))
def test_the_validator_and_the_engine_agree_on_what_fails_a_health_check(
        mode, checks_database, fraction):
    s = scenario(failure={"mode": mode, "brownout_failure_fraction": fraction},
                 health_check={"checks_database": checks_database})
    assert health_check_sees(s) == (check_behaviour(s).p_fail > 0)


# --- the simulator -----------------------------------------------------------------------


@pytest.mark.parametrize("source, mode", [("db_writes", "app_crash"), ("alb_5xx", "region_outage"),
                                          ("health_url", "db_primary_loss"), ("none", "app_hang")])
def test_an_alarm_that_cannot_see_the_fault_never_fires(source, mode):
    s = scenario(failure={"mode": mode}, alarm={"source": source})
    t = simulate(s, trials=300, seed=21).trials
    assert np.isinf(t["alarm_s"]).all()


def test_a_blind_alarm_makes_the_same_draws_in_the_same_order():
    # Common random numbers: every trial draws as much whether or not its alarm fires,
    # so everything the alarm does not touch is the same, and so is the next draw.
    seeing, blind = (scenario(alarm={"source": src}) for src in ("alb_5xx", "db_writes"))
    for i in range(50):
        rows = []
        for s in (seeing, blind):
            rng = trial_rng(3, i)
            rows.append((TrialPlan(s).run(rng), rng.random()))
        (a, next_a), (b, next_b) = rows
        assert next_a == next_b
        assert math.isfinite(a["alarm_s"]) and math.isinf(b["alarm_s"])
        for col in ("health_detect_s", "decided_s", "rto_s", "probe_rto_s", "dns_switched_s"):
            assert a[col] == b[col], col


def test_p_never_detected_is_one_for_a_shallow_check_and_a_health_url_alarm_on_a_lost_database():
    s = drsim.load_scenario("seed-warm-standby", ["failure.mode=db_primary_loss"])
    assert not s.health_check.checks_database and s.alarm.source == "health_url"
    r = simulate(s, trials=400, seed=3)
    assert r.summary.p_never_detected == 1.0
    assert np.isinf(r.trials["detect_s"]).all() and math.isinf(r.summary.rto_s.p50)
    assert r.summary.p_rto_met == 0.0


def test_p_never_detected_is_zero_where_the_health_check_always_fails():
    # A deep health path fails every check once the database is gone; so does a crash.
    deep = drsim.load_scenario("seed-warm-standby", ["failure.mode=db_primary_loss",
                                                     "health_check.checks_database=true",
                                                     "alarm.source=none",
                                                     "decision.trigger=health_check"])
    crash = scenario(alarm={"source": "none"})
    for s in (deep, crash):
        assert simulate(s, trials=400, seed=4).summary.p_never_detected == 0.0


def test_an_alarm_on_the_load_balancer_sees_a_lost_database_that_the_health_url_misses():
    s = drsim.load_scenario("seed-warm-standby", ["failure.mode=db_primary_loss",
                                                  "alarm.source=alb_5xx"])
    r = simulate(s, trials=300, seed=5)
    assert r.summary.p_never_detected == 0.0 and np.isfinite(r.trials["alarm_s"]).all()
    assert detection_warnings(s) == []


@pytest.mark.parametrize("source, mode", [("alb_5xx", "app_crash"), ("db_writes", "db_primary_loss"),
                                          ("health_url", "app_hang")])
def test_where_the_alarm_fires_it_keeps_its_closed_form(source, mode):
    # Fixed delay 60 s, 1 of 1, evaluated each minute: the alarm is uniform on [60, 120].
    s = scenario(failure={"mode": mode}, alarm={"source": source},
                 health_check={"checks_database": True})
    x = simulate(s, trials=4000, seed=22).trials["alarm_s"].to_numpy()
    assert x.min() >= 60 and x.max() <= 120
    assert abs(x.mean() - 90) <= 4 * (60 / math.sqrt(12)) / math.sqrt(len(x))
    assert stats.kstest(x, stats.uniform(60, 60).cdf).pvalue > KS_P


@pytest.mark.parametrize("mode", ["region_outage", "partition"])
def test_an_alarm_on_a_silenced_metric_fires_one_period_later_only_if_missing_data_breaches(mode):
    # The fault's own period still has datapoints from before the fault (no errors), so
    # the first breaching (missing) datapoint is the next one: uniform on [120, 180].
    s = scenario(failure={"mode": mode},
                 alarm={"source": "alb_5xx", "treat_missing_data": "breaching"})
    x = simulate(s, trials=4000, seed=23).trials["alarm_s"].to_numpy()
    assert x.min() >= 120 and x.max() <= 180
    assert abs(x.mean() - 150) <= 4 * (60 / math.sqrt(12)) / math.sqrt(len(x))
    assert stats.kstest(x, stats.uniform(120, 60).cdf).pvalue > KS_P
    for missing in ("not_breaching", "ignore", "missing"):
        quiet = scenario(failure={"mode": mode},
                         alarm={"source": "alb_5xx", "treat_missing_data": missing})
        assert np.isinf(simulate(quiet, trials=50, seed=23).trials["alarm_s"]).all()


@pytest.mark.parametrize("m", [1, 2])
def test_a_canary_in_a_brownout_breaches_by_chance_and_the_alarm_waits_for_m_in_a_row(m):
    # One canary run per 60 s period fails with p = 0.4; an M-of-M alarm goes off at the
    # end of the K-th period, K the first to close M failed runs in a row (geometric for
    # M = 1). With a fixed 60 s delay seen at the next evaluation,
    # alarm_s = U(0, 60) + (K - 1) 60 + 60, so K = floor(alarm_s / 60). The waiting time
    # for r successes in a row (Feller): E = (1 - p^r) / (q p^r),
    # Var = (1 - (2r + 1) q p^r - p^(2r + 1)) / (q^2 p^(2r)).
    p, q = 0.4, 0.6
    s = scenario(failure={"mode": "brownout", "brownout_failure_fraction": p},
                 alarm={"evaluation_periods": m, "datapoints_to_alarm": m})
    x = simulate(s, trials=4000, seed=24).trials["alarm_s"].to_numpy()
    k = np.floor(x / 60)
    mean = (1 - p**m) / (q * p**m)
    var = (1 - (2 * m + 1) * q * p**m - p**(2 * m + 1)) / (q**2 * p**(2 * m))
    assert k.min() >= m
    assert abs(k.mean() - mean) <= 4 * math.sqrt(var / len(k))
    assert abs((k == m).mean() - p**m) <= 4 * math.sqrt(p**m * (1 - p**m) / len(k))


def test_the_brownout_canarys_draws_leave_the_trials_own_draws_where_they_were():
    # The breaches come from a stream of their own: _draw takes as many values from the
    # trial's generator whichever source sees the brownout.
    canary, lb = (TrialPlan(scenario(failure={"mode": "brownout"}, alarm={"source": src}))
                  for src in ("health_url", "alb_5xx"))
    assert canary.alarm_sight.breach_probability == 0.5  # brownout_failure_fraction
    assert lb.alarm_sight.breach_probability == 1.0
    for i in range(20):
        after = []
        for plan in (canary, lb):
            rng = trial_rng(9, i)
            plan._draw(rng)
            after.append(rng.random())
        assert after[0] == after[1]


def test_a_manual_decision_with_a_blind_alarm_never_decides():
    s = scenario(failure={"mode": "app_crash"}, alarm={"source": "db_writes"},
                 decision={"mode": "manual"})
    r = simulate(s, trials=100, seed=6)
    assert np.isinf(r.trials["decided_s"]).all()
    # The health check still sees the crash: detected, but nobody decides.
    assert r.summary.p_never_detected == 0.0
    assert math.isinf(r.summary.phases["decide_s"].p50)


# --- warnings: exactly the blind combinations, over every bundled scenario ---------------


def _variants():
    for path, mode, source in itertools.product(BUNDLED, FAILURE_MODES, ALARM_SOURCES):
        yield pytest.param(path, mode, source, id=f"{path.stem}-{mode}-{source}")


@pytest.mark.parametrize("path, mode, source", list(_variants()))
def test_warnings_name_exactly_the_blind_combinations(path, mode, source):
    overrides = [f"failure.mode={mode}", f"alarm.source={source}"]
    base = drsim.load_scenario(path)
    d = base.decision
    waits_for_alarm = d.mode == "manual" or d.trigger == "alarm"
    if source == "none" and waits_for_alarm:
        with pytest.raises(drsim.ScenarioError, match="alarm.source: 'none' is an alarm no fault "
                                                      "can change.*allowed: health_url"):
            drsim.load_scenario(path, overrides)
        return
    s = drsim.load_scenario(path, overrides)
    blind = alarm_blind(source, mode, s.health_check.checks_database)
    check_blind = mode == "db_primary_loss" and not s.health_check.checks_database or (
        mode == "brownout" and s.failure.brownout_failure_fraction == 0)
    paths = [".".join(p) for p, _ in find_warnings(s) if p[0] != "security"]
    expected = (["alarm.source"] if blind and source != "none" else []) + (
        ["failure.mode"] if blind and check_blind else [])
    assert paths == expected
    if blind:  # and the simulator agrees: the alarm never fires
        plan = TrialPlan(s)
        assert all(math.isinf(plan.run(trial_rng(1, i))["alarm_s"]) for i in range(3))


def test_the_bundled_scenarios_as_shipped_have_no_detection_warnings():
    for path in BUNDLED:
        assert detection_warnings(drsim.load_scenario(path)) == [], path.name


def test_the_bundled_aws_scenarios_warn_that_they_serve_plain_http():
    """None ships a certificate (an ACM ARN belongs to one account), so each says that
    infra/ would serve it over plain HTTP; the local lab has no listener to warn about."""
    for path in BUNDLED:
        s = drsim.load_scenario(path)
        security = [w for w in s.warnings() if w.startswith("security.")]
        if s.platform == "aws":
            assert len(security) == 1 and "plain-HTTP listeners" in security[0], path.name
        else:
            assert security == [], path.name


def detection_warnings(s) -> list[str]:
    """The warnings about what detects the fault (not the AWS stack's plain HTTP)."""
    return [w for w in s.warnings() if not w.startswith("security.")]


# --- the command line --------------------------------------------------------------------


def test_validate_prints_the_warning_and_exits_0():
    r = run_cli("validate", "seed-warm-standby", "--set", "failure.mode=db_primary_loss")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("ok: seed-warm-standby")
    lines = r.stderr.splitlines()
    assert lines[0].startswith("warning: seed-warm-standby: alarm.source: health_url cannot "
                               "see db_primary_loss")
    assert lines[1].startswith("warning: seed-warm-standby: failure.mode: neither the alarm")
    assert "Traceback" not in r.stderr


def test_simulate_warns_on_stderr_and_keeps_the_json_clean():
    r = run_cli("simulate", "seed-warm-standby", "--trials", "50", "--json",
                "--set", "failure.mode=db_primary_loss")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["p_never_detected"] == 1.0
    assert "warning: seed-warm-standby: alarm.source:" in r.stderr


def test_explain_warns_as_simulate_does():
    r = run_cli("explain", "seed-warm-standby", "--trial", "0", "--trials", "10", "--json",
                "--set", "failure.mode=db_primary_loss")
    assert r.returncode == 0, r.stderr
    json.loads(r.stdout)  # the warning goes to stderr: the JSON stays whole
    assert "warning: seed-warm-standby: alarm.source: health_url cannot see" in r.stderr


# --- the summary: P(never detected) in the JSON, the text and the notebook view ----------


def test_p_never_detected_sits_before_the_objectives_in_the_json_text_and_html():
    from drsim.summary import Summary
    from tests.test_summary import old_dict

    d = old_dict()
    d = {**{k: v for k, v in d.items() if k != "objectives"}, "p_never_detected": 0.25,
         "objectives": d["objectives"]}
    s = Summary.from_dict(d)
    assert s.p_never_detected == 0.25
    assert json.dumps(s.as_dict()) == json.dumps(d)
    assert list(s.as_dict())[-2:] == ["p_never_detected", "objectives"]
    assert ("P(never detected) = 0.250   (neither the health check nor the alarm saw the "
            "fault)") in s.to_text().splitlines()
    assert ("<td>never detected (neither the health check nor the alarm saw the fault)</td>"
            "<td>0.250</td>") in s._repr_html_()
    # a summary from before it was counted has none: no key, no line
    old = Summary.from_dict(old_dict())
    assert old.p_never_detected is None and "p_never_detected" not in old.as_dict()
    assert "never detected" not in old.to_text() + old._repr_html_()


def _p_no_run(n: int, k: int, p: float) -> float:
    """P(no k consecutive successes in n Bernoulli(p) trials), by the length of the
    current run of successes."""
    state = [1.0] + [0.0] * (k - 1)  # state[j]: the last j trials succeeded, j < k
    for _ in range(n):
        nxt = [0.0] * k
        for j, q in enumerate(state):
            nxt[0] += q * (1 - p)
            if j + 1 < k:
                nxt[j + 1] += q * p
        state = nxt
    return sum(state)


def test_p_never_detected_is_the_chance_that_no_checker_streak_reaches_the_threshold():
    # One checker, every 10 s from a random phase, until a 100 s horizon: exactly 10
    # checks. A brownout fails each with p = 0.3; the checker flips (and the endpoint is
    # declared) at 3 failures in a row. The alarm watches failed writes, which a
    # brownout leaves alone, so P(never detected) = P(no run of 3 failures in 10 checks).
    s = scenario(failure={"mode": "brownout", "brownout_failure_fraction": 0.3},
                 health_check={"interval_s": 10, "failure_threshold": 3},
                 alarm={"source": "db_writes"})
    n = 4000
    r = simulate(s, trials=n, seed=8, horizon_s=100.0)
    expected = _p_no_run(10, 3, 0.3)
    assert 0.2 < expected < 0.9
    never = np.isinf(r.trials["health_detect_s"]) & np.isinf(r.trials["alarm_s"])
    assert r.summary.p_never_detected == never.mean()
    assert abs(r.summary.p_never_detected - expected) <= 4 * math.sqrt(
        expected * (1 - expected) / n)


def test_commands_that_simulate_leave_out_the_warnings_about_the_deployed_stack():
    """Plain HTTP changes no simulated or priced figure: validate says it, simulate does
    not (its warnings are about what the simulation shows)."""
    s = drsim.load_scenario("seed-warm-standby")
    assert s.warnings(deployment=False) == []
    assert [w for w in s.warnings() if w.startswith("security.")]
    r = run_cli("simulate", "seed-warm-standby", "--trials", "50")
    assert r.returncode == 0 and "warning" not in r.stderr, r.stderr
    r = run_cli("validate", "seed-warm-standby")
    assert "security.certificate_arns: empty" in r.stderr
