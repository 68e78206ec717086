"""The deployed configuration is the scenario's: each figure in the templates comes from it."""

from __future__ import annotations

import pytest
from conftest import require_infra_extra
from infra_helpers import flatten_join, resources, state_machine_definition

# The tests need the infra extra; without it this module is skipped, with the reason.
Match = pytest.importorskip(
    "aws_cdk.assertions", reason="the infra extra is not installed: pip install -e '.[infra]'"
).Match


def test_health_check_interval_threshold_and_path(seed_synth):
    hc = seed_synth.scenario.health_check
    seed_synth.templates["failover"].has_resource_properties("AWS::Route53::HealthCheck", {
        "HealthCheckConfig": Match.object_like({
            "RequestInterval": hc.interval_s, "FailureThreshold": hc.failure_threshold,
            "ResourcePath": hc.path, "Type": hc.protocol, "Port": hc.port,
        }),
    })


def test_failover_records_point_at_each_region_with_the_alias_ttl(seed_synth):
    # dns.ttl_s is 60 s, the TTL of an alias to an ALB, so the records are aliases.
    assert seed_synth.scenario.dns.ttl_s == 60
    records = resources(seed_synth.raw["failover"], "AWS::Route53::RecordSet")
    assert sorted(r["Failover"] for r in records) == ["PRIMARY", "SECONDARY"]
    (primary,) = [r for r in records if r["Failover"] == "PRIMARY"]
    assert "HealthCheckId" in primary and primary["AliasTarget"]["EvaluateTargetHealth"]


def test_records_carry_dns_ttl_where_a_ttl_can_be_set():
    """A TTL other than the alias TTL gives CNAMEs with that TTL."""
    require_infra_extra()
    import aws_cdk as cdk
    from aws_cdk import aws_elasticloadbalancingv2 as elbv2
    from aws_cdk.assertions import Template
    from drsim_infra.dns_failover import FailoverDns

    from drsim import load_scenario

    scenario = load_scenario("seed-warm-standby", ["dns.ttl_s=15"])
    stack = cdk.Stack(cdk.App(), "Dns", env=cdk.Environment(region="us-east-1"))
    albs = [elbv2.ApplicationLoadBalancer.from_application_load_balancer_attributes(
        stack, f"Alb{i}", load_balancer_arn=f"arn:aws:elasticloadbalancing:us-east-1:1:lb/{i}",
        security_group_id="sg-1", load_balancer_dns_name=f"alb{i}.example.com",
        load_balancer_canonical_hosted_zone_id="Z1") for i in (1, 2)]
    FailoverDns(stack, "Dns", zone_name="example.com", record_name="app",
                health_check=scenario.health_check, dns=scenario.dns,
                primary_alb=albs[0], secondary_alb=albs[1])
    template = Template.from_stack(stack)
    for failover, target in (("PRIMARY", "alb1.example.com"), ("SECONDARY", "alb2.example.com")):
        template.has_resource_properties("AWS::Route53::RecordSet", {
            "Type": "CNAME", "TTL": "15", "Failover": failover, "ResourceRecords": [target]})


def test_task_counts_primary_and_standby(seed_synth):
    c = seed_synth.scenario.compute
    seed_synth.templates["primary"].has_resource_properties(
        "AWS::ECS::Service", {"DesiredCount": c.primary_tasks, "LaunchType": "FARGATE"})
    seed_synth.templates["secondary"].has_resource_properties(
        "AWS::ECS::Service", {"DesiredCount": c.standby_tasks, "LaunchType": "FARGATE"})
    for role in ("primary", "secondary"):
        seed_synth.templates[role].has_resource_properties("AWS::ECS::TaskDefinition", {
            "Cpu": str(round(c.task_vcpu * 1024)), "Memory": str(round(c.task_memory_gb * 1024)),
            "RuntimePlatform": {"CpuArchitecture": "X86_64", "OperatingSystemFamily": "LINUX"},
        })


