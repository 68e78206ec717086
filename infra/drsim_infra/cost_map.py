"""Which line of drsim's cost model prices each CloudFormation resource type the app deploys.

The cost model (:func:`drsim.cost.price_scenario`) prices a scenario line by
line, each line with a ``service``, an ``item`` and a ``region``. Every
resource type in the synthesized templates is in exactly one table here:

- :data:`PRICED`: billable, and priced by the cost-model line named here;
- :data:`NO_STANDING_CHARGE`: AWS bills nothing for the resource itself;
- :data:`NOT_YET_PRICED`: billable, but the cost model has no line for it
  yet (known gaps, each with a rough size, reported to the cost model).

:func:`unpriced_resources` is the cross-check the tests run: it returns every
resource that is billable but finds no line of the model in its region, and
every resource type that is in no table (a new type must be classified).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class LineRef:
    """The cost-model line that prices a resource type.

    service : ``CostLine.service``.
    item : text that the line's ``item`` contains (case-insensitive).
    where : ``"region"`` (a line in the resource's own region), ``"global"``
        (Route 53 is priced once, globally) or ``"any"`` (the charge lands in
        another region, e.g. replicated writes are billed in the secondary).
    """

    service: str
    item: str
    where: str = "region"


PRICED: dict[str, LineRef] = {
    "AWS::ECS::Service": LineRef("ECS Fargate", "vCPU"),
    "AWS::ElasticLoadBalancingV2::LoadBalancer": LineRef(
        "Elastic Load Balancing", "Application Load Balancer hour"),
    "AWS::EC2::NatGateway": LineRef("VPC", "NAT gateway hour"),
    "AWS::EC2::EIP": LineRef("VPC", "public IPv4"),
    "AWS::SecretsManager::Secret": LineRef("Secrets Manager", "secret"),
    # task and flow logs, Enhanced Monitoring (the runbook's few events are left out)
    "AWS::Logs::LogGroup": LineRef("CloudWatch Logs", "log data ingested"),
    "AWS::EC2::FlowLog": LineRef("CloudWatch Logs", "VPC flow logs"),
    "AWS::ECS::Cluster": LineRef("CloudWatch", "Container Insights"),
    "AWS::EC2::VPCPeeringConnection": LineRef("Data Transfer", "VPC peering"),
    "AWS::RDS::DBInstance": LineRef("Aurora PostgreSQL", "on-demand"),
    "AWS::RDS::DBCluster": LineRef("Aurora PostgreSQL", "storage"),
    "AWS::RDS::GlobalCluster": LineRef("Aurora PostgreSQL", "Global Database", where="any"),
    "AWS::DynamoDB::GlobalTable": LineRef("DynamoDB", "write request units"),
    "AWS::S3::Bucket": LineRef("S3", "storage"),
    "AWS::Backup::BackupPlan": LineRef("AWS Backup", ""),
    "AWS::Route53::HostedZone": LineRef("Route 53", "hosted zone", where="global"),
    "AWS::Route53::HealthCheck": LineRef("Route 53", "health check", where="global"),
    "AWS::Route53::RecordSet": LineRef("Route 53", "queries", where="global"),
    "AWS::CloudWatch::Alarm": LineRef("CloudWatch", "alarm"),
    "AWS::Synthetics::Canary": LineRef("CloudWatch Synthetics", "canary"),
    "AWS::StepFunctions::StateMachine": LineRef("Step Functions", "state transitions"),
    # Buses are free; the custom events put on them (and forwarded) are billed.
    "AWS::Events::EventBus": LineRef("EventBridge", "custom events", where="any"),
    # security.kms_keys: customer_managed (one key per region)
    "AWS::KMS::Key": LineRef("KMS", "customer managed key"),
}

NO_STANDING_CHARGE: dict[str, str] = {
    "AWS::EC2::VPC": "VPCs are free",
    "AWS::EC2::Subnet": "subnets are free",
    "AWS::EC2::RouteTable": "route tables are free",
    "AWS::EC2::SubnetRouteTableAssociation": "free",
    "AWS::EC2::Route": "routes are free (peering traffic is priced as Data Transfer)",
    "AWS::EC2::InternetGateway": "internet gateways are free (traffic is billed as transfer)",
    "AWS::EC2::VPCGatewayAttachment": "free",
    "AWS::EC2::SecurityGroup": "free",
    "AWS::EC2::SecurityGroupIngress": "free",
    "AWS::EC2::SecurityGroupEgress": "free",
    "AWS::IAM::Role": "IAM is free",
    "AWS::IAM::Policy": "IAM is free",
    "AWS::ElasticLoadBalancingV2::Listener": "billed through the ALB's hours and LCUs",
    "AWS::ElasticLoadBalancingV2::TargetGroup": "billed through the ALB's hours and LCUs",
    "AWS::ECS::TaskDefinition": "billed through the Fargate tasks the service runs",
    "AWS::RDS::DBSubnetGroup": "free",
    "AWS::SecretsManager::SecretTargetAttachment": "free (the secret is what is billed)",
    "AWS::S3::BucketPolicy": "free",
    "AWS::Backup::BackupVault": "vaults are free; stored recovery points are the Backup lines",
    "AWS::Backup::BackupSelection": "free",
    "AWS::Events::Rule": "rules are free; matched custom events are the EventBridge lines, "
                         "AWS service events (the alarm's) are free",
    "AWS::ElasticLoadBalancingV2::ListenerRule": "billed through the ALB's LCUs (rule "
                                                 "evaluations)",
    "AWS::FIS::ExperimentTemplate": "templates are free; a running experiment is billed per "
                                    "action-minute, during a game day only",
    "AWS::Lambda::Permission": "free",
    "Custom::CrossRegionExportWriter": "CloudFormation custom resource (its Lambda is listed)",
    "Custom::CrossRegionExportReader": "CloudFormation custom resource (its Lambda is listed)",
}

NOT_YET_PRICED: dict[str, tuple[LineRef, str]] = {
    "AWS::Lambda::Function": (
        LineRef("Lambda", ""),
        "CDK's cross-region reference handlers (a few invocations per deployment) and the "
        "game day's probe function (requests during a game day only)"),
}


@dataclass(frozen=True)
class Resource:
    """One resource of a synthesized template, with the region its stack deploys to."""

    logical_id: str
    type: str
    region: str


def template_resources(template: Mapping, region: str) -> list[Resource]:
    return [Resource(lid, r["Type"], region) for lid, r in template["Resources"].items()]


def has_line(ref: LineRef, region: str, lines: Iterable) -> bool:
    """Whether a cost-model line matches ``ref`` for a resource in ``region``."""
    for line in lines:
        if line.service != ref.service or ref.item.lower() not in line.item.lower():
            continue
        if ref.where == "any" or (ref.where == "global" and line.region == "global") or (
                ref.where == "region" and line.region == region):
            return True
    return False


def unpriced_resources(resources: Iterable[Resource], lines: Iterable) -> list[str]:
    """Every problem of the cross-check, one line each (empty when all is priced).

    A resource is a problem when its type is in no table, when it is in
    :data:`PRICED` and no cost line matches it, or when it is in
    :data:`NOT_YET_PRICED` (billable and unpriced; the tests expect those to fail).
    """
    lines = list(lines)
    problems = []
    for res in resources:
        if res.type in NO_STANDING_CHARGE:
            continue
        if res.type in PRICED:
            ref = PRICED[res.type]
            if not has_line(ref, res.region, lines):
                problems.append(f"{res.type} {res.logical_id} ({res.region}): no cost line "
                                f"{ref.service!r} with {ref.item!r} ({ref.where})")
        elif res.type in NOT_YET_PRICED:
            problems.append(f"{res.type} {res.logical_id} ({res.region}): billable, not priced "
                            f"by the cost model ({NOT_YET_PRICED[res.type][1]})")
        else:
            problems.append(f"{res.type} {res.logical_id} ({res.region}): unclassified resource "
                            "type; add it to a table in infra/drsim_infra/cost_map.py")
    return problems
