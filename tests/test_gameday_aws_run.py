"""``drsim gameday aws run`` against a real moto server over HTTP, with a fake CDK CLI.

What this proves offline: the call sequence (guards -> cdk deploy -> wait healthy ->
probe fleet -> FIS StartExperiment -> polls -> manifest -> cdk destroy -> tag sweep),
that nothing is called when a guard refuses, that what the run creates carries its
run id, that an error at any step (and SIGTERM) still leaves nothing tagged with it,
that teardown is idempotent, and that the run directory is what the replay reads.
What it cannot prove (moto evaluates no health, FIS actions do nothing, the CDK app is
not deployed) is said in the README's AWS game day section.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from drsim.errors import DrsimError
from drsim.gameday.aws import aws_gamedays, plan, raw, synth
from drsim.gameday.aws import run as run_mod
from drsim.gameday.aws.guards import GuardRefused
from drsim.gameday.aws.plan import RUN_ID_TAG
from drsim.gameday.aws.run import RunOptions
from drsim.gameday.aws.teardown import teardown_run
from tests import aws_run_fakes
from tests.aws_run_fakes import (
    REGIONS,
    ProbeServer,
    aws_test_env,
    moto_server_url,
    reset_moto,
    tagged_left,
    write_fake_cdk,
)
from tests.conftest import PYTHON_WITH_DEFAULT_SIGINT, ROOT

boto3 = pytest.importorskip("boto3")
pytest.importorskip("moto.server")

ACCOUNT = "123456789012"  # moto's
SEED = "seed-warm-standby"


@pytest.fixture(scope="module")
def moto_url():
    """A moto server on a free loopback port, shared by the module, reset per test."""
    yield from moto_server_url()


@pytest.fixture
def env(moto_url, tmp_path, monkeypatch):
    """moto reset; boto3 on it; an infra/ whose node_modules holds the fake cdk. moto is
    reset after the test too: servers in one process share moto's state, and other
    modules' tests expect an empty account."""
    reset_moto(moto_url)
    aws_test_env(monkeypatch, tmp_path, moto_url)
    infra = tmp_path / "infra"
    calls = tmp_path / "cdk-calls.jsonl"
    write_fake_cdk(infra / "node_modules" / ".bin", calls)
    (infra / "app.py").write_text("raise SystemExit('the fake cdk never runs the app')\n")
    monkeypatch.setenv(synth.INFRA_ENV, str(infra))
    monkeypatch.delenv("FAKE_CDK_FAIL", raising=False)
    yield {"url": moto_url, "infra": infra, "calls": calls, "out": tmp_path / "runs"}
    reset_moto(moto_url)


def _calls(env) -> list[list[str]]:
    path = env["calls"]
    return [json.loads(ln) for ln in path.read_text().splitlines()] if path.exists() else []


def _run(env, server: ProbeServer, **kw):
    from drsim.compare.aws_run import run_aws_gameday

    opts = RunOptions(healthy_timeout_s=20, recovery_timeout_s=kw.pop("recovery_timeout_s", 20),
                      healthy_poll_s=0.05, probe_clients=3, probe_interval_s=0.05,
                      probe_endpoint=("localhost", server.port))
    return run_aws_gameday(SEED, account=ACCOUNT, max_usd=100.0, out_dir=env["out"],
                           options=opts, log=None, **kw)


def _only_run_id(env) -> str:
    (run_dir,) = env["out"].iterdir()
    return run_dir.name


