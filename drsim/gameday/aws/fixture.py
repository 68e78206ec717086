"""The AWS game-day run shipped with drsim: CONSTRUCTED, not recorded.

``drsim/data/gamedays/aws-fixture/seed-warm-standby-region_isolation`` is a run
directory (format in :mod:`drsim.gameday.aws.raw`) of the seed scenario with a
``region_isolation`` fault, built by ``scripts/make_aws_fixture.py``: every
response through a shape botocore's Stubber accepts, with timings taken from
the sources in ``/work/shared/reference/domain-facts.md`` (cited in the script).
It shows what replay, the report and the notebook do; it measures nothing.
"""

from __future__ import annotations

from pathlib import Path

from drsim.bundled import bundled_path

FIXTURE_RUN = ("data", "gamedays", "aws-fixture", "seed-warm-standby-region_isolation")


def fixture_run_dir() -> Path:
    """The shipped constructed run's directory."""
    return bundled_path(*FIXTURE_RUN)
