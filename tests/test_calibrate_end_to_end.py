"""``drsim calibrate`` end to end: runs of a stack whose promotion is slower than the
scenario says (made by drsim's own simulator from the scenario with that one field
changed), calibrated back; and what it refuses."""

from __future__ import annotations

import json
import math

import pytest

from drsim.cli import main
from drsim.compare.calibrate import calibrate
from drsim.scenario import load_scenario
from drsim.sim import simulate
from drsim.timeline import write_timeline
from tests.conftest import run_cli

BASE = "seed-warm-standby"
SLOW_PROMOTE = {"dist": "lognormal", "p50": 1800, "p95": 3000}  # the base says 360 / 900
RUNS = 8


@pytest.fixture(scope="module")
def measured():
    """The "measured" runs: 8 trials of the base with a slower promotion."""
    truth = load_scenario(BASE).with_overrides(
        {"runbook.promote_database.duration_s": SLOW_PROMOTE})
    return simulate(truth, trials=RUNS, seed=7, timeline_trials=range(RUNS),
                    progress=False).timeline


@pytest.fixture(scope="module")
def result(measured):
    return calibrate(measured, BASE, seed=1, bootstrap=500, trials=200)


def test_the_fitted_promotion_is_near_the_truth_within_its_standard_error(result):
    fitted = {f.path: f for f in result.calibration.fields}
    promote = fitted["runbook.promote_database.duration_s"]
    sigma = math.log(SLOW_PROMOTE["p95"] / SLOW_PROMOTE["p50"]) / 1.6449
    # ln p50_hat = mu_hat, whose standard error is sigma / sqrt(n): within 3 of them.
    assert abs(math.log(promote.fit.p50 / SLOW_PROMOTE["p50"])) < 3 * sigma / math.sqrt(promote.n)
    assert promote.fit.p50_ci[0] < SLOW_PROMOTE["p50"] < promote.fit.p50_ci[1]
    assert promote.before.p50 == 360 and promote.n >= RUNS


def test_held_out_error_falls_and_coverage_rises_after_calibration(result):
    h = result.holdout
    assert h.method == "leave-one-out" and len(h.runs) == RUNS and h.metric == "rto_s"
    assert h.median_abs_error_s("after") < 0.7 * h.median_abs_error_s("before")
    assert h.coverage("after") > h.coverage("before")


