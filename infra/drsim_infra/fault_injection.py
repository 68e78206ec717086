"""AWS FIS experiment templates for the game day's faults, one per fault kind, each with
its own least-privilege role, a stop condition and a ``drsim:fault`` tag.

Kinds (what the game day's ``--fault`` names):

``region_isolation``
    The primary region cut off: ``aws:network:disrupt-connectivity`` (scope ``all``:
    a cloned network ACL denying all traffic in and out) on every subnet of the
    primary VPC, so clients, Route 53's checkers and the canary lose the primary's
    ALB; ``aws:network:route-table-disrupt-cross-region-connectivity`` on the same
    subnets toward the secondary region; and replication paused where FIS can:
    ``aws:dynamodb:global-table-pause-replication`` on each global table and
    ``aws:s3:bucket-pause-replication`` on the CRR source buckets. Aurora Global
    Database replication runs on Aurora's storage layer, outside the VPC, and FIS
    has no action that pauses it: during the experiment the secondary keeps
    receiving the (now isolated) writer's changes until the runbook promotes it.
``app_crash``
    ``aws:ecs:stop-task`` on every task of the primary's web service. ECS starts
    replacements at once, so this is a crash the service recovers from by itself,
    not an outage that needs the failover.
``db_failover``
    ``aws:rds:failover-db-cluster`` on the primary Aurora cluster: RDS
    FailoverDBCluster, an *in-region* failover to one of the cluster's readers
    (the global database keeps its primary region). FIS has no action for a
    global-database (cross-region) failover; that is the runbook's
    ``promote_database``.

Action ids, target resource types and keys, parameters and permissions follow the
AWS FIS actions reference (https://docs.aws.amazon.com/fis/latest/userguide/fis-actions-reference.html)
and targets page (https://docs.aws.amazon.com/fis/latest/userguide/targets.html).

Stop condition: every template stops when the scenario's guard alarm fires, an alarm
on the custom metric ``drsim/GameDay Abort`` that the game day (or a person, with
``aws cloudwatch put-metric-data``) publishes to abort the experiment. The faults
are meant to break the primary, so an alarm on the primary's own health would stop
every experiment at once; the guard is the blast-radius brake FIS evaluates itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from aws_cdk import ArnFormat, CfnOutput, Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_fis as fis
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from drsim_infra.topology import UnsupportedScenario

FAULT_KINDS = ("region_isolation", "app_crash", "db_failover")
FAULT_TAG = "drsim:fault"
# Tag FIS puts on the route tables, network ACLs, prefix lists and ENIs it creates;
# the role may create, change and delete only resources carrying it.
FIS_MANAGED_TAG = "managedByFIS"
# Source buckets carry this tag: aws:s3:bucket-pause-replication selects by tags only.
CRR_SOURCE_TAG = ("drsim:replication", "source")

ACTION_DISRUPT_CONNECTIVITY = "aws:network:disrupt-connectivity"
ACTION_CROSS_REGION = "aws:network:route-table-disrupt-cross-region-connectivity"
ACTION_PAUSE_TABLE = "aws:dynamodb:global-table-pause-replication"
ACTION_PAUSE_BUCKET = "aws:s3:bucket-pause-replication"
ACTION_STOP_TASK = "aws:ecs:stop-task"
ACTION_FAILOVER_CLUSTER = "aws:rds:failover-db-cluster"

GUARD_NAMESPACE = "drsim/GameDay"
GUARD_METRIC = "Abort"
GUARD_PERIOD_S = 60
# FIS action durations: one minute to twelve hours.
MIN_FAULT_DURATION_S = 60
MAX_FAULT_DURATION_S = 12 * 3600
DEFAULT_FAULT_DURATION_S = 1800
# aws:network:route-table-disrupt-cross-region-connectivity targets at most this
# many subnets (service quota L-100E963F, default 6).
CROSS_REGION_MAX_SUBNETS = 6


def iso_duration(seconds: int) -> str:
    """``1800`` -> ``PT30M``: FIS takes ISO 8601 durations (whole minutes here)."""
    if not MIN_FAULT_DURATION_S <= seconds <= MAX_FAULT_DURATION_S or seconds % 60:
        raise UnsupportedScenario(
            f"fault_duration_s {seconds}: FIS actions last whole minutes from "
            f"{MIN_FAULT_DURATION_S} to {MAX_FAULT_DURATION_S} s")
    hours, minutes = divmod(seconds // 60, 60)
    return "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")


@dataclass
class FaultTargets:
    """What the faults act on, all in the primary region.

    vpc, subnets : the primary VPC and every one of its subnets.
    isolate_region : the region the primary is cut off from (the secondary).
    ecs_cluster, ecs_service : the primary web service.
    tables : ``{name: DynamoDB global table}`` (their replication is paused).
    source_buckets : CRR source buckets (their replication is paused).
    db_cluster_arn : the primary Aurora cluster (None without one).
    """

    vpc: ec2.IVpc
    subnets: Sequence[ec2.ISubnet]
    isolate_region: str
    ecs_cluster: ecs.ICluster
    ecs_service: ecs.BaseService
    tables: dict[str, dynamodb.ITableV2] = field(default_factory=dict)
    source_buckets: Sequence[s3.IBucket] = field(default_factory=list)
    db_cluster_arn: str | None = None


class FaultInjection(Construct):
    """The guard alarm, and per fault kind a role and an experiment template.

    Attributes
    ----------
    guard_alarm : the stop condition of every template.
    templates : ``{kind: AWS::FIS::ExperimentTemplate}``.
    roles : ``{kind: the template's IAM role}``.
    wildcard_resources : ``{kind: resource ARNs with a wildcard}`` (for cdk-nag's IAM5,
        acknowledged in :mod:`drsim_infra.nag` with the reason of each).
    """

    def __init__(self, scope: Construct, construct_id: str, *, scenario_name: str,
                 targets: FaultTargets, duration_s: int = DEFAULT_FAULT_DURATION_S) -> None:
        super().__init__(scope, construct_id)
        self._stack = Stack.of(self)
        self._t = targets
        self._duration = iso_duration(duration_s)
        self._scenario = scenario_name
        self.guard_alarm = cloudwatch.Alarm(
            self, "Guard",
            metric=cloudwatch.Metric(
                namespace=GUARD_NAMESPACE, metric_name=GUARD_METRIC,
                dimensions_map={"Scenario": scenario_name}, statistic="Maximum",
                period=Duration.seconds(GUARD_PERIOD_S)),
            threshold=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description="Game-day kill switch: a datapoint >= 1 on drsim/GameDay Abort "
                              "stops every running FIS experiment of this scenario",
        )
        self.templates: dict[str, fis.CfnExperimentTemplate] = {}
        self.roles: dict[str, iam.Role] = {}
        self.wildcard_resources: dict[str, list[str]] = {}
        self._build("region_isolation", self._region_isolation())
        self._build("app_crash", self._app_crash())
        if targets.db_cluster_arn is not None:
            self._build("db_failover", self._db_failover())

    # --- helpers ------------------------------------------------------------------------

    def _arn(self, service: str, resource: str, name: str, *,
             fmt: ArnFormat = ArnFormat.SLASH_RESOURCE_NAME) -> str:
        return self._stack.format_arn(service=service, resource=resource, resource_name=name,
                                      arn_format=fmt)

    def _build(self, kind: str, spec: tuple) -> None:
        description, fis_targets, actions, statements = spec
        role = iam.Role(
            self, f"{kind}-role",
            description=f"FIS experiment role for the {kind} fault of {self._scenario}",
            # Confused-deputy guard: only FIS experiments of this account may assume it.
            assumed_by=iam.ServicePrincipal("fis.amazonaws.com", conditions={
                "StringEquals": {"aws:SourceAccount": self._stack.account},
                "ArnLike": {"aws:SourceArn": self._arn("fis", "experiment", "*")},
            }),
        )
        wildcards: list[str] = []
        for st in statements:
            role.add_to_policy(st)
            wildcards += [r for r in st.resources if "*" in r]
        template = fis.CfnExperimentTemplate(
            self, kind,
            description=description,
            role_arn=role.role_arn,
            stop_conditions=[fis.CfnExperimentTemplate.ExperimentTemplateStopConditionProperty(
                source="aws:cloudwatch:alarm", value=self.guard_alarm.alarm_arn)],
            targets=fis_targets,
            actions=actions,
            experiment_options=fis.CfnExperimentTemplate.ExperimentTemplateExperimentOptionsProperty(
                account_targeting="single-account", empty_target_resolution_mode="fail"),
            tags={FAULT_TAG: kind, "drsim:scenario": self._scenario, "Name": f"drsim-{kind}"},
        )
        # The role's policy must exist before FIS validates the template against it.
        template.node.add_dependency(role)
        CfnOutput(self, f"{kind}-template-id", value=template.ref,
                  description=f"FIS experiment template of the {kind} fault")
        self.templates[kind] = template
        self.roles[kind] = role
        self.wildcard_resources[kind] = list(dict.fromkeys(wildcards))

    @staticmethod
    def _target(resource_type: str, *, arns: Sequence[str] | None = None,
                tags: dict[str, str] | None = None, parameters: dict[str, str] | None = None,
                ) -> fis.CfnExperimentTemplate.ExperimentTemplateTargetProperty:
        return fis.CfnExperimentTemplate.ExperimentTemplateTargetProperty(
            resource_type=resource_type, selection_mode="ALL", resource_arns=arns,
            resource_tags=tags, parameters=parameters)

    # --- the kinds ----------------------------------------------------------------------

    def _region_isolation(self) -> tuple:
        t, dur = self._t, self._duration
        if len(t.subnets) > CROSS_REGION_MAX_SUBNETS:
            raise UnsupportedScenario(
                f"region_isolation targets {len(t.subnets)} subnets; "
                f"{ACTION_CROSS_REGION} takes at most {CROSS_REGION_MAX_SUBNETS} by default")
        subnet_arns = [self._arn("ec2", "subnet", s.subnet_id) for s in t.subnets]
        vpc_arn = self._arn("ec2", "vpc", t.vpc.vpc_id)
        targets = {"PrimarySubnets": self._target("aws:ec2:subnet", arns=subnet_arns)}
        actions = {
            "isolate-primary-subnets": fis.CfnExperimentTemplate.ExperimentTemplateActionProperty(
                action_id=ACTION_DISRUPT_CONNECTIVITY,
                description="Deny all traffic in and out of the primary's subnets",
                parameters={"scope": "all", "duration": dur},
                targets={"Subnets": "PrimarySubnets"}),
            "cut-cross-region-routes": fis.CfnExperimentTemplate.ExperimentTemplateActionProperty(
                action_id=ACTION_CROSS_REGION,
                description=f"Block traffic from the primary's subnets to {t.isolate_region}",
                parameters={"region": t.isolate_region, "duration": dur},
                targets={"Subnets": "PrimarySubnets"}),
        }
        in_vpc = {"ArnEquals": {"ec2:Vpc": vpc_arn}}
        managed = [self._arn("ec2", kind, "*") for kind in
                   ("route-table", "network-acl", "prefix-list", "network-interface")]
        statements = [
            # Describe and tag-resolution calls take no resource ARN.
            iam.PolicyStatement(
                sid="ReadNetworkAndResolveTargets",
                actions=["ec2:DescribeManagedPrefixLists", "ec2:DescribeNetworkAcls",
                         "ec2:DescribeNetworkInterfaces", "ec2:DescribeRouteTables",
                         "ec2:DescribeSubnets", "ec2:DescribeVpcPeeringConnections",
                         "ec2:DescribeVpcs", "ec2:GetManagedPrefixListEntries",
                         "tag:GetResources"],
                resources=["*"]),
            # Re-associating the target subnets with FIS's route tables and ACLs.
            iam.PolicyStatement(
                sid="ReassociateTargetSubnets",
                actions=["ec2:AssociateRouteTable", "ec2:DisassociateRouteTable",
                         "ec2:ReplaceRouteTableAssociation", "ec2:ReplaceNetworkAclAssociation"],
                resources=subnet_arns),
            iam.PolicyStatement(
                sid="ReassociateInThisVpc",
                actions=["ec2:AssociateRouteTable", "ec2:DisassociateRouteTable",
                         "ec2:ReplaceRouteTableAssociation", "ec2:ReplaceNetworkAclAssociation",
                         "ec2:ModifyVpcEndpoint"],
                resources=[self._arn("ec2", "route-table", "*"),
                           self._arn("ec2", "network-acl", "*"),
                           self._arn("ec2", "vpc-endpoint", "*")],
                conditions=in_vpc),
            # FIS creates its route tables, ACLs, prefix lists and ENIs tagged managedByFIS.
            iam.PolicyStatement(
                sid="CreateFisManagedResources",
                actions=["ec2:CreateRouteTable", "ec2:CreateNetworkAcl",
                         "ec2:CreateManagedPrefixList", "ec2:CreateNetworkInterface",
                         "ec2:CreateTags"],
                resources=managed,
                conditions={"StringEquals": {f"aws:RequestTag/{FIS_MANAGED_TAG}": "true"}}),
            iam.PolicyStatement(
                sid="CreateInThisVpc",
                actions=["ec2:CreateRouteTable", "ec2:CreateNetworkAcl",
                         "ec2:CreateNetworkInterface"],
                resources=[vpc_arn, *subnet_arns]),
            # An ENI is created with a security group of the VPC.
            iam.PolicyStatement(
                sid="CreateInterfaceWithThisVpcsGroups",
                actions=["ec2:CreateNetworkInterface"],
                resources=[self._arn("ec2", "security-group", "*")], conditions=in_vpc),
            iam.PolicyStatement(
                sid="ChangeFisManagedResources",
                actions=["ec2:CreateRoute", "ec2:CreateNetworkAclEntry",
                         "ec2:ModifyManagedPrefixList", "ec2:DeleteRouteTable",
                         "ec2:DeleteNetworkAcl", "ec2:DeleteManagedPrefixList",
                         "ec2:DeleteNetworkInterface"],
                resources=managed,
                conditions={"StringEquals": {f"aws:ResourceTag/{FIS_MANAGED_TAG}": "true"}}),
        ]
        if t.tables:
            targets["GlobalTables"] = self._target(
                "aws:dynamodb:global-table", arns=[tb.table_arn for tb in t.tables.values()])
            actions["pause-table-replication"] = (
                fis.CfnExperimentTemplate.ExperimentTemplateActionProperty(
                    action_id=ACTION_PAUSE_TABLE,
                    description="Pause DynamoDB global table replication",
                    parameters={"duration": dur}, targets={"Tables": "GlobalTables"}))
            statements.append(iam.PolicyStatement(
                sid="PauseTableReplication",
                actions=["dynamodb:PutResourcePolicy", "dynamodb:DeleteResourcePolicy",
                         "dynamodb:GetResourcePolicy", "dynamodb:DescribeTable"],
                # The table and its stream (FIS adds a deny to both resource policies).
                resources=[a for name, tb in t.tables.items() for a in
                           (tb.table_arn, self._arn("dynamodb", "table", f"{name}/stream/*"))]))
        if t.source_buckets:
            key, value = CRR_SOURCE_TAG
            targets["SourceBuckets"] = self._target(
                "aws:s3:bucket", tags={key: value, "drsim:scenario": self._scenario})
            actions["pause-bucket-replication"] = (
                fis.CfnExperimentTemplate.ExperimentTemplateActionProperty(
                    action_id=ACTION_PAUSE_BUCKET,
                    description=f"Pause S3 replication to {t.isolate_region}",
                    parameters={"duration": dur, "region": t.isolate_region},
                    targets={"Buckets": "SourceBuckets"}))
            bucket_arns = [b.bucket_arn for b in t.source_buckets]
            statements += [
                iam.PolicyStatement(
                    sid="PauseBucketReplication",
                    actions=["s3:PutReplicationConfiguration", "s3:GetReplicationConfiguration"],
                    resources=bucket_arns,
                    conditions={"Bool": {"s3:IsReplicationPauseRequest": "true"}}),
                iam.PolicyStatement(sid="PauseReplication", actions=["s3:PauseReplication"],
                                    resources=bucket_arns),
                iam.PolicyStatement(sid="ListBuckets", actions=["s3:ListAllMyBuckets"],
                                    resources=["*"]),
            ]
        return ("drsim region_isolation: the primary region cut off from clients and from the "
                "secondary, replication paused where FIS can (not Aurora's)",
                targets, actions, statements)

    def _app_crash(self) -> tuple:
        t = self._t
        targets = {"PrimaryTasks": self._target(
            "aws:ecs:task", parameters={"cluster": t.ecs_cluster.cluster_name,
                                        "service": t.ecs_service.service_name})}
        actions = {"stop-primary-tasks": fis.CfnExperimentTemplate.ExperimentTemplateActionProperty(
            action_id=ACTION_STOP_TASK, description="Stop every task of the primary web service",
            targets={"Tasks": "PrimaryTasks"})}
        in_cluster = {"ArnEquals": {"ecs:cluster": t.ecs_cluster.cluster_arn}}
        statements = [
            # Task ids change with every deployment: any task, of the primary's cluster only.
            iam.PolicyStatement(
                sid="StopPrimaryTasks", actions=["ecs:DescribeTasks", "ecs:StopTask"],
                resources=[self._arn("ecs", "task", "*")], conditions=in_cluster),
            # ListTasks names no task; it is limited to the primary's cluster by condition.
            iam.PolicyStatement(sid="ListPrimaryTasks", actions=["ecs:ListTasks"],
                                resources=["*"], conditions=in_cluster),
            iam.PolicyStatement(sid="ResolveTargets", actions=["tag:GetResources"],
                                resources=["*"]),
        ]
        return ("drsim app_crash: every task of the primary web service stopped (ECS "
                "replaces them)", targets, actions, statements)

    def _db_failover(self) -> tuple:
        arn = self._t.db_cluster_arn
        targets = {"PrimaryCluster": self._target("aws:rds:cluster", arns=[arn])}
        actions = {"fail-over-primary-cluster": fis.CfnExperimentTemplate.ExperimentTemplateActionProperty(
            action_id=ACTION_FAILOVER_CLUSTER,
            description="RDS FailoverDBCluster: in-region, a reader becomes the writer",
            targets={"Clusters": "PrimaryCluster"})}
        statements = [
            iam.PolicyStatement(sid="FailOverPrimaryCluster",
                                actions=["rds:FailoverDBCluster", "rds:DescribeDBClusters"],
                                resources=[arn]),
            iam.PolicyStatement(sid="ResolveTargets", actions=["tag:GetResources"],
                                resources=["*"]),
        ]
        return ("drsim db_failover: in-region failover of the primary Aurora cluster (FIS has "
                "no global-database failover)", targets, actions, statements)
