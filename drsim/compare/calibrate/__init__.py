"""Calibration: a scenario's uncertain durations fitted to measured runs, and checked
on runs the fit did not see.

- :mod:`~drsim.compare.calibrate.observe` — which events measure which field, per run;
- :mod:`~drsim.compare.calibrate.fit` — lognormal maximum likelihood, empirical, bootstrap;
- :mod:`~drsim.compare.calibrate.calibration` — the fields of a scenario fitted;
- :mod:`~drsim.compare.calibrate.holdout` — k-fold held-out validation by simulation;
- :mod:`~drsim.compare.calibrate.overlay` — the calibrated scenario as a file that
  ``extends`` the original;
- :mod:`~drsim.compare.calibrate.result` — :func:`calibrate`, all of it in one call.

It lives in :mod:`drsim.compare` because it is where measurements meet the simulator.
"""

from drsim.compare.calibrate.calibration import MIN_RUNS, Calibration, FittedField
from drsim.compare.calibrate.fit import EMPIRICAL_MIN_OBSERVATIONS, lognormal_mle
from drsim.compare.calibrate.holdout import Holdout, validate_holdout
from drsim.compare.calibrate.observe import Observations, observe
from drsim.compare.calibrate.overlay import overlay_text
from drsim.compare.calibrate.result import CalibrationResult, calibrate

__all__ = ["EMPIRICAL_MIN_OBSERVATIONS", "MIN_RUNS", "Calibration", "CalibrationResult",
           "FittedField", "Holdout", "Observations", "calibrate", "lognormal_mle", "observe",
           "overlay_text", "validate_holdout"]