def test_calibrate_writes_an_overlay_that_validates_and_simulates(measured, tmp_path, capsys):
    runs = tmp_path / "runs.jsonl"
    write_timeline(measured, runs)
    out = tmp_path / "fitted.yaml"
    assert main(["calibrate", str(runs), "--scenario", BASE, "--out", str(out), "--trials", "100",
                 "--bootstrap", "200", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["scenario"] == BASE and len(report["runs"]) == RUNS
    assert set(report["validation"]["median_abs_error_s"]) == {"before", "after"}
    text = out.read_text()
    assert "extends: seed-warm-standby" in text
    overlay, base = load_scenario(out), load_scenario(BASE)
    assert overlay.step("promote_database").duration_s.p50 > 1000
    # Only the fitted fields differ from the base (and the name, description, sources).
    changed = {f["path"] for f in report["fields"] if f["changed"]}
    assert "runbook.promote_database.duration_s" in changed
    assert overlay.compute == base.compute and overlay.health_check == base.health_check
    promote = overlay.step("promote_database")
    assert promote.max_attempts == base.step("promote_database").max_attempts
    assert overlay.sources["runbook.promote_database.duration_s"].startswith(
        "fitted by drsim calibrate")
    assert "bootstrap" in overlay.sources["runbook.promote_database.duration_s"]
    assert main(["validate", str(out)]) == 0
    assert main(["simulate", str(out), "--trials", "50"]) == 0


def test_an_overlay_of_a_scenario_file_extends_it_by_its_relative_path(measured, tmp_path):
    (tmp_path / "scenarios").mkdir()
    mine = tmp_path / "scenarios" / "mine.yaml"
    mine.write_text(f"extends: {BASE}\nname: mine\n")
    runs = tmp_path / "runs.csv"
    write_timeline(measured, runs)
    out = tmp_path / "fits" / "mine-fitted.yaml"
    assert main(["calibrate", str(runs), "--scenario", str(mine), "--out", str(out),
                 "--no-validate", "--bootstrap", "0"]) == 0
    assert "extends: ../scenarios/mine.yaml" in out.read_text()
    assert load_scenario(out).step("promote_database").duration_s.p50 > 1000


# --- bad input: one message, exit 2, nothing written ----------------------------------


def _refused(tmp_path, *args) -> str:
    out = tmp_path / "never.yaml"
    r = run_cli("calibrate", *args, "--scenario", BASE, "--out", out, "--no-validate", cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not out.exists() and not list(tmp_path.glob(".never.yaml*"))
    return r.stderr


def test_too_few_runs_are_refused_with_the_number_needed(measured, tmp_path):
    two = measured[measured["run_id"].isin(measured["run_id"].unique()[:2])]
    write_timeline(two, tmp_path / "two.csv")
    err = _refused(tmp_path, "two.csv")
    assert "at least 3 runs" in err and "hold 2" in err


def test_a_timeline_of_another_scenarios_runbook_is_refused(tmp_path):
    other = simulate("backup-restore", trials=3, seed=0, timeline_trials=range(3),
                     progress=False).timeline
    write_timeline(other, tmp_path / "other.csv")
    err = _refused(tmp_path, "other.csv")
    # Named by file and line, with the steps allowed (the importers' check, as postmortem's).
    assert "other.csv: line" in err and "'provision_infrastructure' is not a step of" in err
    assert "promote_database, scale_standby, switch_traffic" in err


def test_an_unparsable_timeline_is_refused(tmp_path):
    (tmp_path / "bad.csv").write_text("run_id,source,t_s,event,component,detail\n"
                                      "r1,local,soon,fault_injected,a,\n")
    err = _refused(tmp_path, "bad.csv")
    assert "bad.csv: row 1: t_s 'soon' is not a number" in err
    (tmp_path / "cols.csv").write_text("when,what\n1,x\n")
    assert "cols.csv: line 1: columns when,what are neither" in _refused(tmp_path, "cols.csv")


def test_an_extending_file_replaces_a_distribution_written_whole(tmp_path):
    # What the overlay relies on: the base's dns.propagation_s is uniform (low, high); a
    # lognormal written whole replaces it rather than merging into it, while a mapping
    # without a dist tag still merges field by field.
    from drsim.scenario import scenario_from_yaml

    whole = scenario_from_yaml(f"extends: {BASE}\nname: x\ndns:\n  propagation_s: "
                               "{dist: lognormal, p50: 20, p95: 60}\n", base_dir=tmp_path)
    assert whole.dns.propagation_s.model_dump(exclude_none=True) == {
        "dist": "lognormal", "p50": 20, "p95": 60}
    part = scenario_from_yaml(f"extends: {BASE}\nname: x\ndns:\n  propagation_s: {{upper: 30}}\n",
                              base_dir=tmp_path)
    assert (part.dns.propagation_s.low, part.dns.propagation_s.high,
            part.dns.propagation_s.upper) == (0, 60, 30)


def test_many_runs_are_fitted_empirically_and_validated_in_five_folds(tmp_path):
    # 32 runs of the local lab whose promotion takes about 4 s instead of 0.11 s (longer
    # than its DNS cut-over, so it sets the RTO): from 30 observations on, the promotion
    # is written as the measured values themselves.
    from drsim.compare.calibrate import overlay_text
    from drsim.compare.calibrate.holdout import folds_of
    from drsim.distributions import Empirical
    from drsim.scenario import scenario_from_yaml

    truth = load_scenario("local-lab").with_overrides(
        {"runbook.promote_database.duration_s": {"dist": "lognormal", "p50": 4.0, "p95": 6.0}})
    runs = simulate(truth, trials=32, seed=11, timeline_trials=range(32), progress=False).timeline
    result = calibrate(runs, "local-lab", seed=2, bootstrap=200, trials=100)
    promote = {f.path: f for f in result.calibration.fields}["runbook.promote_database.duration_s"]
    assert promote.fit.method == "empirical" and isinstance(promote.after, Empirical)
    assert promote.n == len(promote.after.samples) >= 32
    # The sample median of 32 lognormal draws: within 3 standard errors of the truth
    # (SE of ln median ~ sqrt(pi/2) sigma / sqrt(n)).
    sigma = math.log(6.0 / 4.0) / 1.6449
    se = math.sqrt(math.pi / 2) * sigma / math.sqrt(promote.n)
    assert abs(math.log(promote.fit.p50 / 4.0)) < 3 * se
    h = result.holdout
    assert h.method == "5-fold" and sorted(h.runs["run_id"]) == sorted(runs["run_id"].unique())
    assert h.runs["fold"].nunique() == 5
    assert h.median_abs_error_s("after") < 0.75 * h.median_abs_error_s("before")
    # [p5, p95] holds 90 % of a well-fitted model's runs: 3 binomial standard deviations
    # below that for 32 runs (the simulated band's own noise at 100 trials adds a little).
    assert h.coverage("after") > 0.9 - 3 * math.sqrt(0.9 * 0.1 / 32) > h.coverage("before")
    # 0 s steps (switch_traffic is fixed at 0 in local-lab) are not fitted, and say why.
    assert any(p == "runbook.switch_traffic.duration_s" and "0 s" in why
               for p, why in result.calibration.skipped)
    text = overlay_text(result.calibration, name="lab-fitted", extends="local-lab")
    fitted = scenario_from_yaml(text, source="lab-fitted.yaml", base_dir=tmp_path)
    assert fitted.step("promote_database").duration_s.samples == promote.after.samples
    # The folds partition the runs, each run held out exactly once.
    ids = [f"r{i}" for i in range(12)]
    folds = folds_of(ids, seed=0)
    assert len(folds) == 5 and sorted(r for f in folds for r in f) == sorted(ids)
    assert folds_of(ids[:10], seed=0) == [[r] for r in ids[:10]]


def test_other_tools_files_are_imported_as_postmortem_imports_them(measured, tmp_path, capsys):
    # The same runs as an incident CSV (timestamp,event,component,detail, ISO-8601 times):
    # calibrated through the importer, the promotion comes out as from drsim's own files.
    import pandas as pd

    fault = pd.Timestamp("2026-11-30T10:00:00Z")
    paths = []
    for k, (run_id, g) in enumerate(measured.groupby("run_id", sort=False)):
        rows = g.assign(timestamp=[(fault + pd.Timedelta(days=k, seconds=t)).isoformat()
                                   for t in g["t_s"]])
        path = tmp_path / f"incident-{k}.csv"
        rows[["timestamp", "event", "component", "detail"]].to_csv(path, index=False)
        paths.append(str(path))
    out = tmp_path / "fitted.yaml"
    assert main(["calibrate", *paths, "--scenario", BASE, "--out", str(out), "--no-validate",
                 "--bootstrap", "0", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    from_incidents = {f["path"]: f for f in report["fields"]}
    direct = calibrate(measured, BASE, bootstrap=0, validate=False).calibration
    promote = {f.path: f for f in direct.fields}["runbook.promote_database.duration_s"]
    assert from_incidents["runbook.promote_database.duration_s"]["after"]["p50_s"] == \
        pytest.approx(promote.fit.p50, rel=1e-6)
