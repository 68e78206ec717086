"""One AWS game day: deploy -> wait healthy -> probe -> inject -> poll -> record -> teardown.

:func:`run_gameday` runs ``runs`` game days of a scenario whose guards have passed
(:func:`drsim.compare.aws_plan.clear_run` checks them; the cost model's estimate is
not this package's to make), each with its own run id ``drsim-<UTC>-<hex>``, its own
deployment and its own run directory in the format :mod:`drsim.gameday.aws.raw`
reads. The teardown is registered before the deploy starts, on an
:class:`~contextlib.ExitStack`, so it runs on success, on an error at any step, on
Ctrl-C and on SIGTERM (which unwinds like Ctrl-C while a run goes on), and it is
not cut short by a second signal (held until it ends). ``keep=True`` leaves the
stacks up; ``drsim gameday aws teardown --run-id R`` removes them later.

Every destructive call is written to ``actions.log`` (and stderr) before it is made;
the parts are :mod:`.deploy`, :mod:`.resources`, :mod:`.probes`, :mod:`.inject`,
:mod:`.health`, :mod:`.pollers` and :mod:`.teardown`.
"""

from __future__ import annotations

import shutil
import sys
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from drsim.errors import DrsimError
from drsim.gameday.aws.actions import ActionLog
from drsim.gameday.aws.deploy import deploy_argv, destroy_argv, run_cdk, run_stacks, stack_resources
from drsim.gameday.aws.guards import Cleared
from drsim.gameday.aws.health import wait_healthy
from drsim.gameday.aws.inject import find_template, start_fault
from drsim.gameday.aws.plan import check_fault, check_platform, pollers
from drsim.gameday.aws.pollers import make_jobs, poll_until
from drsim.gameday.aws.polls import PollLog, write_manifest
from drsim.gameday.aws.probes import ProbeFleet, dump_present
from drsim.gameday.aws.resources import manifest_resources
from drsim.gameday.aws.teardown import teardown_run
from drsim.gameday.local import signals
from drsim.scenario import load_scenario
from drsim.scenario.locate import scenario_file


@dataclass(frozen=True)
class RunOptions:
    """How long a run waits, and its probe fleet.

    healthy_timeout_s : the longest wait for the deployed stack to be healthy and the
        probe fleet's first acknowledged writes. [s]
    recovery_timeout_s : the longest poll after the injection; the run is recorded as not
        recovered when it ends. [s]
    healthy_poll_s : time between two looks at health while waiting. [s]
    probe_clients : writers of the probe fleet. [-]
    probe_interval_s : time between two writes of one client (default: the scenario's
        ``probe.interval_s``). [s]
    probe_endpoint : ``(name, port)`` the fleet writes to, instead of the service record
        and the scenario's health-check port (a private resolver's name, or a test).
    """

    healthy_timeout_s: float = 1800.0
    recovery_timeout_s: float = 1800.0
    healthy_poll_s: float = 10.0
    probe_clients: int = 20
    probe_interval_s: float | None = None
    probe_endpoint: tuple[str, int] | None = None


def new_run_id(now: datetime) -> str:
    """``drsim-YYYYmmddTHHMMSSZ-xxxxxx``: sortable by start, unique by its random tail."""
    return f"drsim-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


def run_gameday(scenario, *, cleared: Cleared, fault: str, runs: int = 1, keep: bool = False,
                out_dir: str | Path, session=None, infra: Path | None = None,
                options: RunOptions | None = None,
                clock: Callable[[], datetime] | None = None,
                sleep: Callable[[float], None] = time.sleep,
                monotonic: Callable[[], float] = time.monotonic,
                log: TextIO | None = sys.stderr) -> list[Path]:
    """Run ``runs`` game days of ``fault`` on ``scenario`` (file or bundled name) in the
    account ``cleared`` (what the guards passed); returns the run directories.

    Raises DrsimError for bad input (nothing done) or a failed step (after teardown);
    KeyboardInterrupt on Ctrl-C or SIGTERM (after teardown).
    """
    if not (isinstance(runs, int) and runs >= 1):
        raise DrsimError(f"--runs: {runs!r} must be a whole number >= 1")
    check_fault(fault)
    path = scenario_file(scenario)
    loaded = load_scenario(path)
    check_platform(loaded, str(scenario))
    if session is None:
        import boto3

        session = boto3.Session()
    if infra is None:
        from drsim.gameday.aws.synth import infra_dir

        infra = infra_dir()
    ctx = _Context(loaded, Path(path).resolve(), cleared, fault, keep, session, Path(infra),
                   options or RunOptions(), clock or (lambda: datetime.now(UTC)), sleep,
                   monotonic, log)
    dirs = []
    for _ in range(runs):
        run_id = new_run_id(ctx.clock())
        run_dir = Path(out_dir) / run_id
        run_dir.mkdir(parents=True, exist_ok=False)
        dirs.append(_one_run(ctx, run_id, run_dir))
    return dirs