def test_aurora_instances_and_classes_from_the_datastore(seed_synth):
    (aurora,) = [d for d in seed_synth.scenario.datastores if d.kind == "aurora_global"]
    for role in ("primary", "secondary"):
        instances = resources(seed_synth.raw[role], "AWS::RDS::DBInstance")
        assert [i["DBInstanceClass"] for i in instances] == (
            [aurora.instance_class] * aurora.instances_per_region)
    seed_synth.templates["primary"].has_resource_properties("AWS::RDS::GlobalCluster", {
        "GlobalClusterIdentifier": "drsim-seed-warm-standby-orders-db",
        "SourceDBClusterIdentifier": Match.any_value()})
    # The secondary inherits its credentials from the global database.
    seed_synth.templates["secondary"].has_resource_properties("AWS::RDS::DBCluster", {
        "Engine": "aurora-postgresql", "StorageEncrypted": True,
        "MasterUsername": Match.absent(), "MasterUserPassword": Match.absent()})


def test_dynamodb_global_table_replicates_to_both_regions(seed_synth):
    r = seed_synth.scenario.regions
    (table,) = resources(seed_synth.raw["primary"], "AWS::DynamoDB::GlobalTable")
    assert sorted(rep["Region"] for rep in table["Replicas"]) == sorted([r.primary, r.secondary])
    assert all(rep["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"]
               for rep in table["Replicas"])


def test_every_alarm_uses_the_scenarios_period_and_m_of_n(seed_synth):
    a = seed_synth.scenario.alarm
    alarms = [props for t in seed_synth.all_raw() for props in resources(t, "AWS::CloudWatch::Alarm")
              if props.get("Namespace") != "drsim/GameDay"]  # the FIS guard: a kill switch
    assert len(alarms) == 5  # 2 per region on the web tier + the failover alarm
    for props in alarms:
        assert (props["Period"], props["EvaluationPeriods"], props["DatapointsToAlarm"]) == (
            a.period_s, a.evaluation_periods, a.datapoints_to_alarm)


def test_backup_plan_schedule_retention_and_copy(seed_synth):
    (snapshots,) = [d for d in seed_synth.scenario.datastores if d.kind == "backup"]
    assert snapshots.interval_s == 86400
    days = seed_synth.scenario.usage.backup_retention_days
    seed_synth.templates["primary_links"].has_resource_properties("AWS::Backup::BackupPlan", {
        "BackupPlan": {"BackupPlanName": Match.any_value(), "BackupPlanRule": [Match.object_like({
            "RuleName": snapshots.name,
            "ScheduleExpression": "cron(0 5 * * ? *)",
            "Lifecycle": {"DeleteAfterDays": days},
            "CopyActions": [{"DestinationBackupVaultArn": Match.any_value(),
                             "Lifecycle": {"DeleteAfterDays": days}}],
        })]},
    })
    # It protects the Aurora cluster, whose snapshots the cost model prices.
    (selection,) = resources(seed_synth.raw["primary_links"], "AWS::Backup::BackupSelection")
    (arn,) = selection["BackupSelection"]["Resources"]
    assert f":rds:{seed_synth.scenario.regions.primary}:" in flatten_join(arn)
    assert ":cluster:" in flatten_join(arn)


@pytest.mark.parametrize("interval_s, cron", [
    (3600, "cron(0 */1 * * ? *)"), (21600, "cron(0 */6 * * ? *)"),
    (86400, "cron(0 5 * * ? *)"), (604800, "cron(0 5 ? * SUN *)"),
])
def test_backup_schedule_from_interval(interval_s, cron):
    require_infra_extra()
    from drsim_infra.backup import backup_schedule

    assert backup_schedule(interval_s).expression_string == cron


@pytest.mark.parametrize("interval_s", [1800, 5 * 3600, 2 * 86400])
def test_backup_intervals_without_a_cron_are_refused(interval_s):
    require_infra_extra()
    from drsim_infra.backup import backup_schedule
    from drsim_infra.topology import UnsupportedScenario

    with pytest.raises(UnsupportedScenario, match="whole number of hours"):
        backup_schedule(interval_s)


# --- the failover state machine --------------------------------------------------------


