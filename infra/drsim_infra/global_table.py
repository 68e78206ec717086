"""DynamoDB global table: one table in the primary region with a replica in the secondary."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from drsim.scenario.model import DynamoDbGlobal


class GlobalTable(Construct):
    """A multi-writer global table (``AWS::DynamoDB::GlobalTable``) for one datastore.

    Attributes
    ----------
    table : the table; its replica lives in ``replica_region``.
    table_name : its name, fixed (the FIS role names the table's stream by it).
    """

    def __init__(self, scope: Construct, construct_id: str, *, datastore: DynamoDbGlobal,
                 replica_region: str, point_in_time_recovery: bool, table_name: str) -> None:
        super().__init__(scope, construct_id)
        self.table_name = table_name
        pitr = dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=point_in_time_recovery)
        self.table = dynamodb.TableV2(
            self,
            "Table",
            table_name=table_name,
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="sk", type=dynamodb.AttributeType.STRING),
            billing=dynamodb.Billing.on_demand(),
            point_in_time_recovery_specification=pitr,
            replicas=[dynamodb.ReplicaTableProps(
                region=replica_region, point_in_time_recovery_specification=pitr)],
            removal_policy=RemovalPolicy.RETAIN,
        )
