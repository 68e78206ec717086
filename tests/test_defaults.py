"""One default of trials and seed everywhere: the commands, the API, the notebooks."""

from __future__ import annotations

import ast
import inspect

import nbformat
import pytest

from drsim import defaults
from drsim.bundled import notebooks_dir
from drsim.cli import build_parser


def _options(command: list[str]):
    """The parsed defaults of a command (the positional arguments filled in)."""
    return build_parser().parse_args(command)


@pytest.mark.parametrize("command, trials, seed", [
    (["simulate", "x"], "trials", "seed"),
    (["explain", "x", "--trial", "0"], "trials", "seed"),
    (["compare"], "trials", "seed"),
    (["cost", "x"], "trials", "seed"),
    (["report"], "trials", "seed"),
    (["gameday", "local"], "sim_trials", "seed"),
])
def test_every_command_defaults_to_the_same_trials_and_seed(command, trials, seed):
    args = _options(command)
    assert getattr(args, trials) == defaults.TRIALS
    assert getattr(args, seed) == defaults.SEED


def test_calibrate_validates_with_its_named_default_and_the_same_seed():
    # The one exception to TRIALS, named in drsim.defaults: a simulation per fold.
    from drsim.compare.calibrate import holdout, result

    args = _options(["calibrate", "x", "--scenario", "s", "--out", "o.yaml"])
    assert (args.trials, args.seed) == (defaults.VALIDATION_TRIALS, defaults.SEED)
    for f in (result.calibrate, holdout.validate_holdout):
        params = inspect.signature(f).parameters
        assert params["trials"].default == defaults.VALIDATION_TRIALS, f.__name__
        assert params["seed"].default == defaults.SEED, f.__name__


def test_every_api_function_defaults_to_the_same_trials_and_seed():
    from drsim.compare.cost_report import cost_report
    from drsim.compare.gameday import beside_simulation
    from drsim.compare.risk import scenario_risk
    from drsim.gameday.gamedays import local_gamedays
    from drsim.report.run import run_reports
    from drsim.sim import simulate
    from drsim.sim.explain import explain_percentile, explain_trial

    for f in (simulate, explain_percentile, cost_report, scenario_risk, beside_simulation,
              run_reports):
        params = inspect.signature(f).parameters
        assert params["trials"].default == defaults.TRIALS, f.__name__
        assert params["seed"].default == defaults.SEED, f.__name__
    for f in (explain_trial, local_gamedays):
        assert inspect.signature(f).parameters["seed"].default == defaults.SEED, f.__name__


@pytest.mark.parametrize("name", sorted(p.stem for p in notebooks_dir().glob("*.ipynb")))
def test_every_notebook_defaults_to_the_same_trials_and_seed(name):
    nb = nbformat.read(notebooks_dir() / f"{name}.ipynb", as_version=4)
    values = {}
    for node in ast.parse(nb.cells[1].source).body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            values[node.target.id] = ast.literal_eval(node.value)
    assert values.get("trials", values.get("sim_trials")) == defaults.TRIALS
    assert values["seed"] == defaults.SEED
