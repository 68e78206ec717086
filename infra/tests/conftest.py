"""Session fixtures: synthesize the seed scenario's four stacks once for all infra tests.

Synthesis takes several seconds and about 1 GB, so every test reads the same
in-process synthesis (:func:`seed_synth`); the security tests read a second one, the seed
with certificates and customer-managed keys (:func:`seed_hardened_synth`), and only the
CLI tests (and the slow checkov test of other scenarios) synthesize in a child process.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# Before the first aws_cdk import starts the jsii runtime (node), which reads these once.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
# A deprecated CDK API then raises instead of warning (seed failure 6).
os.environ.setdefault("JSII_DEPRECATED", "fail")

INFRA_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = INFRA_DIR.parent
SEED_SCENARIO = "seed-warm-standby"
"""The bundled reference scenario, by name (drsim's locator finds it)."""
TEST_ACCOUNT = "123456789012"
INFRA_EXTRA = ("aws_cdk", "constructs", "cdk_nag", "cfnlint", "ruff")
# drsim_infra (the constructs) is imported from infra/, which is not an installed package.
if str(INFRA_DIR) not in sys.path:
    sys.path.insert(0, str(INFRA_DIR))


def pytest_collection_modifyitems(config, items):
    """Every test under infra/ synthesizes or reads the CDK app: ``-m "not infra"`` leaves it out."""
    for item in items:
        if Path(item.path).is_relative_to(INFRA_DIR):
            item.add_marker(pytest.mark.infra)


def require_infra_extra() -> None:
    """Skip (with the install command) when the ``infra`` extra is missing."""
    missing = [m for m in INFRA_EXTRA if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"the infra extra is not installed (missing {', '.join(missing)}); "
                    "install it with: pip install -e '.[infra]'")


def load_app_module():
    """``infra/app.py`` as a module (it is a script, not part of a package)."""
    name = "drsim_infra_app"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, INFRA_DIR / "app.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@dataclass
class Synthesis:
    scenario: Any
    stacks: Any  # app.DrsimStacks
    templates: dict[str, Any]  # role -> aws_cdk.assertions.Template
    raw: dict[str, dict]  # role -> template as a dict
    outdir: Path
    accepted: list  # nag.AcceptedFinding
    synth_s: float

    def all_raw(self) -> list[dict]:
        return list(self.raw.values())


ROLES = ("primary", "secondary", "primary_links", "failover")


# The seed scenario with the security posture of issue 16 turned fully on: served over
# HTTPS with a certificate per region (ARNs in the test account's form; synthesis never
# resolves them), the health check on HTTPS/443, and customer-managed KMS keys.
HARDENED_OVERRIDES = {
    "security.kms_keys": "customer_managed",
    # retentions other than the defaults, so that the templates show they follow usage
    "usage.task_log_retention_days": 90,
    "usage.flow_log_retention_days": 365,
    "health_check.protocol": "HTTPS",
    "health_check.port": 443,
    "security.certificate_arns": {
        region: f"arn:aws:acm:{region}:{TEST_ACCOUNT}:certificate/"
                "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
        for region in ("us-east-1", "us-east-2")},
}


def synthesize(scenario_name: str, outdir: Path, overrides: dict | None = None) -> Synthesis:
    """The app's four stacks for a bundled scenario (with ``overrides`` by dotted path),
    with the checks on, synthesized to ``outdir`` as ``cdk synth`` would (a concrete
    account, so lookups would show)."""
    require_infra_extra()
    import aws_cdk as cdk
    from aws_cdk.assertions import Template

    from drsim import load_scenario

    app_module = load_app_module()
    scenario = load_scenario(scenario_name)
    if overrides:
        scenario = scenario.with_overrides(overrides)
    app = cdk.App(outdir=str(outdir))
    # A concrete account, as the CDK CLI passes one: context lookups (AZs, say)
    # would then be needed, so test_synthesis_needs_no_lookup means something.
    stacks = app_module.compose(app, scenario, account=TEST_ACCOUNT)
    accepted = app_module.add_checks(app, stacks)
    started = time.perf_counter()
    app.synth()
    synth_s = time.perf_counter() - started
    by_role = dict(zip(ROLES, stacks.in_order()))
    templates = {role: Template.from_stack(stack) for role, stack in by_role.items()}
    raw = {role: t.to_json() for role, t in templates.items()}
    print(f"\ninfra: synthesized the 4 stacks of {scenario_name} in {synth_s:.1f} s")
    return Synthesis(scenario, stacks, templates, raw, outdir, accepted, synth_s)


@pytest.fixture(scope="session")
def seed_synth(tmp_path_factory) -> Synthesis:
    return synthesize(SEED_SCENARIO, tmp_path_factory.mktemp("cdk.out"))


@pytest.fixture(scope="session")
def seed_hardened_synth(tmp_path_factory) -> Synthesis:
    """The seed scenario with certificates and customer-managed keys
    (:data:`HARDENED_OVERRIDES`)."""
    return synthesize(SEED_SCENARIO, tmp_path_factory.mktemp("cdk.out.hardened"),
                      HARDENED_OVERRIDES)