@dataclass(frozen=True)
class _Context:
    scenario: object
    scenario_file: Path
    cleared: Cleared
    fault: str
    keep: bool
    session: object
    infra: Path
    opt: RunOptions
    clock: Callable[[], datetime]
    sleep: Callable[[float], None]
    monotonic: Callable[[], float]
    log: TextIO | None

    @property
    def regions(self) -> tuple[str, str]:
        return (self.scenario.regions.primary, self.scenario.regions.secondary)

    def say(self, run_id: str, msg: str) -> None:
        if self.log is not None:
            print(f"[{run_id}] {msg}", file=self.log, flush=True)


def _one_run(ctx: _Context, run_id: str, run_dir: Path) -> Path:
    """One game day, torn down however it ends (unless ``keep``)."""
    actions = ActionLog(run_dir / "actions.log", echo=ctx.log, clock=ctx.clock)
    shutil.copyfile(ctx.scenario_file, run_dir / "scenario.yaml")  # the replay reads it
    with signals.terminate_as_interrupt(), ExitStack() as stack:
        if ctx.keep:
            ctx.say(run_id, f"--keep: the stacks stay up; remove them with drsim gameday aws "
                            f"teardown --run-id {run_id}")
        else:  # registered first, so it runs last and after any failed step
            stack.callback(_teardown, ctx, run_id, run_dir, actions)
        ctx.say(run_id, "deploying (cdk deploy; tens of minutes)")
        run_cdk(deploy_argv(ctx.cleared.cdk, run_id, str(ctx.scenario_file)), infra=ctx.infra,
                log_path=run_dir / "cdk.log", actions=actions, step="deploy")
        stacks = run_stacks(ctx.session, ctx.regions, run_id)
        if not stacks:
            raise DrsimError(f"deploy: cdk deploy finished but no stack in "
                             f"{', '.join(ctx.regions)} carries drsim:run-id={run_id}; see "
                             f"{run_dir / 'cdk.log'}")
        rows = stack_resources(ctx.session, stacks)
        p, s = ctx.regions
        resources = manifest_resources(rows, primary=p, secondary=s,
                                       account=ctx.cleared.account, session=ctx.session)
        ctx.say(run_id, f"deployed {len(stacks)} stacks; waiting until healthy")
        wait_healthy(ctx, resources, rows)
        fleet = stack.enter_context(_fleet(ctx, run_dir, resources))
        _await(ctx, lambda: fleet.all_acked_since(0.0), "the probe fleet's first "
               f"acknowledged writes through {fleet.name}:{fleet.port}")
        ctx.say(run_id, f"probe fleet writing ({fleet.clients} clients); injecting {ctx.fault}")
        region, template = find_template(ctx.session, ctx.regions, run_id, ctx.fault, rows)
        experiment = start_fault(ctx.session, region, template, run_id, actions)
        resources["experiment_id"] = experiment["id"]
        fault_at = experiment.get("startTime") or ctx.clock()
        manifest = _manifest(ctx, run_id, stacks, resources, fault_at, fleet)
        write_manifest(run_dir, manifest)  # now, so an interrupted run can still be replayed
        jobs, skipped = make_jobs(pollers(ctx.scenario), resources, rows, since=fault_at,
                                  fis_region=region)
        for line in skipped:
            ctx.say(run_id, f"not polled: {line}")
        ctx.say(run_id, f"polling {len(jobs)} APIs until recovered (at most "
                        f"{ctx.opt.recovery_timeout_s:g} s)")
        t_fault = fault_at.timestamp()
        # The longest wait of a run. A Ctrl-C or SIGTERM here ends it between two polls,
        # raised when the block ends: an interrupt let loose inside a boto3 call could leave
        # a connection pool's lock held, and the teardown that follows needs boto3.
        with signals.deferred() as came:
            recovered = poll_until(
                jobs, PollLog(run_dir, clock=ctx.clock), ctx.session,
                done=lambda: bool(came) or (fleet.failed_since(t_fault) and
                                            fleet.all_acked_since(fleet.last_failure())),
                timeout_s=ctx.opt.recovery_timeout_s, errors=run_dir / "poll-errors.log",
                sleep=ctx.sleep, monotonic=ctx.monotonic)
        fleet.stop()
        dump_present(fleet, run_dir)
        write_manifest(run_dir, {**manifest, "recovered": recovered, "not_polled": skipped})
        ctx.say(run_id, f"{'recovered' if recovered else 'not recovered within the timeout'}; "
                        f"recorded in {run_dir}")
    return run_dir


