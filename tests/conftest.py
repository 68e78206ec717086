"""Shared fixtures: the repository's paths and small scenario builders."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from drsim.scenario.locate import bundled_dir

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = bundled_dir()
BUNDLED = sorted(SCENARIOS.glob("*.yaml"))


def minimal(**sections) -> dict:
    """The smallest valid aws scenario as plain data, with ``sections`` replacing parts."""
    data = {
        "name": "t",
        "strategy": "hot_standby",
        "regions": {"primary": "us-east-1", "secondary": "us-east-2"},
        "compute": {"primary_tasks": 2, "standby_tasks": 2, "required_tasks": 2},
        "runbook": [{"name": "switch_traffic", "duration_s": 1}],
    }
    data.update(sections)
    return data


def run_cli(*args, cwd=ROOT) -> subprocess.CompletedProcess:
    """Run the real ``drsim`` command line in a subprocess."""
    return subprocess.run([sys.executable, "-m", "drsim", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture
def seed_path() -> Path:
    return SCENARIOS / "seed-warm-standby.yaml"
