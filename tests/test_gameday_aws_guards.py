"""The guards of ``drsim gameday aws run``, against a real moto server over HTTP.

boto3 reaches the server through ``AWS_ENDPOINT_URL`` with fake credentials; moto's STS
answers GetCallerIdentity with account 123456789012. The pure checks are tested on their
own; then the whole sequence (:func:`drsim.compare.aws_plan.clear_run`) and the command
line, which, past the guards, deploys (here a cdk that only records its arguments, so
no stack appears: exit 2) and tears down (tests/test_gameday_aws_run.py runs it all).
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from drsim.cli import main
from drsim.compare.aws_plan import clear_run, estimate_run
from drsim.gameday.aws import guards, synth
from drsim.gameday.aws.guards import GuardRefused
from drsim.scenario import load_scenario
from tests.aws_run_fakes import aws_test_env, moto_server_url
from tests.conftest import ROOT

boto3 = pytest.importorskip("boto3")
pytest.importorskip("moto.server")

MOTO_ACCOUNT = "123456789012"
SEED = "seed-warm-standby"


@pytest.fixture(scope="module")
def moto_url():
    """A moto server on a free loopback port, stopped after."""
    yield from moto_server_url()


def _fake_cdk(folder: Path) -> Path:
    """An executable named cdk that only records its arguments (the run must not call it yet)."""
    folder.mkdir(parents=True, exist_ok=True)
    cdk = folder / "cdk"
    cdk.write_text(f'#!/bin/sh\necho "$@" >> {folder / "calls.txt"}\n')
    cdk.chmod(cdk.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return cdk


@pytest.fixture
def aws_env(moto_url, tmp_path, monkeypatch):
    """boto3 pointed at moto with fake credentials, no profile files, region us-east-1,
    and an infra/ whose node_modules holds a fake cdk."""
    aws_test_env(monkeypatch, tmp_path, moto_url)
    infra = tmp_path / "infra"
    _fake_cdk(infra / "node_modules" / ".bin")
    (infra / "app.py").write_text("raise SystemExit('a run must not synthesize yet')\n")
    monkeypatch.setenv(synth.INFRA_ENV, str(infra))
    return infra


def _nothing_deployed(moto_url: str) -> None:
    """No CloudFormation stack in either region and no bucket: the run created nothing."""
    for region in ("us-east-1", "us-east-2"):
        cfn = boto3.client("cloudformation", region_name=region, endpoint_url=moto_url)
        assert cfn.list_stacks()["StackSummaries"] == []
    assert boto3.client("s3", endpoint_url=moto_url).list_buckets()["Buckets"] == []


# ---- the pure checks -------------------------------------------------------------------

@pytest.mark.parametrize("account, max_usd, message", [
    (None, None, "needs --confirm-account ID .* and --max-usd X"),
    ("123456789012", None, "needs --max-usd X"),
    (None, 10.0, "needs --confirm-account ID"),
    ("12345", 10.0, "'12345' is not an AWS account id"),
    ("123456789012", 0.0, "--max-usd: 0 must be"),
    ("123456789012", float("inf"), "--max-usd: inf must be"),
])
def test_both_guards_are_required_and_well_formed(account, max_usd, message):
    with pytest.raises(GuardRefused, match=message):
        guards.check_request(account, max_usd)


def test_the_pure_checks():
    guards.check_request("123456789012", 5.0)
    guards.check_budget(4.99, 5.0, 2)
    with pytest.raises(GuardRefused, match="5.01 USD for 2 h, more than --max-usd 5"):
        guards.check_budget(5.01, 5.0, 2)
    guards.check_region("us-east-2", ("us-east-1", "us-east-2"))
    with pytest.raises(GuardRefused, match="eu-west-1 is not one of .*us-east-1, us-east-2"):
        guards.check_region("eu-west-1", ("us-east-1", "us-east-2"))
    with pytest.raises(GuardRefused, match="no AWS region is configured"):
        guards.check_region(None, ("us-east-1", "us-east-2"))
    guards.check_account(MOTO_ACCOUNT, MOTO_ACCOUNT)
    with pytest.raises(GuardRefused, match="belong to account 123456789012, not"):
        guards.check_account(MOTO_ACCOUNT, "999999999999")
    with pytest.raises(GuardRefused, match="CDK CLI .* not installed"):
        guards.check_cdk(None)


def test_cdk_is_found_in_infra_node_modules_then_on_path(tmp_path):
    infra = tmp_path / "infra"
    on_path = _fake_cdk(tmp_path / "bin")
    assert guards.find_cdk(infra, search_path=str(tmp_path / "empty")) is None
    assert guards.find_cdk(infra, search_path=str(on_path.parent)) == str(on_path)
    local = _fake_cdk(infra / "node_modules" / ".bin")
    assert guards.find_cdk(infra, search_path=str(on_path.parent)) == str(local)


# ---- against the moto server -------------------------------------------------------------

def test_sts_answers_the_account_over_http(aws_env):
    assert guards.caller_account(boto3.Session()) == MOTO_ACCOUNT


def test_without_credentials_sts_is_not_asked(aws_env, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(GuardRefused, match="no AWS credentials found"):
        guards.caller_account(boto3.Session())


def test_all_guards_pass_against_moto(aws_env):
    cleared = clear_run(SEED, confirm_account=MOTO_ACCOUNT, max_usd=100.0, hours=2)
    cost = estimate_run(load_scenario(SEED), hours=2)
    assert (cleared.account, cleared.region) == (MOTO_ACCOUNT, "us-east-1")
    assert cleared.cdk == str(aws_env / "node_modules" / ".bin" / "cdk")
    assert cleared.estimated_usd == pytest.approx(cost.total_usd)


@pytest.mark.parametrize("change, message", [
    ({"confirm_account": "999999999999"}, "belong to account 123456789012, not "
                                          "--confirm-account 999999999999"),
    ({"max_usd": 0.01}, "more than --max-usd 0.01"),
    ({"region": "eu-west-1"}, "region eu-west-1 is not one of the scenario's regions"),
    ({"confirm_account": None}, "needs --confirm-account"),
    ({"fault": "meteor"}, "'meteor' is not one of"),
    ({"scenario": "local-lab"}, "platform: local"),
])
def test_each_guard_refuses_and_nothing_is_deployed(aws_env, moto_url, monkeypatch,
                                                    change, message):
    args = {"scenario": SEED, "confirm_account": MOTO_ACCOUNT, "max_usd": 100.0}
    if "region" in change:
        monkeypatch.setenv("AWS_DEFAULT_REGION", change.pop("region"))
    args.update(change)
    scenario = args.pop("scenario")
    with pytest.raises(Exception, match=message):
        clear_run(scenario, **args)
    _nothing_deployed(moto_url)
    assert not (aws_env / "node_modules" / ".bin" / "calls.txt").exists()


def test_a_missing_cdk_cli_is_refused(aws_env, monkeypatch):
    (aws_env / "node_modules" / ".bin" / "cdk").unlink()
    monkeypatch.setenv("PATH", str(aws_env / "empty"))
    with pytest.raises(GuardRefused, match="CDK CLI"):
        clear_run(SEED, confirm_account=MOTO_ACCOUNT, max_usd=100.0)


def test_the_command_refuses_without_guards(aws_env, capsys):
    assert main(["gameday", "aws", "run", SEED]) == 2
    err = capsys.readouterr().err
    assert "needs --confirm-account ID" in err and "--max-usd X" in err
    assert "nothing was done" in err and "Traceback" not in err


def test_the_command_past_its_guards_deploys_then_tears_down(aws_env, moto_url):
    """The real command line in a child process, its environment cleared of AWS settings
    except the moto endpoint and fake keys."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ENDPOINT_URL=moto_url, AWS_ACCESS_KEY_ID="testing",
               AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-2",
               PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "drsim", "gameday", "aws", "run", SEED,
                           "--confirm-account", MOTO_ACCOUNT, "--max-usd", "100",
                           "--out", str(aws_env.parent / "runs")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr
    assert "guards passed: account 123456789012, region us-east-2" in done.stderr
    assert "no stack in us-east-1, us-east-2 carries drsim:run-id=drsim-" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    _nothing_deployed(moto_url)
    calls = (aws_env / "node_modules" / ".bin" / "calls.txt").read_text().splitlines()
    assert [c.split()[0] for c in calls] == ["deploy", "destroy"]
