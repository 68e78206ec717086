"""Cost cross-check: every billable resource the app deploys is a line of drsim's cost model.

The deployed configuration and the priced one come from the same scenario; this
keeps them from drifting apart (a resource added to infra/ without a price, or
a count that differs from the one priced).
"""

from __future__ import annotations

import pytest
from conftest import ROLES, require_infra_extra
from drsim_infra.cost_map import NOT_YET_PRICED
from infra_helpers import resources

HOURS_PER_MONTH = 730


@pytest.fixture(scope="module")
def cost_lines(seed_synth):
    from drsim.cost import price_scenario

    return price_scenario(seed_synth.scenario).lines


def _deployed(synthesis):
    from drsim_infra.cost_map import template_resources

    stacks = dict(zip(ROLES, synthesis.stacks.in_order()))
    return [res for role, template in synthesis.raw.items()
            for res in template_resources(template, stacks[role].region)]


@pytest.fixture(scope="module")
def deployed(seed_synth):
    return _deployed(seed_synth)


@pytest.fixture(scope="module")
def hardened_deployed(seed_hardened_synth):
    return _deployed(seed_hardened_synth)


@pytest.fixture(scope="module")
def hardened_lines(seed_hardened_synth):
    from drsim.cost import price_scenario

    return price_scenario(seed_hardened_synth.scenario).lines


def _known_gap(problem: str) -> bool:
    return any(problem.startswith(f"{t} ") for t in NOT_YET_PRICED)


def test_every_billable_resource_is_priced_by_a_cost_line(deployed, cost_lines):
    from drsim_infra.cost_map import unpriced_resources

    problems = [p for p in unpriced_resources(deployed, cost_lines) if not _known_gap(p)]
    assert not problems, "\n".join(problems)


def test_with_certificates_and_keys_every_billable_resource_is_priced(hardened_deployed,
                                                                      hardened_lines):
    from drsim_infra.cost_map import unpriced_resources

    problems = [p for p in unpriced_resources(hardened_deployed, hardened_lines)
                if not _known_gap(p)]
    assert not problems, "\n".join(problems)


def test_key_months_are_the_keys_deployed(seed_hardened_synth, hardened_lines):
    stacks = dict(zip(ROLES, seed_hardened_synth.stacks.in_order()))
    for region in {stack.region for stack in stacks.values()}:
        keys = sum(len(resources(seed_hardened_synth.raw[role], "AWS::KMS::Key"))
                   for role, stack in stacks.items() if stack.region == region)
        assert keys == 1
        assert _quantity(hardened_lines, "KMS", "customer managed key (", region) == keys


def test_the_cross_check_fails_on_an_unpriced_billable_resource(cost_lines):
    require_infra_extra()
    from drsim_infra.cost_map import Resource, unpriced_resources

    # A type nobody classified (a multi-region replica key costs 1 USD a month) ...
    assert unpriced_resources([Resource("Key", "AWS::KMS::ReplicaKey", "us-east-1")],
                              cost_lines)
    # ... and a priced type where the model prices nothing (Aurora in a third region).
    (problem,) = unpriced_resources([Resource("Db", "AWS::RDS::DBInstance", "eu-west-1")],
                                    cost_lines)
    assert "no cost line 'Aurora PostgreSQL'" in problem


def test_no_priced_mapping_is_stale(deployed, hardened_deployed):
    """Each mapped type is deployed (by the seed, or with customer-managed keys), so the
    tables describe this app, not a guess."""
    from drsim_infra.cost_map import PRICED

    types = {res.type for res in deployed + hardened_deployed}
    assert set(PRICED) <= types
    assert set(NOT_YET_PRICED) <= types


@pytest.mark.parametrize("rtype", [
    pytest.param(rtype, marks=pytest.mark.xfail(
        strict=True, reason=f"cost model has no line for {rtype}: {why}"))
    for rtype, (_, why) in sorted(NOT_YET_PRICED.items())
])
def test_known_gap_is_priced(rtype, deployed, cost_lines):
    """Known gaps, expected to fail. Strict: once the cost model prices one, this
    test XPASSes and fails the run, so its entry moves from NOT_YET_PRICED to PRICED."""
    from drsim_infra.cost_map import has_line

    ref, _ = NOT_YET_PRICED[rtype]
    regions = {res.region for res in deployed if res.type == rtype}
    assert all(has_line(ref, region, cost_lines) for region in regions)


