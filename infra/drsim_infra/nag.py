"""cdk-nag AwsSolutions findings (and CDK's own template-validation warnings) this
architecture accepts, each with its reason.

Each acknowledgment is attached to the construct that raises the finding (never
to a whole stack), so a new resource with the same problem still fails the
synthesis. :func:`accepted_findings` lists them for the tests and the README.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3
from constructs import IConstruct

if TYPE_CHECKING:  # pragma: no cover
    from app import DrsimStacks

PACK = "AwsSolutions"

REASONS = {
    "EC23": "The ALB is the public service endpoint: clients and the Route 53 health "
            "checkers (whose addresses are not a small fixed list) must reach its one listener "
            "port from anywhere; the tasks behind it accept traffic only from the ALB.",
    "SMG4": "The master secret only bootstraps the database: the tasks use IAM database "
            "authentication (enabled), and a rotation Lambda in the primary VPC would have to "
            "be re-pointed after every failover of the global database.",
    "RDS10": "A lab stack is destroyed after each game day; deletion protection would block "
             "that, and the cluster's removal policy takes a final snapshot instead.",
    "S1": "This is the region's access-log bucket: it receives the ALB's and the other "
          "buckets' access logs, and logging it into itself would log its own log "
          "deliveries without end; CloudTrail data events can audit it if needed.",
    "IAM4:monitoring": "AmazonRDSEnhancedMonitoringRole is the role policy RDS documents for "
                       "Enhanced Monitoring; it lets RDS write only to the RDSOSMetrics log "
                       "group.",
    "IAM4:backup": "AWSBackupServiceRolePolicyForBackup is the role policy AWS Backup "
                   "documents; a custom copy would have to follow every service Backup adds.",
    "IAM5:replication": "The S3 replication role reads the objects of the source bucket and "
                        "writes objects of the destination bucket; object ARNs are the bucket "
                        "ARN plus /*, and the policy names these two buckets only.",
    "IAM5:canary": "The Synthetics execution role CDK generates: PutMetricData and "
                   "ListAllMyBuckets take no resource ARN, artifact objects are <bucket>/*, "
                   "and the canary's Lambda log groups carry a generated suffix (cwsyn-*).",
    "W3010": "The two AZs are named outright so that synthesis needs no AZ lookup (offline, "
             "account-independent); every account has the a and b zones of these regions.",
    "IAM5:fis-read": "FIS resolves targets and reads network state through calls that take "
                     "no resource ARN (ec2:Describe*, tag:GetResources, s3:ListAllMyBuckets, "
                     "ecs:ListTasks, the last limited to the primary's cluster by condition).",
    "IAM5:fis-managed": "FIS creates the route tables, network ACLs, prefix lists and ENIs of a "
                        "network fault itself, so their ids are unknown before the experiment; "
                        "the role may create them only with the tag managedByFIS=true, change or "
                        "delete only those carrying it, and re-associate only in the primary VPC.",
    "IAM5:fis-tasks": "Task ids change with every deployment; the role describes and stops "
                      "tasks of the primary web service's cluster only (condition ecs:cluster).",
    "IAM5:fis-streams": "A global table's stream ARN ends in its creation time, unknown at "
                        "synthesis; FIS denies replication on the stream of these tables only.",
    "IAM4:lambda-basic": "AWSLambdaBasicExecutionRole only lets the probe function write its "
                         "own CloudWatch Logs streams; the data permissions are inline and name "
                         "the cluster, secret or table.",
    "IAM4:restore": "AWSBackupServiceRolePolicyForRestores is the restore role policy AWS Backup "
                    "documents; a custom copy would have to follow every resource type it "
                    "restores.",
    "IAM5:restore-snapshots": "A recovery point of an Aurora copy is a cluster snapshot whose "
                              "name AWS Backup generates (awsbackup:...); the runbook restores "
                              "only snapshots named so, in this region.",
    "IAM5:provision-stack": "A stack ARN ends in an id CloudFormation assigns at creation; the "
                            "runbook updates and describes only the secondary stack, by name.",
    "IAM5:canary-key": "CDK's grant for a canary writing KMS-encrypted artifacts: "
                       "kms:GenerateDataKey* and kms:ReEncrypt* name families of one "
                       "operation, on the one key of this region only.",
    "IAM5:state-machine": "X-Ray (PutTraceSegments, PutTelemetryRecords) and CloudWatch Logs "
                          "delivery (CreateLogDelivery and friends) take no resource ARN; every "
                          "runbook action is granted on its own resource ARN.",
}


@dataclass(frozen=True)
class AcceptedFinding:
    """One acknowledged cdk-nag finding: where, which finding, why."""

    construct_path: str
    finding_id: str
    reason: str


def _finding(rule: str) -> str:
    if rule.startswith("W"):  # CDK's own CloudFormation validation (cfn-lint rules)
        return f"CloudFormation-Validate::{rule}"
    return f"{PACK}::{PACK}-{rule}"


def _arn_ref(bucket: s3.IBucket) -> str:
    """How cdk-nag spells a bucket's ``Fn::GetAtt`` ARN in a finding: ``<LogicalId.Arn>``."""
    logical_id = cdk.Stack.of(bucket).resolve(bucket.node.default_child.logical_id)
    return f"<{logical_id}.Arn>"


