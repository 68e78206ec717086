"""A crash game day end to end on the real local stack: timeline, write accounting, cleanup.

No assertion here depends on how fast this machine is (CI shares its cores);
the bounds used follow from the stack's structure (a checker needs
``failure_threshold`` checks ``interval_s`` apart) and from causality. The
comparison of measured and simulated RTO, which does depend on speed, runs
unless ``DRSIM_SKIP_TIMING_TESTS=1`` (for a loaded machine).
"""

import json
import math
import os

import pytest

from drsim.cli.common import to_json
from drsim.compare.gameday import beside_simulation, write_comparison
from drsim.gameday.gamedays import local_gamedays
from drsim.gameday.local.config import Options
from drsim.gameday.local.procs import listening_ports, pid_alive
from drsim.scenario import load_scenario
from drsim.timeline import read_timeline

from .conftest import SCENARIOS

pytestmark = [pytest.mark.postgres, pytest.mark.slow]  # skipped, saying how to install it, without PostgreSQL


@pytest.fixture(scope="module")
def crash(tmp_path_factory):
    scenario = load_scenario(SCENARIOS / "local-lab.yaml")
    out = tmp_path_factory.mktemp("gameday")
    # The run ends once the clients are served by B and the worker scale_standby launched is
    # healthy, or timeout_s after the fault: on a loaded 2-core machine detection, the
    # decision and a worker's start take longer than the 20 s default, and the record would
    # end before the worker's task_healthy. Waiting longer costs nothing on an idle one.
    gamedays = local_gamedays(scenario, fault="app_crash", runs=1, seed=3, out_dir=out,
                              options=Options(timeout_s=120.0))
    report = beside_simulation(gamedays, seed=3, trials=2000)
    write_comparison(report, out)
    return scenario, report, out


def first(tl, event, component=None):
    rows = tl[(tl["event"] == event) & ((tl["component"] == component) if component else True)]
    assert len(rows), f"no {event} {component or ''} in the timeline"
    return float(rows["t_s"].min())


def test_the_timeline_tells_the_failover_in_causal_order(crash):
    scenario, report, _ = crash
    tl = report.runs[0].timeline
    hc = scenario.health_check
    assert set(tl["source"]) == {"local"}
    assert tl.iloc[0]["event"] == "fault_injected" and tl.iloc[0]["t_s"] == 0.0
    assert "SIGKILL" in tl.iloc[0]["detail"]
    assert (tl["t_s"] >= 0).all()

    declared = first(tl, "unhealthy_declared")
    # Every checker must say unhealthy (3 checkers, healthy while MORE than 18 % say
    # healthy), each after failure_threshold failed checks interval_s apart.
    flips = tl[(tl["event"] == "checker_unhealthy") & (tl["t_s"] <= declared)]
    assert sorted(flips["component"]) == [f"checker-{i}" for i in range(hc.checkers)]
    if report.runs[0].summary.checks_failed_before_fault == 0:
        # (A check that timed out just before the fault on a busy machine would
        # start a streak early; then these bounds do not hold, and need not.)
        for name in flips["component"]:
            failed = tl[(tl["event"] == "check_failed") & (tl["component"] == name)
                        & (tl["t_s"] <= first(tl, "checker_unhealthy", name))]
            assert len(failed) >= hc.failure_threshold
        assert declared >= (hc.failure_threshold - 1) * hc.interval_s - 1e-6
    # A crashed service is refused or cut off by its front door (or, on a busy
    # machine, too slow to answer within timeout_s).
    reasons = set(tl.loc[tl["event"] == "check_failed", "detail"])
    assert reasons <= {"refused", "RemoteDisconnected", "ConnectionResetError", "timeout"}

    decided = first(tl, "failover_decided")
    assert decided >= declared
    assert first(tl, "dns_switched") >= declared
    for step in ("promote_database", "scale_standby"):
        assert first(tl, "step_started", step) >= decided
    promoted = first(tl, "step_finished", "promote_database")
    writable = first(tl, "database_writable")
    assert first(tl, "step_started", "promote_database") <= writable <= promoted
    assert first(tl, "step_started", "switch_traffic") >= max(
        promoted, first(tl, "step_finished", "scale_standby"))
    assert len(tl[tl["event"] == "task_healthy"]) == (scenario.compute.required_tasks
                                                      - scenario.compute.standby_tasks)
    success = first(tl, "first_success")
    # database_writable is the last moment B was seen still read-only (not pg_promote's
    # answer, which comes up to 100 ms later): no client's write can beat it.
    assert success >= writable
    assert success >= first(tl, "dns_switched")
    assert first(tl, "recovered") >= success
    assert "write_lost" not in set(tl["event"])


