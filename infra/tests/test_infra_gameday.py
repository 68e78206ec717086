"""What the AWS game day needs from infra/: FIS experiment templates (one per fault kind)
with least-privilege roles and a stop condition, the /probe write path on each region's
listener, and the restore_database / provision_infrastructure runbook steps that let
backup-restore and pilot light synthesize."""

from __future__ import annotations

import json

import pytest
from conftest import synthesize
from infra_helpers import (
    DEPRECATION_RULES,
    cfn_lint,
    flatten_join,
    plugin_reports,
    resources,
    state_machine_definition,
)

# From the AWS FIS actions and targets references (not from infra's code):
# action id -> (target key, target resource type, parameters the action takes).
FIS_ACTIONS = {
    "aws:network:disrupt-connectivity": ("Subnets", "aws:ec2:subnet", {"scope", "duration"}),
    "aws:network:route-table-disrupt-cross-region-connectivity": (
        "Subnets", "aws:ec2:subnet", {"region", "duration"}),
    "aws:dynamodb:global-table-pause-replication": (
        "Tables", "aws:dynamodb:global-table", {"duration"}),
    "aws:s3:bucket-pause-replication": ("Buckets", "aws:s3:bucket", {"duration", "region"}),
    "aws:ecs:stop-task": ("Tasks", "aws:ecs:task", set()),
    "aws:rds:failover-db-cluster": ("Clusters", "aws:rds:cluster", set()),
}
KIND_ACTIONS = {
    "region_isolation": {"aws:network:disrupt-connectivity",
                         "aws:network:route-table-disrupt-cross-region-connectivity",
                         "aws:dynamodb:global-table-pause-replication",
                         "aws:s3:bucket-pause-replication"},
    "app_crash": {"aws:ecs:stop-task"},
    "db_failover": {"aws:rds:failover-db-cluster"},
}
# Calls that take no resource ARN (or only list), allowed on Resource "*".
READ_ONLY_PREFIXES = ("ec2:Describe", "ec2:GetManagedPrefixListEntries", "tag:GetResources",
                      "s3:ListAllMyBuckets")


@pytest.fixture(scope="module")
def restore_synth(tmp_path_factory):
    return synthesize("backup-restore", tmp_path_factory.mktemp("cdk.out.backup-restore"))


@pytest.fixture(scope="module")
def pilot_synth(tmp_path_factory):
    return synthesize("pilot-light", tmp_path_factory.mktemp("cdk.out.pilot-light"))


def _fis_templates(synth) -> dict[str, tuple[str, dict]]:
    """``{kind: (logical id, properties)}`` of the experiment templates."""
    out = {}
    for logical_id, res in synth.raw["primary_links"]["Resources"].items():
        if res["Type"] == "AWS::FIS::ExperimentTemplate":
            out[res["Properties"]["Tags"]["drsim:fault"]] = (logical_id, res["Properties"])
    return out


def _role_statements(template: dict, role_logical_id: str) -> list[dict]:
    return [st for res in template["Resources"].values() if res["Type"] == "AWS::IAM::Policy"
            and {"Ref": role_logical_id} in res["Properties"]["Roles"]
            for st in res["Properties"]["PolicyDocument"]["Statement"]]


def _probe_function(template: dict) -> dict:
    (function,) = [f for f in resources(template, "AWS::Lambda::Function")
                   if f.get("Handler") == "probe_handler.handler"]
    return function


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


# --- every bundled cloud scenario synthesizes, lint- and nag-clean ------------------------


def _assert_clean(synth) -> None:
    """Four templates, cfn-lint without errors or deprecations, cdk-nag without findings,
    every acknowledgment used."""
    templates = sorted(str(p) for p in synth.outdir.glob("*.template.json"))
    assert len(templates) == 4
    returncode, findings = cfn_lint(templates)
    errors = [f for f in findings if f["Level"] == "Error"]
    assert returncode == 0 and not errors, json.dumps(errors, indent=1)[:4000]
    assert not [f for f in findings if f["Rule"]["Id"] in DEPRECATION_RULES]
    reports = plugin_reports(synth.outdir)
    for report in reports:
        assert report["violations"] == [], (report["pluginName"], report["violations"][:3])
    used = {(f["acknowledgedAt"], f["acknowledgedId"]) for report in reports
            for f in report.get("suppressedViolations", [])}
    assert {(a.construct_path, a.finding_id) for a in synth.accepted} == used


