"""Reports: the figures, tables and data of the notebooks, and the papermill runner.

The notebooks in ``drsim/notebooks/`` only call this package:

- :func:`scenario_report` computes what 02-scenario-report shows;
- :mod:`drsim.report.figures` and :mod:`drsim.report.tables` draw and tabulate it;
- :func:`show_figure` / :func:`show_table` display them so the runner finds them;
- :func:`run_reports` (``drsim report``) runs the notebooks with papermill and
  writes executed notebooks, HTML without code, PNG figures and ``index.html``.

Nothing here imports matplotlib, papermill or nbconvert until it is used, so the
core package works without the ``lab`` extra.
"""

from drsim.report.display import show_figure, show_note, show_table
from drsim.report.scenario import ScenarioReport, pick_trials, scenario_report

__all__ = [
    "ScenarioReport",
    "pick_trials",
    "run_reports",
    "scenario_report",
    "show_figure",
    "show_note",
    "show_table",
]


def run_reports(*args, **kwargs):
    """See :func:`drsim.report.run.run_reports`."""
    from drsim.report.run import run_reports as _run

    return _run(*args, **kwargs)
