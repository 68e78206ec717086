"""``drsim gameday aws plan``: a real synthesis of infra/ (once for the module), read offline.

The synthesized plan is made by the real command line in a child process with every
``AWS_*`` variable removed and a HOME without ``~/.aws``: the plan needs no credentials.
The rest reads small cloud assemblies written here (the manifest's shape as CDK writes it)
or checks bad input, which is refused before any synthesis.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from drsim.cli import main
from drsim.compare.aws_plan import FIS_PRICE_KEY, aws_plan, estimate_run
from drsim.cost import price_scenario
from drsim.cost.breakdown import HOURS_PER_MONTH
from drsim.errors import DrsimError
from drsim.gameday.aws import synth
from drsim.gameday.aws.plan import (
    FAULTS,
    NOT_SYNTHESIZED,
    duration_min,
    fis_templates,
)
from drsim.gameday.aws.raw import POLLED_APIS
from drsim.scenario import load_scenario
from drsim.scenario.locate import bundled_dir
from tests.conftest import ROOT

SEED = "seed-warm-standby"
HOURS = 3.0
REQUIRED_KEYS = {"scenario", "stacks", "fault", "fis_templates", "probes", "estimated_usd",
                 "steps"}


def _no_aws_env(home: Path) -> dict:
    """This process's environment without any AWS setting, with an empty HOME (no ~/.aws)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "CDK_DEFAULT_"))}
    env.update(HOME=str(home), PYTHONPATH=str(ROOT), DRSIM_INFRA_DIR=str(ROOT / "infra"))
    return env


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    """``drsim gameday aws plan seed-warm-standby --json --hours 3``, run once, without
    credentials."""
    missing = [m for m in synth.INFRA_EXTRA if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"the infra extra is not installed ({', '.join(missing)}); "
                    "pip install -e '.[infra]'")
    home = tmp_path_factory.mktemp("home")
    done = subprocess.run(
        [sys.executable, "-m", "drsim", "gameday", "aws", "plan", SEED, "--json",
         "--hours", str(HOURS)],
        cwd=ROOT, env=_no_aws_env(home), capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    assert not (home / ".aws").exists()
    return json.loads(done.stdout), done.stderr




@pytest.mark.slow
@pytest.mark.infra
def test_plan_json_has_the_keys_and_says_what_it_did_on_stderr(synthesized):
    plan, err = synthesized
    assert REQUIRED_KEYS <= set(plan)
    assert plan["scenario"] == SEED and plan["fault"] == "region_isolation"
    assert "synthesizing the CDK app" in err and "synthesized 4 stacks in" in err


@pytest.mark.slow
@pytest.mark.infra
def test_stacks_follow_the_synthesized_dependencies(synthesized):
    plan, _ = synthesized
    names = [s["name"] for s in plan["stacks"]]
    assert sorted(names) == ["DrsimFailover", "DrsimPrimary", "DrsimPrimaryLinks",
                             "DrsimSecondary"]
    for i, stack in enumerate(plan["stacks"]):
        assert set(stack["depends_on"]) <= set(names[:i]), stack
    # The seed's two-stage S3 replication: the source buckets' stack needs the destination's.
    links = next(s for s in plan["stacks"] if s["name"] == "DrsimPrimaryLinks")
    assert "DrsimSecondary" in links["depends_on"]
    assert names.index("DrsimSecondary") < names.index("DrsimPrimaryLinks")
    for stack in plan["stacks"]:
        assert stack["resources"] == sum(stack["resource_types"].values()) > 0
    regions = {s["name"]: s["region"] for s in plan["stacks"]}
    assert regions["DrsimSecondary"] == plan["regions"]["secondary"] == "us-east-2"
    links_types = links["resource_types"]
    assert links_types.get("AWS::S3::Bucket", 0) >= 1  # the CRR source buckets live there


@pytest.mark.slow
@pytest.mark.infra
def test_estimate_is_the_cost_models_monthly_total_prorated(synthesized):
    plan, _ = synthesized
    monthly = price_scenario(load_scenario(SEED)).monthly_usd
    expected = monthly * HOURS / HOURS_PER_MONTH
    assert plan["estimate"]["stack_usd"] == pytest.approx(expected, abs=1e-6)
    assert plan["estimate"]["hours_per_month"] == HOURS_PER_MONTH == 730
    if plan["estimate"]["fis_usd"] is None:  # FIS unpriced: the total is the stack alone
        assert plan["estimated_usd"] == pytest.approx(expected, abs=1e-6)
        assert any("FIS" in m for m in plan["estimate"]["missing"])


@pytest.mark.slow
@pytest.mark.infra
def test_fis_templates_are_the_synthesized_ones_or_said_missing(synthesized):
    plan, _ = synthesized
    inject = next(s for s in plan["steps"] if s["step"] == "inject")
    if plan["fis_templates"]:  # infra/ has them: each is shown, and the run starts it
        for t in plan["fis_templates"]:
            assert t["actions"] and t["stack"] in {s["name"] for s in plan["stacks"]}
            assert any(f"{t['stack']}/{t['logical_id']}" in c for c in inject["calls"])
    else:
        assert plan["fis_status"].startswith(NOT_SYNTHESIZED)
        assert any(NOT_SYNTHESIZED in c for c in inject["calls"])


@pytest.mark.slow
@pytest.mark.infra
def test_probes_pollers_and_steps_come_from_the_stack_and_scenario(synthesized):
    plan, _ = synthesized
    scenario = load_scenario(SEED)
    kinds = [p["kind"] for p in plan["probes"]]
    assert kinds.count("drsim_probe") == 1 and "route53_health_check" in kinds
    check = next(p for p in plan["probes"] if p["kind"] == "route53_health_check")
    assert (check["port"], check["path"], check["interval_s"]) == (
        scenario.health_check.port, scenario.health_check.path, scenario.health_check.interval_s)
    ops = {f'{p["service"]}.{p["operation"]}': p["interval_s"] for p in plan["pollers"]}
    # What the run polls is what the replay reads: one poller per API, no more.
    assert sorted(ops) == sorted(POLLED_APIS) and len(ops) == len(plan["pollers"])
    assert ops["route53.GetHealthCheckStatus"] == scenario.health_check.interval_s / 2
    assert [s["step"] for s in plan["steps"]] == ["deploy", "wait_healthy", "start_probes",
                                                   "inject", "poll", "collect", "teardown"]
    deploy = plan["steps"][0]["calls"][0]
    order = [s["name"] for s in plan["stacks"]]
    assert deploy.startswith("cdk deploy " + " ".join(order)) and "drsim:run-id=" in deploy
    assert plan["steps"][-1]["calls"][0].startswith("cdk destroy " + " ".join(order[::-1]))


# ---- without a synthesis: the manifest read, the order derived, FIS, bad input ----------

def _write_assembly(folder: Path, stacks: dict[str, dict]) -> Path:
    """A cloud assembly as CDK writes it: ``{name: {region, deps, resources}}``, in the
    manifest in the order given (an asset artifact beside each, as CDK adds)."""
    folder.mkdir(parents=True, exist_ok=True)
    artifacts = {}
    for name, s in stacks.items():
        (folder / f"{name}.template.json").write_text(json.dumps({"Resources": s["resources"]}))
        artifacts[f"{name}.assets"] = {"type": "cdk:asset-manifest",
                                       "properties": {"file": f"{name}.assets.json"}}
        artifacts[name] = {"type": "aws:cloudformation:stack",
                           "environment": f"aws://unknown-account/{s['region']}",
                           "properties": {"templateFile": f"{name}.template.json",
                                          "stackName": name.lower(),
                                          "tags": {"drsim:scenario": "t"}},
                           "dependencies": [*s["deps"], f"{name}.assets"]}
    (folder / "manifest.json").write_text(json.dumps({"version": "48.0.0",
                                                      "artifacts": artifacts}))
    return folder


def _fis(fault: str, duration: str | None = "PT10M") -> dict:
    params = {"duration": duration} if duration else {}
    return {"Type": "AWS::FIS::ExperimentTemplate", "Properties": {
        "Description": f"{fault} test",
        "RoleArn": {"Fn::GetAtt": ["FisRole", "Arn"]},
        "Actions": {"cut": {"ActionId": "aws:network:disrupt-connectivity",
                            "Parameters": params, "Targets": {"Subnets": "subnets"}}},
        "Targets": {"subnets": {"ResourceType": "aws:ec2:subnet", "SelectionMode": "ALL",
                                "ResourceTags": {"drsim:tier": "app"}}},
        "StopConditions": [{"Source": "aws:cloudwatch:alarm",
                            "Value": {"Fn::GetAtt": ["StopAlarm", "Arn"]}}],
        "Tags": {"drsim:fault": fault}}}


def _fake_app(tmp_path: Path) -> Path:
    """Four stacks, listed in the manifest against their deployment order, with one FIS
    template per fault kind in the first."""
    r = {"Vpc": {"Type": "AWS::EC2::VPC", "Properties": {}}}
    fis = {f"Fis{i}": _fis(f) for i, f in enumerate(FAULTS)}
    return _write_assembly(tmp_path / "asm", {
        "DrsimFailover": {"region": "us-east-2", "deps": ["DrsimPrimary", "DrsimSecondary"],
                          "resources": r},
        "DrsimPrimaryLinks": {"region": "us-east-1", "deps": ["DrsimSecondary", "DrsimPrimary"],
                              "resources": r},
        "DrsimSecondary": {"region": "us-east-2", "deps": ["DrsimPrimary"], "resources": r},
        "DrsimPrimary": {"region": "us-east-1", "deps": [], "resources": {**r, **fis}},
    })


def test_the_order_is_derived_from_the_manifest_not_its_listing(tmp_path):
    asm = synth.read_assembly(_fake_app(tmp_path))
    order = [s.artifact for s in asm.stacks]
    # Listed last-first in the manifest; the two that may go in either order keep its listing.
    assert order == ["DrsimPrimary", "DrsimSecondary", "DrsimFailover", "DrsimPrimaryLinks"]
    assert asm.stack("DrsimPrimaryLinks").depends_on == ("DrsimSecondary", "DrsimPrimary")
    assert asm.stack("DrsimPrimary").resource_counts() == {"AWS::FIS::ExperimentTemplate": 3,
                                                           "AWS::EC2::VPC": 1}


def test_deployment_order_refuses_a_cycle():
    assert synth.deployment_order({"b": ["a"], "a": [], "c": ["b", "x"]}) == ["a", "b", "c"]
    with pytest.raises(DrsimError, match="cycle: a, b"):
        synth.deployment_order({"a": ["b"], "b": ["a"]})


def test_fis_templates_are_picked_by_their_fault_tag(tmp_path):
    asm = synth.read_assembly(_fake_app(tmp_path))
    (t,) = fis_templates(asm, "app_crash")
    assert t["stack"] == "DrsimPrimary" and t["description"] == "app_crash test"
    assert t["actions"] == [{"name": "cut", "action_id": "aws:network:disrupt-connectivity",
                             "duration": "PT10M", "targets": {"Subnets": "subnets"}}]
    assert t["stop_conditions"] == [{"source": "aws:cloudwatch:alarm", "value": "StopAlarm.Arn"}]
    assert t["action_minutes"] == 10.0 and t["role"] == "FisRole.Arn"


def test_iso_durations_in_minutes():
    assert duration_min("PT10M") == 10.0
    assert duration_min("PT1H30S") == 60.5
    assert duration_min("PT90S") == 1.5
    assert duration_min("PT") is None and duration_min("10 minutes") is None
    assert duration_min(None) is None


def test_fis_action_minutes_are_priced_when_the_table_has_fis(tmp_path):
    prices = tmp_path / "prices"
    shutil.copytree(bundled_dir().parent / "prices", prices)
    table = next(prices.glob("aws_us-east-1_*.csv"))
    # A made-up price for the test only: the bundled tables do not price FIS.
    with table.open("a") as f:
        f.write(f"{FIS_PRICE_KEY},FIS,test action-minute,action-minute,0.5,test fixture,n.d.,"
                "2026-12-04,yes\n")
    asm = synth.read_assembly(_fake_app(tmp_path))
    plan = aws_plan(SEED, fault="db_failover", hours=HOURS, assembly=asm, prices_dir=prices)
    e = plan.estimate
    assert (e.fis_action_minutes, e.fis_usd_per_action_minute, e.fis_usd) == (10.0, 0.5, 5.0)
    assert plan.estimated_usd == pytest.approx(e.stack_usd + 5.0)
    fis_poller = next(p for p in plan.pollers if p.service == "fis")
    assert fis_poller.regions == ("us-east-1",)  # the template's stack's region
    frame = plan.to_frame()
    assert list(frame.columns) == [s.artifact for s in asm.stacks]
    assert frame.loc["AWS::FIS::ExperimentTemplate"].tolist() == [3, 0, 0, 0]
    assert "3 FIS template(s)" not in repr(plan) and "1 FIS template(s)" in repr(plan)
    assert not any("FIS" in m for m in e.missing)


def test_without_a_fis_price_the_estimate_says_so(tmp_path):
    scenario = load_scenario(SEED)
    e = estimate_run(scenario, hours=HOURS, templates=None)
    assert e.fis_usd is None and e.total_usd == e.stack_usd
    assert any(FIS_PRICE_KEY in m for m in e.missing)
    assert e.stack_usd == pytest.approx(price_scenario(scenario).monthly_usd * HOURS / 730)


def test_text_plan_from_a_fake_app_run_as_the_cdk_cli_runs_it(tmp_path, monkeypatch, capsys):
    """infra/app.py is run with CDK_OUTDIR and CDK_CONTEXT_JSON, as the CDK CLI runs it:
    a stand-in app that copies an assembly there shows the command's whole path quickly."""
    asm = _fake_app(tmp_path)
    infra = tmp_path / "infra"
    infra.mkdir()
    (infra / "app.py").write_text(textwrap.dedent(f"""
        import json, os, shutil
        ctx = json.loads(os.environ["CDK_CONTEXT_JSON"])
        assert ctx["scenario"].endswith("{SEED}.yaml"), ctx
        shutil.copytree({str(asm)!r}, os.environ["CDK_OUTDIR"], dirs_exist_ok=True)
    """))
    monkeypatch.setenv(synth.INFRA_ENV, str(infra))
    assert main(["gameday", "aws", "plan", SEED, "--fault", "app_crash"]) == 0
    out, err = capsys.readouterr()
    assert "1. DrsimPrimary" in out and "2. DrsimSecondary" in out
    assert "aws:network:disrupt-connectivity PT10M; stop condition: aws:cloudwatch:alarm" in out
    assert "estimated cost for 2 h:" in out and "synthesized 4 stacks" in err
    assert "  largest: Aurora PostgreSQL" in out


def test_a_failing_synthesis_is_one_message_with_its_error(tmp_path, monkeypatch, capsys):
    infra = tmp_path / "infra"
    infra.mkdir()
    (infra / "app.py").write_text("import sys\nprint('app says: no such thing', "
                                  "file=sys.stderr)\nsys.exit(2)\n")
    monkeypatch.setenv(synth.INFRA_ENV, str(infra))
    assert main(["gameday", "aws", "plan", SEED]) == 2
    err = capsys.readouterr().err
    assert "could not synthesize seed-warm-standby.yaml (exit 2)" in err
    assert "app says: no such thing" in err and "Traceback" not in err


def test_missing_infra_or_extra_is_refused_with_what_to_do(tmp_path, monkeypatch, capsys):
    with pytest.raises(DrsimError, match=f"no infra/ folder .*{synth.INFRA_ENV}"):
        synth.infra_dir([tmp_path / "a", tmp_path / "b"])
    monkeypatch.setattr(synth, "INFRA_EXTRA", ("no_such_module_for_drsim",))
    assert main(["gameday", "aws", "plan", SEED]) == 2
    err = capsys.readouterr().err
    assert "needs the infra extra" in err and "pip install -e '.[infra]'" in err
    assert "synthesizing the CDK app" not in err


@pytest.mark.parametrize("args, message", [
    ([SEED, "--fault", "meteor"], "--fault: 'meteor' is not one of region_isolation, app_crash, "
                                  "db_failover"),
    (["local-lab"], "platform: local runs on this machine"),
    (["seed-warm-standy"], "did you mean 'seed-warm-standby'?"),
    ([SEED, "--hours", "0"], "--hours: 0 must be a number of hours > 0"),
    ([SEED, "--hours", "-1"], "--hours: -1 must be"),
])
def test_bad_input_exits_2_with_one_message_before_synthesis(args, message, capsys):
    assert main(["gameday", "aws", "plan", *args]) == 2
    out, err = capsys.readouterr()
    assert message in err and out == ""
    assert len(err.strip().splitlines()) == 1 and "synthesizing the CDK app" not in err


def test_the_run_polls_every_api_the_replay_reads_once():
    from drsim.gameday.aws.plan import pollers

    apis = [f"{p.service}.{p.operation}" for p in pollers(load_scenario(SEED))]
    assert sorted(apis) == sorted(POLLED_APIS)