# --- the counts priced are the counts deployed ---------------------------------------


def _quantity(lines, service: str, item: str, region: str) -> float:
    return sum(ln.quantity for ln in lines
               if ln.service == service and item in ln.item and ln.region == region)


def test_priced_counts_match_the_templates(seed_synth, cost_lines):
    s = seed_synth.scenario
    regions = {"primary": s.regions.primary, "secondary": s.regions.secondary}
    for role, region in regions.items():
        template = seed_synth.raw[role]
        (service,) = resources(template, "AWS::ECS::Service")
        assert _quantity(cost_lines, "ECS Fargate", "vCPU", region) == pytest.approx(
            service["DesiredCount"] * s.compute.task_vcpu * HOURS_PER_MONTH)
        instances = len(resources(template, "AWS::RDS::DBInstance"))
        assert _quantity(cost_lines, "Aurora PostgreSQL", "on-demand", region) == (
            instances * HOURS_PER_MONTH)
        gateways = len(resources(template, "AWS::EC2::NatGateway"))
        assert _quantity(cost_lines, "VPC", "NAT gateway hour", region) == (
            gateways * HOURS_PER_MONTH)
        albs = len(resources(template, "AWS::ElasticLoadBalancingV2::LoadBalancer"))
        assert _quantity(cost_lines, "Elastic Load Balancing", "Application Load Balancer hour",
                         region) == albs * HOURS_PER_MONTH
        # an internet-facing ALB holds a public address in each subnet (AZ) it is enabled in
        addresses = sum(len(alb["Subnets"]) for alb in
                        resources(template, "AWS::ElasticLoadBalancingV2::LoadBalancer")
                        if alb.get("Scheme", "internet-facing") == "internet-facing")
        assert addresses == albs * s.usage.alb_public_ipv4_per_alb
        assert _quantity(cost_lines, "VPC", "public IPv4 addresses of the ALB", region) == (
            addresses * HOURS_PER_MONTH)
    checks = len(resources(seed_synth.raw["failover"], "AWS::Route53::HealthCheck"))
    assert _quantity(cost_lines, "Route 53", "health check", "global") == checks


def _canary_runs_per_month(template: dict) -> float:
    runs = 0.0
    for canary in resources(template, "AWS::Synthetics::Canary"):
        expression = canary["Schedule"]["Expression"]  # "rate(N minute[s])"
        minutes = float(expression.split("(")[1].split()[0])
        runs += HOURS_PER_MONTH * 60 / minutes
    return runs


@pytest.mark.parametrize("role", ["primary_links", "failover"])
def test_canaries_run_as_often_as_priced(seed_synth, cost_lines, role):
    """The standby probe (primary region) runs every usage.canary_interval_min; the failover
    probe (secondary) every alarm period, so the failover alarm gets a datapoint each period."""
    stack = dict(zip(ROLES, seed_synth.stacks.in_order()))[role]
    assert _quantity(cost_lines, "CloudWatch Synthetics", "canary", stack.region) == (
        pytest.approx(_canary_runs_per_month(seed_synth.raw[role])))


def test_alarms_per_region_as_priced(seed_synth, cost_lines):
    """Every deployed alarm is a priced alarm in its region, the game day's guard alarm
    (the FIS stop condition, in the primary) included."""
    stacks = dict(zip(ROLES, seed_synth.stacks.in_order()))
    for region in {stack.region for stack in stacks.values()}:
        deployed = sum(len(resources(seed_synth.raw[role], "AWS::CloudWatch::Alarm"))
                       for role, stack in stacks.items() if stack.region == region)
        assert _quantity(cost_lines, "CloudWatch", "alarm", region) == deployed, region


