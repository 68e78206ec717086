"""Fencing on the local stack: in a brownout the old primary keeps acknowledging writes
after B's promotion, and they are lost; fencing A (a fast shutdown of its database, by
its PID) bounds that loss by how long A stayed unfenced after the promotion.

The bounds are derived from the run's own records (the moments the timeline stamps, the
journals), never from a fixed sleep: A commits nothing once its postmaster has exited
(``primary_fenced``), B took A's WAL until its promotion began (``step_started`` of
``promote_database``), and a write is acknowledged only after it was sent.
"""

import math
import threading
import time

import numpy as np
import pytest

from drsim.gameday.gamedays import local_gamedays
from drsim.gameday.local.orchestrator import Orchestrator
from drsim.gameday.local.recorder import Recorder
from drsim.gameday.local.run import Options
from drsim.scenario import load_scenario

from .conftest import SCENARIOS

# With 3 checkers and the 18 % rule all three must say unhealthy at once, each after 3
# failed checks in a row: at 0.8 a run of three comes with probability 0.51 per check and
# a checker turns healthy again after 3 successes in a row (probability 0.008), so the
# checkers declare in about 2-4 s; at 0.5 (the default) they take tens of seconds, at
# 0.7 about 15 s on a loaded machine. A still acknowledges 20 % of the writes it gets.
BROWNOUT = {"failure.brownout_failure_fraction": 0.8}
FENCED = {**BROWNOUT, "runbook.promote_database.fences_primary": True}
OPTIONS = Options(timeout_s=40.0)  # a cap for a loaded machine; each run ends at recovery


def _brownout(overrides: dict, seed: int):
    scenario = load_scenario(SCENARIOS / "local-lab.yaml", overrides)
    report = local_gamedays(scenario, fault="brownout", runs=1, seed=seed, options=OPTIONS)
    return report.runs[0]


@pytest.fixture(scope="module")
def unfenced():
    return _brownout(BROWNOUT, seed=11)


@pytest.fixture(scope="module")
def fenced():
    return _brownout(FENCED, seed=11)


def first(tl, event, component=None):
    rows = tl[(tl["event"] == event) & ((tl["component"] == component) if component else True)]
    assert len(rows), f"no {event} {component or ''} in the timeline"
    return float(rows["t_s"].min())


def _acked_by_a(run):
    """A's acknowledged writes with the moment each was sent, seconds since the fault."""
    j = run.journal
    a = j[(j["op"] == "write") & (j["status"] == 200) & (j["region"] == "a")]
    return a.assign(sent_s=a["t_start"] - run.injection.fault_mono,
                    ack_s=a["t_end"] - run.injection.fault_mono)


def _lost_sent_s(run):
    lost = run.reconciliation.lost_writes
    sent = _acked_by_a(run)[["client", "seq", "sent_s"]]
    out = lost.merge(sent, on=["client", "seq"], how="left")["sent_s"]
    assert len(out) == len(lost) and out.notna().all()
    return out


@pytest.mark.postgres
@pytest.mark.slow
def test_unfenced_a_keeps_acknowledging_after_the_promotion_and_those_writes_are_lost(unfenced):
    run = unfenced
    tl, s, w = run.timeline, run.summary, run.summary.writes
    assert s.recovered and "primary_fenced" not in set(tl["event"]) and math.isnan(s.fenced_s)
    assert w["acked"] == w["found"] + w["lost"]
    # Nothing acknowledged before the fault is lost (A's database lives on, streaming);
    # everything lost is A's, acknowledged after it.
    assert w["lost"] > 0 and w["lost_before_fault"] == 0 and w["lost"] == w["lost_after_fault"]
    assert set(run.reconciliation.lost_writes["region"]) == {"a"}
    # Once pg_promote has answered, B is on its own timeline: every write A acknowledged
    # that was sent after that is missing from B. Clients still holding A's address (up to
    # a TTL after the DNS flip) keep sending them.
    promoted = first(tl, "step_finished", "promote_database")
    late = _acked_by_a(run)
    late = late[late["sent_s"] >= promoted]
    lost = {(int(c), int(q)) for c, q in zip(run.reconciliation.lost_writes["client"],
                                              run.reconciliation.lost_writes["seq"])}
    assert len(late) > 0
    assert {(int(c), int(q)) for c, q in zip(late["client"], late["seq"])} <= lost


@pytest.mark.postgres
@pytest.mark.slow
def test_a_fence_at_the_promotion_bounds_the_lost_writes(fenced):
    run = fenced
    tl, s, w = run.timeline, run.summary, run.summary.writes
    assert s.recovered and w["acked"] == w["found"] + w["lost"] and w["lost_before_fault"] == 0
    t_fenced = first(tl, "primary_fenced", "lab-a")
    assert s.fenced_s == t_fenced
    started = first(tl, "step_started", "promote_database")
    # fences_primary: the fence comes once the promotion has finished, inside the step.
    assert first(tl, "database_writable") <= t_fenced <= first(tl, "step_finished",
                                                                "promote_database")
    # A commits nothing once its postmaster has exited, and a write is acknowledged only
    # after it was sent: A acknowledged no write sent after the fence, and every lost
    # write was sent before it.
    by_a = _acked_by_a(run)
    assert (by_a["sent_s"] < t_fenced).all()
    assert (_lost_sent_s(run) < t_fenced).all()
    # The loss is bounded by A's acknowledged write rate times the time A stayed unfenced
    # after B stopped taking its WAL (the promotion's start, less the replication lag the
    # run measured). The rate is measured on this run from the fault to the promotion,
    # when every client still went to A (it only falls afterwards, as clients move to B).
    # n0 acknowledgements give the rate to within a few sqrt(n0); the count in a window
    # of mean lam is within a few sqrt(lam) of it: 3 standard errors each.
    n0 = int(((by_a["sent_s"] >= 0) & (by_a["sent_s"] < started)).sum())
    assert n0 > 0 and started > 0
    rate_hi = (n0 + 3 * math.sqrt(n0) + 1) / started  # [writes/s]
    window_s = t_fenced - started + s.replay_lag_s["max"]
    lam = rate_hi * window_s
    assert w["lost"] <= lam + 3 * math.sqrt(lam) + 1, (
        f"{w['lost']} lost with A fenced {window_s:.3f} s after the promotion began, "
        f"A acknowledging at most {rate_hi:.1f} writes/s")


def test_fences_primary_fences_once_the_promotion_has_finished_and_a_fence_step_fences():
    runbook = [
        {"name": "promote_database", "duration_s": 0.1, "fences_primary": True},
        {"name": "scale_standby", "duration_s": 0.1},
        {"name": "fence_again", "action": "fence_primary", "after": ["promote_database"],
         "duration_s": 0.05},
        {"name": "switch_traffic", "after": ["fence_again", "scale_standby"], "duration_s": 0},
    ]
    scenario = load_scenario(SCENARIOS / "local-lab.yaml", {"runbook": runbook})
    calls = []
    lock = threading.Lock()

    def act(name):
        def do():
            with lock:
                calls.append(name)
        return do

    rec = Recorder()
    orch = Orchestrator(scenario, {n: act(n) for n in ("promote_database", "scale_standby",
                                                       "switch_traffic", "fence_primary")},
                        rec, np.random.default_rng(0))
    rec.fault_mono = time.monotonic()
    orch.trigger()
    assert orch.done.wait(20)
    orch.stop()
    assert orch.failed == []
    mine = [c for c in calls if c != "scale_standby"]
    assert mine == ["promote_database", "fence_primary", "fence_primary", "switch_traffic"]
