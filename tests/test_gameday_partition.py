"""A partition on a slow link loses the writes still in flight, and the accounting names
each of them: acknowledged by A shortly before the cut, missing from the promoted B."""


import pytest

from drsim.gameday.gamedays import local_gamedays
from drsim.gameday.local.run import Options
from drsim.scenario import load_scenario

from .conftest import SCENARIOS

pytestmark = [pytest.mark.postgres, pytest.mark.slow]  # skipped, saying how to install it, without PostgreSQL

LINK_LATENCY_S = 0.3  # at 50 writes/s about 15 acknowledged writes are on the wire at any time


def test_a_partition_loses_exactly_the_writes_in_flight():
    scenario = load_scenario(SCENARIOS / "local-lab.yaml")
    report = local_gamedays(scenario, fault="partition", runs=1, seed=5,
                            options=Options(link_latency_s=LINK_LATENCY_S, timeout_s=120.0))
    run = report.runs[0]
    w, rec = run.summary.writes, run.reconciliation
    assert run.summary.recovered
    assert w["acked"] == w["found"] + w["lost"] == len(run.acked)
    assert w["lost"] > 0  # asynchronous replication: the cut drops what was in flight
    lost = rec.lost_writes
    assert set(lost["region"]) == {"a"}  # B acknowledges only what it keeps
    # t = 0 is the injection call; the proxy stops forwarding a moment later (it reads
    # the command from a pipe: milliseconds on a busy machine), first the link, then A's
    # front door, and stamps each moment itself. A write A acknowledges in between is
    # lost all the same: its WAL cannot cross any more.
    cut_s = run.injection.cut_s("front_a")
    assert 0 <= run.injection.cut_s("link") <= cut_s
    # A was unreachable after the cut: every write A acknowledged, the lost ones among them,
    # was sent before it. (An acknowledgement's own time is when the client read the reply;
    # a busy machine can deschedule the client between the proxy's forwarding and that read,
    # so it can fall a moment after the cut: seen 0.4 ms after it with a core kept busy.)
    j = run.journal
    sent_s = j["t_start"] - run.injection.fault_mono
    acked_by_a = (j["op"] == "write") & (j["status"] == 200) & (j["region"] == "a")
    assert acked_by_a.any() and (sent_s[acked_by_a] < cut_s).all()
    lost_sent_s = lost.merge(j[j["op"] == "write"].assign(sent_s=sent_s),
                             on=["client", "seq"], how="left")["sent_s"]
    assert len(lost_sent_s) == len(lost) and (lost_sent_s < cut_s).all()
    # The accounting splits the losses at t = 0: those after it are the ones
    # acknowledged in the moment between the injection call and the cut.
    assert w["lost_before_fault"] == int((lost["t_s"] < 0).sum())
    assert w["lost_after_fault"] == int((lost["t_s"] >= 0).sum())
    assert run.summary.rpo_s == pytest.approx(-lost["t_s"].min())
    # Each lost write is in the timeline, at its acknowledgement, named by client and seq.
    tl = run.timeline[run.timeline["event"] == "write_lost"]
    assert len(tl) == w["lost"]
    assert sorted(tl["t_s"].round(6)) == sorted(lost["t_s"].round(6))
    keys = {(int(c), int(s)) for c, s in zip(lost["client"], lost["seq"])}
    named = {tuple(int(x) for x in d.split()[1:4:2]) for d in tl["detail"]}
    assert named == keys
