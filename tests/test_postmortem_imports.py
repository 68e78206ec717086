"""Each importer on its hand-built fixture (tests/data/postmortem, built from the tools'
documentation): the exact events, seconds since the fault, the records left unplaced,
and the mapping overrides."""

from __future__ import annotations

import json

import pytest

from drsim.errors import DrsimError
from drsim.gameday.imports import detect_format, import_run, import_timeline, parse_map_options
from drsim.gameday.imports.mapping import parse_target
from drsim.gameday.imports.times import iso_duration_s, utc_time
from drsim.scenario import load_scenario
from drsim.timeline import COLUMNS, check_frame, phases
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data" / "postmortem"
SEED = load_scenario("seed-warm-standby")
FAULT_AT = "2026-11-30T14:00:02.48Z"


def events(imp) -> list[tuple]:
    return [(r.t_s, r.event, r.component) for r in imp.timeline.itertuples()]


def test_formats_are_told_apart_by_suffix_and_content(tmp_path):
    assert {f: detect_format(DATA / f) for f in ("journal.json", "fis-experiment.json",
                                                 "arc-plan-execution.json", "incident.csv")} == {
        "journal.json": "chaostoolkit", "fis-experiment.json": "fis",
        "arc-plan-execution.json": "arc", "incident.csv": "incident"}
    (tmp_path / "t.csv").write_text("run_id,source,t_s,event,component,detail\n")
    (tmp_path / "t.jsonl").write_text("")
    assert detect_format(tmp_path / "t.csv") == detect_format(tmp_path / "t.jsonl") == "drsim"


def test_chaos_toolkit_journal_actions_probes_and_naive_utc_times():
    imp = import_timeline(DATA / "journal.json", scenario=SEED)
    assert imp.format == "chaostoolkit"
    check_frame(imp.timeline)
    assert list(imp.timeline.columns) == list(COLUMNS)
    assert set(imp.timeline["source"]) == {"incident"}
    # The fault: the action named like a failure mode, at its start (naive = UTC).
    assert imp.fault_utc == {imp.run_ids[0]: "2026-11-30T14:00:00.250+00:00"}
    assert events(imp) == [
        (0.0, "fault_injected", "inject-region-outage"),
        (95.0, "unhealthy_declared", "unhealthy-declared"),   # probes named like events:
        (192.0, "alarm", "alarm"),                             # at their end
        (192.8, "failover_decided", "failover-decided"),
        (192.85, "step_started", "promote_database"),          # actions named like steps
        (418.0, "step_finished", "promote_database"),
        (418.05, "step_started", "scale_standby"),
        (460.0, "step_finished", "scale_standby"),
        (460.05, "step_started", "switch_traffic"),
        (461.0, "step_finished", "switch_traffic"),
        (720.0, "recovered", "recovered"),
    ]
    # The scenario decides automatically on the alarm: the decision says so.
    decided = imp.timeline.loc[imp.timeline["event"] == "failover_decided", "detail"].item()
    assert decided.startswith("automatic (alarm)")
    assert [(u["name"], u["kind"], u["t_s"]) for u in imp.unplaced] == [
        ("check-error-budget", "probe", 461.05), ("restore-primary-region", "action", 721.75),
        ("service-answers", "probe", 720.75)]
    assert imp.unplaced[0]["where"].endswith("journal.json: run[7]")


def test_fis_experiment_actions_the_fault_and_a_runbook_step():
    imp = import_timeline(DATA / "fis-experiment.json", scenario=SEED)
    assert imp.run_ids == ["fis/EXP9f8e7d6c5b4a3"]
    assert set(imp.timeline["source"]) == {"aws"}
    assert imp.fault_utc == {"fis/EXP9f8e7d6c5b4a3": "2026-11-30T14:00:02.480+00:00"}
    assert events(imp) == [(0.0, "fault_injected", "isolate-primary-region"),
                           (197.62, "step_started", "promote_database"),
                           (339.42, "step_finished", "promote_database")]
    assert "aws:network:disrupt-connectivity" in imp.timeline["detail"].iloc[0]
    assert [(u["name"], u["kind"], u["t_s"]) for u in imp.unplaced] == [
        ("stop-standby-tasks", "action cancelled", None), ("experiment_end", "experiment end", 600.54)]


