"""One-at-a-time sweeps: vary one setting of a scenario, keep every other, simulate and
price each variant with the same seed (see :mod:`drsim.compare.outcomes`)."""

from __future__ import annotations

from typing import Any

from drsim.compare.outcomes import Outcome, evaluate_many
from drsim.errors import DrsimError
from drsim.scenario.paths import PathError, resolve

SWEEP_SETTINGS = {
    "health_check.interval_s": "health-check interval [s]",
    "health_check.failure_threshold": "health-check failure threshold [checks]",
    "dns.ttl_s": "DNS TTL [s]",
    "compute.standby_tasks": "standby tasks [-]",
    "decision.mode": "failover decision",
}
"""The settings 01-explore-tradeoffs sweeps, with their axis labels. Any other
dotted scenario path can be swept too; these are the ones the labels know."""


def standby_overrides(scenario, standby_tasks: int) -> dict[str, Any]:
    """Overrides that set ``compute.standby_tasks`` and the strategy that size implies.

    0 tasks is pilot light, fewer than ``compute.required_tasks`` warm standby, at
    least that many hot standby (the scenario checks insist on this pairing, and
    the cost model prices by it). Active/active and backup-and-restore keep their
    strategy: their standby size is part of what they are.
    """
    n = int(standby_tasks)
    if scenario.strategy in ("active_active", "backup_restore"):
        return {"compute.standby_tasks": n}
    required = scenario.compute.required_tasks
    strategy = "pilot_light" if n == 0 else ("warm_standby" if n < required else "hot_standby")
    return {"compute.standby_tasks": n, "strategy": strategy}


def setting_overrides(scenario, setting: str, value) -> dict[str, Any]:
    """The overrides that give ``scenario`` the ``value`` of ``setting`` (a dotted path)."""
    if setting == "compute.standby_tasks":
        return standby_overrides(scenario, value)
    return {setting: value}


def sweep(scenario, settings: dict[str, list], *, trials: int, seed: int,
          workers: int = 1) -> list[Outcome]:
    """Vary one setting at a time from ``scenario``; every other setting keeps its value.

    Parameters
    ----------
    scenario : the base configuration.
    settings : ``{dotted path: [values]}``, e.g. ``{"dns.ttl_s": [10, 60, 300]}``;
        ``compute.standby_tasks`` also sets the strategy that size implies
        (:func:`standby_overrides`). The base's own value is added when missing,
        so each setting is seen against the base.
    trials : trials per configuration. [-]
    seed : the same for every configuration (common random numbers).
    workers : processes to simulate configurations in.

    Raises DrsimError (naming the setting and value) for a value the scenario
    checks refuse, e.g. a 15 s Route 53 interval.
    """
    jobs = []
    for setting, values in settings.items():
        if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
            raise DrsimError(f"sweep {setting}: expected a list of values, got {values!r}")
        try:
            base_value = resolve(scenario, setting)
        except PathError as err:
            raise DrsimError(f"sweep {setting}: {err}") from None
        values = list(values)
        if base_value not in values:
            values.append(base_value)
        values = _sorted_values(values)
        for value in values:
            try:
                variant = scenario.with_overrides(setting_overrides(scenario, setting, value))
            except DrsimError as err:
                raise DrsimError(f"sweep {setting}={value!r}: {err}") from None
            jobs.append({"scenario": variant, "trials": trials, "seed": seed,
                         "label": f"{setting}={value}", "setting": setting, "value": value,
                         "is_base": value == base_value})
    return evaluate_many(jobs, workers)


def _sorted_values(values: list) -> list:
    try:
        return sorted(values)
    except TypeError:
        return values
