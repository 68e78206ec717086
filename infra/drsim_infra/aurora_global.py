"""Aurora PostgreSQL Global Database: the writer cluster in the primary region, a
read-only secondary cluster in the secondary region that the runbook promotes."""

from __future__ import annotations

from aws_cdk import ArnFormat, CfnDeletionPolicy, Duration, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_rds as rds
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from drsim.scenario.model import AuroraGlobal
from drsim_infra.topology import AURORA_POSTGRES_VERSION

ENGINE = "aurora-postgresql"
POSTGRES_PORT = 5432
AWS_MANAGED_RDS_KEY = "alias/aws/rds"


def _engine() -> rds.IClusterEngine:
    version = rds.AuroraPostgresEngineVersion.of(
        AURORA_POSTGRES_VERSION, AURORA_POSTGRES_VERSION.split(".")[0]
    )
    return rds.DatabaseClusterEngine.aurora_postgres(version=version)


def secondary_instance_count(*, datastore: AuroraGlobal, usage_instances: int | None,
                             strategy: str) -> int:
    """Instances of the secondary cluster, by the rule the cost model prices.

    ``usage.aurora_secondary_instances`` when set; else one for pilot light (an
    instance to promote) and ``instances_per_region`` otherwise.
    """
    if usage_instances is not None:
        return usage_instances
    return 1 if strategy == "pilot_light" else datastore.instances_per_region


ENHANCED_MONITORING_POLICY = "service-role/AmazonRDSEnhancedMonitoringRole"


def monitoring_role(scope: Construct) -> iam.Role:
    """The role RDS Enhanced Monitoring publishes OS metrics with (AWS's managed policy,
    which names only the RDSOSMetrics log group)."""
    return iam.Role(
        scope, "MonitoringRole",
        assumed_by=iam.ServicePrincipal("monitoring.rds.amazonaws.com"),
        managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(
            ENHANCED_MONITORING_POLICY)],
        description="RDS Enhanced Monitoring of the drsim Aurora instances",
    )


def instance_type(instance_class: str) -> ec2.InstanceType:
    """``db.r6g.large`` (the scenario's spelling) -> ``r6g.large`` (CDK adds ``db.``)."""
    return ec2.InstanceType(instance_class.removeprefix("db."))


def global_cluster_arn(scope: Construct, global_cluster_id: str) -> str:
    """ARN of a global cluster (global clusters have no region in their ARN)."""
    return Stack.of(scope).format_arn(
        service="rds", region="", resource="global-cluster", resource_name=global_cluster_id,
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )


class AuroraGlobalPrimary(Construct):
    """The writer cluster, and the global cluster built from it when there is one.

    Attributes
    ----------
    cluster : the primary (writer) cluster, ``instances`` instances, with the Data API on
        and its master secret replicated to ``secret_replica_region``; Enhanced Monitoring
        every ``monitoring_interval_s`` (0: off) with ``monitoring_role``.
    global_cluster : the global database (None for a single-region cluster, e.g. the
        backup-and-restore database that ``usage.backed_up_aurora`` describes); its
        identifier joins the secondary.
    global_cluster_id : that identifier (a plain string, known at synth), or None.
    """

    def __init__(self, scope: Construct, construct_id: str, *, vpc: ec2.IVpc,
                 database_name: str, instance_class: str, instances: int,
                 global_cluster_id: str | None, secret_replica_region: str,
                 monitoring_interval_s: int = 0, secret_key: kms.IKey | None = None) -> None:
        super().__init__(scope, construct_id)
        itype = instance_type(instance_class)
        self.monitoring_role = monitoring_role(self) if monitoring_interval_s else None
        self.cluster = rds.DatabaseCluster(
            self,
            "Cluster",
            engine=_engine(),
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            writer=rds.ClusterInstance.provisioned("Writer", instance_type=itype),
            readers=[
                rds.ClusterInstance.provisioned(f"Reader{i}", instance_type=itype)
                for i in range(1, instances)
            ],
            # The secret is replicated to the secondary region, where the probe reaches the
            # promoted (or restored) cluster through the Data API with it.
            # With a customer-managed key, the replica still uses Secrets Manager's key of
            # its region: the secondary's own key is created by a stack deployed later.
            credentials=rds.Credentials.from_generated_secret(
                "drsim", encryption_key=secret_key, replica_regions=[secretsmanager.ReplicaRegion(
                    region=secret_replica_region)]),
            default_database_name=database_name,
            # The game day's probe writes through the RDS Data API (no VPC, no driver).
            enable_data_api=True,
            storage_encrypted=True,
            iam_authentication=True,
            removal_policy=RemovalPolicy.SNAPSHOT,
            monitoring_interval=(Duration.seconds(monitoring_interval_s)
                                 if monitoring_interval_s else None),
            monitoring_role=self.monitoring_role,
        )
        self.global_cluster_id = global_cluster_id
        self.global_cluster = None if global_cluster_id is None else rds.CfnGlobalCluster(
            self,
            "Global",
            global_cluster_identifier=global_cluster_id,
            source_db_cluster_identifier=self.cluster.cluster_arn,
            deletion_protection=False,
        )