def test_the_summary_matches_the_timeline(crash):
    _, report, _ = crash
    run = report.runs[0]
    s, tl = run.summary, run.timeline
    assert s.recovered and s.database_promoted
    assert s.rto_s == pytest.approx(first(tl, "recovered"))
    assert s.detect_s == pytest.approx(first(tl, "unhealthy_declared"))
    assert s.first_success_s == pytest.approx(first(tl, "first_success"))
    assert s.probe_rto_s == pytest.approx(first(tl, "probe_recovered"))
    assert s.clients_served_by_b == s.clients == 20
    assert s.failed_steps == []


def test_every_acknowledged_write_is_accounted_for(crash):
    _, report, _ = crash
    run = report.runs[0]
    w = run.summary.writes
    acks_in_journal = run.journal[(run.journal["op"] == "write") & (run.journal["status"] == 200)]
    assert w["acked"] == len(run.acked) == len(acks_in_journal) > 0
    assert w["acked"] == w["found"] + w["lost"]
    # A crashed service leaves its database running: everything it acknowledged
    # reached the standby before the promotion, and no one acknowledged after.
    assert w["lost"] == 0 and run.summary.lost_writes == 0 and run.summary.rpo_s == 0
    assert set(run.acked["region"]) == {"a", "b"}


def test_the_run_released_every_process_port_and_directory(crash):
    _, report, _ = crash
    res = report.runs[0].resources
    assert len(res.pids) >= 8  # 2 postmasters, proxy, 3 + 2 workers, load generator
    assert not [p for p in res.pids if pid_alive(p)]
    assert not set(res.ports) & listening_ports()
    assert not set(res.udp_ports) & listening_ports(udp=True)
    assert not os.path.exists(res.run_dir)


def test_the_report_has_the_documented_json_shape(crash):
    _, report, out = crash
    data = json.loads(to_json(report.as_json()))
    assert set(data) >= {"runs", "measured", "simulated", "measured_rto_percentiles"}
    assert set(data["measured"]) >= {"rto_s", "probe_rto_s", "detect_s", "rpo_s", "lost_writes"}
    assert set(data["measured"]["rto_s"]) >= {"mean", "p50", "p90", "p95", "p99", "max"}
    assert set(data["measured"]["rpo_s"]) == {"lab_db"}
    assert set(data["simulated"]["rto_s"]) >= {"mean", "p50", "p90", "p95", "p99", "max"}
    assert len(data["measured_rto_percentiles"]) == len(data["measured_probe_rto_percentiles"]) == 1
    assert data["runs"][0]["probe_rto_s"] == data["measured"]["probe_rto_s"]["p50"]
    assert 0 <= data["measured_rto_percentiles"][0] <= 100
    assert [p["phase"] for p in data["phases"]][:5] == ["detect_s", "alarm_lag_s", "decide_s",
                                                         "recover_s", "cutover_s"]
    assert data["phases"][-1]["phase"] == "probe_rto_s"
    on_disk = json.loads((out / "report.json").read_text())
    assert on_disk["runs"][0]["run_id"] == data["runs"][0]["run_id"]
    tl = read_timeline(out / "run-0" / "timeline.csv")
    assert set(tl["source"]) == {"local"} and "recovered" in set(tl["event"])
    for name in ("journal.csv", "acked.csv", "probe.csv", "lost_writes.csv", "summary.json"):
        assert (out / "run-0" / name).is_file()


# The model against the measurement (issue 6 asks for it in CI, where the machine is
# idle); on a loaded laptop the measured times stretch, so it can be turned off.
@pytest.mark.skipif(os.environ.get("DRSIM_SKIP_TIMING_TESTS") == "1",
                    reason="DRSIM_SKIP_TIMING_TESTS=1: no model-vs-measurement comparison here")