def test_runbook_runs_promote_then_scale_then_switch(seed_synth):
    definition = state_machine_definition(seed_synth.raw["failover"])
    states = definition["States"]
    assert definition["StartAt"] == "promote_database"
    assert states["promote_database"]["Resource"].endswith(":aws-sdk:rds:failoverGlobalCluster")
    assert states["promote_database"]["Parameters"]["AllowDataLoss"] is True
    assert states["promote_database: done"]["Next"] == "scale_standby"
    assert states["scale_standby"]["Resource"].endswith(":aws-sdk:ecs:updateService")
    assert states["scale_standby"]["Parameters"]["DesiredCount"] == (
        seed_synth.scenario.compute.required_tasks)
    assert states["scale_standby"]["Next"] == "switch_traffic"
    assert states["switch_traffic"]["Resource"].endswith(":aws-sdk:route53:updateHealthCheck")
    assert states["switch_traffic"]["Parameters"]["Inverted"] is True


def test_promotion_is_polled_until_the_failover_is_over(seed_synth):
    states = state_machine_definition(seed_synth.raw["failover"])["States"]
    assert states["promote_database"]["Next"] == "promote_database: wait"
    assert states["promote_database: wait"]["Next"] == "promote_database: check"
    assert states["promote_database: check"]["Resource"].endswith(
        ":aws-sdk:rds:describeGlobalClusters")
    choice = states["promote_database: promoted?"]
    assert [c["Next"] for c in choice["Choices"]] == [
        "promote_database: wait", "promote_database: cancelled"]
    assert choice["Default"] == "promote_database: done"
    assert states["promote_database: cancelled"]["Type"] == "Fail"


def test_runbook_retries_come_from_the_step(seed_synth):
    step = seed_synth.scenario.step("promote_database")
    states = state_machine_definition(seed_synth.raw["failover"])["States"]
    assert states["promote_database"]["Retry"] == [{
        "ErrorEquals": ["States.ALL"], "MaxAttempts": step.max_attempts - 1,
        "IntervalSeconds": step.retry_interval_s, "BackoffRate": step.backoff_rate}]
    # A step with one attempt is not retried.
    assert "Retry" not in states["scale_standby"]


def test_the_alarm_starts_the_runbook_for_an_automatic_decision(seed_synth):
    assert seed_synth.scenario.decision.mode == "automatic"
    seed_synth.templates["failover"].has_resource_properties("AWS::Events::Rule", {
        "EventPattern": {"source": ["aws.cloudwatch"],
                         "detail-type": ["CloudWatch Alarm State Change"],
                         "detail": {"state": {"value": ["ALARM"]}},
                         "resources": [{"Fn::GetAtt": [Match.any_value(), "Arn"]}]},
        "Targets": [Match.object_like({"Arn": {"Ref": Match.string_like_regexp("StateMachine")}})],
    })


def test_parallel_branches_follow_the_runbooks_after():
    """warm-standby.yaml: promote and scale together, then switch after both."""
    require_infra_extra()
    import aws_cdk as cdk
    from aws_cdk import aws_ec2 as ec2
    from aws_cdk import aws_ecs as ecs
    from aws_cdk import aws_events as events
    from aws_cdk.assertions import Template
    from drsim_infra.failover_runbook import FailoverRunbook, FailoverTargets, runbook_levels

    from drsim import load_scenario

    scenario = load_scenario("warm-standby")
    levels = runbook_levels(scenario.runbook)
    assert [[s.name for s in level] for level in levels] == [
        ["promote_database", "scale_standby"], ["switch_traffic"]]

    stack = cdk.Stack(cdk.App(), "Runbook", env=cdk.Environment(region="us-east-2"))
    vpc = ec2.Vpc.from_vpc_attributes(stack, "Vpc", vpc_id="vpc-1", availability_zones=["a"],
                                      private_subnet_ids=["s-1"])
    cluster = ecs.Cluster.from_cluster_attributes(stack, "Cluster", cluster_name="c", vpc=vpc)
    service = ecs.FargateService.from_fargate_service_attributes(
        stack, "Service", cluster=cluster, service_name="web")
    FailoverRunbook(stack, "Runbook", scenario_name="warm", runbook=scenario.runbook,
                    targets=FailoverTargets(
                        global_cluster_id="g", secondary_cluster_arn="arn:aws:rds:x:1:cluster:s",
                        primary_cluster_arn="arn:aws:rds:y:1:cluster:p", ecs_cluster=cluster,
                        ecs_service=service, required_tasks=3, switch_health_check_id="hc",
                        event_bus=events.EventBus.from_event_bus_name(stack, "Bus", "b")))
    states = state_machine_definition(Template.from_stack(stack).to_json())["States"]
    parallel = states["level 0: promote_database + scale_standby"]
    assert parallel["Type"] == "Parallel" and parallel["Next"] == "switch_traffic"
    assert sorted(b["StartAt"] for b in parallel["Branches"]) == [
        "promote_database", "scale_standby"]