def test_the_guard_alarm_is_the_one_priced_in_the_primary(seed_synth, cost_lines):
    from drsim_infra.fault_injection import GUARD_NAMESPACE, GUARD_PERIOD_S

    from drsim.cost.lines import GUARD_ALARMS

    stacks = dict(zip(ROLES, seed_synth.stacks.in_order()))
    guards = [a for a in resources(seed_synth.raw["primary_links"], "AWS::CloudWatch::Alarm")
              if a.get("Namespace") == GUARD_NAMESPACE]
    assert len(guards) == GUARD_ALARMS and guards[0]["Period"] == GUARD_PERIOD_S == 60
    (line,) = [ln for ln in cost_lines if "guard alarm" in ln.item]
    assert line.region == stacks["primary_links"].region and line.dr
    assert line.quantity == GUARD_ALARMS and "standard" in line.item


# --- the security posture's additions (issue 16) ---------------------------------------


def test_each_log_bucket_is_priced_in_its_region_and_the_lifecycle_is_the_priced_one(
        seed_synth, cost_lines):
    """Every region that runs the service has one access-log bucket, whose retention is
    usage.access_log_retention_days, and a cost line for the logs it keeps."""
    from drsim.cost.lines import NONCURRENT_VERSION_DAYS

    s = seed_synth.scenario
    for role, region in (("primary", s.regions.primary), ("secondary", s.regions.secondary)):
        (log_bucket,) = [b for lid, b in seed_synth.raw[role]["Resources"].items()
                         if lid.startswith("AccessLogsBucket") and b["Type"] == "AWS::S3::Bucket"]
        (rule,) = log_bucket["Properties"]["LifecycleConfiguration"]["Rules"]
        assert rule["ExpirationInDays"] == s.usage.access_log_retention_days
        assert rule["NoncurrentVersionExpiration"]["NoncurrentDays"] == NONCURRENT_VERSION_DAYS
        (line,) = [ln for ln in cost_lines if ln.region == region
                   and ln.item.startswith("access logs in the log bucket")]
        assert line.service == "S3" and line.quantity > 0


@pytest.mark.parametrize("which", ["seed_synth", "seed_hardened_synth"])
def test_the_log_groups_keep_their_logs_as_long_as_priced(which, request):
    """The tasks' and the flow logs' groups keep their logs usage.task_log_retention_days
    and usage.flow_log_retention_days, in each region, with AWS-managed keys (CDK's own
    flow-log group) and customer-managed ones (infra/'s), whose overrides change both."""
    synthesis = request.getfixturevalue(which)
    u = synthesis.scenario.usage
    for role in ("primary", "secondary"):
        res = synthesis.raw[role]["Resources"]
        (flow_log,) = resources(synthesis.raw[role], "AWS::EC2::FlowLog")
        flow_group = res[flow_log["LogGroupName"]["Ref"]]["Properties"]
        assert flow_group["RetentionInDays"] == u.flow_log_retention_days, role
        (task_group,) = [r["Properties"] for lid, r in res.items()
                         if lid.startswith("WebLogs") and r["Type"] == "AWS::Logs::LogGroup"]
        assert task_group["RetentionInDays"] == u.task_log_retention_days, role


def test_enhanced_monitoring_is_priced_for_each_monitored_instance(seed_synth, cost_lines):
    """The CloudWatch Logs lines count the instances that have Enhanced Monitoring, at the
    interval the templates set."""
    from drsim.cost.breakdown import SECONDS_PER_MONTH

    s = seed_synth.scenario
    interval_s = s.security.enhanced_monitoring_interval_s
    for role, region in (("primary", s.regions.primary), ("secondary", s.regions.secondary)):
        instances = resources(seed_synth.raw[role], "AWS::RDS::DBInstance")
        assert instances and all(i["MonitoringInterval"] == interval_s for i in instances)
        (line,) = [ln for ln in cost_lines if ln.region == region and ln.service ==
                   "CloudWatch Logs" and "Enhanced Monitoring" in ln.item and "ingested" in ln.item]
        assert line.quantity == pytest.approx(
            len(instances) * SECONDS_PER_MONTH / interval_s
            * s.usage.enhanced_monitoring_kb_per_sample / 1e6)