def test_measured_rto_is_inside_the_simulated_p1_p99(crash):
    _, report, _ = crash
    sim = report.simulated_trials["rto_s"]
    rto = report.runs[0].summary.rto_s
    assert sim.quantile(0.01) <= rto <= sim.quantile(0.99), (
        f"measured RTO {rto:.3f} s outside simulated [{sim.quantile(0.01):.3f}, "
        f"{sim.quantile(0.99):.3f}] s")
    assert not math.isnan(report.measured_rto_percentiles[0])


def test_the_probe_is_served_only_once_dns_answers_b_and_b_takes_writes(crash):
    # The probe's recovery is its first attempt B answered. DNS answered B from
    # dns_switched on (stamped before any client could see it), B took writes from
    # database_writable on (its last read-only moment): the probe cannot come earlier.
    scenario, report, _ = crash
    run = report.runs[0]
    tl, s, probe = run.timeline, run.summary, run.probe
    probe_s = first(tl, "probe_recovered")
    assert s.probe_rto_s == pytest.approx(probe_s) and s.recovered
    switched_to_b = tl[(tl["event"] == "dns_switched")
                       & tl["detail"].str.startswith(scenario.regions.secondary)]["t_s"].min()
    assert probe_s >= max(switched_to_b, first(tl, "database_writable"))
    # The attempt that counted asked B and wrote there; every earlier attempt since the
    # fault was not served by B.
    t_s = probe.assign(start_s=probe["t_attempt"] - run.injection.fault_mono,
                       end_s=probe["t_end"] - run.injection.fault_mono)
    served = t_s[(t_s["status"] == 200) & (t_s["region"] == "b")]
    hit = served.loc[served["end_s"].idxmin()]
    assert hit["end_s"] == pytest.approx(probe_s) and hit["address"] == "127.0.0.3"
    after = t_s[t_s["start_s"] >= 0]
    assert s.probe_attempts == len(after) and s.probe_interval_s == scenario.probe.interval_s
    assert (after.loc[after["end_s"] < probe_s, "region"] != "b").all()
    # Its own writes are kept out of the clients' accounting: B holds every write the
    # probe had acknowledged (A's replicated, B's own), yet the rows B holds that no client
    # saw acknowledged are fewer: clients' writes whose answer never came (a worker killed
    # between commit and reply), each one a client write that got no 200.
    j = run.journal
    unanswered = int(((j["op"] == "write") & (j["status"] != 200)).sum())
    probe_acked = int((probe["status"] == 200).sum())
    assert s.writes["unacked_present"] <= unanswered
    assert s.writes["unacked_present"] < probe_acked
    assert (run.acked["client"] >= 0).all()
    ph = report.phases.set_index("phase").loc["probe_rto_s"]
    assert ph["measured_p50_s"] == pytest.approx(probe_s)


@pytest.mark.skipif(os.environ.get("DRSIM_SKIP_TIMING_TESTS") == "1",
                    reason="DRSIM_SKIP_TIMING_TESTS=1: no model-vs-measurement comparison here")
def test_measured_probe_rto_is_inside_the_simulated_range(crash):
    # The range, not [p1, p99]: the local probe is served by B's standby worker as soon as
    # DNS names B and B takes writes (the lab's load is far below one worker's capacity),
    # while the model serves each attempt with the capacity share (1/2 while B runs one
    # of its two required workers) until the scale-up's worker is healthy. Before the
    # model served partial capacity (it waited for all the required tasks), about 3.7 %
    # of runs drawn from the model's own moments fell below the simulated p1.
    _, report, _ = crash
    sim = report.simulated_trials["probe_rto_s"]
    probe_s = report.runs[0].summary.probe_rto_s
    assert sim.min() <= probe_s <= sim.max(), (
        f"measured probe RTO {probe_s:.3f} s outside simulated [{sim.min():.3f}, "
        f"{sim.max():.3f}] s")
    assert 0 <= report.measured_probe_rto_percentiles[0] <= 100