class AuroraGlobalSecondary(Construct):
    """The read-only secondary cluster attached to the global database.

    The L2 ``DatabaseCluster`` always sets master credentials, which a
    secondary of a global database must not have (it inherits them), so this
    part is built from the L1 resources.

    Attributes
    ----------
    cluster : the secondary ``AWS::RDS::DBCluster``.
    instances : its ``instance_count`` instances (promoted with it).
    security_group, subnet_group
    """

    def __init__(self, scope: Construct, construct_id: str, *, vpc: ec2.IVpc,
                 datastore: AuroraGlobal, global_cluster_id: str, instance_count: int,
                 monitoring_interval_s: int = 0) -> None:
        super().__init__(scope, construct_id)
        self.monitoring_role = monitoring_role(self) if monitoring_interval_s else None
        self.security_group = ec2.SecurityGroup(
            self, "SecurityGroup", vpc=vpc, allow_all_outbound=False,
            description=f"{datastore.name} secondary cluster",
        )
        self.subnet_group = rds.SubnetGroup(
            self, "Subnets", vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            description=f"{datastore.name} secondary cluster",
        )
        self.cluster = rds.CfnDBCluster(
            self,
            "Cluster",
            engine=ENGINE,
            engine_version=AURORA_POSTGRES_VERSION,
            global_cluster_identifier=global_cluster_id,
            db_subnet_group_name=self.subnet_group.subnet_group_name,
            vpc_security_group_ids=[self.security_group.security_group_id],
            storage_encrypted=True,
            # An encrypted secondary in another region needs a key of its own
            # region; the AWS-managed RDS key has no monthly charge (a customer
            # key would be a line the cost model does not have).
            kms_key_id=AWS_MANAGED_RDS_KEY,
            enable_iam_database_authentication=True,
            # The probe's Data API calls succeed here once the cluster is promoted.
            enable_http_endpoint=True,
            port=POSTGRES_PORT,
            copy_tags_to_snapshot=True,
            deletion_protection=False,
        )
        self.cluster.cfn_options.deletion_policy = CfnDeletionPolicy.SNAPSHOT
        self.cluster.cfn_options.update_replace_policy = CfnDeletionPolicy.SNAPSHOT
        self.instances = [
            rds.CfnDBInstance(
                self,
                f"Instance{i}",
                db_cluster_identifier=self.cluster.ref,
                db_instance_class=datastore.instance_class,
                engine=ENGINE,
                db_subnet_group_name=self.subnet_group.subnet_group_name,
                monitoring_interval=monitoring_interval_s or None,
                monitoring_role_arn=(self.monitoring_role.role_arn
                                     if self.monitoring_role else None),
            )
            for i in range(instance_count)
        ]
