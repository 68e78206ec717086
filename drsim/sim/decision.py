"""Who decides to fail over, and when."""

from __future__ import annotations


def decision(env, *, mode: str, trigger: str, detected, alarmed, ack_s: float, decide_s: float,
             log=None):
    """SimPy process: the decision to fail over; its value is the time. [s]

    Automatic failover decides at its trigger (``"health_check"``: the health
    check declares the primary unhealthy; ``"alarm"``). Whatever the mode, the
    alarm also pages the on-call engineer, who acknowledges after ``ack_s`` and
    decides ``decide_s`` later: for manual failover that is the path, for
    automatic failover the fallback when the trigger never fires (e.g. a
    shallow health check that keeps passing while the database is gone).

    Parameters
    ----------
    mode : ``"automatic"`` or ``"manual"``.
    detected : event fired when the health check declares the primary unhealthy.
    alarmed : event fired when the alarm goes off.
    ack_s : page to acknowledgement. [s]
    decide_s : acknowledgement to decision. [s]
    """
    people = env.process(_on_call(env, alarmed, ack_s, decide_s, log))
    how = "manual"
    if mode == "automatic":
        fired = detected if trigger == "health_check" else alarmed
        yield fired | people
        how = f"automatic ({trigger})" if fired.triggered else "manual (automatic trigger never fired)"
    else:
        yield people
    if log:
        log(env.now, "failover_decided", "decision", how)
    return env.now


def _on_call(env, alarmed, ack_s, decide_s, log):
    yield alarmed
    if log:
        log(env.now, "paged", "on_call", "")
    yield env.timeout(ack_s)
    if log:
        log(env.now, "acknowledged", "on_call", "")
    yield env.timeout(decide_s)
    return env.now
