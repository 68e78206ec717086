"""CloudWatch Synthetics canaries that probe each region's endpoint from the other region.

The canary in the secondary region checks the primary's endpoint: during a
regional outage it keeps running and reporting, which is what the failover
alarm needs (a canary inside the failed region would go silent). The one in
the primary region checks the standby, so a broken standby is known before
anyone fails over to it.
"""

from __future__ import annotations

import math
from pathlib import Path

from aws_cdk import Duration
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_synthetics as synthetics
from constructs import Construct

from drsim_infra.buckets import PlainBucket

# The script lives in its own file (seed failure 8); Synthetics' Node.js runtimes
# load it from nodejs/node_modules/<handler file> inside the asset.
CANARY_ASSET_DIR = Path(__file__).resolve().parent.parent / "canary"
CANARY_HANDLER = "endpoint_check.handler"
CANARY_RUNTIME = synthetics.Runtime.SYNTHETICS_NODEJS_PUPPETEER_13_0
# Synthetics schedules in whole minutes, at least one.
MIN_CANARY_RATE_S = 60


class EndpointCanary(Construct):
    """A canary that GETs ``url`` every ``rate_s`` seconds (rounded up to a minute).

    An ``https`` URL names the ALB, while its certificate names the service: the canary
    sends ``server_name`` as TLS SNI and Host and verifies the certificate against it.

    Attributes
    ----------
    canary : the ``AWS::Synthetics::Canary``.
    artifacts_bucket : where its run results go (under ``key`` when one is given).
    key : the customer-managed key of its artifacts, or None.
    """

    def __init__(self, scope: Construct, construct_id: str, *, url: str, rate_s: float,
                 timeout_s: float, server_name: str, log_bucket: s3.IBucket,
                 key: kms.IKey | None = None) -> None:
        super().__init__(scope, construct_id)
        self.key = key
        self.artifacts_bucket = PlainBucket(
            self, "Artifacts", log_bucket=log_bucket,
            log_name=f"canary-{construct_id.lower()}", key=key).bucket
        encryption = ({} if key is None else
                      {"artifact_s3_encryption_mode": synthetics.ArtifactsEncryptionMode.KMS,
                       "artifact_s3_kms_key": key})
        minutes = max(1, math.ceil(rate_s / MIN_CANARY_RATE_S))
        self.canary = synthetics.Canary(
            self,
            "Canary",
            runtime=CANARY_RUNTIME,
            test=synthetics.Test.custom(
                code=synthetics.Code.from_asset(str(CANARY_ASSET_DIR)),
                handler=CANARY_HANDLER,
            ),
            schedule=synthetics.Schedule.rate(Duration.minutes(minutes)),
            environment_variables=({"TARGET_URL": url, "TLS_SERVER_NAME": server_name}
                                   if url.startswith("https:") else {"TARGET_URL": url}),
            timeout=Duration.seconds(max(3, round(timeout_s * 2))),
            artifacts_bucket_location=synthetics.ArtifactsBucketLocation(
                bucket=self.artifacts_bucket),
            start_after_creation=True,
            **encryption,
        )
