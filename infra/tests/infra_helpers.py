"""Helpers for reading synthesized CloudFormation templates in the infra tests."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

# cfn-lint rule ids that mean "this is deprecated": deprecated engine versions,
# runtimes and properties. Warnings in general are CDK's own (W3005, W3010 for
# the explicit AZs) and not failures; these are.
DEPRECATION_RULES = ("W3690", "W3691", "E2531", "W2531", "E3680", "W3663")


def cfn_lint(paths: list[str]) -> tuple[int, list[dict]]:
    """cfn-lint's exit status (errors only) and its findings."""
    # The console script installed beside this interpreter (cfnlint has no __main__).
    exe = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run(
        [str(exe), "--non-zero-exit-code", "error", "--format", "json", "--", *paths],
        check=False, capture_output=True, text=True,
    )
    assert result.stdout.strip().startswith("["), result.stderr[-2000:]
    return result.returncode, json.loads(result.stdout)


def plugin_reports(outdir: Path) -> list[dict]:
    """The validation plugins' reports (cdk-nag's among them) of a synthesis."""
    return json.loads((outdir / "validation-report.json").read_text())["pluginReports"]


def resources(template: dict, rtype: str) -> list[dict]:
    """Properties of every resource of type ``rtype``."""
    return [r.get("Properties", {}) for r in template["Resources"].values() if r["Type"] == rtype]


def flatten_join(value: Any, token: str = "TOKEN") -> Any:
    """``{"Fn::Join": ["", [..]]}`` -> one string, every intrinsic part replaced by ``token``."""
    if isinstance(value, dict) and "Fn::Join" in value:
        sep, parts = value["Fn::Join"]
        return sep.join(p if isinstance(p, str) else token for p in parts)
    return value


def state_machine_definition(template: dict) -> dict:
    """The one state machine's definition as a dict (references become "TOKEN")."""
    (sm,) = resources(template, "AWS::StepFunctions::StateMachine")
    return json.loads(flatten_join(sm["DefinitionString"]))
