"""drsim/notebooks/06-postmortem under papermill (:func:`drsim.report.run.run_notebook`): on
its default (the shipped CONSTRUCTED AWS run, replayed) and on the hand-built incident CSV of
tests/data/postmortem. Its numbers are ``drsim postmortem --json``'s for the same input,
trials and seed; its figures carry their units (headless Chromium); ``drsim report`` does
not run it. The page's helpers (:mod:`drsim.report.postmortem`) refuse bad parameters here,
in this process."""

from __future__ import annotations

import json

import pytest

from drsim.bundled import notebooks_dir
from drsim.cli import main
from drsim.errors import DrsimError
from drsim.jsontext import to_json
from drsim.report import postmortem as page
from drsim.rules import PHASES
from tests import browser
from tests.conftest import ROOT

pytest.importorskip("papermill", reason="the lab extra is not installed "
                    "(.venv/bin/pip install -e '.[lab]')")

pytestmark = [pytest.mark.notebook, pytest.mark.slow]

NOTEBOOK = notebooks_dir() / "06-postmortem.ipynb"
INCIDENT = ROOT / "tests" / "data" / "postmortem" / "incident.csv"
TRIALS, SEED = 400, 3
FIGURES = {"phase-distributions.png", "gantt.png"}
CLI_KEYS = ("scenario", "trials", "seed", "files", "runs", "phases", "unplaced_events")


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    from drsim.report.run import run_notebook

    run = run_notebook(NOTEBOOK, tmp_path_factory.mktemp("nb06-default"),
                       {"trials": TRIALS, "seed": SEED})
    assert run.ok, run.error
    return run


@pytest.fixture(scope="module")
def incident_run(tmp_path_factory):
    from drsim.report.run import run_notebook

    run = run_notebook(NOTEBOOK, tmp_path_factory.mktemp("nb06-incident"),
                       {"timelines": [str(INCIDENT)], "overrides": {"decision.mode": "manual"},
                        "trials": TRIALS, "seed": SEED})
    assert run.ok, run.error
    return run