# --- other strategies (composed, not synthesized: construction is enough here) -----------


def _compose(name: str):
    require_infra_extra()
    import aws_cdk as cdk
    from conftest import load_app_module

    from drsim import load_scenario

    return load_app_module().compose(cdk.App(), load_scenario(name))


def test_pilot_light_is_manual_and_keeps_one_secondary_instance():
    stacks = _compose("pilot-light.yaml")
    # decision.mode manual: no rule starts the runbook; an operator does after the page.
    assert stacks.failover.trigger is None
    # dns.routing manual: the primary record follows a check that only the runbook flips.
    dns = stacks.failover.dns
    assert dns.switch_health_check is not dns.primary_health_check
    # compute.standby_tasks 0 and, by the cost model's rule, one Aurora instance to promote.
    assert len(stacks.secondary.database.instances) == 1
    assert stacks.secondary.web.service.node.default_child.desired_count == 0


def test_manual_routing_switch_check_is_always_healthy_until_inverted():
    stacks = _compose("pilot-light.yaml")
    check = stacks.failover.dns.switch_health_check.node.default_child
    config = stacks.failover.resolve(check.health_check_config)
    assert config["type"] == "CALCULATED" and config["healthThreshold"] == 0
    assert not config.get("inverted", False)


def test_active_active_answers_by_latency_with_a_check_per_region():
    stacks = _compose("active-active.yaml")
    dns = stacks.failover.dns
    regions = []
    for record in (dns.primary_record, dns.secondary_record):
        cfn = record.node.default_child  # the AWS::Route53::RecordSet
        assert cfn.failover is None and cfn.health_check_id
        regions.append(cfn.region)
    assert regions == [stacks.primary.region, stacks.secondary.region]
    assert dns.switch_health_check is dns.primary_health_check


def test_a_runbook_step_infra_cannot_build_is_refused_by_name():
    """fence_primary is simulated, not built: the step is refused with its name."""
    require_infra_extra()
    import aws_cdk as cdk
    from conftest import load_app_module
    from drsim_infra.topology import UnsupportedScenario

    from drsim import load_scenario

    scenario = load_scenario("warm-standby.yaml")
    fence = scenario.runbook[-1].model_copy(update={"name": "fence_it", "action": "fence_primary"})
    scenario = scenario.model_copy(update={"runbook": (*scenario.runbook, fence)})
    with pytest.raises(UnsupportedScenario, match="'fence_it' has action 'fence_primary'"):
        load_app_module().compose(cdk.App(), scenario)


def test_a_local_scenario_is_refused():
    from drsim import DrsimError

    with pytest.raises(DrsimError, match="platform"):
        _compose("local-lab.yaml")


def test_the_failover_alarm_treats_missing_data_as_the_scenario_says(seed_synth):
    assert seed_synth.scenario.alarm.treat_missing_data == "not_breaching"
    seed_synth.templates["failover"].has_resource_properties("AWS::CloudWatch::Alarm", {
        "MetricName": "SuccessPercent", "TreatMissingData": "notBreaching"})


@pytest.mark.parametrize("source", ["alb_5xx", "db_writes", "none"])
def test_an_alarm_source_infra_does_not_build_is_refused_by_name(source):
    require_infra_extra()
    import aws_cdk as cdk
    from conftest import load_app_module
    from drsim_infra.topology import UnsupportedScenario

    from drsim import load_scenario

    s = load_scenario("warm-standby.yaml", [f"alarm.source={source}"])
    with pytest.raises(UnsupportedScenario, match=f"alarm.source: '{source}'.*'health_url'"):
        load_app_module().compose(cdk.App(), s)
