"""drsim.rules: the rules the simulator and the real stacks share, checked directly."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import drsim
from drsim import rules
from drsim.rules import (
    DELAY_TERMS,
    PHASES,
    PHASES_WITH_RECOVERY,
    SHARE_EPS,
    endpoint_healthy,
    exact_summary,
    phase_durations,
    retry_wait_s,
    smallest_count,
)
from drsim.timeline import Event, phases, to_frame
from tests.conftest import SCENARIOS


def test_the_18_percent_rule_is_healthy_only_above_the_fraction():
    # 15 checkers at 18 %: 2.7 checkers; 3 still healthy keep the endpoint healthy.
    assert endpoint_healthy(3, 15, 0.18) and not endpoint_healthy(2, 15, 0.18)
    # Exactly at the fraction is unhealthy, whatever the rounding of 0.2 * 10 or 0.3 * 10.
    assert not endpoint_healthy(2, 10, 0.2) and endpoint_healthy(3, 10, 0.2)
    assert not endpoint_healthy(3, 10, 0.3)
    assert not endpoint_healthy(0, 1, 0.0) and endpoint_healthy(1, 1, 0.0)
    assert not endpoint_healthy(5, 5, 1.0)


@pytest.mark.parametrize("total", [1, 2, 3, 7, 10, 15, 99, 100, 101, 997, 1000])
def test_smallest_count_is_the_fewest_whose_share_reaches(total):
    shares = [0.0, 0.18, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0, *(k / total for k in range(total + 1))]
    for share in shares:
        brute = next(k for k in range(total + 1) if k / total >= share - SHARE_EPS)
        assert smallest_count(share, total) == brute, (share, total)
    assert smallest_count(0.99, 100) == 99 and smallest_count(0.99, 1000) == 990


def test_retry_waits_back_off_as_step_functions_retries():
    step = SimpleNamespace(retry_interval_s=1.5, backoff_rate=2.0)
    assert [retry_wait_s(step, k) for k in (1, 2, 3, 4)] == [1.5, 3.0, 6.0, 12.0]
    flat = SimpleNamespace(retry_interval_s=5.0, backoff_rate=1.0)
    assert [retry_wait_s(flat, k) for k in (1, 2, 3)] == [5.0, 5.0, 5.0]


def test_phases_run_from_the_fault_to_recovery():
    p = phase_durations(detected_s=90.0, decided_s=95.0, runbook_end_s=400.0,
                        recovered_s=700.0, first_success_s=420.0)
    assert tuple(p) == PHASES_WITH_RECOVERY == (*PHASES, "first_success_s", "rto_s")
    assert p == {"detect_s": 90.0, "alarm_lag_s": 0.0, "decide_s": 5.0, "recover_s": 305.0,
                 "cutover_s": 300.0, "first_success_s": 420.0, "rto_s": 700.0}
    assert sum(p[c] for c in PHASES) == p["rto_s"]


def test_the_alarm_lag_is_its_own_phase_between_detection_and_decision():
    # The health check declares at 90 s, the alarm that pages people comes at 166 s,
    # they decide at 1,000 s: 76 s of alarm lag, 834 s of deciding.
    p = phase_durations(detected_s=90.0, signalled_s=166.0, decided_s=1000.0,
                        runbook_end_s=1400.0, recovered_s=1500.0, first_success_s=1450.0)
    assert (p["detect_s"], p["alarm_lag_s"], p["decide_s"]) == (90.0, 76.0, 834.0)
    assert sum(p[c] for c in PHASES) == p["rto_s"]
    # An automatic failover on the alarm: the lag is the alarm's, nobody decides.
    auto = phase_durations(detected_s=90.0, signalled_s=166.0, decided_s=166.0,
                           runbook_end_s=400.0, recovered_s=500.0, first_success_s=450.0)
    assert (auto["alarm_lag_s"], auto["decide_s"]) == (76.0, 0.0)
    never = phase_durations(detected_s=math.inf, signalled_s=math.inf, decided_s=math.inf,
                            runbook_end_s=math.inf, recovered_s=math.inf,
                            first_success_s=math.inf)
    # A phase that never started never ends (an alarm blind to the fault leaves the
    # decision and the runbook at inf): inf, not inf - inf = NaN, which no summary takes.
    assert never["alarm_lag_s"] == 0.0
    assert never["decide_s"] == math.inf and never["recover_s"] == math.inf
    # A timeline that lacks the events still gives NaN.
    missing = phase_durations(detected_s=math.nan, signalled_s=math.nan, decided_s=math.nan,
                              runbook_end_s=math.nan, recovered_s=math.nan,
                              first_success_s=math.nan)
    assert math.isnan(missing["decide_s"]) and math.isnan(missing["recover_s"])


def test_cutover_is_never_negative_and_counts_from_the_later_of_runbook_and_decision():
    # DNS moved every client before the runbook ended.
    early = phase_durations(detected_s=30.0, decided_s=30.0, runbook_end_s=200.0,
                            recovered_s=120.0, first_success_s=60.0)
    assert early["cutover_s"] == 0.0
    # No runbook steps: the runbook "ends" at the decision.
    none = phase_durations(detected_s=30.0, decided_s=40.0, runbook_end_s=40.0,
                           recovered_s=100.0, first_success_s=50.0)
    assert none["recover_s"] == 0.0 and none["cutover_s"] == 60.0


def test_a_moment_that_never_came_stays_inf_or_nan():
    never = phase_durations(detected_s=30.0, decided_s=40.0, runbook_end_s=math.inf,
                            recovered_s=math.inf, first_success_s=math.inf)
    assert never["recover_s"] == never["cutover_s"] == never["rto_s"] == math.inf
    missing = phase_durations(detected_s=30.0, decided_s=math.nan, runbook_end_s=math.nan,
                              recovered_s=math.nan, first_success_s=math.nan)
    assert missing["detect_s"] == 30.0
    assert all(math.isnan(missing[c]) for c in ("decide_s", "recover_s", "cutover_s", "rto_s"))
    # Recovered although the runbook never ended (DNS flipped by the health check).
    dns_only = phase_durations(detected_s=30.0, decided_s=40.0, runbook_end_s=math.inf,
                               recovered_s=200.0, first_success_s=100.0)
    assert dns_only["cutover_s"] == 0.0


def test_the_cutover_keeps_the_simulators_float_operations():
    # The order of operations is part of the byte-identical output: check it on values
    # where a reordering would round differently.
    rng = np.random.default_rng(11)
    for _ in range(2000):
        det, dec, end, rec = np.sort(rng.uniform(0, 1000, 4) * rng.uniform(0.1, 10))
        end, rec = (end, rec) if rng.random() < 0.5 else (rec, end)
        p = phase_durations(detected_s=float(det), decided_s=float(dec), runbook_end_s=float(end),
                            recovered_s=float(rec), first_success_s=0.0)
        assert p["cutover_s"] == max(float(rec) - max(float(end), float(dec)), 0.0)
        assert p["decide_s"] == float(dec) - float(det) and p["recover_s"] == float(end) - float(dec)


@pytest.mark.parametrize("name", ["seed-warm-standby", "pilot-light", "warm-standby"])
def test_the_timeline_and_the_simulators_trials_give_identical_phases(name):
    # Automatic on the alarm, manual (people paged by the alarm), automatic on the
    # health check: the signal the decision acted on is read the same way from both.
    scenario = drsim.load_scenario(SCENARIOS / f"{name}.yaml")
    r = drsim.simulate(scenario, trials=40, seed=3, timeline_trials=range(40))
    assert tuple(r.summary.phases) == (*PHASES, *DELAY_TERMS)
    ph = phases(r.timeline).set_index("run_id")
    for i in range(40):
        p = ph.loc[f"{scenario.name}/seed-3/trial-{i}"]
        row = r.trials.loc[i]
        for col in PHASES_WITH_RECOVERY:
            assert p[col] == row[col] or (math.isinf(p[col]) and math.isinf(row[col])), (i, col)


def test_timeline_phases_of_a_run_missing_events_are_nan():
    tl = to_frame([Event("r", "local", 0.0, "fault_injected"),
                   Event("r", "local", 12.5, "unhealthy_declared")])
    p = phases(tl).iloc[0]
    assert list(phases(tl).columns) == ["run_id", "source", *PHASES_WITH_RECOVERY, "probe_rto_s"]
    assert p["detect_s"] == 12.5
    assert all(pd.isna(p[c]) for c in ("decide_s", "recover_s", "cutover_s", "rto_s"))


def test_exact_summary_of_a_small_sample():
    s = exact_summary([1.0, 2.0, 3.0, 4.0])
    assert s == {"mean": 2.5, "p50": 2.5, "p90": 3.7, "p95": pytest.approx(3.85),
                 "p99": pytest.approx(3.97), "max": 4.0}
    assert list(s) == ["mean", *rules.QUANTILES, "max"]
    never = exact_summary([10.0, math.inf])
    assert never["mean"] == never["p99"] == never["max"] == math.inf and never["p50"] == math.inf
    assert exact_summary([10.0, 20.0, 30.0, math.inf])["p50"] == 25.0
    assert all(math.isnan(v) for v in exact_summary([]).values())
    with pytest.raises(ValueError):
        exact_summary([1.0, -1.0])
    with pytest.raises(ValueError):
        exact_summary([math.nan])
