"""A scenario's uncertain durations fitted to measured runs: which fields, their
values before and after, and the scenario with the fitted values in place."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from drsim.compare.calibrate.fit import (
    BOOTSTRAP,
    EMPIRICAL_MIN_OBSERVATIONS,
    LEVEL,
    MIN_OBSERVATIONS,
    Fit,
    fit_duration,
    percentiles_of,
    wilson_interval,
)
from drsim.compare.calibrate.observe import Observations
from drsim.errors import DrsimError
from drsim.scenario.paths import resolve

MIN_RUNS = MIN_OBSERVATIONS
"""Fewest runs calibration starts from (each field then needs as many observations). [-]"""


@dataclass(frozen=True)
class FittedField:
    """One field calibrated.

    path : the field's dotted path (``runbook.promote_database.duration_s``).
    before, after : its value in the scenario and fitted (a distribution, or a
        probability for ``failure_probability``); ``after`` is ``before`` when kept.
    fit : the duration's fit, or None for a probability.
    runs : the runs the observations came from. [-]
    n : observations (attempts for a probability). [-]
    interval : the probability's Wilson interval at :data:`LEVEL`, or None. [-]
    """

    path: str
    before: object
    after: object
    fit: Fit | None
    runs: tuple[str, ...]
    n: int
    interval: tuple[float, float] | None = None

    @property
    def changed(self) -> bool:
        if self.fit is None:
            return self.after != self.before
        # By their fields: an empirical distribution's private array defeats ==.
        return self.after.model_dump() != self.before.model_dump()

    def as_dict(self) -> dict:
        out = {"path": self.path, "n": self.n, "runs": list(self.runs), "changed": self.changed}
        if self.fit is None:
            out.update(before=self.before, after=self.after, method="binomial-mle",
                       interval=list(self.interval))
            return out
        b50, b95 = percentiles_of(self.before)
        out.update(method=self.fit.method,
                   before={"distribution": self.before.model_dump(mode="json", exclude_none=True),
                           "p50_s": b50, "p95_s": b95},
                   after=self.fit.as_dict())
        return out


@dataclass
class Calibration:
    """What :func:`calibrate_fields` found.

    scenario : the scenario calibrated (before).
    runs : the runs measured. [-]
    fields : the fields fitted (and probabilities kept or replaced).
    skipped : ``(path, why)`` of the fields the runs could not fit.
    """

    scenario: object
    runs: list[str]
    fields: list[FittedField] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def overrides(self) -> dict[str, object]:
        """Dotted path -> new value (as YAML would hold it) of every changed field."""
        return {f.path: (f.after if f.fit is None
                         else f.after.model_dump(mode="json", exclude_none=True))
                for f in self.fields if f.changed}

    def calibrated(self):
        """The scenario with the fitted values in place (validated)."""
        return self.scenario.with_overrides(self.overrides) if self.overrides else self.scenario


def duration_paths(scenario) -> list[str]:
    """The duration fields calibration fits, in the scenario's order (see
    :mod:`drsim.compare.calibrate.observe` for the events behind each)."""
    return ["decision.page_ack_s", "decision.decide_s",
            *(f"runbook.{s.name}.duration_s" for s in scenario.runbook),
            "dns.propagation_s", "compute.standby_ready_s"]


def calibrate_fields(obs: Observations, scenario, rng: np.random.Generator | None = None,
                     bootstrap: int = BOOTSTRAP, *, strict: bool = True) -> Calibration:
    """Fit each field the observations measure (lognormal MLE, or empirical from 30).

    Parameters
    ----------
    obs : what the runs measured (:func:`drsim.compare.calibrate.observe.observe`).
    scenario : the scenario they played.
    rng : draws the bootstrap resamples; None for no intervals.
    bootstrap : resamples per interval. [-]
    strict : raise :class:`DrsimError` with fewer than :data:`MIN_RUNS` runs or when
        nothing can be fitted (else return what there is: a fold of a validation).
    """
    if strict and len(obs.runs) < MIN_RUNS:
        raise DrsimError(
            f"calibration needs at least {MIN_RUNS} runs (a lognormal has 2 parameters, and "
            f"each field needs one observation more than that); the timelines hold "
            f"{len(obs.runs)}: {', '.join(obs.runs) or 'none'}")
    out = Calibration(scenario, list(obs.runs))
    for path in duration_paths(scenario):
        _fit_duration_field(out, obs, scenario, path, rng, bootstrap)
    for step in scenario.runbook:
        _fit_probability(out, obs, step)
    if strict and not any(f.changed for f in out.fields):
        why = "; ".join(f"{p}: {w}" for p, w in out.skipped) or "no field is observed"
        raise DrsimError(f"nothing to calibrate in {scenario.name!r} from these runs: {why}")
    return out


def _fit_duration_field(out: Calibration, obs: Observations, scenario, path: str, rng,
                        bootstrap: int) -> None:
    pairs = obs.durations.get(path, [])
    if not pairs:
        return  # not measured by these runs: nothing to say
    x = np.array([v for _, v in pairs])
    runs = tuple(dict.fromkeys(r for r, _ in pairs))
    if len(x) < MIN_OBSERVATIONS:
        out.skipped.append((path, f"{len(x)} observation(s); fitting needs at least "
                                  f"{MIN_OBSERVATIONS}"))
        return
    if (x <= 0).all():
        out.skipped.append((path, f"0 s in all {len(x)} observations; nothing to fit, kept"))
        return
    if (x < 0).any() or ((x <= 0).any() and len(x) < EMPIRICAL_MIN_OBSERVATIONS):
        bad = int((x <= 0).sum())
        out.skipped.append((path, f"{bad} of {len(x)} observations are 0 s or less; a "
                                  "lognormal needs positive durations"))
        return
    before = resolve(scenario, path)
    fit = fit_duration(x, rng, bootstrap, bounds=(before.lower, before.upper))
    out.fields.append(FittedField(path, before, fit.distribution, fit, runs, len(x)))


def _fit_probability(out: Calibration, obs: Observations, step) -> None:
    """``failure_probability``: the observed rate replaces the scenario's only when the
    runs contradict it (outside the Wilson interval): a few runs without a failure are
    no evidence that a step never fails."""
    path = f"runbook.{step.name}.failure_probability"
    n, failed = obs.attempts(step.name)
    if n == 0:
        return
    if n < MIN_OBSERVATIONS:
        out.skipped.append((path, f"{n} attempt(s); needs at least {MIN_OBSERVATIONS}"))
        return
    low, high = wilson_interval(failed, n, LEVEL)
    before = step.failure_probability
    after = before if low <= before <= high else round(failed / n, 4)
    runs = tuple(r for r, a, _ in obs.step_attempts[step.name] if a)
    out.fields.append(FittedField(path, before, after, None, runs, n, (low, high)))
