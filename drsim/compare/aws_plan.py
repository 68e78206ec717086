"""An AWS game day's plan with its cost: the synthesized stacks (:mod:`drsim.gameday.aws`)
priced by the cost model (:mod:`drsim.cost`), which do not know each other.

The estimate is the cost model's monthly bill prorated to the hours the stack lives
(monthly x hours / :data:`~drsim.cost.breakdown.HOURS_PER_MONTH`), plus the fault's FIS
action-minutes when the price table prices them (key :data:`FIS_PRICE_KEY`); what is not
priced is said in ``estimate.missing``, never guessed.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TextIO

from drsim.cost.breakdown import HOURS_PER_MONTH
from drsim.cost.lines import price_scenario
from drsim.cost.prices import load_prices
from drsim.errors import DrsimError
from drsim.gameday.aws.guards import (
    Cleared,
    caller_account,
    check_account,
    check_budget,
    check_cdk,
    check_region,
    check_request,
    find_cdk,
)
from drsim.gameday.aws.plan import (
    DEFAULT_FAULT,
    DEFAULT_HOURS,
    AwsPlan,
    CostEstimate,
    check_fault,
    check_hours,
    check_platform,
    fis_templates,
    make_plan,
)
from drsim.scenario import Scenario, load_scenario
from drsim.scenario.locate import scenario_file

FIS_PRICE_KEY = "fis.action_minute"
FIS_PRICE_UNIT = "action-minute"


def estimate_run(scenario: Scenario, *, hours: float, templates: list[dict] | None = None,
                 prices_dir: str | os.PathLike | None = None,
                 as_of: dt.date | None = None) -> CostEstimate:
    """What the stack of ``scenario`` costs for ``hours``, and the FIS experiment's minutes.

    Parameters
    ----------
    hours : how long the stack lives. [h]
    templates : the fault's FIS templates (:func:`drsim.gameday.aws.plan.fis_templates`);
        None when not synthesized (the FIS part is then missing).
    prices_dir, as_of : which price tables (see :func:`drsim.cost.price_scenario`).
    """
    check_hours(hours)
    regions = {"regions.primary": scenario.regions.primary,
               "regions.secondary": scenario.regions.secondary}
    prices = load_prices(regions, prices_dir=prices_dir, as_of=as_of)
    bill = price_scenario(scenario, prices)
    missing = ["resources the cost model does not price (the known gaps of infra/README.md, "
               "'Cost cross-check')",
               "the probe's own traffic and the deploy's one-off charges"]
    minutes = _action_minutes(templates, missing)
    table = prices.tables[scenario.regions.primary]
    row = table.rows.get(FIS_PRICE_KEY)
    if row is None:
        missing.append(f"FIS action-minutes: {table.path.name} has no {FIS_PRICE_KEY!r} row "
                       "(add FIS's price in a new dated table)")
    elif row.unit != FIS_PRICE_UNIT:
        missing.append(f"FIS action-minutes: {table.path.name} prices {FIS_PRICE_KEY} per "
                       f"{row.unit!r}, not per {FIS_PRICE_UNIT!r}")
        row = None
    return CostEstimate(hours=float(hours), hours_per_month=HOURS_PER_MONTH,
                        monthly_usd=bill.monthly_usd,
                        by_service_monthly_usd=bill.by_service,
                        fis_action_minutes=minutes,
                        fis_usd_per_action_minute=None if row is None else row.usd_per_unit,
                        missing=tuple(missing), price_tables=dict(bill.tables))


def _action_minutes(templates: list[dict] | None, missing: list[str]) -> float | None:
    if not templates:
        missing.append("FIS action-minutes: no FIS experiment template in this synthesis")
        return None
    if any(t["action_minutes"] is None for t in templates):
        missing.append("FIS action-minutes: an action has no duration to count")
        return None
    return sum(t["action_minutes"] for t in templates)


def aws_plan(scenario: str | os.PathLike, *, fault: str = DEFAULT_FAULT,
             hours: float = DEFAULT_HOURS, log: TextIO | None = None,
             prices_dir: str | os.PathLike | None = None, assembly=None) -> AwsPlan:
    """The plan of an AWS game day of ``fault`` on ``scenario``, offline, without credentials.

    Parameters
    ----------
    scenario : a scenario file or a bundled scenario's name (``platform: aws``).
    fault : one of :data:`drsim.gameday.aws.plan.FAULTS`.
    hours : how long the stack is assumed to live, for the estimate. [h]
    log : where synthesis writes its status lines (it takes tens of seconds).
    assembly : an already synthesized :class:`~drsim.gameday.aws.synth.CloudAssembly` of
        this scenario (default: synthesize infra/ now).

    Raises
    ------
    DrsimError
        for an unknown fault or scenario, ``hours`` <= 0, a ``platform: local`` scenario,
        missing infra/ or infra extra, or a scenario infra/ refuses.
    """
    from drsim.gameday.aws.synth import synthesize

    check_fault(fault)
    check_hours(hours)
    path = scenario_file(scenario)
    loaded = load_scenario(path)
    check_platform(loaded, str(scenario))
    if assembly is None:
        assembly = synthesize(path, log=log)
    cost = estimate_run(loaded, hours=hours, templates=fis_templates(assembly, fault),
                        prices_dir=prices_dir)
    return make_plan(loaded, str(Path(path).resolve()), assembly, fault=fault, estimate=cost)


def clear_run(scenario: str | os.PathLike, *, confirm_account: str | None,
              max_usd: float | None, fault: str = DEFAULT_FAULT, hours: float = DEFAULT_HOURS,
              session=None, infra: Path | None = None,
              prices_dir: str | os.PathLike | None = None) -> Cleared:
    """Check every guard of a run, cheapest first; raise on the first that refuses.

    In order: both guards given; the fault, hours and scenario valid (``platform: aws``);
    the CDK CLI found; the estimate for ``hours`` within ``max_usd``; the session's region
    one of the scenario's; the credentials' account (STS GetCallerIdentity, the one AWS
    call) the confirmed one. Nothing is created or changed.

    Parameters
    ----------
    session : a ``boto3.Session`` (default: a new one, from the environment and profile).
    infra : the infra/ folder whose ``node_modules/.bin/cdk`` to use (default: found as the
        plan finds it; without one, ``cdk`` on PATH).

    Raises
    ------
    GuardRefused
        naming the guard; DrsimError for bad input.
    """
    check_request(confirm_account, max_usd)
    check_fault(fault)
    check_hours(hours)
    loaded = load_scenario(scenario_file(scenario))
    check_platform(loaded, str(scenario))
    if infra is None:
        from drsim.gameday.aws.synth import infra_dir

        try:
            infra = infra_dir()
        except DrsimError:
            infra = None  # then only cdk on PATH can serve
    cdk = find_cdk(infra)
    check_cdk(cdk)
    cost = estimate_run(loaded, hours=hours, prices_dir=prices_dir)
    check_budget(cost.total_usd, max_usd, hours)
    if session is None:
        session = _boto3().Session()
    check_region(session.region_name, (loaded.regions.primary, loaded.regions.secondary))
    account = caller_account(session)
    check_account(account, confirm_account)
    return Cleared(account=account, region=session.region_name, cdk=cdk,
                   estimated_usd=cost.total_usd, max_usd=max_usd)


def _boto3():
    try:
        import boto3
    except ImportError:
        raise DrsimError("an AWS game day needs boto3, which is not installed; install the "
                         "aws extra: pip install -e '.[aws]'") from None
    return boto3
