"""``drsim gameday aws replay``: the comparison on the shipped run, and bad input
(exit 2, one message naming what is wrong, no traceback, nothing written)."""

from __future__ import annotations

import json
import shutil

import pytest

from drsim.gameday.aws.fixture import fixture_run_dir
from tests.conftest import run_cli

RUN = fixture_run_dir()


def test_replay_json_has_the_local_game_days_comparison(tmp_path):
    out = tmp_path / "report"
    done = run_cli("gameday", "aws", "replay", RUN, "--json", "--sim-trials", "300",
                   "--seed", "3", "--out", out)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert {"scenario", "fault", "runs", "measured", "simulated", "measured_rto_percentiles",
            "measured_probe_rto_percentiles", "phases"} <= set(report)
    assert report["fault"] == "region_outage" and report["simulated"]["trials"] == 300
    assert len(report["measured_rto_percentiles"]) == 1
    assert 0 <= report["measured_probe_rto_percentiles"][0] <= 100
    assert [p["phase"] for p in report["phases"]] == [
        "detect_s", "alarm_lag_s", "decide_s", "recover_s", "cutover_s", "first_success_s",
        "rto_s", "probe_rto_s"]
    run = report["runs"][0]
    assert run["provenance"].startswith("constructed") and run["unmeasured"] == {}
    assert (out / "report.json").is_file() and (out / "phases.csv").is_file()
    assert (out / "run-0" / "timeline.csv").read_text().count(",aws,") > 40


def test_replay_text_says_constructed():
    done = run_cli("gameday", "aws", "replay", RUN, "--no-simulate")
    assert done.returncode == 0, done.stderr
    assert "1 AWS game day(s)" in done.stdout and "CONSTRUCTED run, not a measurement" in done.stdout


def _broken(tmp_path, how):
    run = tmp_path / "run"
    shutil.copytree(RUN, run)
    how(run)
    return run


def _cut_line(run):
    path = run / "polls" / "rds.DescribeEvents.jsonl"
    lines = path.read_text().splitlines()
    lines[4] = lines[4][:40]
    path.write_text("\n".join(lines) + "\n")


def _bad_fault(run):
    m = json.loads((run / "manifest.json").read_text())
    m["fault"] = "meteor"
    (run / "manifest.json").write_text(json.dumps(m))


@pytest.mark.parametrize("how, words", [
    (None, ["no such directory"]),
    (lambda run: (run / "manifest.json").unlink(), ["no manifest.json"]),
    (_cut_line, ["rds.DescribeEvents.jsonl:5", "not a JSON line"]),
    (lambda run: (run / "manifest.json").write_text("{"), ["manifest.json", "not JSON"]),
    (_bad_fault, ["fault", "'meteor'", "region_isolation"]),
])
def test_bad_input_exits_2_with_one_message(tmp_path, how, words):
    target = tmp_path / "absent" if how is None else _broken(tmp_path, how)
    out = tmp_path / "out"
    done = run_cli("gameday", "aws", "replay", target, "--no-simulate", "--out", out)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    for w in words:
        assert w in done.stderr, done.stderr
    assert not out.exists()  # nothing half-written
