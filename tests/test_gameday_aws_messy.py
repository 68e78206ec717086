"""Real-world records: unsorted, repeated, split and re-zoned lines read the same;
a missing poller leaves its phases unmeasured (and says so) instead of failing."""

from __future__ import annotations

import json
import math
import random
import shutil
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest

from drsim.errors import DrsimError
from drsim.gameday.aws import aws_gamedays
from drsim.gameday.aws.fixture import fixture_run_dir
from drsim.gameday.aws.signals import runbook_signals

TIME_KEYS = {"t_utc", "CheckedTime", "Timestamp", "timestamp", "Date", "startTime"}


@pytest.fixture
def run(tmp_path):
    dst = tmp_path / "run"
    shutil.copytree(fixture_run_dir(), dst)
    return dst


@pytest.fixture(scope="module")
def clean_timeline():
    return aws_gamedays(fixture_run_dir()).timeline


def _rewrite(run, fn) -> None:
    for path in (run / "polls").glob("*.jsonl"):
        lines = [json.loads(ln) for ln in path.read_text().splitlines()]
        path.write_text("".join(json.dumps(ln) + "\n" for ln in fn(path.name, lines)))


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))


def test_unsorted_repeated_and_split_files_read_the_same(run, clean_timeline):
    rng = random.Random(7)

    def mess(name, lines):
        lines = lines + rng.sample(lines, k=len(lines) // 3)  # pollers that wrote twice
        rng.shuffle(lines)
        return lines

    _rewrite(run, mess)
    # Two pollers of one API, each with its own file.
    sfn = run / "polls" / "stepfunctions.GetExecutionHistory.jsonl"
    lines = sfn.read_text().splitlines(keepends=True)
    (run / "polls" / "sfn-second-poller.jsonl").write_text("".join(lines[::2]))
    sfn.write_text("".join(lines[1::2]))
    _same(aws_gamedays(run).timeline, clean_timeline)


def _rezone(value, tz):
    if isinstance(value, dict):
        return {k: (_shift(v, tz) if k in TIME_KEYS and isinstance(v, str) else _rezone(v, tz))
                for k, v in value.items()}
    if isinstance(value, list):
        return [_rezone(v, tz) for v in value]
    return value


def _shift(text, tz):
    t = datetime.fromisoformat(text).astimezone(tz)
    return str(t)  # 'YYYY-MM-DD HH:MM:SS.ffffff-05:00', as str(datetime) writes it


def test_offsets_z_and_space_separated_times_read_the_same(run, clean_timeline):
    est = timezone(timedelta(hours=-5))
    _rewrite(run, lambda name, lines: [_rezone(ln, est) for ln in lines])
    _same(aws_gamedays(run).timeline, clean_timeline)


def test_a_naive_time_is_refused_naming_file_and_line(run):
    path = run / "polls" / "cloudwatch.DescribeAlarmHistory.jsonl"
    lines = path.read_text().splitlines()
    row = json.loads(lines[2])
    row["t_utc"] = "2026-11-30T14:00:07"
    lines[2] = json.dumps(row)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DrsimError, match=r"DescribeAlarmHistory.jsonl:3: .*no UTC offset"):
        aws_gamedays(run)


@pytest.mark.parametrize("removed, unmeasured, measured", [
    (["route53.GetHealthCheckStatus", "cloudwatch.DescribeAlarmHistory"],
     {"detect_s", "alarm_lag_s"}, {"recover_s", "rto_s", "probe_rto_s"}),
    (["stepfunctions.GetExecutionHistory"], {"decide_s", "recover_s", "cutover_s"},
     {"detect_s", "rto_s", "probe_rto_s"}),
])
def test_a_missing_poller_leaves_its_phases_unmeasured(run, removed, unmeasured, measured):
    for api in removed:
        (run / "polls" / f"{api}.jsonl").unlink()
    s = aws_gamedays(run).runs[0].summary
    assert unmeasured <= set(s.unmeasured), s.unmeasured
    for name in unmeasured:
        assert any(api in s.unmeasured[name] for api in removed), s.unmeasured[name]
    for name in measured:
        assert math.isfinite(getattr(s, name)), name


def test_no_polls_no_database_dump_still_replays_from_the_journals(run):
    shutil.rmtree(run / "polls")
    (run / "database" / "present.csv").unlink()
    report = aws_gamedays(run)
    s = report.runs[0].summary
    assert math.isfinite(s.rto_s) and math.isnan(s.detect_s) and s.writes is None
    assert "database/present.csv" in s.unmeasured["rpo_s"]
    tl = report.timeline
    assert "at the manifest's fault_injected_utc" in tl.loc[tl.event == "fault_injected", "detail"].iloc[0]
    # Without TestDNSAnswer the DNS switch is the probe's first answer naming the secondary.
    assert "the probe's first answer" in tl.loc[tl.event == "dns_switched", "detail"].iloc[0]