@pytest.mark.parametrize("synth_name", ["restore_synth", "pilot_synth"])
def test_backup_restore_and_pilot_light_synthesize_clean(synth_name, request):
    _assert_clean(request.getfixturevalue(synth_name))


@pytest.mark.parametrize("scenario", ["active-active", "hot-standby", "warm-standby"])
def test_the_other_bundled_cloud_scenarios_synthesize_clean(scenario, tmp_path):
    """With the seed (the session fixture) and the two above: all six bundled cloud
    scenarios. One synthesis each (tens of seconds)."""
    _assert_clean(synthesize(scenario, tmp_path))


# --- FIS experiment templates ----------------------------------------------------------------


def test_one_fis_template_per_fault_kind_with_verified_actions_and_targets(seed_synth):
    templates = _fis_templates(seed_synth)
    assert set(templates) == set(KIND_ACTIONS)
    for kind, (_, props) in templates.items():
        actions = props["Actions"]
        assert {a["ActionId"] for a in actions.values()} == KIND_ACTIONS[kind], kind
        for action in actions.values():
            key, resource_type, params = FIS_ACTIONS[action["ActionId"]]
            (target_key, target_name), = action["Targets"].items()
            assert target_key == key
            assert props["Targets"][target_name]["ResourceType"] == resource_type
            assert set(action.get("Parameters", {})) == params
        assert props["ExperimentOptions"] == {"AccountTargeting": "single-account",
                                              "EmptyTargetResolutionMode": "fail"}


def test_region_isolation_cuts_every_primary_subnet_off_from_the_secondary(seed_synth):
    (_, props), = [v for k, v in _fis_templates(seed_synth).items() if k == "region_isolation"]
    secondary = seed_synth.scenario.regions.secondary
    actions = {a["ActionId"]: a for a in props["Actions"].values()}
    assert actions["aws:network:disrupt-connectivity"]["Parameters"]["scope"] == "all"
    cross = actions["aws:network:route-table-disrupt-cross-region-connectivity"]["Parameters"]
    assert cross["region"] == secondary
    assert actions["aws:s3:bucket-pause-replication"]["Parameters"]["region"] == secondary
    # Every subnet of the primary VPC (public: ALB; app: tasks; data: Aurora), by ARN.
    subnets = props["Targets"]["PrimarySubnets"]["ResourceArns"]
    assert len(subnets) == len(resources(seed_synth.raw["primary"], "AWS::EC2::Subnet")) == 6
    assert all(":subnet/" in flatten_join(arn) for arn in subnets)
    # The S3 action selects by tag only; the source buckets carry that tag.
    tags = props["Targets"]["SourceBuckets"]["ResourceTags"]
    assert tags["drsim:replication"] == "source"
    (bucket,) = [b for b in resources(seed_synth.raw["primary_links"], "AWS::S3::Bucket")
                 if "ReplicationConfiguration" in b]
    assert {"Key": "drsim:replication", "Value": "source"} in bucket["Tags"]


def test_fault_duration_is_an_iso_duration_from_the_context(seed_synth):
    from drsim_infra.fault_injection import iso_duration

    durations = {a["Parameters"]["duration"] for _, props in _fis_templates(seed_synth).values()
                 for a in props["Actions"].values() if "duration" in a.get("Parameters", {})}
    assert durations == {"PT30M"}
    assert iso_duration(60) == "PT1M" and iso_duration(5400) == "PT1H30M"
    assert iso_duration(43200) == "PT12H"


@pytest.mark.parametrize("seconds", [30, 90, 43260])
def test_fault_durations_fis_cannot_take_are_refused(seconds):
    from drsim_infra.fault_injection import iso_duration
    from drsim_infra.topology import UnsupportedScenario

    with pytest.raises(UnsupportedScenario, match="whole minutes from 60 to 43200"):
        iso_duration(seconds)


def test_app_crash_and_db_failover_target_the_primary_service_and_cluster(seed_synth):
    templates = _fis_templates(seed_synth)
    tasks = templates["app_crash"][1]["Targets"]["PrimaryTasks"]
    assert set(tasks["Parameters"]) == {"cluster", "service"} and tasks["SelectionMode"] == "ALL"
    (cluster,) = templates["db_failover"][1]["Targets"]["PrimaryCluster"]["ResourceArns"]
    assert ":rds:us-east-1:" in flatten_join(cluster) and ":cluster:" in flatten_join(cluster)


