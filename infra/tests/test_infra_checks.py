"""Whole-app checks: cfn-lint, cdk-nag, offline synthesis, and the CLI entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import INFRA_DIR, REPO_ROOT, require_infra_extra
from infra_helpers import DEPRECATION_RULES, cfn_lint, plugin_reports

def test_cfn_lint_finds_no_error_in_the_synthesized_templates(seed_synth):
    templates = sorted(str(p) for p in seed_synth.outdir.glob("*.template.json"))
    assert len(templates) == 4
    returncode, findings = cfn_lint(templates)
    errors = [f for f in findings if f["Level"] == "Error"]
    assert returncode == 0 and not errors, json.dumps(errors, indent=1)[:4000]
    deprecated = [f for f in findings if f["Rule"]["Id"] in DEPRECATION_RULES]
    assert not deprecated, json.dumps(deprecated, indent=1)[:4000]


def test_cfn_lint_check_fails_on_an_error(tmp_path):
    require_infra_extra()
    bad = tmp_path / "bad.template.json"
    bad.write_text(json.dumps({"Resources": {"Check": {
        "Type": "AWS::Route53::HealthCheck",
        "Properties": {"HealthCheckConfig": {"Type": "HTTPZ", "Port": 80,
                                             "FullyQualifiedDomainName": "x.example.com"}}}}}))
    returncode, findings = cfn_lint([str(bad)])
    assert returncode != 0 and any(f["Level"] == "Error" for f in findings)


def _plugin_reports(seed_synth) -> list[dict]:
    return plugin_reports(seed_synth.outdir)


def _nag_report(seed_synth) -> dict:
    (report,) = [p for p in _plugin_reports(seed_synth) if p["pluginName"] == "AwsSolutions"]
    return report


def test_cdk_nag_awssolutions_passes_with_reasons_for_every_acknowledgment(seed_synth):
    report = _nag_report(seed_synth)
    assert report["conclusion"] == "success" and report["violations"] == []
    suppressed = report["suppressedViolations"]
    assert suppressed, "cdk-nag ran no rule that needed an acknowledgment: is the plugin on?"
    for finding in suppressed:
        assert len(finding["reason"]) >= 40, finding  # a sentence, not a placeholder


def test_no_validation_plugin_reports_a_finding(seed_synth):
    """cdk-nag and CDK's own CloudFormation validation: nothing unacknowledged."""
    reports = _plugin_reports(seed_synth)
    assert {p["pluginName"] for p in reports} >= {"AwsSolutions"}
    for report in reports:
        assert report["violations"] == [], (report["pluginName"], report["violations"][:3])


def test_every_acknowledgment_is_used(seed_synth):
    """No stale acknowledgment: each one matched a finding on its construct."""
    used = {(f["acknowledgedAt"], f["acknowledgedId"])
            for report in _plugin_reports(seed_synth)
            for f in report.get("suppressedViolations", [])}
    made = {(a.construct_path, a.finding_id) for a in seed_synth.accepted}
    assert made == used


def test_synthesis_needs_no_lookup(seed_synth):
    """Offline: no context lookup (AZs, AMIs, hosted zones) is left to the CDK CLI."""
    manifest = json.loads((seed_synth.outdir / "manifest.json").read_text())
    assert manifest.get("missing", []) == []


def _run_app(tmp_path, context: dict) -> subprocess.CompletedProcess:
    """``infra/app.py`` as ``cdk synth`` runs it: context and outdir through the environment."""
    env = {**os.environ, "CDK_OUTDIR": str(tmp_path), "CDK_CONTEXT_JSON": json.dumps(context),
           "JSII_DEPRECATED": "fail", "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    env.pop("CDK_DEFAULT_ACCOUNT", None)
    return subprocess.run([sys.executable, str(INFRA_DIR / "app.py")], check=False, env=env,
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)


def test_app_synthesizes_another_scenario_offline_without_deprecated_apis(tmp_path):
    """`-c scenario=...` picks the file; JSII_DEPRECATED=fail makes any deprecated call fatal."""
    require_infra_extra()
    result = _run_app(tmp_path, {"scenario": "hot-standby"})
    assert result.returncode == 0, result.stderr[-4000:]
    assert "deprecated" not in result.stderr.lower()
    failover = json.loads((tmp_path / "DrsimFailover.template.json").read_text())
    (check,) = [r["Properties"]["HealthCheckConfig"] for r in failover["Resources"].values()
                if r["Type"] == "AWS::Route53::HealthCheck"]
    assert check["RequestInterval"] == 10  # hot-standby's interval, not the seed's 30
    secondary = json.loads((tmp_path / "DrsimSecondary.template.json").read_text())
    (service,) = [r["Properties"] for r in secondary["Resources"].values()
                  if r["Type"] == "AWS::ECS::Service"]
    assert service["DesiredCount"] == 3  # hot-standby's standby_tasks


def test_app_reports_a_bad_scenario_without_a_traceback(tmp_path):
    require_infra_extra()
    result = _run_app(tmp_path, {"scenario": "no-such-scenario"})
    assert result.returncode == 2
    assert "no such file" in result.stderr and "Traceback" not in result.stderr
    assert "bundled: active-active, backup-restore" in result.stderr
    assert not list(tmp_path.glob("*.template.json"))
