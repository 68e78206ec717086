"""One local game day: start the stack, inject the fault, wait for recovery, record it.

:func:`run_once` reads start -> inject -> await -> record; the parts are
:class:`~drsim.gameday.local.stack.LocalStack` (start-up and teardown),
:func:`~drsim.gameday.local.injection.inject_fault`, the waits in
:mod:`~drsim.gameday.local.wait` and :func:`~drsim.gameday.local.record.build_record`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np

from drsim.errors import DrsimError
from drsim.gameday.local import postgres
from drsim.gameday.local.config import Options, scenario_db_name
from drsim.gameday.local.injection import inject_fault
from drsim.gameday.local.orchestrator import check_runbook
from drsim.gameday.local.record import RunResult, RunSummary, build_record
from drsim.gameday.local.stack import LocalStack
from drsim.gameday.local.stackset import stack_difference
from drsim.gameday.local.wait import await_recovery, await_warm
from drsim.scenario.model import Scenario

__all__ = ["Options", "RunResult", "RunSummary", "check_scenario", "run_once", "scenario_db_name"]


def check_scenario(scenario: Scenario) -> None:
    """Raise a :class:`DrsimError` unless the local stack can run ``scenario``."""
    if scenario.platform != "local":
        raise DrsimError(f"scenario {scenario.name!r} is platform: {scenario.platform}; the local "
                         "game day runs platform: local scenarios (e.g. the bundled local-lab)")
    if scenario.dns.ttl_s != int(scenario.dns.ttl_s):
        raise DrsimError(f"dns.ttl_s: {scenario.dns.ttl_s:g} is not a whole number of seconds; "
                         "DNS TTLs are integers")
    if scenario.health_check.protocol != "HTTP":
        raise DrsimError(f"health_check.protocol: the local services speak plain HTTP, not "
                         f"{scenario.health_check.protocol}")
    pg = [ds for ds in scenario.datastores if ds.kind == "postgres_streaming"]
    if len(pg) != 1:
        raise DrsimError("datastores: the local stack runs exactly one postgres_streaming "
                         f"datastore; the scenario has {len(pg)}")
    if scenario.strategy == "active_active":
        raise DrsimError("strategy: the local stack runs a primary and a standby; active_active "
                         "is not modelled locally")
    if scenario.compute.standby_tasks == 0 and not any(
            s.action == "scale_standby" for s in scenario.runbook):
        raise DrsimError("compute.standby_tasks: 0 and no scale_standby step: region B would never "
                         "serve")
    check_runbook(scenario)


def run_once(scenario: Scenario, *, seed_seq: np.random.SeedSequence, run_id: str,
             fault: str | None = None, options: Options | None = None, log=None) -> RunResult:
    """Run one game day of ``scenario`` with ``fault`` (default: its ``failure.mode``).

    seed_seq : this run's seeds (fault moment, checker phases, orchestrator draws, the
        waits of a stack made slower than the model, clients).
    log : where to print progress lines (None: quiet).

    The stack runs ``scenario`` with ``options.stack_set`` applied
    (:mod:`~drsim.gameday.local.stackset`); the record's timeline is measured on it, and
    its summary says how it differed.
    """
    opt = options or Options()
    diff = stack_difference(scenario, opt.stack_set)
    check_scenario(diff.stack)
    postgres.check_binaries()
    # The fourth child is new; the first three are what spawn(3) gave, so runs of an
    # unmodified stack draw as they always did.
    children = seed_seq.spawn(4)
    rng_fault, rng_checkers, rng_orch = (np.random.default_rng(s) for s in children[:3])
    say = _progress(run_id, log)
    kind = fault or scenario.failure.mode
    wall0 = time.monotonic()
    stack = LocalStack(diff.stack, opt, rng_checkers=rng_checkers, rng_orch=rng_orch,
                       waits=diff.waits(children[3]), loadgen_seed=int(seed_seq.generate_state(1)[0]), say=say)
    with _postgres_errors_as_drsim(), stack:
        replay_lags_s = await_warm(stack, opt)
        injection = inject_fault(stack, kind, rng_fault)
        say(f"{kind} injected")
        await_recovery(stack, injection, opt)
        collected = stack.collect(injection.fault_mono)
    result = build_record(run_id, stack, injection, replay_lags_s, collected, wall0=wall0,
                          stack_set=diff.as_dict() if diff.differs else None)
    s = result.summary
    say(f"rto {s.rto_s:.2f} s, detect {s.detect_s:.2f} s, lost writes {s.lost_writes}, "
        f"{s.wall_s:.1f} s wall")
    return result


def _progress(run_id: str, log) -> Callable[[str], None]:
    """A function printing ``[run_id] message`` lines to ``log`` (nothing when None)."""
    if log is None:
        return lambda msg: None
    return lambda msg: print(f"[{run_id}] {msg}", file=log, flush=True)


@contextmanager
def _postgres_errors_as_drsim() -> Iterator[None]:
    import psycopg

    try:
        yield
    except psycopg.Error as err:
        raise DrsimError(f"PostgreSQL failed during the game day: {err}".strip()) from err
