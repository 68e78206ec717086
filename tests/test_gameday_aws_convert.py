"""The AWS converter on the shipped (constructed) run: the events in the order AWS
produced them, and every phase equal to what the raw lines say, computed here
from the JSONL and CSV files directly, without the converter."""

from __future__ import annotations

import json
import math
from datetime import datetime

import pandas as pd
import pytest

from drsim.gameday.aws import aws_gamedays
from drsim.gameday.aws.fixture import fixture_run_dir
from drsim.jsontext import to_json
from drsim.timeline import phases

RUN = fixture_run_dir()
STEPS = ("promote_database", "scale_standby", "switch_traffic")


def _t(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def _lines(api: str) -> list[dict]:
    return [json.loads(ln) for ln in (RUN / "polls" / f"{api}.jsonl").read_text().splitlines()]


def _by_hand() -> dict:
    """The moments of the run, read off the raw files with nothing of drsim."""
    fault = next(_t(p["response"]["experiment"]["startTime"]) for p in _lines("fis.GetExperiment")
                 if "startTime" in p["response"]["experiment"])
    checks: dict[tuple, dict] = {}
    for p in _lines("route53.GetHealthCheckStatus"):
        for o in p["response"]["HealthCheckObservations"]:
            r = o["StatusReport"]
            checks.setdefault((o["Region"], o["IPAddress"]), {})[_t(r["CheckedTime"])] = \
                r["Status"].startswith("Failure")
    flips = []
    for seq in checks.values():
        run = 0
        for t in sorted(seq):
            run = run + 1 if seq[t] else 0
            if run == 3:
                flips.append(t)
                break
    flips.sort()
    n = len(checks)
    k = next(k for k in range(1, n + 1) if (n - k) <= 0.18 * n)  # Route 53's 18 % rule
    declared = flips[k - 1]
    alarm = min(_t(i["Timestamp"]) for p in _lines("cloudwatch.DescribeAlarmHistory")
                for i in p["response"]["AlarmHistoryItems"]
                if i["HistoryItemType"] == "StateUpdate" and i["HistorySummary"].endswith("ALARM"))
    events = {e["id"]: e for p in _lines("stepfunctions.GetExecutionHistory")
              for e in p["response"]["events"]}
    decided = next(_t(e["timestamp"]) for e in events.values() if e["type"] == "ExecutionStarted")
    end = max(_t(e["timestamp"]) for e in events.values() if e["type"].endswith("StateExited")
              and e["stateExitedEventDetails"]["name"].split(":")[0] in STEPS)
    journal = pd.read_csv(RUN / "probe" / "journal.csv")
    ok = journal[(journal.status == 200) & (journal.region == "us-east-2") & (journal.t_end >= fault)]
    per_client = ok.groupby("client")["t_end"].min()
    assert len(per_client) == 20  # every client; 0.99 of 20 needs all 20
    probe = pd.read_csv(RUN / "probe" / "probe.csv")
    probe_ok = probe[(probe.status == 200) & (probe.region == "us-east-2") & (probe.t_end >= fault)]
    acked = pd.read_csv(RUN / "probe" / "acked.csv")
    present = set(map(tuple, pd.read_csv(RUN / "database" / "present.csv").to_numpy()))
    lost = [(c, s) for c, s in zip(acked.client, acked.seq) if (c, s) not in present]
    detect = min(declared, alarm) - fault
    return {"detect_s": detect, "alarm_lag_s": decided - fault - detect, "decide_s": 0.0,
            "recover_s": end - decided, "cutover_s": max(per_client.max() - end, 0.0),
            "first_success_s": per_client.min() - fault, "rto_s": per_client.max() - fault,
            "probe_rto_s": probe_ok.t_end.min() - fault, "lost": len(lost)}


@pytest.fixture(scope="module")
def report():
    return aws_gamedays(RUN)


def test_phases_are_what_the_raw_lines_say(report):
    expected = _by_hand()
    got = phases(report.timeline).iloc[0]
    for name in ("detect_s", "alarm_lag_s", "decide_s", "recover_s", "cutover_s",
                 "first_success_s", "rto_s", "probe_rto_s"):
        assert got[name] == pytest.approx(expected[name], abs=1e-5), name
    s = report.runs[0].summary
    assert s.rto_s == pytest.approx(expected["rto_s"], abs=1e-5)
    assert s.lost_writes == expected["lost"] > 0
    assert s.unmeasured == {}
    assert s.provenance.startswith("constructed")


def test_events_come_in_the_order_aws_produced_them(report):
    tl = report.timeline
    assert (tl["source"] == "aws").all()
    assert tl["t_s"].is_monotonic_increasing
    first = {ev: tl.loc[tl.event == ev, "t_s"].min() for ev in tl.event.unique()}
    step = lambda ev, name: tl.loc[(tl.event == ev) & (tl.component == name), "t_s"].min()
    chain = [first["fault_injected"], first["check_failed"], first["checker_unhealthy"],
             first["unhealthy_declared"], first["dns_switched"], first["alarm"],
             first["failover_decided"], step("step_started", "promote_database"),
             first["database_writable"], step("step_finished", "promote_database"),
             step("step_started", "scale_standby"), step("step_finished", "scale_standby"),
             step("step_started", "switch_traffic"), step("step_finished", "switch_traffic"),
             first["capacity_ready"]]
    assert chain == sorted(chain) and first["fault_injected"] == 0.0
    assert not any(math.isnan(t) for t in chain)
    assert first["first_success"] >= first["database_writable"]  # writes need the writer
    decided = tl[tl.event == "failover_decided"]
    assert list(decided.detail) == ["automatic (alarm)"]  # the seed starts the runbook on the alarm
    # Only runbook steps are steps: infra/'s helper states fold into theirs, the announcement is none.
    assert set(tl.loc[tl.event.str.startswith("step_"), "component"]) == set(STEPS)
    assert len(tl[tl.event == "write_lost"]) == report.runs[0].summary.lost_writes
    assert (tl.loc[tl.event == "write_lost", "t_s"] < 0).all()  # the unreplicated tail


def test_the_report_is_the_local_game_days_shape(report):
    out = json.loads(to_json(report.as_json()))
    assert out["scenario"] == "seed-warm-standby" and out["fault"] == "region_outage"
    assert out["runs"][0]["fault"] == "region_isolation"
    assert out["measured"]["runs"] == 1 and out["measured"]["recovered_runs"] == 1
    assert set(out["measured"]["lost_writes"]) == {"orders_db"}


def test_a_folder_of_runs_is_one_sample_of_one_game_day(tmp_path):
    import shutil

    from drsim.errors import DrsimError

    for i in range(2):
        d = tmp_path / f"run-{i}"
        shutil.copytree(RUN, d)
        m = json.loads((d / "manifest.json").read_text())
        (d / "manifest.json").write_text(json.dumps({**m, "run_id": f"fixture/run-{i}"}))
    report = aws_gamedays(tmp_path)
    assert [r.run_id for r in report.runs] == ["fixture/run-0", "fixture/run-1"]
    assert report.measured["runs"] == 2 and report.measured["rto_s"].n == 2
    assert phases(report.timeline)["run_id"].tolist() == ["fixture/run-0", "fixture/run-1"]
    m = json.loads((tmp_path / "run-1" / "manifest.json").read_text())
    (tmp_path / "run-1" / "manifest.json").write_text(json.dumps({**m, "fault": "app_crash"}))
    with pytest.raises(DrsimError, match="replay one game day's runs together"):
        aws_gamedays(tmp_path)
