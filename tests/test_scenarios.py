"""Scenario loading: bundled files, overrides, extends, sources, platform rules."""

from __future__ import annotations

import numbers

import pytest
from pydantic import BaseModel, ValidationError

import drsim
from drsim.distributions import Fixed
from drsim.scenario import scenario_from_dict
from drsim.scenario.paths import resolve
from tests.conftest import BUNDLED, SCENARIOS, minimal, run_cli

EXPECTED = {"seed-warm-standby", "backup-restore", "pilot-light", "warm-standby", "hot-standby",
            "active-active", "local-lab"}


def test_every_bundled_scenario_is_there_and_valid():
    assert {p.stem for p in BUNDLED} == EXPECTED
    proc = run_cli("validate", *BUNDLED)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("ok: ") == len(EXPECTED)


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_scenario_is_frozen(path):
    s = drsim.load_scenario(path)
    with pytest.raises(ValidationError):
        s.health_check.interval_s = 10


def _leaves(obj, prefix=""):
    """Dotted paths of the numbers and distributions in a scenario section."""
    if isinstance(obj, BaseModel) and hasattr(obj, "dist"):
        yield prefix
        return
    if isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            yield from _leaves(getattr(obj, name), f"{prefix}.{name}" if prefix else name)
    elif isinstance(obj, tuple):
        for item in obj:
            key = getattr(item, "name", None)
            yield from _leaves(item, f"{prefix}.{key}")
    elif isinstance(obj, numbers.Number) and not isinstance(obj, bool):
        yield prefix


SOURCED_SECTIONS = ("health_check", "alarm", "decision", "runbook", "dns", "compute", "datastores",
                    "workload")
# Fields that are identifiers or sizes of the example workload rather than sourced figures.
WORKLOAD = ("port", "write_rate_per_s", "size_gb", "instances_per_region", "clients",
            "required_tasks", "standby_tasks", "max_tasks", "task_vcpu", "task_memory_gb",
            "primary_share", "interval_s", "max_attempts", "retry_interval_s", "backoff_rate",
            "manual_fallback_s", "failure_probability", "healthy_fraction")


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_every_timing_figure_names_its_source(path):
    s = drsim.load_scenario(path)
    missing = []
    for section in SOURCED_SECTIONS:
        for leaf in _leaves(getattr(s, section), section):
            if leaf.rsplit(".", 1)[-1] in WORKLOAD and not any(
                    leaf.startswith(k) for k in s.sources):
                continue
            if not any(leaf == k or leaf.startswith(k + ".") for k in s.sources):
                missing.append(leaf)
    assert not missing, f"{path.name}: no source for {missing}"


def test_sources_resolve_to_fields_and_typos_are_caught():
    s = drsim.load_scenario(SCENARIOS / "seed-warm-standby.yaml")
    for key in s.sources:
        resolve(s, key)
    with pytest.raises(drsim.ScenarioError, match="sources.dns.tll_s: names no field.*did you mean 'ttl_s'"):
        scenario_from_dict(minimal(sources={"dns.tll_s": "assumption"}))


def test_overrides_set_nested_fields_by_name_and_are_validated():
    base = SCENARIOS / "seed-warm-standby.yaml"
    s = drsim.load_scenario(base, ["health_check.interval_s=10",
                                   "runbook.promote_database.duration_s={dist: fixed, value: 60}",
                                   "decision.mode=manual"])
    assert s.health_check.interval_s == 10
    assert s.step("promote_database").duration_s == Fixed(value=60)
    assert s.decision.mode == "manual"
    assert drsim.load_scenario(base, {"runbook.0.max_attempts": 5}).runbook[0].max_attempts == 5
    with pytest.raises(drsim.ScenarioError, match=r"\(--set health_check.interval_s=20\).*not one of 10, 30"):
        drsim.load_scenario(base, ["health_check.interval_s=20"])


def test_with_overrides_on_an_object():
    s = drsim.load_scenario(SCENARIOS / "warm-standby.yaml")
    t = s.with_overrides({"dns.ttl_s": 5})
    assert t.dns.ttl_s == 5 and s.dns.ttl_s == 60
    assert t.model_dump(exclude={"dns"}) == s.model_dump(exclude={"dns"})


