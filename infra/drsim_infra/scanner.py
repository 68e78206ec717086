"""checkov, a second IaC scanner, on the synthesized templates, held against one reviewed
list of acknowledged findings (``checkov_acknowledged.yaml`` beside this module).

cdk-nag runs inside the synthesis; checkov reads only the CloudFormation it produces, as a
reviewer's pipeline would, with its own rule set (CDK's helper Lambdas included). Each
acknowledgment names a check id, the resources it covers (``Type.LogicalId`` patterns,
so hash suffixes need not be spelled) and why the finding is accepted; a finding no entry
covers is a failure, and so is an entry that covers nothing (stale).

checkov pins many packages, so it lives in its own virtual environment
(``infra/.venv-checkov``, made by ``scripts/install-system-deps.sh``), never in drsim's.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import yaml

INFRA_DIR = Path(__file__).resolve().parent.parent
ACKNOWLEDGED_FILE = Path(__file__).resolve().with_name("checkov_acknowledged.yaml")
CHECKOV_VENV = INFRA_DIR / ".venv-checkov"
INSTALL_HINT = "bash scripts/install-system-deps.sh (checkov into infra/.venv-checkov)"
CHECK_ID = re.compile(r"^CKV2?_AWS_\d+$")
MIN_REASON_CHARS = 40  # a sentence, not a placeholder
ENTRY_KEYS = {"check", "resources", "stacks", "when", "reason"}


class AcknowledgmentError(ValueError):
    """The acknowledgment list is malformed (message names the entry and field)."""


@dataclass(frozen=True)
class Finding:
    """One failed checkov check on one resource of one stack's template."""

    check_id: str
    stack: str  # the template's stack name, e.g. DrsimPrimary
    resource: str  # checkov's ``Type.LogicalId``
    check_name: str = ""

    def __str__(self) -> str:
        return f"{self.check_id} {self.stack}:{self.resource} ({self.check_name})"


@dataclass(frozen=True)
class Acknowledgment:
    """One reviewed acceptance: ``check`` on resources matching any of ``resources``
    (fnmatch patterns on ``Type.LogicalId``), in ``stacks`` (all when empty), for a
    synthesis whose conditions include every one of ``when``."""

    index: int
    check: str
    resources: tuple[str, ...]
    reason: str
    stacks: tuple[str, ...] = ()
    when: tuple[str, ...] = ()

    def applies(self, conditions: frozenset[str]) -> bool:
        return set(self.when) <= conditions

    def covers(self, finding: Finding) -> bool:
        return (finding.check_id == self.check
                and (not self.stacks or finding.stack in self.stacks)
                and any(fnmatch.fnmatchcase(finding.resource, p) for p in self.resources))

    def __str__(self) -> str:
        where = f" in {','.join(self.stacks)}" if self.stacks else ""
        when = f" when {','.join(self.when)}" if self.when else ""
        return f"#{self.index} {self.check} {' | '.join(self.resources)}{where}{when}"


@dataclass(frozen=True)
class ScanResult:
    """checkov's counts and failed findings for one synthesis."""

    passed: int
    findings: tuple[Finding, ...]

    @property
    def failed(self) -> int:
        return len(self.findings)


@dataclass
class Triage:
    """Findings split by the acknowledgment list for one synthesis."""

    unacknowledged: list[Finding] = field(default_factory=list)
    acknowledged: dict[int, list[Finding]] = field(default_factory=dict)  # entry index -> findings

    @property
    def acknowledged_count(self) -> int:
        return sum(len(v) for v in self.acknowledged.values())