def test_every_template_stops_on_the_guard_alarm_and_has_its_own_role(seed_synth):
    raw = seed_synth.raw["primary_links"]
    guards = [lid for lid, r in raw["Resources"].items() if r["Type"] == "AWS::CloudWatch::Alarm"
              and r["Properties"].get("Namespace") == "drsim/GameDay"]
    assert len(guards) == 1
    roles = set()
    for kind, (_, props) in _fis_templates(seed_synth).items():
        assert props["StopConditions"] == [{"Source": "aws:cloudwatch:alarm",
                                            "Value": {"Fn::GetAtt": [guards[0], "Arn"]}}]
        roles.add(props["RoleArn"]["Fn::GetAtt"][0])
        assert props["Tags"]["drsim:scenario"] == "seed-warm-standby"
    assert len(roles) == 3
    outputs = raw["Outputs"]
    assert sum(1 for o in outputs.values() if "Ref" in o["Value"]
               and raw["Resources"][o["Value"]["Ref"]]["Type"] == "AWS::FIS::ExperimentTemplate") == 3


def test_fis_roles_trust_only_fis_experiments_of_this_account(seed_synth):
    raw = seed_synth.raw["primary_links"]
    for _, props in _fis_templates(seed_synth).values():
        role = raw["Resources"][props["RoleArn"]["Fn::GetAtt"][0]]["Properties"]
        (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
        assert trust["Principal"] == {"Service": "fis.amazonaws.com"}
        assert trust["Condition"]["StringEquals"]["aws:SourceAccount"] == "123456789012"
        assert ":fis:us-east-1:" in flatten_join(trust["Condition"]["ArnLike"]["aws:SourceArn"])


def test_fis_roles_are_least_privilege(seed_synth):
    raw = seed_synth.raw["primary_links"]
    by_kind = {kind: _role_statements(raw, props["RoleArn"]["Fn::GetAtt"][0])
               for kind, (_, props) in _fis_templates(seed_synth).items()}
    for kind, statements in by_kind.items():
        assert statements, kind
        for st in statements:
            actions = _as_list(st["Action"])
            assert st["Effect"] == "Allow"
            assert not [a for a in actions if "*" in a], (kind, actions)  # no action wildcards
            for res in map(flatten_join, _as_list(st["Resource"])):
                if "*" not in res:
                    continue
                # A wildcard resource is read-only, or fenced by a condition.
                read_only = all(a.startswith(READ_ONLY_PREFIXES) for a in actions)
                assert read_only or "Condition" in st or res.endswith("/stream/*"), (kind, st)
    ec2_writes = {a for st in by_kind["region_isolation"] for a in _as_list(st["Action"])
                  if a.startswith("ec2:") and not a.startswith(READ_ONLY_PREFIXES)}
    # What FIS creates, changes or deletes must carry (or get) the managedByFIS tag.
    for st in by_kind["region_isolation"]:
        acts = set(_as_list(st["Action"])) & ec2_writes
        if acts & {"ec2:DeleteRouteTable", "ec2:DeleteNetworkAcl", "ec2:CreateRoute"}:
            assert st["Condition"] == {"StringEquals": {"aws:ResourceTag/managedByFIS": "true"}}
    # Each role can do only its own fault.
    def services(kind):
        return {a.split(":")[0] for st in by_kind[kind] for a in _as_list(st["Action"])}
    assert services("app_crash") == {"ecs", "tag"}
    assert services("db_failover") == {"rds", "tag"}
    assert services("region_isolation") == {"ec2", "tag", "dynamodb", "s3"}
    (failover,) = [st for st in by_kind["db_failover"] if "rds:FailoverDBCluster" in
                   _as_list(st["Action"])]
    assert ":cluster:" in flatten_join(failover["Resource"])  # the primary cluster, by ARN
    (stop,) = [st for st in by_kind["app_crash"] if "ecs:StopTask" in _as_list(st["Action"])]
    assert "ecs:cluster" in stop["Condition"]["ArnEquals"]


def test_a_scenario_without_aurora_has_no_db_failover_template():
    from aws_cdk import App
    from conftest import load_app_module

    from drsim import load_scenario

    stacks = load_app_module().compose(App(), load_scenario("active-active"))
    assert set(stacks.primary_links.faults.templates) == {"region_isolation", "app_crash"}


# --- the probe endpoint ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["primary", "secondary"])
def test_the_probe_is_routed_on_the_service_listener(seed_synth, role):
    raw = seed_synth.raw[role]
    (listener_id,) = [lid for lid, r in raw["Resources"].items()
                      if r["Type"] == "AWS::ElasticLoadBalancingV2::Listener"]
    (rule,) = resources(raw, "AWS::ElasticLoadBalancingV2::ListenerRule")
    assert rule["ListenerArn"] == {"Ref": listener_id}
    assert rule["Conditions"] == [{"Field": "path-pattern",
                                   "PathPatternConfig": {"Values": ["/probe", "/probe/*",
                                                                    "/write", "/read"]}}]
    (forward,) = rule["Actions"]
    groups = {lid: r["Properties"] for lid, r in raw["Resources"].items()
              if r["Type"] == "AWS::ElasticLoadBalancingV2::TargetGroup"}
    probe_group = groups[forward["TargetGroupArn"]["Ref"]]
    assert probe_group["TargetType"] == "lambda"
    env = _probe_function(raw)["Environment"]["Variables"]
    assert env["PROBE_BACKEND"] == "aurora" and env["DATABASE"] == "orders_db"


def test_the_secondary_probe_writes_to_the_promoted_cluster_with_a_regional_secret(seed_synth):
    raw = seed_synth.raw["secondary"]
    env = _probe_function(raw)["Environment"]["Variables"]
    (cluster_id,) = [lid for lid, r in raw["Resources"].items()
                     if r["Type"] == "AWS::RDS::DBCluster"]
    assert env["CLUSTER_ARN"] == {"Fn::GetAtt": [cluster_id, "DBClusterArn"]}
    assert ":secretsmanager:us-east-2:" in flatten_join(env["SECRET_ARN"])
    assert raw["Resources"][cluster_id]["Properties"]["EnableHttpEndpoint"] is True
    (secret,) = resources(seed_synth.raw["primary"], "AWS::SecretsManager::Secret")
    assert secret["ReplicaRegions"] == [{"Region": "us-east-2"}]


@pytest.fixture
def probe_handler(monkeypatch):
    import sys

    from conftest import INFRA_DIR

    monkeypatch.syspath_prepend(str(INFRA_DIR / "probe"))
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    sys.modules.pop("probe_handler", None)
    import probe_handler

    return probe_handler


def test_probe_handler_speaks_the_local_game_days_protocol(probe_handler):
    """POST /write ``CLIENT SEQ`` and GET /read?client=N, as drsim.gameday.local.service
    answers them (and its load generator sends them), against DynamoDB's model."""
    import boto3
    from botocore.stub import ANY, Stubber

    ph = probe_handler
    client = boto3.client("dynamodb", region_name="us-east-1", aws_access_key_id="x",
                          aws_secret_access_key="x")
    store = ph.DynamoStore(client, table_name="drsim-active-active-orders", region="us-east-1")
    with Stubber(client) as stub:
        stub.add_response("put_item", {}, {"TableName": "drsim-active-active-orders",
                                           "Item": ANY, "ConditionExpression": ANY})
        stub.add_client_error("put_item", "ConditionalCheckFailedException")
        stub.add_response("query", {"Items": [{"pk": {"S": "probe#7"},
                                               "sk": {"S": f"{41:020d}"}}]},
                          {"TableName": "drsim-active-active-orders", "ConsistentRead": True,
                           "Limit": 1, "ScanIndexForward": False,
                           "KeyConditionExpression": ANY, "ExpressionAttributeValues": ANY})
        stub.add_client_error("put_item", "ProvisionedThroughputExceededException")
        ack = ph.handle({"httpMethod": "POST", "path": "/write", "body": "7 41"}, store)
        again = ph.handle({"httpMethod": "POST", "path": "/write", "body": "7 41"}, store)
        read = ph.handle({"httpMethod": "GET", "path": "/read",
                          "queryStringParameters": {"client": "7"}}, store)
        refused = ph.handle({"httpMethod": "POST", "path": "/write", "body": "7 42"}, store)
        stub.assert_no_pending_responses()
    assert (ack["statusCode"], ack["body"]) == (200, "ack")
    assert ack["headers"]["X-Region"] == "us-east-1"
    assert (again["statusCode"], again["body"]) == (200, "ack")  # committed before: an ack
    assert (read["statusCode"], read["body"]) == (200, "41")
    assert refused["statusCode"] == 503
    assert ph.handle({"httpMethod": "POST", "path": "/write", "body": "seven"},
                     store)["statusCode"] == 400


def test_probe_handler_writes_and_reads_through_the_data_api(probe_handler):
    """The handler against botocore's Stubber: request shapes are checked against the
    rds-data API model, so a misspelled parameter fails here."""
    import boto3
    from botocore.stub import ANY, Stubber

    ph = probe_handler

    client = boto3.client("rds-data", region_name="us-east-1", aws_access_key_id="x",
                          aws_secret_access_key="x")
    store = ph.AuroraStore(client, cluster_arn="arn:aws:rds:us-east-1:1:cluster:c",
                           secret_arn="arn:aws:secretsmanager:us-east-1:1:secret:s-abc",
                           database="orders_db", region="us-east-1")
    target = {"resourceArn": ANY, "secretArn": ANY, "database": "orders_db"}
    with Stubber(client) as stub:
        stub.add_response("execute_statement", {}, {**target, "sql": ph.CREATE_TABLE,
                                                    "parameters": []})
        stub.add_response("execute_statement", {"numberOfRecordsUpdated": 1},
                          {**target, "sql": ANY, "parameters": ANY})
        stub.add_response("execute_statement", {"numberOfRecordsUpdated": 0},
                          {**target, "sql": ANY, "parameters": ANY})
        stub.add_response("execute_statement", {"records": [[{"longValue": 3}, {"longValue": 4}]]},
                          {**target, "sql": ANY, "parameters": ANY})
        stub.add_client_error("execute_statement", "DatabaseNotFoundException")
        first = ph.handle({"httpMethod": "POST", "path": "/probe",
                           "body": json.dumps({"client": "c1", "seq": 3})}, store)
        again = ph.handle({"httpMethod": "POST", "path": "/probe",
                           "body": json.dumps({"client": "c1", "seq": 3})}, store)
        listed = ph.handle({"httpMethod": "GET", "path": "/probe/c1",
                            "queryStringParameters": {"after": "2"}}, store)
        down = ph.handle({"httpMethod": "POST", "path": "/probe",
                          "body": json.dumps({"client": "c1", "seq": 4})}, store)
        stub.assert_no_pending_responses()
    assert first["statusCode"] == 201 and json.loads(first["body"])["committed"] is True
    assert again["statusCode"] == 409
    assert json.loads(listed["body"])["seqs"] == [3]  # first column of each row
    assert down["statusCode"] == 503
    assert first["headers"]["X-Region"] == "us-east-1"
    bad = ph.handle({"httpMethod": "POST", "path": "/probe", "body": '{"client": "c1"}'}, store)
    assert bad["statusCode"] == 400 and "seq" in json.loads(bad["body"])["error"]
    assert ph.handle({"httpMethod": "GET", "path": "/other"}, store)["statusCode"] == 404


# --- restore_database and provision_infrastructure (backup-restore) --------------------------


def test_backup_restore_builds_a_backed_up_single_region_cluster(restore_synth):
    raw = restore_synth.raw
    assert not resources(raw["primary"], "AWS::RDS::GlobalCluster")
    cluster = restore_synth.scenario.usage.backed_up_aurora["orders_db"]
    instances = resources(raw["primary"], "AWS::RDS::DBInstance")
    assert [i["DBInstanceClass"] for i in instances] == [cluster.instance_class] * cluster.instances
    assert not resources(raw["secondary"], "AWS::RDS::DBCluster")  # restored on failover
    (selection,) = resources(raw["primary_links"], "AWS::Backup::BackupSelection")
    assert ":cluster:" in flatten_join(selection["BackupSelection"]["Resources"][0])


def test_provisioning_switches_on_the_secondarys_nat_gateways(restore_synth):
    raw = restore_synth.raw["secondary"]
    assert raw["Parameters"]["Provisioned"]["Default"] == "false"
    conditioned = {r["Type"] for r in raw["Resources"].values() if "Condition" in r}
    assert conditioned == {"AWS::EC2::NatGateway", "AWS::EC2::EIP", "AWS::EC2::Route"}
    assert all("Condition" in r for r in raw["Resources"].values()
               if r["Type"] in ("AWS::EC2::NatGateway", "AWS::EC2::EIP"))
    states = state_machine_definition(restore_synth.raw["failover"])["States"]
    update = states["provision_infrastructure"]
    assert update["Resource"].endswith(":aws-sdk:cloudformation:updateStack")
    params = update["Parameters"]
    assert params["StackName"] == restore_synth.stacks.secondary.stack_name
    assert params["UsePreviousTemplate"] is True
    assert {"ParameterKey": "Provisioned", "ParameterValue": "true"} in params["Parameters"]
    assert states["provision_infrastructure: check"]["Resource"].endswith(
        ":aws-sdk:cloudformation:describeStacks")
    choice = states["provision_infrastructure: provisioned?"]
    assert [c["Next"] for c in choice["Choices"]] == [
        "provision_infrastructure: wait", "provision_infrastructure: done"]
    assert choice["Default"] == "provision_infrastructure: failed"
    # Retries from the step (max_attempts 2).
    assert update["Retry"][0]["MaxAttempts"] == 1


def test_restore_polls_the_restore_job_and_the_new_writer(restore_synth):
    states = state_machine_definition(restore_synth.raw["failover"])["States"]
    level = states["provision_infrastructure: done"]["Next"]
    assert states[level]["Type"] == "Parallel" and states[level]["Next"] == "switch_traffic"
    (branch,) = [b for b in states[level]["Branches"] if b["StartAt"] == "restore_database"]
    s = branch["States"]
    calls = [(name, st["Resource"].rsplit(":", 1)[-1]) for name, st in s.items()
             if st["Type"] == "Task"]
    assert [c for _, c in calls] == ["listRecoveryPointsByBackupVault", "startRestoreJob",
                                     "describeRestoreJob", "createDBInstance",
                                     "describeDBInstances", "enableHttpEndpoint"]
    first = s["restore_database"]
    assert first["QueryLanguage"] == "JSONata" and "$sort" in first["Assign"]["recoveryPointArn"]
    start = s["restore_database: start restore"]["Arguments"]
    assert start["Metadata"]["DBClusterIdentifier"] == "drsim-backup-restore-orders-db-restored"
    assert start["ResourceType"] == "Aurora"
    restored = s["restore_database: restored?"]
    assert [c["Next"] for c in restored["Choices"]] == [
        "restore_database: wait for restore", "restore_database: add writer"]
    assert restored["Default"] == "restore_database: restore failed"
    writer = s["restore_database: add writer"]["Arguments"]
    assert writer["DbClusterIdentifier"] == start["Metadata"]["DBClusterIdentifier"]
    assert writer["DbInstanceClass"] == "db.r6g.large"


def test_restore_needs_a_backed_up_cluster():
    """A restore_database step without usage.backed_up_aurora is refused by name."""
    from aws_cdk import App
    from conftest import load_app_module
    from drsim_infra.topology import UnsupportedScenario

    from drsim import load_scenario

    scenario = load_scenario("backup-restore")
    scenario = scenario.model_copy(update={
        "usage": scenario.usage.model_copy(update={"backed_up_aurora": {}})})
    with pytest.raises(UnsupportedScenario, match="'restore_database' restores a database"):
        load_app_module().compose(App(), scenario)


@pytest.mark.parametrize("value, message", [("abc", "not a whole number of seconds"),
                                            ("90", "whole minutes from 60 to 43200")])
def test_a_bad_fault_duration_stops_the_app_with_exit_2(tmp_path, value, message):
    import os
    import subprocess
    import sys

    from conftest import INFRA_DIR, REPO_ROOT, require_infra_extra

    require_infra_extra()
    env = {**os.environ, "CDK_OUTDIR": str(tmp_path),
           "CDK_CONTEXT_JSON": json.dumps({"fault_duration_s": value}),
           "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    result = subprocess.run([sys.executable, str(INFRA_DIR / "app.py")], check=False, env=env,
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 2, result.stderr[-2000:]
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not list(tmp_path.glob("*.template.json"))
