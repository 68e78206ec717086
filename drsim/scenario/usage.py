"""Usage assumptions the cost model needs (sizes, request and transfer volumes).

Every field has a documented default so a scenario may omit the section; the
bundled scenarios set them in ``seed-warm-standby.yaml`` (which the others
extend) with a source or ``assumption`` for each in ``sources``. Sizes use
decimal units (1 GB = 10^6 KB), as AWS bills transfer and storage. What runs
where (tasks, instances, datastores) is not usage: it comes from ``compute``,
``datastores`` and ``strategy``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0)]
LogRetentionDays = Literal[1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096,
                           1827, 2192, 2557, 2922, 3288, 3653]
"""The retentions CloudWatch Logs accepts for a log group (its RetentionInDays). [d]"""


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AuroraCluster(_Section):
    """A single-region Aurora cluster whose only protection is a ``backup`` datastore.

    instance_class : DB instance class, e.g. ``db.r6g.large`` (must have a price).
    instances : instances in the primary region (writer + readers). [-]
    """

    instance_class: str = Field(min_length=1)
    instances: int = Field(ge=1)


class Usage(_Section):
    """Monthly usage of the service (averages over the month).

    Traffic (served by the primary, or split by ``dns.primary_share`` for active/active)

    requests_per_s : HTTP requests through the ALB. [1/s]
    request_kb : average request size. [KB]
    response_kb : average response size. [KB]
    new_connections_per_s : new client connections to the ALB. [1/s]
    active_connections : concurrent client connections to the ALB. [-]
    dns_queries_per_s : DNS queries for the service name reaching Route 53. [1/s]

    Networking

    nat_gateways_per_region : NAT gateways in each region that runs the VPC. [-]
    alb_public_ipv4_per_alb : public IPv4 addresses an internet-facing ALB holds, billed
        like any public address: at least one per Availability Zone it is enabled in
        (infra/ enables two; a busy ALB scales out to more nodes). [-]
    nat_processed_gb_per_region_month : data through the NAT gateways of one region
        besides the workload's (image pulls, other AWS API calls, logs); the DynamoDB
        items and S3 uploads the workload's writes make are added to it (the VPC has no
        gateway endpoints), requests themselves enter through the ALB. [GB/month]
    vpc_peering_gb_per_month : application traffic over the inter-region VPC
        peering, each direction. [GB/month]

    Compute

    fargate_cpu_architecture : ``x86_64`` or ``arm64`` (Graviton, cheaper).
    fargate_ephemeral_storage_gb : ephemeral storage per task; the first 20 GB
        are included. [GB]

    Aurora (each ``aurora_global`` datastore; and ``backed_up_aurora``)

    aurora_write_ios_per_write : storage write I/Os per committed write. [-]
    aurora_read_ios_per_s : storage read I/Os (buffer-cache misses). [1/s]
    aurora_replication_kb_per_write : redo shipped to the secondary per write. [KB]
    aurora_secondary_instances : instances of the secondary cluster; empty means
        ``instances_per_region`` for warm/hot standby and active/active, 1 for
        pilot light (one instance to promote, no instance launch in the runbook;
        0 would be a headless secondary). [-]
    backed_up_aurora : ``{backup datastore name: {instance_class, instances}}``
        for a ``backup`` datastore that protects a single-region Aurora cluster
        (backup and restore), so the primary database is priced too.

    DynamoDB (each ``dynamodb_global`` datastore)

    dynamodb_item_kb : average item size; a write costs one WRU per KB. [KB]
    dynamodb_reads_per_write : strongly consistent reads per write; a read costs
        one RRU per 4 KB. [-]
    dynamodb_pitr : point-in-time recovery (continuous backups) on each replica.

    S3 (each ``s3_crr`` datastore; ``write_rate_per_s`` counts new objects)

    s3_object_kb : average object size. [KB]

    Backups (each ``backup`` datastore; snapshots are incremental)

    backup_retention_days : how long backups (and their cross-region copies) are kept. [d]
    backup_daily_change_fraction : share of the data that changes per day. [1/d]
    backup_storage_tier : rate of the stored backups: ``aurora_snapshot``
        (Aurora backup rate), ``warm`` or ``cold`` AWS Backup storage.

    Operations

    route53_hosted_zones : hosted zones. [-]
    route53_health_checks : Route 53 health checks on ALB endpoints; empty means
        one on the primary endpoint, or one per region for active/active. [-]
    runbook_executions_per_month : failover runbook runs (drills, tests). [1/month]
    eventbridge_events_per_s : custom events published on the event bus. [1/s]
    eventbridge_cross_region : events are also forwarded to the secondary's bus.
    canaries_per_region : standby probes: Synthetics canaries in the primary that
        check the secondary's endpoint, when the secondary runs the service. (The
        failover alarm's own probe of the primary runs once per ``alarm.period_s``
        and is always priced.) [-]
    canary_interval_min : time between runs of one standby probe. [min]
    cloudwatch_alarms_per_region : service alarms (at ``alarm.period_s``) besides the
        failover alarm, in each region that runs the service. [-]

    Logs (each region's access-log bucket; Aurora's Enhanced Monitoring)

    access_log_retention_days : how long the log bucket keeps ALB and S3 access logs
        (its lifecycle rule). [d]
    alb_log_bytes_per_request : one ALB access-log entry as stored (ALB delivers
        gzip-compressed files). [B]
    s3_access_log_bytes_per_request : one S3 server access-log record (delivered
        uncompressed). [B]
    canary_artifact_requests_per_run : S3 requests a canary run makes to its artifact
        bucket (each one is a server access-log record). [-]
    enhanced_monitoring_kb_per_sample : OS metrics (with the process list) one Enhanced
        Monitoring sample writes to CloudWatch Logs. [KB]
    enhanced_monitoring_retention_days : how long CloudWatch Logs keeps them (RDS
        creates the RDSOSMetrics log group with 30 days). [d]
    task_log_bytes_per_request : what the tasks log per request (an access-log line) to
        CloudWatch Logs. [B]
    task_log_retention_days : how long the tasks' log group keeps it (infra/ sets it on
        the group; one of the retentions CloudWatch Logs accepts). [d]
    flow_log_bytes_per_connection : VPC flow-log records one client connection leaves
        (a record on the ALB's interface and one on the task's). [B]
    flow_log_retention_days : how long the flow-log group keeps them (infra/ sets it on
        the group; by default CDK's two years for a VPC's flow logs). [d]
    container_insights_metrics_per_region : metrics Container Insights publishes for the
        region's ECS cluster (by cluster, service and task family), billed as custom
        metrics; infra/ turns it on for both clusters. [-]
    container_insights_kb_per_task_minute : performance log events one running task
        sends to CloudWatch Logs a minute. [KB]
    kms_requests_per_key_month : KMS requests on each customer-managed key (log groups'
        data keys, backup jobs and copies, secret reads), with
        ``security.kms_keys: customer_managed``. [1/month]
    """

    requests_per_s: NonNegative = 50.0
    request_kb: NonNegative = 2.0
    response_kb: NonNegative = 20.0
    new_connections_per_s: NonNegative = 10.0
    active_connections: NonNegative = 200.0
    dns_queries_per_s: NonNegative = 10.0

    nat_gateways_per_region: Count = 1
    alb_public_ipv4_per_alb: Count = 2
    nat_processed_gb_per_region_month: NonNegative = 50.0
    vpc_peering_gb_per_month: NonNegative = 10.0

    fargate_cpu_architecture: Literal["x86_64", "arm64"] = "x86_64"
    fargate_ephemeral_storage_gb: Annotated[float, Field(ge=20, le=200, allow_inf_nan=False)] = 20.0

    aurora_write_ios_per_write: NonNegative = 1.0
    aurora_read_ios_per_s: NonNegative = 20.0
    aurora_replication_kb_per_write: NonNegative = 4.0
    aurora_secondary_instances: Count | None = None
    backed_up_aurora: dict[str, AuroraCluster] = Field(default_factory=dict)

    dynamodb_item_kb: Annotated[float, Field(gt=0, allow_inf_nan=False)] = 1.0
    dynamodb_reads_per_write: NonNegative = 1.0
    dynamodb_pitr: bool = True

    s3_object_kb: NonNegative = 256.0

    backup_retention_days: Annotated[float, Field(gt=0, allow_inf_nan=False)] = 7.0
    backup_daily_change_fraction: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] = 0.05
    backup_storage_tier: Literal["aurora_snapshot", "warm", "cold"] = "aurora_snapshot"

    route53_hosted_zones: Count = 1
    route53_health_checks: Count | None = None
    runbook_executions_per_month: NonNegative = 1.0
    eventbridge_events_per_s: NonNegative = 1.0
    eventbridge_cross_region: bool = True
    canaries_per_region: Count = 1
    canary_interval_min: Annotated[float, Field(ge=1, allow_inf_nan=False)] = 5.0
    cloudwatch_alarms_per_region: Count = 2

    access_log_retention_days: Annotated[int, Field(ge=1)] = 90
    alb_log_bytes_per_request: NonNegative = 100.0
    s3_access_log_bytes_per_request: NonNegative = 400.0
    canary_artifact_requests_per_run: NonNegative = 4.0
    enhanced_monitoring_kb_per_sample: NonNegative = 8.0
    enhanced_monitoring_retention_days: NonNegative = 30.0
    task_log_bytes_per_request: NonNegative = 200.0
    task_log_retention_days: LogRetentionDays = 30
    flow_log_bytes_per_connection: NonNegative = 300.0
    flow_log_retention_days: LogRetentionDays = 731
    container_insights_metrics_per_region: NonNegative = 30.0
    container_insights_kb_per_task_minute: NonNegative = 2.0
    kms_requests_per_key_month: NonNegative = 10000.0
