"""The security posture of issue 16 in the templates: HTTPS end to end when the scenario has
certificates (listeners, redirect, health check, canaries), access logs and versioning,
Enhanced Monitoring, and customer-managed keys when the scenario asks for them; checked on
the seed as bundled and with certificates and keys (:data:`conftest.HARDENED_OVERRIDES`)."""

from __future__ import annotations

import json

from conftest import HARDENED_OVERRIDES
from infra_helpers import cfn_lint, plugin_reports, resources

SERVICE_NAME = "app.drsim.example.com"  # SERVICE_RECORD_NAME + the default domain


def _listeners(template: dict) -> dict[int, dict]:
    return {listener["Port"]: listener
            for listener in resources(template, "AWS::ElasticLoadBalancingV2::Listener")}


def test_with_certificates_each_alb_listens_https_with_its_regions_certificate(
        seed_hardened_synth):
    security = seed_hardened_synth.scenario.security
    for role in ("primary", "secondary"):
        region = seed_hardened_synth.stacks.in_order()[0 if role == "primary" else 1].region
        https = _listeners(seed_hardened_synth.raw[role])[443]
        assert https["Protocol"] == "HTTPS"
        assert https["SslPolicy"] == security.tls_policy == "ELBSecurityPolicy-TLS13-1-2-2021-06"
        assert https["Certificates"] == [
            {"CertificateArn": HARDENED_OVERRIDES["security.certificate_arns"][region]}]


