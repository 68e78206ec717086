"""Customer-managed KMS keys, one per region, when the scenario asks for them
(``security.kms_keys: customer_managed``); otherwise every part keeps its AWS-managed key.

One key per region (not one per resource): the cost model prices key-months, and a key per
vault, secret and log group would multiply them for no separation the lab needs. Automatic
rotation is on (yearly); the key policy is CDK's default (the account's IAM policies decide)
plus the statement CloudWatch Logs needs to encrypt the region's log groups.
"""

from __future__ import annotations

from aws_cdk import Aws, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

# A key scheduled for deletion stays recoverable this long (the minimum is 7 days).
PENDING_WINDOW_DAYS = 7
# The key outlives a teardown, as what it encrypts does: the backup vaults, the canaries'
# artifact buckets and the flow-log groups are kept (RETAIN), and a deleted key would
# leave them unreadable once its pending window ends. Delete it with them (1 USD a month
# until then).
KEY_REMOVAL = RemovalPolicy.RETAIN


class RegionKey(Construct):
    """The customer-managed key of one region.

    Attributes
    ----------
    key : the ``AWS::KMS::Key`` (rotation on), usable by CloudWatch Logs for the log groups
        of this account and region.
    """

    def __init__(self, scope: Construct, construct_id: str, *, scenario_name: str) -> None:
        super().__init__(scope, construct_id)
        region = Stack.of(self).region
        self.key = kms.Key(
            self, "Key",
            description=f"drsim {scenario_name}: backup vaults, database secret, log groups, "
                        f"probe environment ({region})",
            enable_key_rotation=True,
            pending_window=Duration.days(PENDING_WINDOW_DAYS),
            removal_policy=KEY_REMOVAL,
        )
        # https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
        self.key.add_to_resource_policy(iam.PolicyStatement(
            sid="CloudWatchLogsOfThisAccount",
            principals=[iam.ServicePrincipal(f"logs.{region}.amazonaws.com")],
            actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                     "kms:Describe*"],
            resources=["*"],  # in a key policy, "*" is this key
            conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn":
                                    f"arn:{Aws.PARTITION}:logs:{region}:{Aws.ACCOUNT_ID}:*"}},
        ))
