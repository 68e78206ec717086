"""The calibrated scenario as a file: YAML that ``extends`` the original and sets only
the fitted fields, each with its ``sources`` entry (runs, method, intervals)."""

from __future__ import annotations

import datetime as dt

import yaml

from drsim.compare.calibrate.calibration import Calibration, FittedField
from drsim.compare.calibrate.fit import BOOTSTRAP, LEVEL

RUNS_NAMED = 6
"""Run ids named in a source; more are counted. [-]"""


def overlay_text(calibration: Calibration, *, name: str, extends: str, files=(),
                 bootstrap: int = BOOTSTRAP, today: str | None = None) -> str:
    """The overlay scenario's YAML.

    Parameters
    ----------
    calibration : what was fitted.
    name : the overlay's scenario name.
    extends : what its ``extends:`` names (a path relative to the overlay's folder,
        or a bundled scenario's name).
    files : the timeline files, named in the header and the description.
    bootstrap : resamples behind the intervals (for the sources). [-]
    """
    today = today or dt.datetime.now(dt.UTC).date().isoformat()
    base = calibration.scenario
    changed = [f for f in calibration.fields if f.changed]
    data: dict = {"extends": extends, "name": name,
                  "description": (f"{base.name} with {len(changed)} field(s) fitted by drsim "
                                  f"calibrate to {len(calibration.runs)} measured runs"
                                  + (f" ({', '.join(map(str, files))})" if files else ""))}
    overrides = calibration.overrides
    for path, value in overrides.items():
        section, _, rest = path.partition(".")
        if section != "runbook":
            data.setdefault(section, {})[rest] = value
    if any(p.startswith("runbook.") for p in overrides):
        # A list replaces the base's whole list: write every step, fitted fields in place.
        data["runbook"] = [_step_data(s) for s in calibration.calibrated().runbook]
    sources = {"sources": {f.path: field_source(f, calibration, bootstrap, today) for f in changed}}
    header = (f"# {name}: {base.name} calibrated by drsim calibrate on {today}.\n"
              "# Only the fitted fields are set here (a runbook, being a list, is written\n"
              "# whole, its other fields as the base has them); everything else comes from\n"
              f"# {extends}. Check with: drsim validate {name}.yaml\n")
    # Distributions in flow style ({dist: lognormal, ...}), the long sources as blocks.
    return (header + yaml.safe_dump(data, sort_keys=False, default_flow_style=None, width=100)
            + yaml.safe_dump(sources, sort_keys=False, default_flow_style=False, width=100))


def _step_data(step) -> dict:
    """A runbook step as YAML: the fields it sets, and each distribution with its tag."""
    full = step.model_dump(mode="json", exclude_none=True)
    kept = set(step.model_dump(exclude_defaults=True)) | {"name", "duration_s"}
    return {k: v for k, v in full.items() if k in kept}


def _runs(runs) -> str:
    named = ", ".join(runs[:RUNS_NAMED])
    return named + (f" and {len(runs) - RUNS_NAMED} more" if len(runs) > RUNS_NAMED else "")


def field_source(f: FittedField, calibration: Calibration, bootstrap: int, today: str) -> str:
    """The ``sources`` text of one fitted field: runs, method, intervals, the old value."""
    where = (f"fitted by drsim calibrate {today} from {f.n} observation(s) in "
             f"{len(f.runs)} run(s) ({_runs(list(f.runs))})")
    pct = f"{LEVEL:.0%}"
    if f.fit is None:
        low, high = f.interval
        return (f"{where}: failed attempts / attempts (maximum likelihood), {pct} Wilson "
                f"interval [{low:.3g}, {high:.3g}], which excludes the previous {f.before:g}")
    fit = f.fit
    method = ("empirical (the measured values themselves)" if fit.method == "empirical" else
              "lognormal by maximum likelihood (mu = mean ln x, sigma = sd of ln x with "
              "denominator n)")
    ci = ""
    if fit.p50_ci:
        ci = (f"; {pct} bootstrap intervals ({bootstrap:,} resamples): p50 "
              f"[{fit.p50_ci[0]:.4g}, {fit.p50_ci[1]:.4g}] s, p95 [{fit.p95_ci[0]:.4g}, "
              f"{fit.p95_ci[1]:.4g}] s")
    return (f"{where}: {method}, p50 {fit.p50:.4g} s, p95 {fit.p95:.4g} s{ci}; "
            f"previously {f.before!r}")
