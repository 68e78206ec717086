"""drsim/notebooks/05-aws-gameday under papermill (:func:`drsim.report.run.run_notebook`):
replay of the shipped CONSTRUCTED run beside a small simulation, the plan from a real
synthesis of infra/, and a run without its guards, which must fail visibly with nothing
done. The helpers behind the cells (:mod:`drsim.report.aws_gameday`) are tested here in
this process too, the run mode with a stand-in for the AWS run (no AWS is reachable here).
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
import types

import pytest

from drsim.bundled import notebooks_dir
from drsim.compare.gameday import beside_simulation
from drsim.errors import DrsimError
from drsim.gameday.aws import aws_gamedays
from drsim.gameday.aws.fixture import fixture_run_dir
from drsim.gameday.aws.guards import GuardRefused
from drsim.gameday.aws.synth import INFRA_EXTRA
from drsim.report import aws_gameday as page
from tests import browser

pytest.importorskip("papermill", reason="the lab extra is not installed "
                    "(.venv/bin/pip install -e '.[lab]')")

NOTEBOOK = notebooks_dir() / "05-aws-gameday.ipynb"
TRIALS, SEED = 300, 4
CONSTRUCTED_BANNER = "CONSTRUCTED, NOT A MEASUREMENT"


@pytest.fixture(scope="module")
def replayed(tmp_path_factory):
    """The notebook with its defaults (mode replay, the shipped fixture), small trials."""
    from drsim.report.run import run_notebook

    out = tmp_path_factory.mktemp("nb05-replay")
    run = run_notebook(NOTEBOOK, out, {"trials": TRIALS, "seed": SEED})
    assert run.ok, run.error
    return run


@pytest.mark.notebook
@pytest.mark.slow
def test_replay_of_the_fixture_shows_the_comparison_of_the_local_game_day(replayed):
    assert {p.name for p in replayed.figures} == {"rto.png", "phases.png"}
    for p in replayed.figures:
        assert p.read_bytes().startswith(b"\x89PNG") and p.stat().st_size > 10_000
    # The page's numbers are drsim gameday aws replay's for the same trials and seed.
    expected = beside_simulation(aws_gamedays(fixture_run_dir()), seed=SEED, trials=TRIALS)
    (run,) = replayed.records["runs"]
    summary = expected.runs[0].summary
    assert run["run_id"] == summary.run_id
    assert run["rto_s"] == pytest.approx(summary.rto_s)
    assert run["probe_rto_s"] == pytest.approx(summary.probe_rto_s)
    assert run["lost_writes"] == summary.lost_writes == 4
    phases = {r["phase"]: r for r in replayed.records["phases"]}
    for row in expected.phases.itertuples():
        assert phases[row.phase]["simulated_p50_s"] == pytest.approx(row.simulated_p50_s)
        assert phases[row.phase]["measured_p50_s"] == pytest.approx(row.measured_p50_s)
    html = replayed.html.read_text()
    for section in ("Each run", "Measured RTO in the simulated distribution", "Phase by phase",
                    "One run's timeline", "sim_percentile", "probe_recovered"):
        assert section in html
    assert f"beside {TRIALS:,} simulated trials" in html


@pytest.mark.notebook
@pytest.mark.slow
def test_the_page_says_the_fixture_is_constructed_not_measured(replayed):
    head = replayed.records["headline"]
    assert head["mode"] == "replay" and head["constructed"] is True
    assert head["provenance"][0].startswith("constructed:")
    html = replayed.html.read_text()
    assert CONSTRUCTED_BANNER in html
    assert "NOT recorded from AWS, it measures nothing" in html  # the manifest's own words
    assert [r["provenance"] for r in replayed.records["runs"]] == [head["provenance"][0]]


@pytest.mark.notebook
@pytest.mark.slow
def test_every_figure_label_of_the_replay_page_stands_clear_with_its_unit(replayed, tmp_path):
    figures = browser.figure_labels(replayed.html, tmp_path)
    assert len(figures) == 2  # shown as SVG, so the browser can measure every label
    assert browser.label_faults(figures) == []
    shown = {t["text"] for fig in figures for t in fig["texts"]}
    assert any("CONSTRUCTED run, not measured" in t for t in shown)


@pytest.mark.notebook
@pytest.mark.slow
def test_a_run_without_its_guards_fails_visibly_and_does_nothing(tmp_path):
    from drsim.report.run import run_notebook

    gamedays = tmp_path / "gamedays"
    run = run_notebook(NOTEBOOK, tmp_path / "out", {"mode": "run", "out_dir": str(gamedays)})
    assert not run.ok
    assert run.error.startswith("05-aws-gameday failed in cell In [")
    assert "GuardRefused" in run.error and "nothing was done" in run.error
    assert "--confirm-account" in run.error and "--max-usd" in run.error
    html = run.html.read_text()
    assert "Refused: nothing was deployed." in html and "<code>account</code>" in html
    assert run.records["refused"] == {"mode": "run", "refused": True}
    assert run.figures == [] and not gamedays.exists()


@pytest.mark.notebook
@pytest.mark.slow
@pytest.mark.infra
def test_plan_mode_shows_the_synthesized_plan_and_deploys_nothing(tmp_path):
    missing = [m for m in INFRA_EXTRA if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"the infra extra is not installed ({', '.join(missing)}); "
                    "pip install -e '.[infra]'")
    from drsim.report.run import run_notebook

    run = run_notebook(NOTEBOOK, tmp_path / "out", {"mode": "plan", "trials": TRIALS})
    assert run.ok, run.error
    assert run.figures == []  # no runs: nothing to compare
    order = [s["name"] for s in run.records["plan-stacks"]]
    assert set(order) == {"DrsimPrimary", "DrsimSecondary", "DrsimPrimaryLinks",
                          "DrsimFailover"}
    # the seed's two-stage S3 replication: the links after the secondary they point at
    assert order.index("DrsimPrimaryLinks") > order.index("DrsimSecondary")
    assert [s["step"] for s in run.records["plan-steps"]] == [
        "deploy", "wait_healthy", "start_probes", "inject", "poll", "collect", "teardown"]
    head, cost = run.records["headline"], run.records["plan-cost"]
    assert head["mode"] == "plan" and head["constructed"] is False
    assert cost["total_usd"] > 0
    assert head["estimated_usd"] == pytest.approx(cost["total_usd"], abs=1e-6)
    html = run.html.read_text()
    assert "Plan only" in html and "Nothing is deployed" in html
    # the fault's FIS experiment, or plainly why there is none
    assert "plan-fis" in run.records or "not in this synthesis" in html
    for api in ("GetHealthCheckStatus", "DescribeAlarmHistory", "GetExecutionHistory"):
        assert api in html
    assert "No runs in mode" in html


# ---- the helpers behind the cells, in this process ---------------------------------------

def test_run_mode_refuses_before_anything_slow_or_aws_is_touched(monkeypatch):
    import drsim.compare.aws_plan

    def no_synthesis(*args, **kwargs):
        raise AssertionError("the plan was made before the guards refused")

    monkeypatch.setattr(drsim.compare.aws_plan, "aws_plan", no_synthesis)
    for module in ("drsim.compare.aws_run", "drsim.gameday.aws.run"):
        monkeypatch.delitem(sys.modules, module, raising=False)
    with pytest.raises(GuardRefused, match="--confirm-account ID .* and --max-usd X"):
        page.aws_gameday("run", account="", max_usd=0.0, out_dir="unused")
    with pytest.raises(GuardRefused, match="needs --max-usd X"):
        page.aws_gameday("run", account="111122223333", max_usd=0.0, out_dir="unused")
    with pytest.raises(GuardRefused, match="not an AWS account id"):
        page.aws_gameday("run", account="me", max_usd=5.0, out_dir="unused")
    assert "drsim.compare.aws_run" not in sys.modules
    assert "drsim.gameday.aws.run" not in sys.modules


def test_the_refusal_note_names_the_notebook_parameters_that_are_missing():
    assert page.refusal_note("replay", "", 0.0) is None
    assert page.refusal_note("plan", "", 0.0) is None
    assert page.refusal_note("run", "111122223333", 3.0) is None
    both = page.refusal_note("run", "", 0.0)
    assert "`account` and `max_usd`" in both and "nothing was deployed" in both
    assert "`max_usd` set" in page.refusal_note("run", "111122223333", 0)


def test_a_guarded_run_shows_its_plan_then_replays_the_run_directories_it_wrote(monkeypatch,
                                                                             tmp_path):
    import drsim.compare.aws_plan

    real_plan = drsim.compare.aws_plan.aws_plan
    calls = []
    plan = types.SimpleNamespace(scenario="seed-warm-standby", fault="region_isolation",
                                 regions={"primary": "us-east-1", "secondary": "us-east-2"},
                                 synth_s=30.0, estimated_usd=5.25)

    def aws_plan(scenario, **kwargs):  # stands in for the synthesis (tested in plan mode)
        calls.append(("plan", scenario, kwargs))
        return plan

    def run_aws_gameday(scenario, **kwargs):  # stands in for the AWS run: no AWS here
        calls.append(("run", scenario, kwargs))
        return [fixture_run_dir()]

    import drsim.compare.aws_run

    real_run = drsim.compare.aws_run.run_aws_gameday
    monkeypatch.setattr(drsim.compare.aws_plan, "aws_plan", aws_plan)
    monkeypatch.setitem(sys.modules, "drsim.compare.aws_run",
                        types.SimpleNamespace(run_aws_gameday=run_aws_gameday))
    args = {"scenario": "seed-warm-standby", "account": "111122223333", "max_usd": 20.0,
            "fault": "region_isolation", "runs": 2, "hours": 1.5, "out_dir": str(tmp_path / "gd")}
    gd = page.prepare("run", **args)
    assert gd.plan is plan and gd.gamedays is None
    assert "The plan of this run" in gd.headline()
    assert len(calls) == 1  # the plan is shown before the run starts
    gd = page.compare(gd, **args, trials=50, seed=1)
    assert calls == [
        ("plan", "seed-warm-standby", {"fault": "region_isolation", "hours": 1.5}),
        ("run", "seed-warm-standby", {"account": "111122223333", "max_usd": 20.0,
                                      "fault": "region_isolation", "runs": 2,
                                      "out_dir": tmp_path / "gd", "hours": 1.5})]
    # the stand-ins are called as the real functions take their arguments
    for real, (_, scenario, kwargs) in zip((real_plan, real_run), calls):
        named = inspect.signature(real).parameters
        inspect.signature(real).bind(scenario, **kwargs)
        assert set(kwargs) <= {n for n, p in named.items() if p.kind is p.KEYWORD_ONLY}
    assert gd.run_dirs == (fixture_run_dir(),) and gd.plan is plan
    assert [r.run_id for r in gd.comparison.runs] == [
        "seed-warm-standby/region_isolation/fixture/run-0"]
    assert (tmp_path / "gd" / "report.json").is_file()  # the comparison beside the runs
    assert "ran in AWS and were replayed" in gd.headline()
    assert CONSTRUCTED_BANNER in gd.headline()  # whatever the mode, a constructed record says so
    assert gd.record()["estimated_usd"] == 5.25 and gd.record()["constructed"] is True


def test_replay_writes_nothing_and_bad_input_is_one_message(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    gd = page.aws_gameday("replay", trials=20, seed=0, out_dir="aws-gamedays")
    assert gd.constructed and list(tmp_path.iterdir()) == []
    with pytest.raises(DrsimError, match="mode: 'deploy' is not one of plan, run, replay"):
        page.aws_gameday("deploy")
    with pytest.raises(DrsimError, match="no such directory"):
        page.aws_gameday("replay", run_dir=str(tmp_path / "nowhere"))
    with pytest.raises(DrsimError, match=r"account: 12345678901 must be text.*-r account"):
        page.aws_gameday("run", account=12345678901, max_usd=5.0, out_dir="x")
    with pytest.raises(DrsimError, match="runs: 0"):
        page.aws_gameday("run", account="111122223333", max_usd=5.0, runs=0, out_dir="x")


def test_drsim_report_never_runs_the_aws_notebook():
    from drsim.report.run import COMPARE, EXPLORE, SCENARIO_REPORT, plan_jobs, validate_inputs

    loaded = validate_inputs(["seed-warm-standby", "active-active", "local-lab"])
    jobs = plan_jobs(loaded, trials=10, seed=0)
    assert {j.notebook for j in jobs} == {EXPLORE, SCENARIO_REPORT, COMPARE}
    assert NOTEBOOK.stem not in {EXPLORE, SCENARIO_REPORT, COMPARE}