def test_arc_plan_execution_steps_decision_and_region_switch_recovery():
    imp = import_timeline(DATA / "arc-plan-execution.json", scenario=SEED, fault_at=FAULT_AT)
    assert events(imp) == [
        (0.0, "fault_injected", ""),                  # from --fault-at: ARC has no fault
        (192.02, "failover_decided", "region_switch"),
        (192.52, "step_started", "promote_database"),  # promote-database, normalised
        (192.62, "step_started", "scale_standby"),
        (289.52, "step_finished", "scale_standby"),
        (397.52, "step_finished", "promote_database"),
        (397.72, "step_started", "switch_traffic"),
        (399.42, "step_finished", "switch_traffic"),
        (564.02, "probe_recovered", "region_switch"),  # startTime + PT6M12S
    ]
    assert [u["name"] for u in imp.unplaced] == ["notify-stakeholders", "execution_end"]
    ph = phases(imp.timeline).iloc[0]
    assert ph["recover_s"] == pytest.approx(399.42 - 192.02)
    assert ph["probe_rto_s"] == pytest.approx(564.02)


def test_incident_csv_in_mixed_offsets():
    manual = SEED.with_overrides({"decision.mode": "manual"})
    imp = import_timeline(DATA / "incident.csv", scenario=manual)
    assert imp.fault_utc == {"incident": "2026-11-30T14:00:00.500+00:00"}  # -05:00 in the file
    got = {ev: t for t, ev, _ in events(imp)}
    assert got["unhealthy_declared"] == 100.5   # Z
    assert got["alarm"] == 149.5                # +01:00
    assert got["paged"] == 150.5                # +00:00
    assert got["recovered"] == 1914.5
    assert [u["name"] for u in imp.unplaced] == ["#incident channel opened", "customer tickets fall"]
    ph = phases(imp.timeline).iloc[0]
    # Manual: the alarm lag runs to the page, the people's part from the page to the decision.
    assert (ph["detect_s"], ph["alarm_lag_s"], ph["decide_s"]) == (100.5, 50.0, 1149.0)
    assert ph["recover_s"] == pytest.approx(1503.5 - 1299.5)
    assert ph["cutover_s"] == pytest.approx(1914.5 - 1503.5)