def test_port_80_only_redirects_to_https(seed_hardened_synth):
    for role in ("primary", "secondary"):
        listeners = _listeners(seed_hardened_synth.raw[role])
        assert sorted(listeners) == [80, 443]
        plain = listeners[80]
        assert plain["Protocol"] == "HTTP"
        assert plain["DefaultActions"] == [{"Type": "redirect", "RedirectConfig": {
            "Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}]
        # Nothing else is routed on 80: the probe's rules hang off the HTTPS listener.
        for rule in resources(seed_hardened_synth.raw[role],
                              "AWS::ElasticLoadBalancingV2::ListenerRule"):
            assert "Redirect80To443" not in json.dumps(rule["ListenerArn"])


def test_the_route53_check_and_the_canaries_speak_https_to_port_443(seed_hardened_synth):
    (check,) = resources(seed_hardened_synth.raw["failover"], "AWS::Route53::HealthCheck")
    assert (check["HealthCheckConfig"]["Type"], check["HealthCheckConfig"]["Port"]) == (
        "HTTPS", 443)
    for role in ("failover", "primary_links"):
        (canary,) = resources(seed_hardened_synth.raw[role], "AWS::Synthetics::Canary")
        env = canary["RunConfig"]["EnvironmentVariables"]
        url = json.dumps(env["TARGET_URL"])
        assert "https://" in url and ":443/health" in url
        # The certificate names the service, not the ALB the canary connects to.
        assert env["TLS_SERVER_NAME"] == SERVICE_NAME


def test_without_certificates_the_one_listener_is_plain_http(seed_synth):
    for role in ("primary", "secondary"):
        listeners = _listeners(seed_synth.raw[role])
        assert list(listeners) == [80] and listeners[80]["Protocol"] == "HTTP"
    (canary,) = resources(seed_synth.raw["failover"], "AWS::Synthetics::Canary")
    assert "TLS_SERVER_NAME" not in canary["RunConfig"]["EnvironmentVariables"]


def test_https_templates_pass_cfn_lint_and_cdk_nag(seed_hardened_synth):
    templates = sorted(str(p) for p in seed_hardened_synth.outdir.glob("*.template.json"))
    returncode, findings = cfn_lint(templates)
    errors = [f for f in findings if f["Level"] == "Error"]
    assert returncode == 0 and not errors, json.dumps(errors, indent=1)[:4000]
    for report in plugin_reports(seed_hardened_synth.outdir):
        assert report["violations"] == [], (report["pluginName"], report["violations"][:3])


# --- logs where auditors look, versioning ----------------------------------------------


def _buckets(synthesis) -> dict[str, dict]:
    return {f"{role}:{lid}": r["Properties"] for role, template in synthesis.raw.items()
            for lid, r in template["Resources"].items() if r["Type"] == "AWS::S3::Bucket"}


def test_every_bucket_is_versioned_and_logs_to_its_regions_log_bucket(seed_synth):
    buckets = _buckets(seed_synth)
    log_buckets = {name for name in buckets if name.split(":")[1].startswith("AccessLogsBucket")}
    assert {name.split(":")[0] for name in log_buckets} == {"primary", "secondary"}
    for name, props in buckets.items():
        assert props["VersioningConfiguration"] == {"Status": "Enabled"}, name
        assert props["LifecycleConfiguration"]["Rules"][0]["NoncurrentVersionExpiration"], name
        if name in log_buckets:
            assert "LoggingConfiguration" not in props  # it would log its own deliveries
            continue
        logging = props["LoggingConfiguration"]
        assert logging["LogFilePrefix"].startswith("s3/") and logging["LogFilePrefix"].endswith("/")
        # The target is the log bucket of the same region: a reference within the stack, or
        # the export of the stack of that region that holds it.
        target = json.dumps(logging["DestinationBucketName"])
        assert "AccessLogsBucket" in target, (name, target)


def test_the_log_bucket_admits_s3_logging_of_this_account_only_and_the_alb(seed_synth):
    for role in ("primary", "secondary"):
        policies = resources(seed_synth.raw[role], "AWS::S3::BucketPolicy")
        statements = [st for p in policies
                      if "AccessLogsBucket" in json.dumps(p["Bucket"])
                      for st in p["PolicyDocument"]["Statement"]]
        (s3_logging,) = [st for st in statements if st.get("Sid") == "S3ServerAccessLogs"]
        assert s3_logging["Principal"] == {"Service": "logging.s3.amazonaws.com"}
        assert s3_logging["Condition"] == {"StringEquals": {"aws:SourceAccount": {
            "Ref": "AWS::AccountId"}}}
        assert "/s3/*" in json.dumps(s3_logging["Resource"])
        # The ALB writes under alb/ (CDK grants the region's ELB log-delivery principal).
        assert any("/alb/" in json.dumps(st["Resource"]) for st in statements
                   if st.get("Sid") != "S3ServerAccessLogs")
        (alb,) = resources(seed_synth.raw[role], "AWS::ElasticLoadBalancingV2::LoadBalancer")
        attrs = {a["Key"]: a["Value"] for a in alb["LoadBalancerAttributes"]}
        assert attrs["access_logs.s3.enabled"] == "true"
        assert attrs["access_logs.s3.prefix"] == "alb"


def test_aurora_instances_have_enhanced_monitoring_with_a_role(seed_synth):
    interval_s = seed_synth.scenario.security.enhanced_monitoring_interval_s
    assert interval_s == 60
    for role in ("primary", "secondary"):
        for instance in resources(seed_synth.raw[role], "AWS::RDS::DBInstance"):
            assert instance["MonitoringInterval"] == interval_s
            assert "MonitoringRole" in json.dumps(instance["MonitoringRoleArn"])


# --- keys ---------------------------------------------------------------------------------


def _key_ids(template: dict) -> set[str]:
    return {lid for lid, r in template["Resources"].items() if r["Type"] == "AWS::KMS::Key"}


def test_customer_managed_keys_encrypt_vaults_secret_log_groups_and_the_probe(
        seed_hardened_synth):
    raw = seed_hardened_synth.raw
    keys = {role: _key_ids(raw[role]) for role in ("primary", "secondary")}
    assert all(len(ids) == 1 for ids in keys.values()), keys  # one key per region
    for role in ("primary", "secondary"):
        (key,) = resources(raw[role], "AWS::KMS::Key")
        assert key["EnableKeyRotation"] is True
        logs_statement = [st for st in key["KeyPolicy"]["Statement"]
                          if st.get("Sid") == "CloudWatchLogsOfThisAccount"]
        assert logs_statement and "kms:EncryptionContext:aws:logs:arn" in json.dumps(
            logs_statement)
    for role, template in raw.items():
        for group in resources(template, "AWS::Logs::LogGroup"):
            assert "KmsKeyId" in group, (role, group)
        for vault in resources(template, "AWS::Backup::BackupVault"):
            assert "EncryptionKeyArn" in vault, role
        for function in resources(template, "AWS::Lambda::Function"):
            if "probe" in json.dumps(function.get("Description", "")):
                assert "KmsKeyArn" in function, role
    # The canaries write their artifacts under the key of their region, into buckets whose
    # default encryption is that key too.
    for role in ("failover", "primary_links"):
        (canary,) = resources(raw[role], "AWS::Synthetics::Canary")
        assert canary["ArtifactConfig"]["S3Encryption"]["EncryptionMode"] == "SSE_KMS"
        (bucket,) = [b for name, b in _buckets(seed_hardened_synth).items()
                     if name.startswith(f"{role}:") and "ProbeArtifacts" in name]
        (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
        assert rule["BucketKeyEnabled"] is True
    (secret,) = resources(raw["primary"], "AWS::SecretsManager::Secret")
    assert next(iter(keys["primary"])) in json.dumps(secret["KmsKeyId"])
    # The replica keeps Secrets Manager's key of its region: the secondary's key is made
    # by a stack deployed after the secret.
    assert all("KmsKeyId" not in r for r in secret["ReplicaRegions"])
    # The key outlives a teardown as the data it encrypts does: a deleted key would
    # leave the kept vaults (and buckets, log groups) unreadable.
    for role in ("primary", "secondary"):
        (key_id,) = keys[role]
        key = raw[role]["Resources"][key_id]
        assert key["DeletionPolicy"] == key["UpdateReplacePolicy"] == "Retain"
    kept = [r for template in raw.values() for r in template["Resources"].values()
            if r["Type"] == "AWS::Backup::BackupVault" and r.get("DeletionPolicy") == "Retain"
            and "EncryptionKeyArn" in r["Properties"]]
    assert len(kept) == 2  # the primary's vault and the secondary's copy vault


def test_aws_managed_keys_make_no_key(seed_synth):
    for template in seed_synth.raw.values():
        assert not _key_ids(template)
        for group in resources(template, "AWS::Logs::LogGroup"):
            assert "KmsKeyId" not in group
