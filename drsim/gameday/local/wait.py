"""Waiting on the running stack: for a warm load before the fault, for recovery after it.

Both read the acknowledged-writes journal as it grows
(:class:`~drsim.gameday.local.journals.AckWatch`): a write acknowledged by a
region proves that region serves that client.
"""

from __future__ import annotations

import time

from drsim.errors import DrsimError
from drsim.gameday.local import postgres
from drsim.gameday.local.config import Options
from drsim.gameday.local.injection import Injection
from drsim.gameday.local.stack import LocalStack
from drsim.rules import smallest_count

POLL_S = 0.05  # how often the journal (and the replication lag) is read [s]
WARM_LIMIT_S = 15.0  # give up when not every client got a write acknowledged by then [s]


def await_warm(stack: LocalStack, options: Options) -> tuple[float, ...]:
    """Return once every client has had a write acknowledged, the probe has been served
    and ``warmup_s`` has passed, with A healthy; the standby's replay lags PostgreSQL
    reported meanwhile. [s]"""
    clients = stack.scenario.dns.clients
    warm_deadline = time.monotonic() + max(WARM_LIMIT_S, options.warmup_s)
    t_min = time.monotonic() + options.warmup_s
    lags = []
    a = "a"  # region A's name in the X-Region header the probe journals
    with postgres.connect(stack.primary.dsn) as conn:
        while (len(stack.acks.any_ack) < clients or time.monotonic() < t_min
               or a not in stack.probe_watch.last_served):
            if time.monotonic() > warm_deadline:
                raise DrsimError(f"only {len(stack.acks.any_ack)} of {clients} clients got a write "
                                 "acknowledged during warm-up (and the probe was "
                                 f"{'' if a in stack.probe_watch.last_served else 'not '}served); "
                                 "the stack is not serving")
            time.sleep(POLL_S)
            stack.acks.poll()
            stack.probe_watch.poll()
            lag = postgres.replication_lag_s(conn)
            if lag is not None:
                lags.append(lag)
    if not stack.hc.endpoint_healthy:
        raise DrsimError("region A's health check failed before the fault")
    return tuple(lags)


def await_recovery(stack: LocalStack, injection: Injection, options: Options) -> None:
    """Return once ``recovered_fraction`` of the clients and the probe have been served
    by B and the runbook has settled (its steps ended, the tasks it launched healthy or failed), or
    ``timeout_s`` after the fault; then keep the load running ``settle_s`` more. [s]

    Clients can be served by B before a task launched by ``scale_standby`` is healthy
    (the standby's own tasks carry them); on a loaded machine that task can take seconds
    longer, and the record would end before its ``task_healthy``.
    """
    needed = max(1, smallest_count(stack.scenario.objectives.recovered_fraction,
                                   stack.scenario.dns.clients))
    deadline = injection.fault_mono + options.timeout_s
    while time.monotonic() < deadline:
        stack.acks.poll()
        stack.probe_watch.poll()
        if (len(stack.acks.first_b) >= needed and stack.runbook_settled
                and stack.probe_watch.served_since("b", injection.fault_mono)):
            break
        time.sleep(POLL_S)
    time.sleep(options.settle_s)
