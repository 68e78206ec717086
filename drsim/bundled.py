"""What ships inside the drsim package: scenarios, price tables and notebooks.

Everything is found through :func:`importlib.resources.files`, so a regular
(non-editable) install reads the same files as a checkout does::

    drsim/data/scenarios/*.yaml   the bundled scenarios (see drsim.scenario.locate)
    drsim/data/prices/*.csv       the dated price tables (see drsim.cost.prices)
    drsim/notebooks/*.ipynb       the report and game-day notebooks (see drsim.report.run)
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from drsim.errors import DrsimError


def bundled_path(*parts: str) -> Path:
    """The file or folder ``parts`` inside the installed drsim package, as a real path.

    Raises DrsimError when drsim is imported from somewhere that has no file system
    paths (a zip archive): papermill, the CLI and the price loader all need real files.
    """
    where = files("drsim")
    for part in parts:
        where = where / part
    if not isinstance(where, Path):
        raise DrsimError(f"drsim is imported from {files('drsim')!s}, which is not a folder; "
                         "install drsim unpacked (pip install drsim) to use its bundled "
                         f"{'/'.join(parts)}")
    return where


def notebooks_dir() -> Path:
    """``drsim/notebooks``: the report notebooks 01-03 and the game-day notebook 04."""
    return bundled_path("notebooks")


def prices_dir() -> Path:
    """``drsim/data/prices``: the dated price tables and their README."""
    return bundled_path("data", "prices")