def cli_postmortem(capsys, *args: str) -> dict:
    assert main(["postmortem", *args, "--trials", str(TRIALS), "--seed", str(SEED),
                 "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def assert_records_present(run) -> None:
    assert {p.name for p in run.figures} == FIGURES
    for p in run.figures:
        assert p.read_bytes().startswith(b"\x89PNG") and p.stat().st_size > 10_000
    assert {"postmortem", "imported", "phases"} <= set(run.records)
    html = run.html.read_text()
    for section in ("What was imported", "Measured against simulated, per run and phase",
                    "The most deviant phase", "simulated distribution, with the measured marks",
                    "The measured run beside the median simulated trial", "rto_if_modelled_s"):
        assert section in html
    assert f"{TRIALS:,} simulated trials" in html


def test_the_default_page_shows_the_constructed_aws_run_with_the_commands_numbers(
        default_run, tmp_path, capsys):
    pytest.importorskip("botocore")
    from drsim.gameday import write_report
    from drsim.gameday.aws import aws_gamedays
    from drsim.gameday.aws.fixture import fixture_run_dir

    assert_records_present(default_run)
    rec = default_run.records["postmortem"]
    assert rec["constructed"] is True
    assert "CONSTRUCTED, NOT A MEASUREMENT" in default_run.html.read_text()
    assert "unplaced" not in default_run.records and "Every record was placed." in \
        default_run.html.read_text()
    # The same record through the command: the replay's own timeline.csv, imported.
    write_report(aws_gamedays(fixture_run_dir()), tmp_path)
    cli = cli_postmortem(capsys, str(tmp_path / "timeline.csv"), "--scenario",
                         "seed-warm-standby")
    assert rec["phases"] == cli["phases"] and rec["unplaced_events"] == cli["unplaced_events"] == []
    assert (rec["scenario"], rec["trials"], rec["seed"]) == ("seed-warm-standby", TRIALS, SEED)
    assert default_run.records["phases"] == rec["runs"]
    (run,), (expected,) = [dict(r) for r in rec["runs"]], cli["runs"]
    # the page names the shipped run directory, the command the file it was given
    assert run.pop("file") == str(fixture_run_dir())
    expected.pop("file")
    assert run == expected
    assert run["most_deviant_phase"] in PHASES


def test_the_incident_page_equals_drsim_postmortem_json_and_lists_the_unplaced(
        incident_run, capsys):
    from drsim.scenario import load_scenario
    from drsim.sim.explain import explain_percentile

    assert_records_present(incident_run)
    rec = incident_run.records["postmortem"]
    cli = cli_postmortem(capsys, str(INCIDENT), "--scenario", "seed-warm-standby", "--set",
                         "decision.mode=manual")
    assert {k: rec[k] for k in CLI_KEYS} == cli
    assert rec["constructed"] is False
    assert "CONSTRUCTED, NOT A MEASUREMENT" not in incident_run.html.read_text()
    # the records no mapping placed, listed on the page, not dropped
    names = [u["name"] for u in incident_run.records["unplaced"]]
    assert names == ["#incident channel opened", "customer tickets fall"]
    html = incident_run.html.read_text()
    assert all(n in html for n in names)
    (run,) = cli["runs"]
    assert incident_run.records["phases"] == cli["runs"]
    assert run["most_deviant_phase"] in PHASES
    # the Gantt's simulated trial is explain_percentile's median trial
    scenario = load_scenario("seed-warm-standby", {"decision.mode": "manual"})
    assert rec["median_trial"] == explain_percentile(scenario, 50, trials=TRIALS,
                                                     seed=SEED).trial


@pytest.mark.parametrize("which", ["default_run", "incident_run"])
def test_every_figure_label_stands_clear_with_its_unit(which, request, tmp_path):
    run = request.getfixturevalue(which)
    figures = browser.figure_labels(run.html, tmp_path)
    assert len(figures) == 2  # shown as SVG, so the browser can measure every label
    assert browser.label_faults(figures) == []
    shown = {t["text"] for fig in figures for t in fig["texts"]}
    assert any("median simulated trial #" in t for t in shown)
    assert {"detect", "alarm", "decide", "recover", "cut over", "RTO"} <= shown


def test_drsim_report_does_not_run_the_postmortem():
    from drsim.report.run import plan_jobs, validate_inputs
    from drsim.scenario.locate import bundled_scenario_paths

    jobs = plan_jobs(validate_inputs(bundled_scenario_paths()), trials=10, seed=0)
    assert jobs and all(j.notebook != NOTEBOOK.stem for j in jobs)


@pytest.mark.parametrize("params, message", [
    ({"fmt": "pdf"}, "format: 'pdf' is not one of auto, drsim, chaostoolkit, fis, arc, incident"),
    ({"timelines": "incident.csv"}, "timelines: 'incident.csv' is not a list of file paths"),
    ({"mapping": ["a=b"]}, "mapping: ['a=b'] is not a dict of NAME: TARGET"),
    ({"trials": 0}, "trials: 0 is outside 1.."),
    ({"seed": -1}, "seed: -1 is not a non-negative whole number"),
    ({"timelines": ["/nonexistent/incident.csv"]}, "/nonexistent/incident.csv: no such file"),
    ({"timelines": [str(INCIDENT), str(INCIDENT)], "overrides": {"decision.mode": "manual"}},
     "run 'incident' is also in"),
])
def test_bad_parameters_are_one_clear_message(params, message):
    with pytest.raises(DrsimError) as err:
        page.postmortem_page(**{"trials": 10, **params})
    assert message in str(err.value)


def test_one_run_of_fis_and_arc_is_the_commands_and_its_gantt_starts_recovery_at_the_decision(
        capsys):
    # The FIS experiment gives the fault, the ARC execution the decision and the runbook; no
    # record says when the primary was detected, so detect, alarm and decide are not measured.
    files = [str(ROOT / "tests" / "data" / "postmortem" / f)
             for f in ("fis-experiment.json", "arc-plan-execution.json")]
    pg = page.postmortem_page(files, one_run=True, trials=TRIALS, seed=SEED)
    cli = cli_postmortem(capsys, *files, "--one-run", "--scenario", "seed-warm-standby")
    assert {k: json.loads(to_json(pg.record()))[k] for k in CLI_KEYS} == cli
    (run,) = pg.postmortem.runs
    assert run["phases"]["detect_s"]["percentile"] is None
    assert "cannot be told" in page.deviant_note(pg.postmortem)
    fig = page.gantt_figure(pg)
    measured_ax = fig.axes[0]
    phase_bars = [b for b in measured_ax.patches if b.get_y() == -0.4 and b.get_width() > 0]
    tl = pg.postmortem.timeline
    decided_s = float(tl.loc[tl.event == "failover_decided", "t_s"].min())
    unit_s = 60.0 if "[min]" in fig.axes[-1].get_xlabel() else 1.0
    # the runbook phase drawn where the decision put it, not from the fault
    assert [round(b.get_x() * unit_s, 6) for b in phase_bars] == [round(decided_s, 6)]
    assert round(phase_bars[0].get_width() * unit_s, 6) == round(
        run["phases"]["recover_s"]["measured_s"], 6)
