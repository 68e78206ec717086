"""``drsim explain`` and ``simulate --timeline-percentile``: one trial, told, and the right one.

The trial told must be the trial of the Monte Carlo run (the same row as in
``simulate --out``), and "the p95 trial" must be the order statistic a reader
would compute from that table themselves.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from drsim.cli import main
from drsim.sim.explain import collapsed_events, trial_at_percentile
from tests.conftest import run_cli

SCENARIO = "seed-warm-standby"
TRIALS = 400


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    out = tmp_path_factory.mktemp("explain") / "trials.csv"
    assert main(["simulate", SCENARIO, "--trials", str(TRIALS), "--seed", "3",
                 "--out", str(out)]) == 0
    return pd.read_csv(out)


def order_statistic_trial(values: np.ndarray, p: float) -> int:
    """The smallest value with at least p % of the trials at or below it, by hand."""
    n = len(values)
    k = max(math.ceil(p / 100 * n - 1e-9), 1)
    value = np.sort(values)[k - 1]
    assert (values <= value).mean() >= p / 100 - 1e-12
    return int(np.flatnonzero(values == value)[0])


@pytest.mark.parametrize("p", [0, 1, 50, 95, 99.9, 100])
def test_the_percentile_trial_is_the_order_statistic(p):
    values = np.random.default_rng(1).exponential(size=997)
    values[10] = values[20]  # a tie: the lower index is chosen
    assert trial_at_percentile(values, p) == order_statistic_trial(values, p)


def test_explain_json_is_the_trial_of_the_run(table, capsys):
    assert main(["explain", SCENARIO, "--percentile", "95", "--trials", str(TRIALS),
                 "--seed", "3", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    rto = table["rto_s"].to_numpy()
    expect = order_statistic_trial(rto, 95)
    assert got["trial"] == int(table["trial"].iloc[expect])
    assert got["value_s"] == pytest.approx(rto[expect], rel=1e-12)
    # The re-run alone gives exactly the run's row, every column.
    row = table.iloc[expect]
    for column, value in got["row"].items():
        value = math.inf if value is None else value  # JSON has no inf: null
        assert value == pytest.approx(row[column], rel=1e-9, abs=1e-9), column
    assert got["trials"] == TRIALS and got["seed"] == 3 and got["metric"] == "rto_s"
    times = [e["t_s"] for e in got["events"]]
    assert times == sorted(times) and got["events"][0]["event"] == "fault_injected"
    recovered = [e for e in got["events"] if e["event"] == "recovered"]
    assert recovered and recovered[0]["t_s"] == pytest.approx(got["value_s"])


def test_explain_text_tells_the_trial_and_how_to_rerun_it(table, capsys):
    assert main(["explain", SCENARIO, "--trial", "7", "--trials", str(TRIALS), "--seed", "3"]) == 0
    text = capsys.readouterr().out
    assert text.startswith(f"{SCENARIO}: trial 7 of {TRIALS} (seed 3)")
    assert f"drsim explain {SCENARIO} --trial 7 --seed 3" in text
    assert f"rto_s {table['rto_s'].iloc[7]:,.1f}" in text
    lines = text.splitlines()
    assert any("unhealthy_declared" in line for line in lines)
    assert any("check_failed x" in line for line in lines)  # the checkers' runs collapsed


def test_collapsing_keeps_every_event_counted():
    tl = pd.DataFrame({"run_id": "r", "source": "sim", "t_s": [0.0, 1.0, 2.0, 2.0, 3.0],
                       "event": ["fault_injected", "check_failed", "check_failed",
                                 "check_failed", "alarm"],
                       "component": ["a", "c-1", "c-2", "c-1", "cw"], "detail": ""})
    lines = collapsed_events(tl)
    assert [(e["event"], e["count"]) for e in lines] == [
        ("fault_injected", 1), ("check_failed", 3), ("alarm", 1)]
    assert lines[1]["t_s"] == 1.0 and lines[1]["until_s"] == 2.0
    assert lines[1]["components"] == ["c-1", "c-2"]


def test_simulate_records_the_percentile_trials(table, tmp_path):
    path = tmp_path / "tl.csv"
    assert main(["simulate", SCENARIO, "--trials", str(TRIALS), "--seed", "3",
                 "--timeline", str(path), "--timeline-percentile", "50",
                 "--timeline-percentile", "95"]) == 0
    runs = set(pd.read_csv(path)["run_id"])
    rto = table["rto_s"].to_numpy()
    want = {f"{SCENARIO}/seed-3/trial-{int(table['trial'].iloc[order_statistic_trial(rto, p)])}"
            for p in (50, 95)}
    assert runs == want


@pytest.mark.parametrize("args, words", [
    (["--percentile", "101"], ["--percentile", "outside 0..100"]),
    (["--percentile", "-1"], ["--percentile", "outside 0..100"]),
    (["--trial", "400", "--trials", "400"], ["--trial", "outside 0..399"]),
    (["--trial", "-1"], ["--trial", "outside"]),
    (["--percentile", "50", "--metric", "rto"], ["--metric", "'rto'", "probe_rto_s"]),
    (["--trial", "1", "--metric", "rto_s"], ["--metric", "only with --percentile"]),
    (["--trial", "1", "--timeline", "x.txt"], ["--timeline", ".csv or .jsonl"]),
])
def test_bad_explain_arguments_exit_2(args, words, tmp_path):
    r = run_cli("explain", SCENARIO, *args, cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    for w in words:
        assert w in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_unknown_scenario_suggests_the_closest(tmp_path):
    r = run_cli("explain", "seed-warm-standbye", "--trial", "0", cwd=tmp_path)
    assert r.returncode == 2 and "did you mean 'seed-warm-standby'" in r.stderr


def test_timeline_percentile_needs_a_timeline(tmp_path):
    r = run_cli("simulate", SCENARIO, "--trials", "10", "--timeline-percentile", "50", cwd=tmp_path)
    assert r.returncode == 2 and "give --timeline FILE" in r.stderr
    r = run_cli("simulate", SCENARIO, "--trials", "10", "--timeline", "t.csv",
                "--timeline-percentile", "150", cwd=tmp_path)
    assert r.returncode == 2 and "outside 0..100" in r.stderr
    assert list(tmp_path.iterdir()) == []
