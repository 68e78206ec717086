"""``drsim postmortem`` on a game day's output agrees with the game day's own comparison:
the same percentiles for every phase, the RTO and the probe's RTO, with the same
trials and seed. On the shipped AWS run (replayed) and on a real local game day."""

from __future__ import annotations

import json

import pytest

from drsim.cli import main
from drsim.compare.gameday import beside_simulation
from drsim.gameday import write_report
from drsim.jsontext import to_json
from drsim.rules import PHASES

TRIALS = 2000


def postmortem_of(capsys, timeline, scenario: str, mode: str, seed: int) -> dict:
    assert main(["postmortem", str(timeline), "--scenario", scenario, "--set",
                 f"failure.mode={mode}", "--trials", str(TRIALS), "--seed", str(seed),
                 "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def assert_agree(pm: dict, comparison) -> None:
    table = {row["phase"]: row for row in comparison.phases.to_dict(orient="records")}
    # The same table over all runs, as the game day's report.json writes it.
    assert pm["phases"] == json.loads(to_json(comparison.as_json()))["phases"]
    assert [r["rto_percentile"] for r in pm["runs"]] == comparison.measured_rto_percentiles
    assert [r["probe_rto_percentile"] for r in pm["runs"]] == \
        comparison.measured_probe_rto_percentiles
    if len(pm["runs"]) == 1:  # then the table's medians are the run's own figures
        (run,) = pm["runs"]
        for name in PHASES:
            assert run["phases"][name]["measured_s"] == table[name]["measured_p50_s"]
            assert run["phases"][name]["percentile"] == table[name]["measured_percentile"]
            assert run["phases"][name]["simulated_p50_s"] == table[name]["simulated_p50_s"]
        assert run["rto_percentile"] == table["rto_s"]["measured_percentile"]


def test_postmortem_of_the_replayed_aws_fixture_agrees_with_its_replay(tmp_path, capsys):
    pytest.importorskip("botocore")
    from drsim.gameday.aws import aws_gamedays
    from drsim.gameday.aws.fixture import fixture_run_dir

    gamedays = aws_gamedays(fixture_run_dir())
    comparison = beside_simulation(gamedays, seed=0, trials=TRIALS)
    write_report(gamedays, tmp_path)
    pm = postmortem_of(capsys, tmp_path / "timeline.csv", "seed-warm-standby",
                       gamedays.scenario.failure.mode, seed=0)
    assert_agree(pm, comparison)
    assert pm["unplaced_events"] == []
    (run,) = pm["runs"]
    assert run["most_deviant_phase"] in PHASES
    assert run["rto_if_modelled_s"] > run["rto_s"]  # the fixture's run beat the model


@pytest.mark.postgres
@pytest.mark.slow
def test_postmortem_of_a_local_game_day_agrees_with_its_comparison(tmp_path, capsys):
    from drsim.gameday.gamedays import local_gamedays
    from drsim.scenario import load_scenario

    scenario = load_scenario("local-lab")
    gamedays = local_gamedays(scenario, fault="app_crash", runs=1, seed=3, out_dir=tmp_path)
    comparison = beside_simulation(gamedays, seed=3, trials=TRIALS)
    pm = postmortem_of(capsys, tmp_path / "run-0" / "timeline.csv", "local-lab", "app_crash",
                       seed=3)
    assert_agree(pm, comparison)
    assert pm["unplaced_events"] == []