@pytest.mark.slow
def test_a_run_deploys_injects_polls_records_and_tears_down(env, monkeypatch):
    """The whole sequence; the fault reaches the probe clients (the endpoint refuses writes
    for 0.3 s after the injection), the runbook starts (as its alarm would start it: moto
    evaluates no alarm) and the clients recover, so the run ends as recovered."""
    started = []

    def start_and_break(*a, **kw):
        exp = real_start(*a, **kw)
        started.append(exp)
        server.fail_for(0.3)
        sfn = boto3.client("stepfunctions", region_name=REGIONS[1])
        sfn.start_execution(stateMachineArn=sfn.list_state_machines()["stateMachines"][0][
            "stateMachineArn"])
        return exp

    real_start = run_mod.start_fault
    monkeypatch.setattr(run_mod, "start_fault", start_and_break)
    with ProbeServer() as server:
        (run_dir,) = _run(env, server)
    run_id = run_dir.name
    calls = _calls(env)
    assert [c[0] for c in calls] == ["deploy", "destroy"]
    assert calls[0][:5] == ["deploy", "--all", "--require-approval", "never", "--tags"]
    assert calls[0][5] == f"{RUN_ID_TAG}={run_id}"
    assert calls[1][:3] == ["destroy", "--all", "--force"]
    actions = (run_dir / "actions.log").read_text().splitlines()
    steps = [ln.split()[1] for ln in actions]
    assert steps[0] == "deploy" and steps[1] == "inject" and set(steps[2:]) == {"teardown"}
    assert f"fis StartExperiment {started[0]['experimentTemplateId']}" in actions[1]
    assert tagged_left(env["url"], run_id) == []
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["recovered"] is True and manifest["run_id"] == run_id
    assert manifest["resources"]["experiment_id"] == started[0]["id"]
    assert manifest["resources"]["record_name"] == "svc.drsim.test"
    assert (run_dir / "polls" / "route53.GetHealthCheckStatus.jsonl").is_file()
    polled = {p.stem for p in (run_dir / "polls").glob("*.jsonl")}
    assert {"route53.GetHealthCheckStatus", "fis.GetExperiment", "ecs.DescribeServices",
            "stepfunctions.GetExecutionHistory"} <= polled
    report = aws_gamedays([run_dir])  # the replay measures it (phases moto cannot show: NaN)
    (measured,) = report.runs
    assert measured.run_id.endswith(run_id) or run_id in str(measured.run_id)
    rr = raw.read_run(run_dir)
    assert set(rr.acked["client"]) == {0, 1, 2}
    assert (rr.journal["status"] == 503).any()  # the fault reached the clients
    assert set(rr.present) >= {(int(c), int(s)) for c, s in
                               zip(rr.acked["client"], rr.acked["seq"])}
    assert "credential" not in (run_dir / "actions.log").read_text().lower()
    assert "testing" not in "".join(p.read_text() for p in run_dir.rglob("*") if p.is_file()
                                    and p.suffix in (".log", ".json", ".jsonl"))


@pytest.mark.slow
def test_what_the_run_creates_carries_its_run_id(env, monkeypatch):
    """Seen from inside the run, just before teardown: every stack, the FIS template it
    used and the experiment it started carry drsim:run-id."""
    seen = {}

    def look(*a, **kw):
        run_id = _only_run_id(env)
        for region in REGIONS:
            cfn = boto3.client("cloudformation", region_name=region)
            for s in cfn.describe_stacks()["Stacks"]:
                seen.setdefault("stacks", []).append(
                    {t["Key"]: t["Value"] for t in s["Tags"]}.get(RUN_ID_TAG) == run_id)
        fis = boto3.client("fis", region_name=REGIONS[0])
        seen["templates"] = [(t.get("tags") or {}).get(RUN_ID_TAG) == run_id
                             for t in fis.list_experiment_templates()["experimentTemplates"]]
        seen["experiments"] = [(e.get("tags") or {}).get(RUN_ID_TAG) == run_id
                               for e in fis.list_experiments()["experiments"]]
        return False

    monkeypatch.setattr(run_mod, "poll_until", look)
    with ProbeServer() as server:
        (run_dir,) = _run(env, server)
    assert seen["stacks"] == [True, True]
    assert seen["templates"] and all(seen["templates"])
    assert seen["experiments"] == [True]
    assert tagged_left(env["url"], run_dir.name) == []


def test_a_refused_guard_calls_nothing(env):
    with ProbeServer() as server, pytest.raises(GuardRefused, match="belong to account"):
        from drsim.compare.aws_run import run_aws_gameday

        run_aws_gameday(SEED, account="999999999999", max_usd=100.0, out_dir=env["out"],
                        log=None, options=RunOptions(probe_endpoint=("localhost", server.port)))
    assert _calls(env) == [] and not env["out"].exists()
    for region in REGIONS:
        assert boto3.client("cloudformation", region_name=region).list_stacks()[
            "StackSummaries"] == []


