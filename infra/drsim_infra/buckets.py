"""S3 buckets and cross-region replication (CRR) between them.

Ordering (the seed's failure 2): S3 refuses a replication configuration whose
destination bucket does not exist yet, and the seed put the source bucket with
its replication rule in the first stack, before the destination's stack. Here
the destination (:class:`ReplicaBucket`) is created by the secondary stack and
the source (:class:`ReplicatedBucket`) by a *separate replication stack in the
primary region that depends on the secondary stack*, so one ``cdk deploy --all``
creates them in a working order.

Why a separate stack rather than a custom resource that calls
``PutBucketReplication`` later: the replication rule stays a declared
CloudFormation property of the bucket (visible in the template, checked by
cfn-lint and cdk-nag, drift-detected, removed with the stack), and no Lambda
function with ``s3:PutReplicationConfiguration`` on ``*`` has to be deployed and
secured. The cost is that the primary region's bucket lives in that later stack.
"""

from __future__ import annotations

from aws_cdk import Aws, RemovalPolicy
from aws_cdk import aws_s3 as s3
from constructs import Construct

from drsim.scenario.model import S3Crr
from drsim_infra.topology import UnsupportedScenario


def _bucket(scope: Construct, construct_id: str, **extra) -> s3.Bucket:
    return s3.Bucket(
        scope,
        construct_id,
        versioned=True,  # CRR needs versioning on both buckets
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        removal_policy=RemovalPolicy.RETAIN,
        **extra,
    )


MAX_BUCKET_NAME_CHARS = 63
ACCOUNT_ID_CHARS = 12


def replica_bucket_name(*, scenario_name: str, datastore_name: str, region: str) -> str:
    """The destination bucket's name, known to both stacks without a cross-stack value.

    A fixed name lets the replication stack build the destination's ARN itself
    (its ``AWS::AccountId`` is the same account), and its IAM policy names the
    bucket rather than a generated export.
    """
    stem = f"drsim-{scenario_name}-{datastore_name}-{region}-".lower().replace("_", "-")
    if len(stem) + ACCOUNT_ID_CHARS > MAX_BUCKET_NAME_CHARS:
        raise UnsupportedScenario(
            f"bucket name {stem}<account> would exceed {MAX_BUCKET_NAME_CHARS} characters; "
            "shorten the scenario or datastore name")
    return stem + Aws.ACCOUNT_ID


class ReplicaBucket(Construct):
    """The CRR destination in the secondary region.

    Attributes
    ----------
    bucket : the versioned destination bucket.
    bucket_name : its name (:func:`replica_bucket_name`; ``bucket.bucket_name`` is a Ref).
    """

    def __init__(self, scope: Construct, construct_id: str, *, bucket_name: str) -> None:
        super().__init__(scope, construct_id)
        self.bucket_name = bucket_name
        self.bucket = _bucket(self, "Bucket", bucket_name=bucket_name)


class ReplicatedBucket(Construct):
    """The CRR source in the primary region, replicating everything to ``destination``.

    ``datastore.rtc`` turns on S3 Replication Time Control (the 15-minute SLA
    the scenario prices) and its replication metrics.

    Attributes
    ----------
    bucket : the versioned source bucket with its replication rule.
    """

    def __init__(self, scope: Construct, construct_id: str, *, datastore: S3Crr,
                 destination_bucket_name: str) -> None:
        super().__init__(scope, construct_id)
        destination = s3.Bucket.from_bucket_name(self, "Destination", destination_bucket_name)
        rtc = s3.ReplicationTimeValue.FIFTEEN_MINUTES if datastore.rtc else None
        self.bucket = _bucket(
            self,
            "Bucket",
            replication_rules=[
                s3.ReplicationRule(
                    destination=destination,
                    priority=1,
                    filter=s3.Filter(prefix=""),
                    delete_marker_replication=True,
                    replication_time_control=rtc,
                    metrics=rtc,
                )
            ],
        )


class PlainBucket(Construct):
    """A private, versioned, TLS-only bucket (e.g. canary artifacts).

    Attributes
    ----------
    bucket
    """

    def __init__(self, scope: Construct, construct_id: str, *, versioned: bool = False) -> None:
        super().__init__(scope, construct_id)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            versioned=versioned,
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
