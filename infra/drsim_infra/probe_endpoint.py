"""The game day's write path: ``/probe`` (and the local game day's ``/write`` and ``/read``)
on each region's ALB listener, served by a Lambda
function (``infra/probe/probe_handler.py``) that writes to that region's orders datastore
and answers only after the write is committed.

It is routed on the same listener (and port) as the web service, so a probe client
that resolves the service's DNS name fails over exactly as users do. A Lambda target
needs no image build (the code asset synthesizes offline and deploys without Docker)
and no VPC: it reaches Aurora through the RDS Data API and DynamoDB through its
regional endpoint, so it keeps working in a secondary whose NAT gateways are not
provisioned yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aws_cdk import ArnFormat, Duration, Fn, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_elasticloadbalancingv2_targets as elbv2_targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

PROBE_ASSET_DIR = Path(__file__).resolve().parent.parent / "probe"
PROBE_HANDLER = "probe_handler.handler"
# The probe's own JSON API, and the local game day's write/read protocol (same clients).
PROBE_PATHS = ("/probe", "/probe/*", "/write", "/read")
# Before the web service's default action; listener rule priorities are 1-50000.
PROBE_RULE_PRIORITY = 10
PROBE_RUNTIME = lambda_.Runtime.PYTHON_3_14  # the newest (cdk-nag L1)


@dataclass(frozen=True)
class AuroraBackend:
    """Write through the RDS Data API: the cluster, a secret in this region, the database."""

    cluster_arn: str
    secret_arn: str
    database: str


@dataclass(frozen=True)
class DynamoBackend:
    """Write to this region's replica of a global table."""

    table: dynamodb.ITableV2
    table_name: str


def regional_secret_arn(scope: Construct, secret_arn: str) -> str:
    """The ARN of a replica of ``secret_arn`` in ``scope``'s region: Secrets Manager keeps
    the name and its random suffix, only the region differs."""
    name_with_suffix = Fn.select(6, Fn.split(":", secret_arn))
    return Stack.of(scope).format_arn(service="secretsmanager", resource="secret",
                                      resource_name=name_with_suffix,
                                      arn_format=ArnFormat.COLON_RESOURCE_NAME)


class ProbeEndpoint(Construct):
    """The probe function and its listener rule.

    Attributes
    ----------
    function : the Lambda function.
    target_group : its target group, on ``listener`` for :data:`PROBE_PATHS`.
    backend : what it writes to.
    """

    def __init__(self, scope: Construct, construct_id: str, *,
                 listener: elbv2.ApplicationListener,
                 backend: AuroraBackend | DynamoBackend, key: kms.IKey | None = None,
                 secret_key: kms.IKey | None = None) -> None:
        super().__init__(scope, construct_id)
        self.backend = backend
        log_group = logs.LogGroup(self, "Logs", retention=logs.RetentionDays.ONE_MONTH,
                                  removal_policy=RemovalPolicy.DESTROY, encryption_key=key)
        if isinstance(backend, AuroraBackend):
            environment = {"PROBE_BACKEND": "aurora", "CLUSTER_ARN": backend.cluster_arn,
                           "SECRET_ARN": backend.secret_arn, "DATABASE": backend.database}
        else:
            environment = {"PROBE_BACKEND": "dynamodb", "TABLE_NAME": backend.table_name}
        self.function = lambda_.Function(
            self, "Function",
            runtime=PROBE_RUNTIME,
            handler=PROBE_HANDLER,
            code=lambda_.Code.from_asset(str(PROBE_ASSET_DIR)),
            environment=environment,
            # One Data API call (or DynamoDB call) per request; the ALB waits up to 60 s.
            timeout=Duration.seconds(15),
            memory_size=256,
            log_group=log_group,
            description="drsim game-day probe: POST /probe writes (client, seq) and answers "
                        "after the commit",
            environment_encryption=key,
        )
        if secret_key is not None:
            # The Data API reads the secret with the caller's rights, the key's included.
            secret_key.grant_decrypt(self.function)
        if isinstance(backend, AuroraBackend):
            self.function.add_to_role_policy(iam.PolicyStatement(
                actions=["rds-data:ExecuteStatement"], resources=[backend.cluster_arn]))
            self.function.add_to_role_policy(iam.PolicyStatement(
                actions=["secretsmanager:GetSecretValue"], resources=[backend.secret_arn]))
        else:
            backend.table.grant(self.function, "dynamodb:PutItem", "dynamodb:GetItem",
                                "dynamodb:Query")
        self.target_group = listener.add_targets(
            "Probe",
            priority=PROBE_RULE_PRIORITY,
            conditions=[elbv2.ListenerCondition.path_patterns(list(PROBE_PATHS))],
            targets=[elbv2_targets.LambdaTarget(self.function)],
        )