def _boom(*a, **kw):
    raise RuntimeError("injected failure")


STEPS = ["deploy", "run_stacks", "stack_resources", "manifest_resources", "wait_healthy",
         "_fleet", "find_template", "start_fault", "write_manifest", "make_jobs",
         "poll_until", "dump_present"]


@pytest.mark.slow
@pytest.mark.parametrize("step", STEPS)
def test_an_error_at_any_step_leaves_nothing_tagged(env, monkeypatch, step):
    if step == "deploy":
        monkeypatch.setenv("FAKE_CDK_FAIL", "deploy")  # the CLI fails after creating stacks
        expect = (DrsimError, "deploy: .* exited with status 1")
    else:
        monkeypatch.setattr(run_mod, step, _boom)
        expect = (RuntimeError, "injected failure")
    with ProbeServer() as server, pytest.raises(expect[0], match=expect[1]):
        _run(env, server, recovery_timeout_s=0.2)  # no fault reaches the clients here
    run_id = _only_run_id(env)
    assert tagged_left(env["url"], run_id) == []
    assert [c[0] for c in _calls(env)] == ["deploy", "destroy"]


@pytest.mark.slow
def test_when_cdk_destroy_fails_the_tag_sweep_still_deletes_everything(env, monkeypatch):
    monkeypatch.setenv("FAKE_CDK_FAIL", "destroy")
    monkeypatch.setattr(run_mod, "poll_until", lambda *a, **kw: False)
    with ProbeServer() as server:
        (run_dir,) = _run(env, server)
    assert tagged_left(env["url"], run_dir.name) == []
    assert "cloudformation DeleteStack DrsimPrimary" in (run_dir / "actions.log").read_text()


@pytest.mark.slow
def test_keep_leaves_the_stacks_and_teardown_removes_them_from_the_tags_alone(env, capsys):
    """--keep, then teardown by run id (twice: the second finds nothing and deletes
    nothing), through the command line."""
    from drsim.cli import main

    with ProbeServer() as server:
        (run_dir,) = _run(env, server, keep=True, recovery_timeout_s=0.2)
    run_id = run_dir.name
    assert len(tagged_left(env["url"], run_id)) >= 3  # 2 stacks, templates, experiment
    assert [c[0] for c in _calls(env)] == ["deploy"]
    capsys.readouterr()
    args = ["gameday", "aws", "teardown", "--run-id", run_id, "--region", REGIONS[0],
            "--region", REGIONS[1]]
    assert main(args) == 0
    out = capsys.readouterr()
    assert "deleted 2 stacks, 3 FIS templates" in out.out and "stopped 1 experiments" in out.out
    assert tagged_left(env["url"], run_id) == []
    assert main(args) == 0
    assert "nothing tagged with it is left" in capsys.readouterr().out
    again = teardown_run(run_id, boto3.Session(), regions=REGIONS)
    assert not again.acted


def test_the_fakes_spell_the_tags_as_the_plan_does():
    assert (aws_run_fakes.FAULT_TAG, aws_run_fakes.RUN_ID_TAG) == (plan.FAULT_TAG,
                                                                   plan.RUN_ID_TAG)


def test_teardown_without_credentials_is_one_message(env, monkeypatch, capsys):
    from drsim.cli import main

    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    assert main(["gameday", "aws", "teardown", "--run-id", "drsim-20261204T214007Z-1a2b3c",
                 "--region", "us-east-1"]) == 2
    err = capsys.readouterr().err
    assert "AWS refused a call (Unable to locate credentials)" in err
    assert "Traceback" not in err


