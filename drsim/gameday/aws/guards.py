"""The guards of ``drsim gameday aws run``: nothing is deployed unless every one passes.

A run creates real resources in a real account and costs money, so it needs two things a
person types on purpose: ``--confirm-account`` (the 12-digit account the credentials must
belong to) and ``--max-usd`` (the most the run may cost, set against the cost model's
estimate). It also refuses when the CDK CLI is missing, or when the session's region is
not one of the scenario's (a run acts in those regions only).

The checks (``check_*``) are pure: they judge facts given to them and raise
:class:`GuardRefused` (a DrsimError: exit 2, one message, nothing done). The facts come
from :func:`find_cdk` (the file system) and :func:`caller_account` (one STS call, the only
AWS call made before the guards pass). No credential is ever printed or written.
"""

from __future__ import annotations

import math
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from drsim.errors import DrsimError

ACCOUNT_ID = re.compile(r"^\d{12}$")
"""An AWS account id: 12 digits."""
CDK_IN_INFRA = Path("node_modules") / ".bin" / "cdk"
"""Where ``npm install --prefix infra aws-cdk@2`` (scripts/install-system-deps.sh) puts the CLI."""


class GuardRefused(DrsimError):
    """A guard of the run refused: nothing was deployed or changed."""


def check_request(confirm_account: str | None, max_usd: float | None) -> None:
    """Both guards given and well formed, else GuardRefused naming what is missing."""
    problems = []
    if confirm_account is None:
        problems.append("--confirm-account ID (the 12-digit account your credentials must "
                        "belong to)")
    elif not ACCOUNT_ID.match(confirm_account):
        raise GuardRefused(f"--confirm-account: {confirm_account!r} is not an AWS account id "
                           "(12 digits)")
    if max_usd is None:
        problems.append("--max-usd X (the most the run may cost, in USD)")
    elif not (math.isfinite(max_usd) and max_usd > 0):
        raise GuardRefused(f"--max-usd: {max_usd:g} must be a number of USD > 0")
    if problems:
        raise GuardRefused("refused: a run deploys real resources and costs money; it needs "
                           + " and ".join(problems) + "; nothing was done")


def find_cdk(infra: Path | None, search_path: str | None = None) -> str | None:
    """The CDK CLI: ``infra/node_modules/.bin/cdk`` if installed there, else ``cdk`` on
    ``search_path`` (default ``$PATH``); None if neither."""
    if infra is not None:
        local = infra / CDK_IN_INFRA
        if local.is_file() and os.access(local, os.X_OK):
            return str(local)
    return shutil.which("cdk", path=search_path)


def check_cdk(cdk: str | None) -> None:
    """GuardRefused when the CDK CLI was not found."""
    if cdk is None:
        raise GuardRefused("refused: the CDK CLI (cdk) is not installed; run "
                           "scripts/install-system-deps.sh (npm install --prefix infra "
                           "aws-cdk@2) or put cdk on PATH; nothing was done")


def check_budget(estimated_usd: float, max_usd: float, hours: float) -> None:
    """GuardRefused when the estimate for ``hours`` exceeds ``max_usd``. [USD], [h]"""
    if estimated_usd > max_usd:
        raise GuardRefused(f"refused: the stack is estimated at {estimated_usd:.2f} USD for "
                           f"{hours:g} h, more than --max-usd {max_usd:g}; raise --max-usd or "
                           "shorten --hours; nothing was done")


def check_region(session_region: str | None, scenario_regions: tuple[str, ...]) -> None:
    """GuardRefused unless the session's region is one of the scenario's regions."""
    allowed = ", ".join(scenario_regions)
    # boto3 takes the region from AWS_DEFAULT_REGION or the profile (not AWS_REGION).
    what_to_do = "set AWS_DEFAULT_REGION (or your profile's region) to one of them"
    if session_region is None:
        raise GuardRefused(f"refused: no AWS region is configured, and a run acts only in the "
                           f"scenario's regions ({allowed}); {what_to_do}; nothing was done")
    if session_region not in scenario_regions:
        raise GuardRefused(f"refused: the session's region {session_region} is not one of the "
                           f"scenario's regions ({allowed}); {what_to_do}; nothing was done")


def check_account(caller: str, confirm_account: str) -> None:
    """GuardRefused when the credentials' account is not the confirmed one."""
    if caller != confirm_account:
        raise GuardRefused(f"refused: the credentials belong to account {caller}, not "
                           f"--confirm-account {confirm_account}; nothing was done")


def caller_account(session) -> str:
    """The account of ``session``'s credentials (STS GetCallerIdentity), or GuardRefused
    when there are none or STS cannot be reached. Honours ``AWS_ENDPOINT_URL``."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    try:
        return session.client("sts").get_caller_identity()["Account"]
    except NoCredentialsError:
        raise GuardRefused("refused: no AWS credentials found (set a profile or the AWS_* "
                           "variables); nothing was done") from None
    except (BotoCoreError, ClientError) as err:
        # The error names the service and what failed, never a credential.
        raise GuardRefused(f"refused: STS GetCallerIdentity failed ({err}); nothing was "
                           "done") from None


@dataclass(frozen=True)
class Cleared:
    """What the guards checked, once all passed (what the run may act with)."""

    account: str
    region: str
    cdk: str
    estimated_usd: float
    max_usd: float
