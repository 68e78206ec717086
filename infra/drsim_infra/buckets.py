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

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from drsim.cost.lines import NONCURRENT_VERSION_DAYS
from drsim.scenario.model import S3Crr
from drsim_infra.topology import UnsupportedScenario

# Where each kind of access log goes in a region's log bucket.
ALB_LOG_PREFIX = "alb"
S3_LOG_PREFIX = "s3/"


class LogBucket(Construct):
    """One region's access-log bucket: the ALB's access logs (under ``alb/``) and the S3
    server access logs of every other bucket in the region (under ``s3/<bucket>/``).

    Objects expire after ``retention_days`` (the lifecycle the cost model prices as
    ``usage.access_log_retention_days``); the bucket is versioned, old versions go after
    :data:`NONCURRENT_VERSION_DAYS`. Its encryption is SSE-S3 whatever the scenario's key
    choice: ALB access logs and S3 server access logs are delivered only to SSE-S3 buckets.
    S3's logging service may write under ``s3/`` for buckets of this account; naming the
    source buckets instead would make this (earlier) stack refer to later ones.

    Attributes
    ----------
    bucket
    """

    def __init__(self, scope: Construct, construct_id: str, *, retention_days: int) -> None:
        super().__init__(scope, construct_id)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            versioned=True,
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            removal_policy=RemovalPolicy.RETAIN,
            lifecycle_rules=[s3.LifecycleRule(
                expiration=Duration.days(retention_days),
                noncurrent_version_expiration=Duration.days(NONCURRENT_VERSION_DAYS),
                abort_incomplete_multipart_upload_after=Duration.days(1),
            )],
        )
        self.bucket.add_to_resource_policy(iam.PolicyStatement(
            sid="S3ServerAccessLogs",
            principals=[iam.ServicePrincipal("logging.s3.amazonaws.com")],
            actions=["s3:PutObject"],
            resources=[self.bucket.arn_for_objects(f"{S3_LOG_PREFIX}*")],
            conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}},
        ))


def access_logs(scope: Construct, log_bucket: s3.IBucket, name: str) -> dict:
    """``s3.Bucket`` keyword arguments that send a bucket's server access logs to
    ``log_bucket`` under ``s3/<name>/``. The log bucket is referred to by name only: CDK
    would otherwise add a statement naming this bucket to the log bucket's policy (a
    reference from an earlier stack to a later one) or, without the newer feature flag,
    an ACL that bucket-owner-enforced ownership forbids; :class:`LogBucket` grants the
    logging service already."""
    target = s3.Bucket.from_bucket_name(scope, "AccessLogTarget", log_bucket.bucket_name)
    return {"server_access_logs_bucket": target,
            "server_access_logs_prefix": f"{S3_LOG_PREFIX}{name}/"}


def _bucket(scope: Construct, construct_id: str, *, key: kms.IKey | None = None,
            **extra) -> s3.Bucket:
    """A private, versioned, TLS-only bucket kept on teardown, old versions expiring;
    encrypted with ``key`` when one is given (S3 Bucket Keys on, so S3 asks KMS for a
    data key per bucket and period, not per object), else SSE-S3."""
    return s3.Bucket(
        scope,
        construct_id,
        versioned=True,  # CRR needs versioning on both buckets
        encryption=(s3.BucketEncryption.S3_MANAGED if key is None
                    else s3.BucketEncryption.KMS),
        encryption_key=key,
        bucket_key_enabled=key is not None or None,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        removal_policy=RemovalPolicy.RETAIN,
        lifecycle_rules=[s3.LifecycleRule(
            noncurrent_version_expiration=Duration.days(NONCURRENT_VERSION_DAYS))],
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

    def __init__(self, scope: Construct, construct_id: str, *, bucket_name: str,
                 log_bucket: s3.IBucket, log_name: str) -> None:
        super().__init__(scope, construct_id)
        self.bucket_name = bucket_name
        self.bucket = _bucket(self, "Bucket", bucket_name=bucket_name,
                              **access_logs(self, log_bucket, log_name))


class ReplicatedBucket(Construct):
    """The CRR source in the primary region, replicating everything to ``destination``.

    ``datastore.rtc`` turns on S3 Replication Time Control (the 15-minute SLA
    the scenario prices) and its replication metrics.

    Attributes
    ----------
    bucket : the versioned source bucket with its replication rule.
    """

    def __init__(self, scope: Construct, construct_id: str, *, datastore: S3Crr,
                 destination_bucket_name: str, log_bucket: s3.IBucket, log_name: str) -> None:
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
            **access_logs(self, log_bucket, log_name),
        )


class PlainBucket(Construct):
    """A private, versioned, TLS-only bucket (e.g. canary artifacts) whose server access
    logs go to ``log_bucket`` under ``s3/<log_name>/``; encrypted with ``key`` when one is
    given (S3 Bucket Keys on, so S3 asks KMS for a data key per bucket and period, not per
    object), else SSE-S3.

    Attributes
    ----------
    bucket
    """

    def __init__(self, scope: Construct, construct_id: str, *, log_bucket: s3.IBucket,
                 log_name: str, key: kms.IKey | None = None) -> None:
        super().__init__(scope, construct_id)
        self.bucket = _bucket(self, "Bucket", key=key, **access_logs(self, log_bucket, log_name))
