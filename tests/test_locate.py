"""One scenario locator: a bundled name or a path, the same in every command, in the
library and from any working directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import drsim
from drsim.cli import build_parser
from drsim.errors import ScenarioError
from drsim.scenario.locate import (
    bundled_dir,
    bundled_names,
    bundled_scenario_paths,
    scenario_file,
)
from tests.conftest import ROOT, run_cli

NAMES = ["active-active", "backup-restore", "hot-standby", "local-lab", "pilot-light",
         "seed-warm-standby", "warm-standby"]


def test_the_bundled_scenarios_live_inside_the_package():
    assert bundled_dir() == Path(drsim.__file__).parent / "data" / "scenarios"
    assert bundled_names() == NAMES
    assert [p.name for p in bundled_scenario_paths()] == [f"{n}.yaml" for n in NAMES]
    assert [p.stem for p in bundled_scenario_paths("local")] == ["local-lab"]


def test_no_module_of_the_package_reaches_into_the_checkout():
    for path in (ROOT / "drsim").rglob("*.py"):
        text = path.read_text()
        assert "parents[" not in text and "Path(__file__)" not in text, path


@pytest.mark.parametrize("given", ["seed-warm-standby", "seed-warm-standby.yaml"])
def test_a_name_with_or_without_yaml_is_the_bundled_file(given, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert scenario_file(given) == bundled_dir() / "seed-warm-standby.yaml"


def test_a_file_that_exists_wins_over_a_bundled_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pilot-light.yaml").write_text("extends: warm-standby\nname: mine\n")
    assert scenario_file("pilot-light.yaml") == Path("pilot-light.yaml")
    assert drsim.load_scenario("pilot-light.yaml").name == "mine"
    assert drsim.load_scenario("pilot-light").name == "pilot-light"  # no such file: bundled


def test_a_path_with_a_folder_is_never_a_bundled_name(tmp_path):
    with pytest.raises(ScenarioError, match="no such file"):
        scenario_file(tmp_path / "seed-warm-standby.yaml")


def test_neither_a_file_nor_a_bundled_name_lists_the_bundled_names(tmp_path):
    with pytest.raises(ScenarioError) as err:
        scenario_file("pilot-lite")
    assert str(err.value) == (
        "pilot-lite: no such file, and no bundled scenario of that name (bundled: "
        + ", ".join(NAMES) + "); did you mean 'pilot-light'?")
    with pytest.raises(ScenarioError, match="is a directory"):
        scenario_file(tmp_path)


def test_load_scenario_takes_a_scenario_a_path_or_a_name():
    by_name = drsim.load_scenario("seed-warm-standby")
    assert by_name == drsim.load_scenario(bundled_dir() / "seed-warm-standby.yaml")
    assert drsim.load_scenario(by_name) is by_name
    changed = drsim.load_scenario(by_name, ["dns.ttl_s=5"])
    assert changed.dns.ttl_s == 5 and by_name.dns.ttl_s == 60
    assert changed == drsim.load_scenario("seed-warm-standby", {"dns.ttl_s": 5})


def test_simulate_takes_a_name_a_path_or_a_scenario():
    path = bundled_dir() / "seed-warm-standby.yaml"
    expected = drsim.simulate(drsim.load_scenario(path), trials=60, seed=3).summary
    assert drsim.simulate("seed-warm-standby", trials=60, seed=3).summary == expected
    assert drsim.simulate(str(path), trials=60, seed=3).summary == expected
    assert drsim.simulate(path, trials=60, seed=3).summary == expected
    with pytest.raises(ScenarioError, match="bundled: active-active"):
        drsim.simulate("no-such-scenario", trials=60)


@pytest.mark.slow  # one drsim process per command
def test_commands_take_bundled_names_from_any_working_directory(tmp_path):
    ok = run_cli("validate", "seed-warm-standby", "local-lab.yaml", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.splitlines() == [
        "ok: seed-warm-standby (seed-warm-standby: warm_standby, aws, us-east-1 -> us-east-2)",
        "ok: local-lab.yaml (local-lab: warm_standby, local, lab-a -> lab-b)"]
    by_name = run_cli("simulate", "pilot-light", "--trials", 80, "--seed", 2, "--json",
                      cwd=tmp_path)
    by_path = run_cli("simulate", bundled_dir() / "pilot-light.yaml", "--trials", 80,
                      "--seed", 2, "--json", cwd=ROOT)
    assert by_name.returncode == 0, by_name.stderr
    assert by_name.stdout == by_path.stdout
    assert json.loads(by_name.stdout)["scenario"] == "pilot-light"
    cost = run_cli("cost", "seed-warm-standby", "--no-risk", "--json", cwd=tmp_path)
    assert cost.returncode == 0, cost.stderr
    assert json.loads(cost.stdout)["scenario"] == "seed-warm-standby"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", [["validate"], ["simulate"], ["cost"],
                                     ["report", "--out", "never"]])
def test_an_unknown_name_is_one_message_exit_2(command, tmp_path):
    proc = run_cli(*command, "seed-warm-stanby", cwd=tmp_path)
    assert proc.returncode == 2
    assert "seed-warm-stanby: no such file, and no bundled scenario of that name (bundled: " \
           "active-active, backup-restore" in proc.stderr
    assert "did you mean 'seed-warm-standby'?" in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_the_local_game_day_defaults_to_the_bundled_local_lab():
    args = build_parser().parse_args(["gameday", "local"])
    assert args.scenario == "local-lab"
    assert drsim.load_scenario(args.scenario).platform == "local"
