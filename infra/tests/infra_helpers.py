"""Helpers for reading synthesized CloudFormation templates in the infra tests."""

from __future__ import annotations

import json
from typing import Any


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