def _strings(value, where: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise AcknowledgmentError(f"{where}: {key} must be a string or a list of strings")
    return tuple(value)


def load_acknowledgments(path: Path = ACKNOWLEDGED_FILE) -> list[Acknowledgment]:
    """The reviewed list, validated: every entry has a check id, resource patterns and a
    reason of at least :data:`MIN_REASON_CHARS` characters."""
    entries = yaml.safe_load(path.read_text())
    if not isinstance(entries, list) or not entries:
        raise AcknowledgmentError(f"{path}: expected a list of acknowledgments")
    out = []
    for index, entry in enumerate(entries):
        where = f"{path.name} entry {index}"
        if not isinstance(entry, dict):
            raise AcknowledgmentError(f"{where}: expected a mapping")
        unknown = set(entry) - ENTRY_KEYS
        if unknown:
            raise AcknowledgmentError(f"{where}: unknown keys {sorted(unknown)}; "
                                      f"allowed: {sorted(ENTRY_KEYS)}")
        check = entry.get("check")
        if not isinstance(check, str) or not CHECK_ID.match(check):
            raise AcknowledgmentError(f"{where}: check {check!r} is not a checkov AWS id "
                                      "such as CKV_AWS_18")
        resources = _strings(entry.get("resources"), where, "resources")
        if not resources:
            raise AcknowledgmentError(f"{where}: resources is required (Type.LogicalId patterns)")
        reason = " ".join(str(entry.get("reason") or "").split())
        if len(reason) < MIN_REASON_CHARS:
            raise AcknowledgmentError(f"{where}: reason must say why in a sentence "
                                      f"(at least {MIN_REASON_CHARS} characters)")
        out.append(Acknowledgment(index, check, resources, reason,
                                  _strings(entry.get("stacks"), where, "stacks"),
                                  _strings(entry.get("when"), where, "when")))
    return out


def checkov_executable() -> Path | None:
    """checkov in ``infra/.venv-checkov``, else ``$DRSIM_CHECKOV``, else on PATH, else None."""
    candidates = [CHECKOV_VENV / "bin" / "checkov", os.environ.get("DRSIM_CHECKOV"),
                  shutil.which("checkov")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Path(candidate)
    return None


def run_checkov(templates: list[Path], executable: Path) -> ScanResult:
    """checkov's CloudFormation checks on ``templates`` (``<Stack>.template.json``), offline
    (``--skip-download``: no Prisma Cloud guidelines or mappings are fetched)."""
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "LOG_LEVEL": "ERROR"}
    args = [str(executable), "--framework", "cloudformation", "--skip-download",
            "--output", "json", "--quiet"]
    for template in templates:
        args += ["--file", str(template)]
    result = subprocess.run(args, check=False, capture_output=True, text=True, env=env,
                            timeout=600)
    # Exit 1 means "findings"; anything else, or no JSON, is checkov failing.
    if result.returncode not in (0, 1) or not result.stdout.lstrip().startswith(("{", "[")):
        raise RuntimeError(f"checkov exited {result.returncode}: {result.stderr[-2000:]}")
    reports = json.loads(result.stdout)
    if isinstance(reports, dict):
        reports = [reports]
    passed, findings = 0, []
    for report in reports:
        if report.get("check_type") not in (None, "cloudformation"):
            continue
        passed += report["summary"]["passed"]
        if report["summary"]["parsing_errors"]:
            raise RuntimeError(f"checkov could not parse {report['results']['parsing_errors']}")
        for failed in report["results"]["failed_checks"]:
            stack = Path(failed["file_path"]).name.removesuffix(".template.json")
            findings.append(Finding(failed["check_id"], stack, failed["resource"],
                                    failed.get("check_name", "")))
    return ScanResult(passed, tuple(sorted(set(findings), key=str)))


def triage(findings: tuple[Finding, ...] | list[Finding], acknowledgments: list[Acknowledgment],
           conditions: frozenset[str]) -> Triage:
    """Each finding to the first acknowledgment that applies and covers it, or unacknowledged."""
    out = Triage()
    applicable = [a for a in acknowledgments if a.applies(conditions)]
    for finding in findings:
        ack = next((a for a in applicable if a.covers(finding)), None)
        if ack is None:
            out.unacknowledged.append(finding)
        else:
            out.acknowledged.setdefault(ack.index, []).append(finding)
    return out


def stale(acknowledgments: list[Acknowledgment], triages: list[Triage]) -> list[Acknowledgment]:
    """Entries that covered no finding in any of the scans."""
    used = {index for t in triages for index in t.acknowledged}
    return [a for a in acknowledgments if a.index not in used]


def scan_conditions(scenario) -> frozenset[str]:
    """The conditions of ``scenario`` that ``when`` of an acknowledgment can name:
    ``certificate`` or ``no_certificate`` (HTTPS listeners, or plain HTTP) and
    ``aws_managed_keys`` or ``customer_managed_keys`` (``security.kms_keys``)."""
    security = scenario.security
    tls = "certificate" if security.certificate_arns else "no_certificate"
    return frozenset({tls, f"{security.kms_keys}_keys"})
