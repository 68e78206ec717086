"""checkov on the synthesized templates: every finding acknowledged, with a reason, in the one
reviewed list (drsim_infra/checkov_acknowledged.yaml), and no acknowledgment stale."""

from __future__ import annotations

import json

import pytest
from conftest import require_infra_extra
from drsim_infra import scanner


@pytest.fixture(scope="session")
def checkov():
    exe = scanner.checkov_executable()
    if exe is None:
        pytest.skip(f"checkov is not installed; install it with: {scanner.INSTALL_HINT}")
    return exe


@pytest.fixture(scope="session")
def acknowledgments():
    return scanner.load_acknowledgments()


def _scan(synthesis, checkov) -> scanner.ScanResult:
    templates = sorted(synthesis.outdir.glob("*.template.json"))
    assert len(templates) == 4
    return scanner.run_checkov(templates, checkov)


@pytest.fixture(scope="session")
def seed_scan(seed_synth, checkov):
    return _scan(seed_synth, checkov)


@pytest.fixture(scope="session")
def seed_hardened_scan(seed_hardened_synth, checkov):
    return _scan(seed_hardened_synth, checkov)


def _triage(synthesis, scan, acknowledgments) -> scanner.Triage:
    result = scanner.triage(scan.findings, acknowledgments,
                            scanner.scan_conditions(synthesis.scenario))
    print(f"\ncheckov on {synthesis.scenario.name}: {scan.passed} passed, {scan.failed} failed, "
          f"{result.acknowledged_count} acknowledged, {len(result.unacknowledged)} not")
    return result


def test_checkov_findings_of_the_seed_are_all_acknowledged(seed_synth, seed_scan,
                                                            acknowledgments):
    assert seed_scan.passed > 100, "checkov ran (almost) no check: is the framework right?"
    result = _triage(seed_synth, seed_scan, acknowledgments)
    assert result.unacknowledged == [], "\n".join(map(str, result.unacknowledged))


def test_checkov_findings_of_the_hardened_seed_are_all_acknowledged(
        seed_hardened_synth, seed_hardened_scan, acknowledgments):
    """Served over HTTPS with customer-managed keys, the listener and key findings are
    gone, not acknowledged."""
    result = _triage(seed_hardened_synth, seed_hardened_scan, acknowledgments)
    assert result.unacknowledged == [], "\n".join(map(str, result.unacknowledged))
    fixed = {"CKV_AWS_2", "CKV_AWS_103", "CKV_AWS_158", "CKV_AWS_149", "CKV_AWS_166",
             "CKV_AWS_173"}
    assert not [f for f in seed_hardened_scan.findings if f.check_id in fixed]


def test_no_checkov_acknowledgment_is_stale(seed_synth, seed_scan, seed_hardened_synth,
                                            seed_hardened_scan, acknowledgments):
    """Every entry covers a finding of the seed, with or without certificates."""
    results = [_triage(seed_synth, seed_scan, acknowledgments),
               _triage(seed_hardened_synth, seed_hardened_scan, acknowledgments)]
    unused = scanner.stale(acknowledgments, results)
    assert unused == [], "stale acknowledgments:\n" + "\n".join(map(str, unused))


def test_checkov_flags_what_no_entry_acknowledges(tmp_path, checkov, acknowledgments):
    """The scan can fail: an unlogged bucket no entry names is unacknowledged, while the
    same finding on a resource an entry names (the access-log bucket) is acknowledged."""
    require_infra_extra()
    bucket = {"Type": "AWS::S3::Bucket", "Properties": {}}
    template = tmp_path / "DrsimPrimaryLinks.template.json"
    template.write_text(json.dumps({"Resources": {"Unreviewed": bucket,
                                                  "AccessLogsBucketAB12": bucket}}))
    scan = scanner.run_checkov([template], checkov)
    result = scanner.triage(scan.findings, acknowledgments,
                            frozenset({"no_certificate", "aws_managed_keys"}))
    flagged = {(f.check_id, f.resource) for f in result.unacknowledged}
    assert ("CKV_AWS_18", "AWS::S3::Bucket.Unreviewed") in flagged
    assert not any(f.resource.endswith("AccessLogsBucketAB12") and f.check_id == "CKV_AWS_18"
                   for f in result.unacknowledged)


def test_acknowledgments_apply_only_under_their_conditions(acknowledgments):
    listener = scanner.Finding("CKV_AWS_2", "DrsimPrimary",
                               "AWS::ElasticLoadBalancingV2::Listener.WebAlbListenerBB688120")
    assert scanner.triage([listener], acknowledgments,
                          frozenset({"no_certificate"})).unacknowledged == []
    assert scanner.triage([listener], acknowledgments, frozenset()).unacknowledged == [listener]


@pytest.mark.parametrize("entry, message", [
    ({"check": "S1", "resources": ["*"], "reason": "x" * 50}, "not a checkov AWS id"),
    ({"check": "CKV_AWS_18", "reason": "x" * 50}, "resources is required"),
    ({"check": "CKV_AWS_18", "resources": ["*"], "reason": "because"}, "reason must say why"),
    ({"check": "CKV_AWS_18", "resources": ["*"], "reason": "x" * 50, "why": 1}, "unknown keys"),
])
def test_a_malformed_acknowledgment_is_refused(tmp_path, entry, message):
    path = tmp_path / "acks.yaml"
    path.write_text(json.dumps([entry]))
    with pytest.raises(scanner.AcknowledgmentError, match=message):
        scanner.load_acknowledgments(path)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["backup-restore", "active-active"])
def test_checkov_findings_of_other_bundled_scenarios_are_all_acknowledged(
        name, tmp_path, checkov, acknowledgments):
    """The strategies whose stacks differ most from the seed's (a restore target and
    on-demand NAT; DynamoDB only, latency records), synthesized as `cdk synth` would."""
    import os
    import subprocess
    import sys

    from conftest import INFRA_DIR, REPO_ROOT

    from drsim import load_scenario

    env = {**os.environ, "CDK_OUTDIR": str(tmp_path), "CDK_CONTEXT_JSON": json.dumps(
        {"scenario": name}), "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    done = subprocess.run([sys.executable, str(INFRA_DIR / "app.py")], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    scan = scanner.run_checkov(sorted(tmp_path.glob("*.template.json")), checkov)
    result = scanner.triage(scan.findings, acknowledgments,
                            scanner.scan_conditions(load_scenario(name)))
    assert scan.passed > 100
    assert result.unacknowledged == [], "\n".join(map(str, result.unacknowledged))