def test_extends_merges_sections_replaces_lists_and_drops_stale_sources():
    seed = drsim.load_scenario(SCENARIOS / "seed-warm-standby.yaml")
    aa = drsim.load_scenario(SCENARIOS / "active-active.yaml")
    assert aa.health_check.interval_s == 10  # from hot-standby.yaml
    assert aa.health_check.failure_threshold == seed.health_check.failure_threshold  # from the seed
    assert [st.name for st in aa.runbook] == ["switch_traffic"]
    assert "runbook.promote_database.duration_s" not in aa.sources
    assert aa.sources["dns.ttl_s"] == seed.sources["dns.ttl_s"]


def test_extends_errors_name_the_file(tmp_path):
    (tmp_path / "a.yaml").write_text("extends: b.yaml\nname: a\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\nname: b\n")
    with pytest.raises(drsim.ScenarioError, match="extends itself"):
        drsim.load_scenario(tmp_path / "a.yaml")
    (tmp_path / "c.yaml").write_text("extends: nowhere.yaml\nname: c\n")
    with pytest.raises(drsim.ScenarioError, match=r"c.yaml:1: extends: no such file"):
        drsim.load_scenario(tmp_path / "c.yaml")
    (tmp_path / "d.yaml").write_text(f"extends: {SCENARIOS / 'seed-warm-standby.yaml'}\n"
                                     "name: d\nhealth_check: {interval_s: 12}\n")
    with pytest.raises(drsim.ScenarioError, match=r"d.yaml:3: health_check.interval_s: 12"):
        drsim.load_scenario(tmp_path / "d.yaml")


@pytest.mark.parametrize("ref", ["seed-warm-standby", "seed-warm-standby.yaml"])
def test_extends_a_bundled_name_from_a_file_anywhere(ref, tmp_path, monkeypatch):
    other = tmp_path / "elsewhere"
    other.mkdir()
    monkeypatch.chdir(other)  # neither the file's folder nor the checkout
    (tmp_path / "mine.yaml").write_text(f"extends: {ref}\nname: mine\ndns: {{ttl_s: 10}}\n")
    mine = drsim.load_scenario(tmp_path / "mine.yaml")
    seed = drsim.load_scenario("seed-warm-standby")
    assert mine.name == "mine" and mine.dns.ttl_s == 10
    assert mine.model_dump(exclude={"name", "dns"}) == seed.model_dump(exclude={"name", "dns"})
    assert mine.dns.model_dump(exclude={"ttl_s"}) == seed.dns.model_dump(exclude={"ttl_s"})


def test_extends_prefers_a_file_beside_the_extending_one_over_a_bundled_name(tmp_path):
    (tmp_path / "pilot-light.yaml").write_text(
        "extends: seed-warm-standby\nname: local-base\nalarm: {period_s: 10}\n")
    (tmp_path / "top.yaml").write_text("extends: pilot-light.yaml\nname: top\n")
    top = drsim.load_scenario(tmp_path / "top.yaml")
    assert top.alarm.period_s == 10  # from tmp_path/pilot-light.yaml, not the bundled one
    assert top.strategy == "warm_standby"


def test_extends_of_an_unknown_name_lists_the_bundled_ones(tmp_path):
    (tmp_path / "x.yaml").write_text("name: x\nextends: pilot-lite\n")
    with pytest.raises(drsim.ScenarioError) as err:
        drsim.load_scenario(tmp_path / "x.yaml")
    assert str(err.value) == (
        f"{tmp_path / 'x.yaml'}:2: extends: no such file {str(tmp_path / 'pilot-lite')!r}, and "
        "no bundled scenario of that name (bundled: active-active, backup-restore, hot-standby, "
        "local-lab, pilot-light, seed-warm-standby, warm-standby); did you mean 'pilot-light'?")