def _fleet(ctx: _Context, run_dir: Path, resources: dict) -> ProbeFleet:
    name, port = ctx.opt.probe_endpoint or (resources.get("record_name"),
                                            ctx.scenario.health_check.port)
    if not name:
        raise DrsimError("start_probes: the stacks have no service record (Route 53 "
                         "RecordSet) for the probe fleet to resolve")
    return ProbeFleet(run_dir, name=name, port=port, protocol=ctx.scenario.health_check.protocol,
                      clients=ctx.opt.probe_clients,
                      interval_s=ctx.opt.probe_interval_s or ctx.scenario.probe.interval_s)


def _manifest(ctx: _Context, run_id, stacks, resources, fault_at, fleet) -> dict:
    p, s = ctx.regions
    return {"run_id": run_id, "scenario": "scenario.yaml", "fault": ctx.fault,
            "regions": {"primary": p, "secondary": s}, "fault_injected_utc": fault_at,
            "provenance": "recorded", "account": ctx.cleared.account,
            "stacks": [f"{st.name} ({st.region})" for st in stacks], "resources": resources,
            "probe_fleet": {"clients": fleet.clients, "probe_interval_s": fleet.interval_s,
                            "name": fleet.name, "port": fleet.port}}


def _await(ctx: _Context, ok: Callable[[], bool], what: str) -> None:
    """Wait until ``ok()``, at most ``healthy_timeout_s``; DrsimError naming ``what`` after."""
    t_end = ctx.monotonic() + ctx.opt.healthy_timeout_s
    while not ok():
        if ctx.monotonic() >= t_end:
            raise DrsimError(f"timed out after {ctx.opt.healthy_timeout_s:g} s waiting for "
                             f"{what}")
        ctx.sleep(min(ctx.opt.healthy_poll_s, 1.0))


def _teardown(ctx: _Context, run_id: str, run_dir: Path, actions: ActionLog) -> None:
    """cdk destroy, then the tag sweep; signals that come meanwhile wait until it ends."""
    with signals.deferred():
        ctx.say(run_id, "tearing down (cdk destroy, then everything tagged with the run id)")
        try:
            run_cdk(destroy_argv(ctx.cleared.cdk, str(ctx.scenario_file)), infra=ctx.infra,
                    log_path=run_dir / "cdk.log", actions=actions, step="teardown")
        except DrsimError as err:  # the sweep below deletes by tag what destroy left
            ctx.say(run_id, f"{err}; deleting by tag")
        done = teardown_run(run_id, ctx.session, regions=ctx.regions, actions=actions,
                            sleep=ctx.sleep, monotonic=ctx.monotonic)
        ctx.say(run_id, f"torn down: nothing tagged drsim:run-id={run_id} is left "
                        f"({len(done.deleted_stacks)} stacks deleted by the sweep)")
