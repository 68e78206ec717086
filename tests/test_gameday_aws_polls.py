"""Writing the raw record as a run polls: what PollLog writes, replay reads back the same.

The clients are real boto3 clients with made-up keys whose answers botocore's
Stubber gives (validated against the API model); nothing leaves the machine.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta, timezone

import pandas as pd
import pytest

from drsim.errors import DrsimError
from drsim.gameday.aws import aws_gamedays
from drsim.gameday.aws.fixture import fixture_run_dir
from drsim.gameday.aws.polls import PollLog, write_manifest
from drsim.gameday.aws.raw import epoch_s, read_polls
from drsim.gameday.aws.validate import FAKE_CREDENTIALS

boto3 = pytest.importorskip("boto3")
from botocore import xform_name
from botocore.stub import Stubber

RUN = fixture_run_dir()


def _client(service, region):
    return boto3.Session(region_name=region, **FAKE_CREDENTIALS).client(service)


def test_a_boto3_answer_with_datetimes_is_written_as_the_format_and_read_back(tmp_path):
    c = _client("route53", "us-east-1")
    checked = datetime(2026, 11, 30, 9, 0, 7, 412000, tzinfo=timezone(timedelta(hours=-5)))
    answer = {"HealthCheckObservations": [{"Region": "eu-west-1", "IPAddress": "15.177.8.11",
                                           "StatusReport": {"Status": "Success: HTTP Status Code 200, OK",
                                                            "CheckedTime": checked}}],
              "ResponseMetadata": {"RequestId": "r-1", "HTTPStatusCode": 200}}
    now = datetime(2026, 11, 30, 14, 0, 9, tzinfo=UTC)
    log = PollLog(tmp_path, clock=lambda: now)
    with Stubber(c) as stub:
        stub.add_response("get_health_check_status", answer, {"HealthCheckId": "hc-1"})
        got = log.call(c, "GetHealthCheckStatus", HealthCheckId="hc-1")
    assert got["HealthCheckObservations"][0]["StatusReport"]["CheckedTime"] == checked
    (poll,) = read_polls(tmp_path / "polls")["route53.GetHealthCheckStatus"]
    assert poll.t == now.timestamp() and poll.request == {"HealthCheckId": "hc-1"}
    assert "ResponseMetadata" not in poll.response
    text = poll.response["HealthCheckObservations"][0]["StatusReport"]["CheckedTime"]
    assert epoch_s(text, "here") == checked.timestamp()
    assert (tmp_path / "polls" / "route53.GetHealthCheckStatus.jsonl").read_text().count("\n") == 1


def test_the_fixture_polled_through_pollog_replays_the_same(tmp_path):
    """Every shipped line answered by a stubbed client, recorded by PollLog at its time."""
    run = tmp_path / "run"
    shutil.copytree(RUN, run, ignore=shutil.ignore_patterns("polls"))
    now = [None]
    log = PollLog(run, clock=lambda: now[0])
    clients = {}
    for path in sorted((RUN / "polls").glob("*.jsonl")):
        for ln in path.read_text().splitlines():
            row = json.loads(ln)
            service, op = row["api"].split(".")
            key = (service, row["region"])
            if key not in clients:
                c = _client(service, row["region"])
                clients[key] = (c, Stubber(c).__enter__())
            c, stub = clients[key]
            stub.add_response(xform_name(op), row["response"], row["request"])
            now[0] = datetime.fromisoformat(row["t_utc"])
            log.call(c, op, **row["request"])
    assert log.lines == sum(len(p.read_text().splitlines()) for p in (RUN / "polls").glob("*.jsonl"))
    pd.testing.assert_frame_equal(aws_gamedays(run).timeline, aws_gamedays(RUN).timeline)


def test_an_incomplete_manifest_is_refused_and_not_written(tmp_path):
    m = json.loads((RUN / "manifest.json").read_text())
    del m["fault_injected_utc"]
    with pytest.raises(DrsimError, match="missing fault_injected_utc"):
        write_manifest(tmp_path, m)
    assert not (tmp_path / "manifest.json").exists()
    m["fault_injected_utc"] = datetime(2026, 11, 30, 14, 0, 7, tzinfo=UTC)
    path = write_manifest(tmp_path, m)
    assert json.loads(path.read_text())["fault_injected_utc"] == "2026-11-30T14:00:07+00:00"