def _replica_arn(bucket_name: str) -> str:
    # cdk-nag renders pseudo parameters as <AWS::Name>.
    name = bucket_name.replace(cdk.Aws.ACCOUNT_ID, "<AWS::AccountId>")
    return f"arn:<AWS::Partition>:s3:::{name}"


def nag_rendering(scope: IConstruct, value: str) -> str:
    """How cdk-nag spells a resource string in a finding id: references as ``<LogicalId>``,
    attributes as ``<LogicalId.Attr>``, pseudo parameters as ``<AWS::Name>``, values from
    another stack as the export's name."""
    resolved = cdk.Stack.of(scope).resolve(value)
    if isinstance(resolved, str):
        return resolved
    parts = resolved["Fn::Join"][1] if "Fn::Join" in resolved else [resolved]
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif "Fn::ImportValue" in part:
            out.append(part["Fn::ImportValue"])
        elif "Ref" in part:
            out.append(f"<{part['Ref']}>")
        else:
            out.append(f"<{'.'.join(part['Fn::GetAtt'])}>")
    return "".join(out)


def _fis_reason(rendered: str) -> str:
    if rendered == "*":
        return "IAM5:fis-read"
    if ":ecs:" in rendered:
        return "IAM5:fis-tasks"
    if "/stream/" in rendered:
        return "IAM5:fis-streams"
    return "IAM5:fis-managed"


def accepted_findings(stacks: DrsimStacks) -> list[tuple[IConstruct, str, str]]:
    """Every (construct, finding id, reason) this app acknowledges."""
    out: list[tuple[IConstruct, str, str]] = []

    def accept(construct: IConstruct, rule: str, reason_key: str | None = None) -> None:
        out.append((construct, _finding(rule), REASONS[reason_key or rule]))

    for regional in (stacks.primary, stacks.secondary):
        accept(regional.network.vpc, "W3010")
        accept(regional.web.load_balancer.connections.security_groups[0], "EC23")
        # cdk-nag exempts a bucket that another bucket of its stack logs to (the secondary's
        # replicas do); the primary's log bucket receives only from other stacks.
        if regional is stacks.primary or not stacks.secondary.replica_buckets:
            accept(regional.access_logs.bucket, "S1")
        if regional.database is not None:
            accept(regional.database.cluster, "RDS10")
            if regional.database.monitoring_role is not None:
                accept(regional.database.monitoring_role,
                       "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                       "AmazonRDSEnhancedMonitoringRole]", "IAM4:monitoring")
        if regional.probe is not None:
            accept(regional.probe.function.role,
                   "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                   "AWSLambdaBasicExecutionRole]", "IAM4:lambda-basic")
    if stacks.primary.database is not None:
        # cluster.secret is the attachment; the finding is on the secret itself.
        accept(stacks.primary.database.cluster.node.find_child("Secret"), "SMG4")
    for name, source in stacks.primary_links.replicated_buckets.items():
        destination = stacks.secondary.replica_buckets[name]
        role = source.bucket.node.find_child("ReplicationRole")
        for arn in (_arn_ref(source.bucket), _replica_arn(destination.bucket_name)):
            accept(role, f"IAM5[Resource::{arn}/*]", "IAM5:replication")
    if stacks.primary_links.backup is not None:
        accept(stacks.primary_links.backup.selection,
               "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
               "AWSBackupServiceRolePolicyForBackup]", "IAM4:backup")
    failover = stacks.failover
    for probe in (failover.canary, stacks.primary_links.standby_probe):
        if probe is None:
            continue
        stack = cdk.Stack.of(probe)
        # cdk-nag prints the account as given: a number, or the pseudo parameter.
        account = ("<AWS::AccountId>" if cdk.Token.is_unresolved(stack.account)
                   else stack.account)
        log_groups = (f"arn:<AWS::Partition>:logs:{stack.region}:{account}:log-group:"
                      "/aws/lambda/cwsyn-*")
        for resource in ("*", f"{_arn_ref(probe.artifacts_bucket)}/*", log_groups):
            accept(probe.canary, f"IAM5[Resource::{resource}]", "IAM5:canary")
        if probe.key is not None:
            for action in ("kms:ReEncrypt*", "kms:GenerateDataKey*"):
                accept(probe.canary, f"IAM5[Action::{action}]", "IAM5:canary-key")
    accept(failover.runbook.state_machine, "IAM5[Resource::*]", "IAM5:state-machine")
    for resource, reason in failover.runbook.wildcard_resources:
        accept(failover.runbook.state_machine,
               f"IAM5[Resource::{nag_rendering(failover.runbook, resource)}]", reason)
    if stacks.secondary.restore_target is not None:
        accept(stacks.secondary.restore_target.role,
               "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
               "AWSBackupServiceRolePolicyForRestores]", "IAM4:restore")
    faults = stacks.primary_links.faults
    for kind, role in faults.roles.items():
        for resource in faults.wildcard_resources[kind]:
            rendered = nag_rendering(role, resource)
            accept(role, f"IAM5[Resource::{rendered}]", _fis_reason(rendered))
    return out


def acknowledge_findings(stacks: DrsimStacks) -> list[AcceptedFinding]:
    """Acknowledge the accepted findings on the constructs that raise them."""
    accepted = []
    for construct, finding_id, reason in accepted_findings(stacks):
        cdk.Validations.of(construct).acknowledge(cdk.Acknowledgment(id=finding_id, reason=reason))
        accepted.append(AcceptedFinding(construct.node.path, finding_id, reason))
    return accepted
