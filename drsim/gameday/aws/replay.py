"""Replay recorded AWS game days: raw record -> timeline -> the measured report.

:func:`aws_gamedays` returns the same :class:`drsim.gameday.GamedayReport` as
the local game day, so :func:`drsim.compare.gameday.beside_simulation` sets it
beside the simulation unchanged (that is ``drsim gameday aws replay``).
"""

from __future__ import annotations

from pathlib import Path

from drsim.errors import DrsimError
from drsim.gameday.aws.convert import AwsRunResult, convert, database_name
from drsim.gameday.aws.faults import failure_mode
from drsim.gameday.aws.raw import RawRun, read_run
from drsim.gameday.gamedays import GamedayReport, summarise
from drsim.scenario import Scenario, load_scenario


def run_dirs(path: str | Path | list) -> list[Path]:
    """The run directories at ``path``: itself when it has a ``manifest.json``, else
    its subdirectories that have one (several runs of one game day), by name. A list of
    paths (the run directories a run wrote) gives the run directories of each, in order."""
    if isinstance(path, (list, tuple)):
        return [d for p in path for d in run_dirs(p)]
    path = Path(path)
    if not path.is_dir():
        raise DrsimError(f"{path}: no such directory; give a run directory (with manifest.json) "
                         "or a folder of them")
    if (path / "manifest.json").is_file():
        return [path]
    runs = sorted(d for d in path.iterdir() if (d / "manifest.json").is_file())
    if not runs:
        raise DrsimError(f"{path}: no manifest.json here or in its subdirectories; a replay "
                         "needs a run directory written by drsim gameday aws run (or the fixture)")
    return runs


def played_scenario(raw: RawRun) -> Scenario:
    """The scenario a run played: the manifest's (a file beside it, else a bundled name),
    with ``failure.mode`` the mode of its fault."""
    name = str(raw.manifest["scenario"])
    beside = raw.path / name
    scenario = load_scenario(beside if beside.is_file() else name)
    mode = failure_mode(str(raw.manifest["fault"]), f"{raw.path / 'manifest.json'}: fault")
    if scenario.failure.mode != mode:
        scenario = scenario.with_overrides({"failure.mode": mode})
    regions = raw.manifest["regions"]
    if (regions["primary"], regions["secondary"]) != (scenario.regions.primary,
                                                      scenario.regions.secondary):
        raise DrsimError(f"{raw.path / 'manifest.json'}: regions {regions['primary']} -> "
                         f"{regions['secondary']} are not the scenario's "
                         f"{scenario.regions.primary} -> {scenario.regions.secondary}")
    return scenario


def aws_gamedays(path: str | Path | list) -> GamedayReport:
    """Read, convert and measure the AWS game day run(s) at ``path`` (see :func:`run_dirs`).

    All runs must have played one scenario with one fault (they are one sample).
    """
    raws = [read_run(d) for d in run_dirs(path)]
    scenario = played_scenario(raws[0])
    for raw in raws[1:]:
        other = played_scenario(raw)
        if (other.name, other.failure.mode) != (scenario.name, scenario.failure.mode):
            raise DrsimError(f"{raw.path}: played {other.name} / {raw.manifest['fault']}, the "
                             f"first run {scenario.name} / {raws[0].manifest['fault']}; replay "
                             "one game day's runs together")
    runs: list[AwsRunResult] = [convert(raw, scenario) for raw in raws]
    return GamedayReport(scenario, runs, summarise(scenario, runs, database_name(scenario)))