def test_health_checks_polled_slower_than_they_run_still_declare_within_an_interval(run):
    clean = aws_gamedays(fixture_run_dir()).timeline
    declared = clean.loc[clean.event == "unhealthy_declared", "t_s"].iloc[0]
    # Keep one poll in three (every 30 s, the check interval): some checks go unseen.
    _rewrite(run, lambda name, lines: lines[::3] if name.startswith("route53.GetHealth") else lines)
    tl = aws_gamedays(run).timeline
    sparse = tl.loc[tl.event == "unhealthy_declared", "t_s"].iloc[0]
    assert declared <= sparse <= declared + 30.0


def test_a_retried_step_is_failed_and_started_again():
    def ev(i, t, kind, **kw):
        return {"id": i, "previousEventId": i - 1, "t": t, "type": kind, **kw}

    events = [ev(1, 0.0, "ExecutionStarted"),
              ev(2, 1.0, "TaskStateEntered", stateEnteredEventDetails={"name": "promote_database"}),
              ev(3, 1.1, "TaskScheduled"), ev(4, 1.2, "TaskStarted"),
              ev(5, 2.0, "TaskFailed", taskFailedEventDetails={"error": "Rds.InvalidGlobalClusterStateFault"}),
              ev(6, 32.0, "TaskScheduled"), ev(7, 32.1, "TaskStarted"), ev(8, 33.0, "TaskSucceeded"),
              ev(9, 33.1, "TaskStateExited", stateExitedEventDetails={"name": "promote_database"}),
              ev(10, 33.2, "TaskStateEntered", stateEnteredEventDetails={"name": "announce failover finished"}),
              ev(11, 34.0, "TaskStateExited", stateExitedEventDetails={"name": "announce failover finished"})]
    got = sorted((s.t, s.event, s.component) for s in runbook_signals(
        events, ("promote_database",), "automatic (alarm)"))
    assert got == [(0.0, "failover_decided", "stepfunctions"),
                   (1.0, "step_started", "promote_database"),
                   (2.0, "step_failed", "promote_database"),
                   (32.0, "step_started", "promote_database"),
                   (33.1, "step_finished", "promote_database")]


def test_a_response_not_in_the_boto3_shape_is_named_by_file_and_line(run):
    path = run / "polls" / "stepfunctions.GetExecutionHistory.jsonl"
    lines = [json.loads(ln) for ln in path.read_text().splitlines()]
    del lines[5]["response"]["events"][0]["id"]
    path.write_text("".join(json.dumps(ln) + "\n" for ln in lines))
    with pytest.raises(DrsimError, match=r"GetExecutionHistory.jsonl:6: stepfunctions"
                                         r".GetExecutionHistory: the response is not the boto3 shape"):
        aws_gamedays(run)


def test_a_manual_decision_is_timed_from_the_page_the_alarm_sent(run):
    # The scenario file beside the run (as drsim gameday aws run copies it) says people decide.
    seed = (fixture_run_dir().parents[2] / "scenarios" / "seed-warm-standby.yaml").read_text()
    assert "  mode: automatic\n  trigger: alarm\n" in seed
    (run / "scenario.yaml").write_text(seed.replace("  mode: automatic\n  trigger: alarm\n",
                                                    "  mode: manual\n"))
    manifest = json.loads((run / "manifest.json").read_text())
    (run / "manifest.json").write_text(json.dumps({**manifest, "scenario": "scenario.yaml"}))
    items = [i for ln in (run / "polls" / "cloudwatch.DescribeAlarmHistory.jsonl").read_text().splitlines()
             for i in json.loads(ln)["response"]["AlarmHistoryItems"]]
    page = next(i for i in items if i["HistoryItemType"] == "Action")
    alarm = next(i for i in items if i["HistoryItemType"] == "StateUpdate")
    fault = datetime.fromisoformat(manifest["fault_injected_utc"]).timestamp()
    page_s = datetime.fromisoformat(page["Timestamp"]).timestamp() - fault
    report = aws_gamedays(run)
    tl = report.timeline
    decided = tl[tl.event == "failover_decided"]
    assert list(decided.detail) == ["manual"]
    assert tl.loc[tl.event == "paged", "t_s"].tolist() == [pytest.approx(page_s, abs=1e-6)]
    assert page_s > datetime.fromisoformat(alarm["Timestamp"]).timestamp() - fault
    s = report.runs[0].summary
    assert s.decide_s == pytest.approx(decided.t_s.iloc[0] - page_s, abs=1e-6)
