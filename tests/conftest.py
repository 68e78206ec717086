"""Shared fixtures: the repository's paths and small scenario builders."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from drsim.scenario.locate import bundled_dir

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = bundled_dir()
BUNDLED = sorted(SCENARIOS.glob("*.yaml"))



def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` skip, saying how to install it, where PostgreSQL 15's
    server binaries are missing (``scripts/install-system-deps.sh`` installs them as root)."""
    from drsim.gameday.local import postgres

    if os.access(postgres.PG_BIN / "initdb", os.X_OK):
        return
    skip = pytest.mark.skip(reason=f"PostgreSQL 15 server binaries not in {postgres.PG_BIN}; "
                                   "run scripts/install-system-deps.sh (apt-get install -y "
                                   "postgresql)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)

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


# Python, and so drsim, answers SIGINT only when it starts with SIGINT's default action,
# and a shell starts background jobs with SIGINT ignored (the test suite may run as one):
# the command under test is started with the default action, as from a terminal.
PYTHON_WITH_DEFAULT_SIGINT = [
    sys.executable, "-c",
    ("import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
     "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"),
]


def run_cli(*args, cwd=ROOT) -> subprocess.CompletedProcess:
    """Run the real ``drsim`` command line in a subprocess."""
    return subprocess.run([sys.executable, "-m", "drsim", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture
def seed_path() -> Path:
    return SCENARIOS / "seed-warm-standby.yaml"