def test_drsim_timelines_keep_their_events_and_list_unknown_ones(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("run_id,source,t_s,event,component,detail\n"
                    "r1,local,0,fault_injected,,\n"
                    "r1,local,3.5,unhealthy_declared,health_check,\n"
                    "r1,local,4,page_sent,on_call,\n"
                    "r1,local,-0.2,write_lost,db,acknowledged before the fault\n"
                    "r2,sim,0,fault_injected,,\n")
    imp = import_timeline(path, scenario=SEED)
    assert imp.run_ids == ["r1", "r2"]
    assert imp.fault_utc == {"r1": None, "r2": None}
    assert [u["where"] for u in imp.unplaced] == [f"{path}: line 4"]
    assert (imp.timeline["event"] == "write_lost").sum() == 1  # before the fault, by nature
    # --map renames it; overrides are matched by normalised name.
    imp = import_timeline(path, overrides=parse_map_options(["Page-Sent=paged"]))
    assert imp.unplaced == []
    assert "paged" in set(imp.timeline["event"])


def test_map_overrides_targets_and_map_file(tmp_path):
    over = parse_map_options(["check-error-budget=first_success@end",
                              "restore-primary-region=step:switch_traffic"])
    imp = import_timeline(DATA / "journal.json", overrides=over, scenario=SEED)
    got = events(imp)
    assert (461.35, "first_success", "check-error-budget") in got
    assert (721.75, "step_started", "switch_traffic") in got
    assert (723.25, "step_finished", "switch_traffic") in got
    assert [u["name"] for u in imp.unplaced] == ["service-answers"]
    f = tmp_path / "map.yaml"
    f.write_text("'#incident channel opened': acknowledged\ncustomer tickets fall: first_success\n")
    manual = SEED.with_overrides({"decision.mode": "manual"})
    imp = import_timeline(DATA / "incident.csv", overrides=parse_map_options([], f),
                          scenario=manual)
    assert imp.unplaced == []
    # --map wins over the file.
    over = parse_map_options(["customer tickets fall=dns_switched"], f)
    assert str(over["customer_tickets_fall"]) == "dns_switched"


@pytest.mark.parametrize("text, message", [
    ("nonsense", "is not one of fault_injected"),
    ("step_started", "runbook steps are mapped with step or step:NAME"),
    ("alarm@middle", "is not one of"),
    ("step:", "needs a runbook step name"),
])
def test_a_bad_target_is_refused_with_what_is_allowed(text, message):
    with pytest.raises(DrsimError, match=message):
        parse_target(text, "--map x")
    with pytest.raises(DrsimError, match="write NAME=TARGET"):
        parse_map_options(["no-equals-sign"])


def test_times_iso_durations_and_naive_utc():
    assert iso_duration_s("PT6M12S", "x") == 372.0
    assert iso_duration_s("P1DT2H0.5S", "x") == 93600.5
    with pytest.raises(DrsimError, match="not an ISO-8601 duration"):
        iso_duration_s("P1Y", "x")
    assert utc_time("2026-11-30T14:00:00", "x") == utc_time("2026-11-30T15:00:00+01:00", "x")


def _response(name: str) -> dict:
    data = json.loads((DATA / name).read_text())
    data.pop("_comment")
    return data


def test_the_aws_fixtures_fit_botocores_api_model():
    pytest.importorskip("botocore")
    from botocore.exceptions import ParamValidationError

    from drsim.gameday.aws.validate import PollValidator

    v = PollValidator()
    fis = _response("fis-experiment.json")
    v.check("fis.GetExperiment", {"id": fis["experiment"]["id"]}, fis)
    arc = _response("arc-plan-execution.json")
    v.check("arc-region-switch.GetPlanExecution",
            {"planArn": arc["planArn"], "executionId": arc["executionId"]}, arc)
    # The check can fail: a misspelled field is refused.
    arc["stepStates"][0]["start_time"] = arc["stepStates"][0].pop("startTime")
    with pytest.raises(ParamValidationError, match="start_time"):
        v.check("arc-region-switch.GetPlanExecution",
                {"planArn": arc["planArn"], "executionId": arc["executionId"]}, arc)


def test_epoch_number_timestamps_as_the_aws_cli_v1_prints_them(tmp_path):
    fis = _response("fis-experiment.json")
    fis["experiment"]["actions"]["isolate-primary-region"]["startTime"] = 1796047202.48
    path = tmp_path / "fis.json"
    path.write_text(json.dumps(fis))
    imp = import_timeline(path, scenario=SEED)
    assert imp.fault_utc["fis/EXP9f8e7d6c5b4a3"] == "2026-11-30T14:00:02.480+00:00"


def test_the_shipped_fixtures_say_they_were_built_by_hand():
    assert "BUILT BY HAND" in (DATA / "README.md").read_text()
    for name in ("journal.json", "fis-experiment.json", "arc-plan-execution.json"):
        assert json.loads((DATA / name).read_text())["_comment"].startswith("BUILT BY HAND")


def test_several_files_of_one_run_merge_each_mapped_by_its_own_format(tmp_path):
    imp = import_run([DATA / "fis-experiment.json", DATA / "arc-plan-execution.json"],
                     scenario=SEED)
    assert imp.run_ids == ["fis/EXP9f8e7d6c5b4a3 + arc/exec-7e2c9d41"]
    assert (imp.format, imp.merged_with) == ("fis+arc", (DATA / "arc-plan-execution.json",))
    # The fault from FIS, the decision, the steps and the recovery from ARC.
    assert imp.fault_utc == {imp.run_ids[0]: "2026-11-30T14:00:02.480+00:00"}
    got = events(imp)
    assert got[0] == (0.0, "fault_injected", "isolate-primary-region")
    assert (192.02, "failover_decided", "region_switch") in got
    assert (564.02, "probe_recovered", "region_switch") in got
    assert {u["file"] for u in imp.unplaced} == {str(DATA / "fis-experiment.json"),
                                                 str(DATA / "arc-plan-execution.json")}
    tl = tmp_path / "t.csv"
    tl.write_text("run_id,source,t_s,event,component,detail\nr,sim,0,fault_injected,,\n")
    with pytest.raises(DrsimError, match="a drsim timeline is already one run"):
        import_run([DATA / "incident.csv", tl])


def test_an_empty_record_is_refused(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("timestamp,event\n")
    with pytest.raises(DrsimError, match="empty.csv: nothing in it"):
        import_timeline(path)
