"""Which scenarios the fast path covers, and in words why not."""

from __future__ import annotations

from drsim.sim.faults import alarm_sight, check_behaviour, primary_served_share


def coverage(scenario) -> str | None:
    """None when :func:`drsim.fast.simulate_fast` covers ``scenario``, else one sentence
    saying why not.

    Parameters
    ----------
    scenario : a drsim.Scenario.
    """
    check = check_behaviour(scenario)
    if 0 < check.p_fail < 1:
        return (f"a {scenario.failure.mode}'s health checks can flap: the fast path covers "
                "faults whose every check fails or passes")
    if primary_served_share(scenario) > 0:
        return (f"the primary still serves part of the load in a {scenario.failure.mode}: "
                "the fast path covers faults that stop it serving")
    sight = alarm_sight(scenario)
    if sight.fires and sight.breach_probability < 1:
        return (f"the alarm breaches only by chance in each period (probability "
                f"{sight.breach_probability:g}): the fast path covers alarms that breach "
                "every period or never")
    return None
