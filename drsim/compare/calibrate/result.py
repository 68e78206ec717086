"""``calibrate``: measured timelines in, fitted fields and their held-out check out."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from drsim import defaults
from drsim.compare.calibrate.calibration import Calibration, calibrate_fields
from drsim.compare.calibrate.fit import BOOTSTRAP, LEVEL, percentiles_of
from drsim.compare.calibrate.holdout import TRIALS, Holdout, validate_holdout
from drsim.compare.calibrate.observe import observe
from drsim.scenario import load_scenario
from drsim.timeline import check_frame

BOOTSTRAP_STREAM = 0xB007
"""Mixed into the seed of the bootstrap's generator, so its draws never coincide with a
simulated trial's (trial ``i`` draws from ``SeedSequence(seed, spawn_key=(i,))``)."""


@dataclass
class CalibrationResult:
    """What :func:`calibrate` returns.

    calibration : the fitted fields (:class:`Calibration`); ``calibration.calibrated()``
        is the calibrated scenario.
    holdout : the held-out validation, or None.
    holdout_note : why there is no validation, or None.
    seed, bootstrap : of the intervals (and the validation's simulations). [-]
    """

    calibration: Calibration
    holdout: Holdout | None
    holdout_note: str | None
    seed: int
    bootstrap: int

    def as_dict(self) -> dict:
        c = self.calibration
        return {"scenario": c.scenario.name, "runs": list(c.runs), "seed": self.seed,
                "bootstrap": self.bootstrap, "level": LEVEL,
                "fields": [f.as_dict() for f in c.fields],
                "skipped": [{"path": p, "why": w} for p, w in c.skipped],
                "validation": self.holdout.as_dict() if self.holdout else None,
                "validation_note": self.holdout_note}

    def to_text(self) -> str:
        c = self.calibration
        lines = [f"calibrated {c.scenario.name} from {len(c.runs)} runs "
                 f"(intervals: {LEVEL:.0%} bootstrap, {self.bootstrap:,} resamples, "
                 f"seed {self.seed})",
                 f"{'field':<46} {'before p50 / p95':>20}   {'after p50 / p95':>20}  "
                 f"{'p50 interval':>18}  method, n"]
        for f in c.fields:
            lines.append(_field_line(f))
        for path, why in c.skipped:
            lines.append(f"{path:<46} not fitted: {why}")
        lines += _holdout_lines(self.holdout, self.holdout_note)
        return "\n".join(lines)


def _field_line(f) -> str:
    if f.fit is None:
        low, high = f.interval
        what = "replaced" if f.changed else "kept (inside the interval)"
        return (f"{f.path:<46} {f.before:>20g}   {f.after:>20g}  "
                f"{f'[{low:.3g}, {high:.3g}]':>18}  {what}, {f.n} attempts")
    b50, b95 = percentiles_of(f.before)
    ci = f"[{f.fit.p50_ci[0]:.4g}, {f.fit.p50_ci[1]:.4g}]" if f.fit.p50_ci else "-"
    return (f"{f.path:<46} {f'{b50:.4g} / {b95:.4g} s':>20}   "
            f"{f'{f.fit.p50:.4g} / {f.fit.p95:.4g} s':>20}  {ci:>18}  {f.fit.method}, {f.n}")


def _holdout_lines(h: Holdout | None, note: str | None) -> list[str]:
    if h is None:
        return [f"held-out validation: none ({note})"]
    n = len(h.runs)
    inside = {w: f"{round(h.coverage(w) * n)}/{n}" for w in ("before", "after")}
    lines = [f"held-out validation ({h.method}, {h.metric}, {h.trials:,} trials per "
             f"simulation, seed {h.seed}):",
             f"  {'':<34} {'before':>10} {'after':>10}",
             f"  {'held-out runs in simulated [p5, p95]':<34} "
             f"{inside['before']:>10} {inside['after']:>10}",
             f"  {'median |simulated p50 - measured|':<34} "
             f"{h.median_abs_error_s('before'):>9.4g}s {h.median_abs_error_s('after'):>9.4g}s"]
    lines += [f"  left out {r}: {w}" for r, w in h.left_out]
    return lines


def calibrate(timeline: pd.DataFrame, scenario, *, seed: int = defaults.SEED,
              bootstrap: int = BOOTSTRAP, trials: int = TRIALS, validate: bool = True,
              name: str = "timeline") -> CalibrationResult:
    """Fit ``scenario``'s measured durations to the runs of ``timeline`` and check the fit
    on runs it did not see.

    Parameters
    ----------
    timeline : measured runs in drsim's timeline format (any source; several runs, told
        apart by ``run_id``): from game days, or from the importers of other tools' files.
    scenario : the scenario the runs played (a :class:`drsim.Scenario`, a path or a
        bundled name).
    seed : seeds the bootstrap (``SeedSequence([seed, BOOTSTRAP_STREAM])``) and the
        validation's simulations (common random numbers before and after).
    bootstrap : resamples per interval (0: none). [-]
    trials : trials of each of the validation's simulations. [-]
    validate : run the held-out validation.
    name : what to call ``timeline`` in messages.

    Raises
    ------
    DrsimError
        with fewer than 3 runs, step names the scenario lacks, or nothing to fit.
    """
    scenario = load_scenario(scenario)
    timeline = check_frame(timeline, name)
    obs = observe(timeline, scenario, name)
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, BOOTSTRAP_STREAM])))
    fitted = calibrate_fields(obs, scenario, rng=rng, bootstrap=bootstrap)
    fitted.calibrated()  # the fitted scenario must validate before anything else is done
    holdout, note = None, "not asked for"
    if validate:
        found = validate_holdout(timeline, obs, scenario, trials=trials, seed=seed)
        holdout, note = (found, None) if isinstance(found, Holdout) else (None, found)
    return CalibrationResult(fitted, holdout, note, seed, bootstrap)
