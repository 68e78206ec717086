"""CDK app: drsim's reference two-region DR architecture, built from a scenario file.

    cd infra && npx cdk synth -c scenario=seed-warm-standby
    python infra/app.py                 # the same synthesis without the CDK CLI

Context values (``-c key=value``):

    scenario      a bundled scenario's name (seed-warm-standby, hot-standby, ...) or a
                  scenario file, relative to the working directory or the repo root
                  (default seed-warm-standby)
    domain_name   hosted zone of the service record (default drsim.example.com)
    account       AWS account id (default: $CDK_DEFAULT_ACCOUNT, which the CDK CLI
                  sets from your credentials; offline synthesis works without one)
    fault_duration_s  how long each FIS fault of the game day lasts, whole minutes
                  from 60 to 43200 s (default 1800)

The scenario is read and validated by drsim's own loader, so the deployed
configuration and the simulated one are the same file.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks
from drsim_infra.fault_injection import DEFAULT_FAULT_DURATION_S
from drsim_infra.nag import AcceptedFinding, acknowledge_findings
from drsim_infra.stacks import FailoverStack, PrimaryLinksStack, PrimaryStack, SecondaryStack
from drsim_infra.topology import DEFAULT_DOMAIN_NAME

from drsim import DrsimError, Scenario, load_scenario
from drsim.scenario.locate import scenario_file

INFRA_DIR = Path(__file__).resolve().parent
REPO_ROOT = INFRA_DIR.parent
DEFAULT_SCENARIO = "seed-warm-standby"
"""The bundled reference scenario (drsim/data/scenarios/seed-warm-standby.yaml)."""


@dataclass(frozen=True)
class DrsimStacks:
    """The app's stacks in deployment order."""

    primary: PrimaryStack
    secondary: SecondaryStack
    primary_links: PrimaryLinksStack
    failover: FailoverStack

    def in_order(self) -> list[cdk.Stack]:
        return [self.primary, self.secondary, self.primary_links, self.failover]


def scenario_path(value: str | None) -> Path:
    """The scenario file named by ``-c scenario=...``: a path as given, else under the repo
    root (``cdk`` runs in infra/), else a bundled scenario's name (drsim's one locator)."""
    name = value or DEFAULT_SCENARIO
    path = Path(name)
    if not path.is_absolute() and not path.exists() and (REPO_ROOT / path).is_file():
        return REPO_ROOT / path
    return scenario_file(name)


def fault_duration_context(value) -> int:
    """``-c fault_duration_s=N``: how long each FIS fault lasts [s] (default 1800)."""
    if value is None:
        return DEFAULT_FAULT_DURATION_S
    try:
        return int(value)
    except (TypeError, ValueError):
        raise DrsimError(f"context fault_duration_s: {value!r} is not a whole number of "
                         "seconds; use e.g. -c fault_duration_s=1800") from None


def compose(app: cdk.App, scenario: Scenario, *, account: str | None = None,
            domain_name: str = DEFAULT_DOMAIN_NAME,
            fault_duration_s: int = DEFAULT_FAULT_DURATION_S) -> DrsimStacks:
    """Add the four stacks of ``scenario`` to ``app``.

    Both regions get an explicit environment (seed failure 1): CDK can pass
    values between stacks of different regions only when it knows each stack's
    region at synthesis time.
    """
    if scenario.platform != "aws":
        raise DrsimError(f"scenario {scenario.name!r} is for platform {scenario.platform!r}; "
                         "infra/ deploys platform: aws scenarios")
    primary_env = cdk.Environment(account=account, region=scenario.regions.primary)
    secondary_env = cdk.Environment(account=account, region=scenario.regions.secondary)
    primary = PrimaryStack(app, "DrsimPrimary", scenario=scenario, env=primary_env)
    secondary = SecondaryStack(app, "DrsimSecondary", scenario=scenario, env=secondary_env,
                               primary=primary)
    links = PrimaryLinksStack(app, "DrsimPrimaryLinks", scenario=scenario, env=primary_env,
                              primary=primary, secondary=secondary,
                              fault_duration_s=fault_duration_s, domain_name=domain_name)
    failover = FailoverStack(app, "DrsimFailover", scenario=scenario, env=secondary_env,
                             primary=primary, secondary=secondary, domain_name=domain_name)
    return DrsimStacks(primary, secondary, links, failover)


def add_checks(app: cdk.App, stacks: DrsimStacks) -> list[AcceptedFinding]:
    """cdk-nag's AwsSolutions pack on every stack; synthesis fails on an unacknowledged finding."""
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))
    return acknowledge_findings(stacks)


def main() -> int:
    # The CDK CLI passes its output directory in CDK_OUTDIR; run directly, the
    # app writes to infra/cdk.out (git-ignored) instead of a temporary directory.
    app = cdk.App() if "CDK_OUTDIR" in os.environ else cdk.App(outdir=str(INFRA_DIR / "cdk.out"))
    try:
        scenario = load_scenario(scenario_path(app.node.try_get_context("scenario")))
        stacks = compose(
            app,
            scenario,
            account=app.node.try_get_context("account") or os.environ.get("CDK_DEFAULT_ACCOUNT"),
            domain_name=app.node.try_get_context("domain_name") or DEFAULT_DOMAIN_NAME,
            fault_duration_s=fault_duration_context(app.node.try_get_context("fault_duration_s")),
        )
    except DrsimError as err:
        print(err, file=sys.stderr)
        return 2
    add_checks(app, stacks)
    app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