def test_teardown_refuses_what_is_not_a_run_id(env, capsys):
    from drsim.cli import main

    assert main(["gameday", "aws", "teardown", "--run-id", "prod"]) == 2
    err = capsys.readouterr().err
    assert "'prod' is not a run id" in err and "Traceback" not in err


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_during_the_run_tears_everything_down(env, tmp_path, sig):
    """A run in a child process: wait for its 'polling' line, signal it by PID (SIGTERM, or
    SIGINT as Ctrl-C sends), and find moto clean and the exit status of an interrupt (130,
    as the CLI answers one)."""
    with ProbeServer() as server:
        script = tmp_path / "run.py"
        script.write_text(
            "import sys\n"
            "from drsim.compare.aws_run import run_aws_gameday\n"
            "from drsim.gameday.aws.run import RunOptions\n"
            "opts = RunOptions(healthy_poll_s=0.05, probe_clients=2, probe_interval_s=0.1,\n"
            f"                  probe_endpoint=('localhost', {server.port}))\n"
            "try:\n"
            f"    run_aws_gameday({SEED!r}, account={ACCOUNT!r}, max_usd=100.0,\n"
            f"                    out_dir={str(env['out'])!r}, options=opts)\n"
            "except KeyboardInterrupt as e:\n"
            "    print('interrupted', e, file=sys.stderr)\n"
            "    sys.exit(130)\n")
        # Started with SIGINT's default action (a shell starts background jobs, and so maybe
        # this suite, with SIGINT ignored, and Python then never raises KeyboardInterrupt).
        proc = subprocess.Popen([*PYTHON_WITH_DEFAULT_SIGINT, str(script)],
                                env={**os.environ, "PYTHONPATH": str(ROOT)},
                                stderr=subprocess.PIPE, text=True)
        lines = []
        try:
            for line in proc.stderr:
                lines.append(line)
                if "polling" in line:
                    proc.send_signal(sig)
                    break
            rest = proc.communicate(timeout=120)[1]
        finally:
            if proc.poll() is None:
                proc.kill()
    text = "".join(lines) + rest
    assert proc.returncode == 130, text
    assert "interrupted" in text and "tearing down" in text
    run_id = _only_run_id(env)
    assert tagged_left(env["url"], run_id) == []
    assert [c[0] for c in _calls(env)] == ["deploy", "destroy"]
    raw.read_run(env["out"] / run_id)  # the manifest written at the injection is readable


@pytest.mark.slow
def test_each_of_several_runs_has_its_own_id_deployment_and_teardown(env):
    with ProbeServer() as server:
        dirs = _run(env, server, runs=2, recovery_timeout_s=0.2)
    assert len({d.name for d in dirs}) == 2
    assert [c[0] for c in _calls(env)] == ["deploy", "destroy", "deploy", "destroy"]
    for d in dirs:
        assert tagged_left(env["url"], d.name) == []
        assert json.loads((d / "manifest.json").read_text())["recovered"] is False


@pytest.mark.slow
def test_sigterm_during_cdk_deploy_stops_the_cli_and_tears_down(env, tmp_path, monkeypatch):
    """The deploy hangs after creating the stacks; SIGTERM to the run stops the CDK CLI's
    process group (no deploy goes on unwatched) and the teardown removes the stacks."""
    monkeypatch.setenv("FAKE_CDK_HANG", "deploy")
    script = tmp_path / "run.py"
    script.write_text(
        "import sys\n"
        "from drsim.compare.aws_run import run_aws_gameday\n"
        "try:\n"
        f"    run_aws_gameday({SEED!r}, account={ACCOUNT!r}, max_usd=100.0,\n"
        f"                    out_dir={str(env['out'])!r})\n"
        "except KeyboardInterrupt:\n"
        "    sys.exit(130)\n")
    proc = subprocess.Popen([sys.executable, str(script)],
                            env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stderr=subprocess.PIPE, text=True)
    try:
        for line in proc.stderr:  # the deploy's action line: the run directory exists
            if "  deploy  " in line:
                break
        cdk_log = next(env["out"].iterdir()) / "cdk.log"
        pid = None
        while pid is None and proc.poll() is None:  # wait for the fake to say it deployed
            text = cdk_log.read_text() if cdk_log.exists() else ""
            if "stacks created, pid" in text:
                pid = int(text.split("stacks created, pid")[1].split()[0])
            else:
                time.sleep(0.02)  # polling the file for the line, not waiting a fixed time
        proc.send_signal(signal.SIGTERM)
        rest = proc.communicate(timeout=120)[1]
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, rest
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # the CDK CLI is gone
    assert tagged_left(env["url"], _only_run_id(env)) == []
    assert [c[0] for c in _calls(env)] == ["deploy", "destroy"]
