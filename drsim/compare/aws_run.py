"""An AWS game day behind its guards: :func:`drsim.compare.aws_plan.clear_run` (which needs
the cost model's estimate) and then :func:`drsim.gameday.aws.run.run_gameday`.

The budget guard covers every run: the estimate is for ``hours`` x ``runs`` (each run
deploys and tears down its own stack).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TextIO

from drsim.compare.aws_plan import _boto3, clear_run
from drsim.errors import DrsimError
from drsim.gameday.aws.plan import DEFAULT_FAULT, DEFAULT_HOURS
from drsim.gameday.aws.run import RunOptions, run_gameday


def run_aws_gameday(scenario: str | os.PathLike, *, account: str | None,
                    max_usd: float | None, fault: str = DEFAULT_FAULT, runs: int = 1,
                    keep: bool = False, out_dir: str | Path, hours: float = DEFAULT_HOURS,
                    session=None, infra: Path | None = None, options: RunOptions | None = None,
                    log: TextIO | None = sys.stderr, **timing) -> list[Path]:
    """Check every guard (nothing is done when one refuses), then run ``runs`` game days.

    Parameters
    ----------
    account : the 12-digit account the credentials must belong to (``--confirm-account``).
    max_usd : the most the runs may cost, against the estimate for ``hours`` x ``runs``. [USD]
    hours : how long one run's stack is assumed to live. [h]
    infra : the infra/ folder (its ``node_modules/.bin/cdk`` is used when there; the CDK
        CLI runs in it). Default: found as ``drsim gameday aws plan`` finds it.
    timing : ``clock``, ``sleep``, ``monotonic`` for :func:`run_gameday` (tests).

    Returns the run directories. Raises GuardRefused / DrsimError (exit 2).
    """
    if not (isinstance(runs, int) and runs >= 1):
        raise DrsimError(f"--runs: {runs!r} must be a whole number >= 1")
    if session is None:
        session = _boto3().Session()
    cleared = clear_run(scenario, confirm_account=account, max_usd=max_usd, fault=fault,
                        hours=hours * runs, session=session, infra=infra)
    if log is not None:
        print(f"guards passed: account {cleared.account}, region {cleared.region}, estimate "
              f"{cleared.estimated_usd:.2f} USD for {hours * runs:g} h <= {cleared.max_usd:g} "
              f"USD, cdk {cleared.cdk}", file=log, flush=True)
    return run_gameday(scenario, cleared=cleared, fault=fault, runs=runs, keep=keep,
                       out_dir=out_dir, session=session, infra=infra, options=options,
                       log=log, **timing)