def test_local_platform_allows_sub_second_timings_aws_does_not():
    local = drsim.load_scenario(SCENARIOS / "local-lab.yaml")
    assert local.health_check.interval_s < 1
    with pytest.raises(drsim.ScenarioError, match="interval_s: 0.5 is not one of 10, 30"):
        local.with_overrides({"platform": "aws", "regions": {"primary": "us-east-1",
                                                             "secondary": "us-east-2"},
                              "datastores": []})
    with pytest.raises(drsim.ScenarioError, match="alarm.period_s: 45 is not a CloudWatch period"):
        scenario_from_dict(minimal(alarm={"period_s": 45}))
    assert scenario_from_dict(minimal(alarm={"period_s": 120})).alarm.period_s == 120
    with pytest.raises(drsim.ScenarioError, match="'postgres_streaming' does not run on platform aws"):
        scenario_from_dict(minimal(datastores=[{"name": "x", "kind": "postgres_streaming"}],
                                   runbook=[{"name": "promote_database", "duration_s": 1}]))


def test_step_action_defaults_to_its_name():
    s = scenario_from_dict(minimal(runbook=[{"name": "switch_traffic", "duration_s": 1},
                                            {"name": "notify", "duration_s": 1},
                                            {"name": "flip", "action": "switch_traffic",
                                             "duration_s": 1}]))
    assert [st.action for st in s.runbook] == ["switch_traffic", "other", "switch_traffic"]


@pytest.mark.parametrize("sections, words", [
    ({"strategy": "pilot_light"}, "pilot_light runs no compute"),
    ({"strategy": "warm_standby"}, "warm_standby runs a scaled-down copy"),
    ({"compute": {"standby_tasks": 1, "required_tasks": 2}}, "hot_standby runs full capacity"),
    ({"strategy": "active_active"}, "active_active serves clients from both regions"),
    ({"dns": {"primary_share": 0.5}}, "primary_share below 1 is active_active"),
    ({"dns": {"routing": "manual"}, "runbook": [{"name": "promote_database", "duration_s": 1}]},
     "manual routing moves traffic only"),
    ({"datastores": [{"name": "db", "kind": "aurora_global"}]}, "stays read-only"),
    ({"alarm": {"evaluation_periods": 2, "datapoints_to_alarm": 3}}, "M <= N"),
    ({"datastores": [{"name": "a", "kind": "s3_crr"}, {"name": "a", "kind": "s3_crr"}]}, "used twice"),
])
def test_configuration_mistakes_are_caught_with_a_fix(sections, words):
    with pytest.raises(drsim.ScenarioError, match=words):
        scenario_from_dict(minimal(**sections))


AWS_STRATEGIES = sorted(p.stem for p in BUNDLED if p.stem not in {"seed-warm-standby", "local-lab"})


@pytest.mark.parametrize("name", AWS_STRATEGIES)
def test_bundled_strategies_serve_the_seeds_workload(name):
    # A strategy comparison is only fair on the same workload: the same clients, requests
    # and traffic, and every write the seed takes taken somewhere at the same rate and size.
    seed = drsim.load_scenario(SCENARIOS / "seed-warm-standby.yaml")
    other = drsim.load_scenario(SCENARIOS / f"{name}.yaml")
    assert other.dns.clients == seed.dns.clients
    traffic = ("requests_per_s", "request_kb", "nat_processed_gb_per_region_month",
               "vpc_peering_gb_per_month", "aurora_write_ios_per_write", "aurora_read_ios_per_s",
               "aurora_replication_kb_per_write", "dynamodb_reads_per_write")
    assert {f: getattr(other.usage, f) for f in traffic} == \
        {f: getattr(seed.usage, f) for f in traffic}
    by_rate = sorted((d.write_rate_per_s, d.size_gb) for d in other.datastores)
    assert set(by_rate) <= {(d.write_rate_per_s, d.size_gb) for d in seed.datastores}
    # A different data tier (other kinds, or data the seed keeps that this one drops) is
    # stated in the description, where the comparison's reader sees it.
    tier = sorted((d.write_rate_per_s, d.kind) for d in other.datastores)
    if tier != sorted((d.write_rate_per_s, d.kind) for d in seed.datastores):
        assert "data tier" in " ".join(other.description.split()), other.description
