"""``drsim postmortem`` end to end, one per importer, its JSON, --out, and bad input
(one message naming the file and row, exit 2, nothing written)."""

from __future__ import annotations

import json
import math
import re

import pytest

from drsim.cli import main
from drsim.compare.postmortem import MIN_DEVIATION_S, most_deviant, rto_if_modelled
from drsim.rules import PHASES
from tests.conftest import ROOT, run_cli

DATA = ROOT / "tests" / "data" / "postmortem"
TRIALS = "300"
FAULT_AT = "2026-11-30T14:00:02.48Z"


def postmortem_json(capsys, *args) -> dict:
    assert main(["postmortem", *map(str, args), "--scenario", "seed-warm-standby",
                 "--trials", TRIALS, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def check_run(run: dict) -> None:
    """What every run's JSON holds, and the rules between its figures."""
    assert set(run["phases"]) == set(PHASES)
    for ph in run["phases"].values():
        assert set(ph) == {"measured_s", "percentile", "simulated_p50_s", "difference_s",
                           "rto_if_modelled_s"}
        assert ph["percentile"] is None or 0 <= ph["percentile"] <= 100
    for key in ("rto_s", "rto_percentile", "most_deviant_phase", "rto_if_modelled_s"):
        assert key in run
    deviant = run["most_deviant_phase"]
    if deviant is not None and run["rto_if_modelled_s"] is not None:
        ph = run["phases"][deviant]
        assert run["rto_if_modelled_s"] == ph["rto_if_modelled_s"]
        assert abs(ph["difference_s"]) >= MIN_DEVIATION_S
        others = [abs(p["percentile"] - 50) for n, p in run["phases"].items()
                  if p["percentile"] is not None and abs(p["difference_s"]) >= MIN_DEVIATION_S]
        assert abs(ph["percentile"] - 50) == max(others)


def test_chaos_toolkit_journal_end_to_end(capsys):
    out = postmortem_json(capsys, DATA / "journal.json")
    assert (out["scenario"], out["trials"], out["seed"]) == ("seed-warm-standby", 300, 0)
    assert out["files"][0]["format"] == "chaostoolkit"
    (run,) = out["runs"]
    check_run(run)
    assert run["rto_s"] == 720.0
    assert run["phases"]["detect_s"]["measured_s"] == 95.0
    assert run["phases"]["recover_s"]["measured_s"] == pytest.approx(461.0 - 192.8)
    assert [u["name"] for u in out["unplaced_events"]] == [
        "check-error-budget", "restore-primary-region", "service-answers"]


def test_fis_experiment_end_to_end(capsys):
    out = postmortem_json(capsys, DATA / "fis-experiment.json")
    (run,) = out["runs"]
    check_run(run)
    # FIS records the fault and the step it ran, not detection nor recovery: those
    # phases are not measured, and say so (None), rather than being guessed.
    assert run["rto_s"] is None and run["rto_percentile"] is None
    assert run["phases"]["detect_s"]["percentile"] is None
    assert run["rto_if_modelled_s"] is None
    assert [u["name"] for u in out["unplaced_events"]] == ["stop-standby-tasks", "experiment_end"]


def test_arc_plan_execution_end_to_end(capsys):
    out = postmortem_json(capsys, DATA / "arc-plan-execution.json", "--fault-at", FAULT_AT)
    (run,) = out["runs"]
    check_run(run)
    assert run["fault_utc"] == "2026-11-30T14:00:02.480+00:00"
    assert run["probe_rto_s"] == pytest.approx(564.02)
    assert 0 <= run["probe_rto_percentile"] <= 100
    assert run["phases"]["recover_s"]["measured_s"] == pytest.approx(207.4)


def test_incident_csv_end_to_end_with_text_output(capsys):
    assert main(["postmortem", str(DATA / "incident.csv"), "--scenario", "seed-warm-standby",
                 "--set", "decision.mode=manual", "--trials", TRIALS,
                 "--map", "customer tickets fall=first_success"]) == 0
    text = capsys.readouterr().out
    assert "run incident (incident," in text
    assert "most deviant:" in text and "RTO had it behaved as modelled" in text
    assert "#incident channel opened" in text     # listed, not dropped
    assert "customer tickets fall" not in text.split("not placed")[-1]


def test_a_drsim_timeline_end_to_end_and_out_dir(tmp_path, capsys):
    tl = tmp_path / "trial.jsonl"
    assert main(["explain", "seed-warm-standby", "--trial", "7", "--timeline", str(tl)]) == 0
    capsys.readouterr()
    out_dir = tmp_path / "pm"
    out = postmortem_json(capsys, tl, "--out", out_dir)
    (run,) = out["runs"]
    check_run(run)
    assert run["source"] == "sim"
    assert sorted(p.name for p in out_dir.iterdir()) == ["phases.csv", "postmortem.json",
                                                         "timeline.csv"]
    assert json.loads((out_dir / "postmortem.json").read_text()) == out


def test_rto_if_modelled_moves_the_later_moments_through_the_phase_formula():
    measured = {"detect_s": 90.0, "alarm_lag_s": 100.0, "decide_s": 0.0, "recover_s": 300.0,
                "cutover_s": 200.0, "rto_s": 690.0}
    # A runbook 100 s slower than modelled: recovery 100 s sooner had it been modelled.
    assert rto_if_modelled(measured, "recover_s", 200.0) == 590.0
    assert rto_if_modelled(measured, "detect_s", 30.0) == 630.0
    # Cut-over: from the end of the runbook (490 s) plus the modelled cut-over.
    assert rto_if_modelled(measured, "cutover_s", 50.0) == 540.0
    # Recovery that came before the runbook ended (cut-over clipped at 0).
    early = {**measured, "cutover_s": 0.0, "rto_s": 450.0}
    assert rto_if_modelled(early, "cutover_s", 20.0) == 510.0


def test_most_deviant_ignores_sub_second_differences_and_breaks_ties_by_seconds():
    ph = lambda pct, diff: {"percentile": pct, "difference_s": diff}
    phases = {"detect_s": ph(60, 5), "alarm_lag_s": ph(50, 0), "decide_s": ph(100, 0.003),
              "recover_s": ph(0, -40), "cutover_s": ph(100, 80)}
    assert most_deviant(phases) == "cutover_s"
    phases["cutover_s"] = ph(None, math.nan)
    assert most_deviant(phases) == "recover_s"
    assert most_deviant({n: ph(50, 0.2) for n in PHASES}) is None


@pytest.mark.parametrize("name, text, args, message", [
    ("bad-columns.csv", "time,what\n2026-11-30T14:00:00Z,alarm\n", [],
     "bad-columns.csv: line 1: columns time,what are neither a drsim timeline's"),
    ("wrong-columns.csv", "timestamp,event,severity\n2026-11-30T14:00:00Z,alarm,high\n",
     ["--format", "incident"], "line 1: columns timestamp,event,severity; an incident CSV has columns"),
    ("bad-time.csv", "timestamp,event\n2026-11-30T14:00:00Z,fault_injected\nyesterday,alarm\n",
     [], r"bad-time.csv: row 2 \(line 3\): timestamp: time 'yesterday' is not ISO-8601"),
    ("naive.csv", "timestamp,event\n2026-11-30T14:00:00,fault_injected\n", [],
     "row 1 .* has no UTC offset"),
    ("no-fault.csv", "timestamp,event\n2026-11-30T14:00:00Z,alarm\n", [],
     "no-fault.csv: no fault moment: nothing in it is mapped to fault_injected"),
    ("before.csv", ("timestamp,event\n2026-11-30T14:00:00Z,fault_injected\n"
     "2026-11-30T13:59:00Z,alarm\n"), [],
     r"before.csv: row 2 \(line 3\): alarm at 2026-11-30T13:59:00.000\+00:00 is 60 s before"),
    ("other-runbook.csv", ("timestamp,event,component\n2026-11-30T14:00:00Z,fault_injected,\n"
     "2026-11-30T14:05:00Z,step_started,restore_from_backup\n"), [],
     (r"row 2 \(line 3\): runbook step 'restore_from_backup' is not a step of seed-warm-standby's "
     r"runbook \(promote_database, scale_standby, switch_traffic\)")),
    ("journal.json", '{"experiment": {}, "status": "completed"}', ["--format", "chaostoolkit"],
     "journal.json: missing start, end; a Chaos Toolkit journal has"),
    ("fis.json", '{"experiment": {"id": "x", "actions": {"a": {"startTime": "14:00"}}}}', [],
     r"fis.json: experiment.actions.a.startTime: time '14:00' is not ISO-8601"),
    ("t.csv", "run_id,source,t_s,event,component,detail\nr,local,soon,alarm,,\n", [],
     "t.csv: row 1: t_s 'soon' is not a number"),
])
def test_bad_input_one_message_exit_2_nothing_written(tmp_path, capsys, name, text, args,
                                                      message):
    path = tmp_path / name
    path.write_text(text)
    out_dir = tmp_path / "out"
    code = main(["postmortem", str(path), "--scenario", "seed-warm-standby", "--trials", "10",
                 "--out", str(out_dir), *args])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert re.search(message, err), err
    assert not out_dir.exists()


def test_arc_without_fault_at_and_a_foreign_step(tmp_path, capsys):
    code = main(["postmortem", str(DATA / "arc-plan-execution.json"), "--scenario",
                 "seed-warm-standby", "--trials", "10"])
    assert code == 2
    assert "no fault moment" in capsys.readouterr().err
    arc = json.loads((DATA / "arc-plan-execution.json").read_text())
    arc["stepStates"][1]["name"] = "warm-caches"
    (tmp_path / "arc.json").write_text(json.dumps(arc))
    code = main(["postmortem", str(tmp_path / "arc.json"), "--scenario", "seed-warm-standby",
                 "--trials", "10", "--fault-at", FAULT_AT])
    err = capsys.readouterr().err
    assert code == 2
    assert "stepStates[1] (warm-caches): runbook step 'warm_caches' is not a step" in err
    assert "--map 'NAME=step:promote_database'" in err
    # Mapped onto the runbook, it is accepted.
    assert main(["postmortem", str(tmp_path / "arc.json"), "--scenario", "seed-warm-standby",
                 "--trials", "10", "--fault-at", FAULT_AT,
                 "--map", "warm-caches=step:scale_standby"]) == 0


def test_the_real_command_exits_2_without_a_traceback(tmp_path):
    done = run_cli("postmortem", DATA / "incident.csv", "--scenario", "seed-warm-standby",
                   "--map", "x=not_an_event", "--trials", "10")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("drsim postmortem: --map 'x=not_an_event': target")


def test_fis_and_arc_of_one_run_end_to_end(capsys):
    out = postmortem_json(capsys, DATA / "fis-experiment.json", DATA / "arc-plan-execution.json",
                          "--one-run")
    (run,) = out["runs"]
    check_run(run)
    assert out["files"][0]["format"] == "fis+arc"
    assert run["probe_rto_s"] == pytest.approx(564.02)
    assert run["phases"]["recover_s"]["measured_s"] == pytest.approx(399.42 - 192.02)
    assert run["most_deviant_phase"] == "recover_s"  # the only phase both records bound


def test_postmortem_defaults_to_the_one_trials_and_seed():
    from drsim import defaults
    from drsim.cli import build_parser
    from drsim.compare.postmortem import postmortem

    args = build_parser().parse_args(["postmortem", "x.csv", "--scenario", "s"])
    assert (args.trials, args.seed) == (defaults.TRIALS, defaults.SEED)
    kw = postmortem.__kwdefaults__
    assert (kw["trials"], kw["seed"]) == (defaults.TRIALS, defaults.SEED)


def test_a_timeline_of_another_runbook_is_refused(tmp_path, capsys):
    tl = tmp_path / "backup.csv"
    assert main(["explain", "backup-restore", "--trial", "0", "--timeline", str(tl)]) == 0
    capsys.readouterr()
    assert main(["postmortem", str(tl), "--scenario", "seed-warm-standby", "--trials", "10"]) == 2
    err = capsys.readouterr().err
    assert re.search(r"backup.csv: line \d+: runbook step 'provision_infrastructure' is not a "
                     "step of seed-warm-standby's runbook", err), err


def test_the_result_as_a_frame_and_html(capsys):
    from drsim.compare.postmortem import postmortem
    from drsim.gameday.imports import import_timeline
    from drsim.scenario import load_scenario

    scenario = load_scenario("seed-warm-standby")
    pm = postmortem([import_timeline(DATA / "journal.json", scenario=scenario)], scenario,
                    trials=100)
    df = pm.to_frame()
    assert list(df["phase"]) == list(PHASES)
    assert df["most_deviant"].sum() == 1
    assert "<table" in pm._repr_html_() and "3 record(s) not placed" in pm._repr_html_()
    assert repr(pm) == "Postmortem('seed-warm-standby', runs=1, trials=100, seed=0, unplaced=3)"
