"""The scenario: one DR configuration, typed and frozen.

Field names end in their unit (``_s`` seconds, ``_usd`` dollars, ``_gb``
gigabytes, ``_per_s`` per second). The names in ARCHITECTURE.md are the
contract the CLI, tests and notebooks rely on. Types and ranges are checked
here by pydantic; checks that span several fields live in
:mod:`drsim.scenario.checks` and run when a :class:`Scenario` is built.
"""

from __future__ import annotations

from functools import cached_property
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from drsim.distributions import Distribution, Fixed, LogNormal, Triangular
from drsim.scenario.alarm_sources import ALARM_SOURCES, MISSING_DATA
from drsim.scenario.usage import Usage
from drsim.scenario.workload import Workload

STRATEGIES = ("backup_restore", "pilot_light", "warm_standby", "hot_standby", "active_active")
FAILURE_MODES = ("region_outage", "app_crash", "app_hang", "brownout", "db_primary_loss", "partition")
STEP_ACTIONS = (
    "promote_database",
    "restore_database",
    "provision_infrastructure",
    "scale_standby",
    "switch_traffic",
    "fence_primary",
    "other",
)


def _number_as_fixed(value: Any) -> Any:
    """Let ``duration_s: 30`` stand for ``{dist: fixed, value: 30}``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {"dist": "fixed", "value": value}
    return value


Duration = Annotated[Distribution, BeforeValidator(_number_as_fixed)]
"""A duration distribution; a plain number means a fixed duration. [s]"""

Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Seconds = Annotated[float, Field(ge=0, allow_inf_nan=False)]
PositiveSeconds = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0)]
Rate = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Regions(_Section):
    """Where the service runs normally (``primary``) and fails over to (``secondary``)."""

    primary: str = Field(min_length=1)
    secondary: str = Field(min_length=1)


class Failure(_Section):
    """The fault injected at time 0.

    mode : what fails (see ARCHITECTURE.md, "Model semantics").
    brownout_failure_fraction : share of health checks that fail during a brownout. [-]
    """

    mode: Literal[FAILURE_MODES] = "region_outage"
    brownout_failure_fraction: Probability = 0.5


class HealthCheck(_Section):
    """A Route 53 health check on the primary endpoint.

    interval_s : time between checks of one checker. [s]
    failure_threshold : consecutive failed checks before a checker says unhealthy. [-]
    checkers : independent checkers, each with a random phase. [-]
    healthy_fraction : the endpoint is healthy while MORE than this share of
        checkers say healthy (Route 53's 18 % rule). [-]
    timeout_s : a hung endpoint fails a check only after this. [s]
    checks_database : the health path queries the database, so losing the
        database primary fails the check (a shallow check keeps passing).
    """

    protocol: Literal["HTTP", "HTTPS", "TCP"] = "HTTP"
    port: int = Field(default=80, ge=1, le=65535)
    path: str = "/health"
    interval_s: PositiveSeconds = 30
    failure_threshold: int = Field(default=3, ge=1)
    checkers: int = Field(default=15, ge=1)
    healthy_fraction: Probability = 0.18
    timeout_s: PositiveSeconds = 6
    string_match: bool = False
    checks_database: bool = False


class Alarm(_Section):
    """The CloudWatch alarm that pages people (and may trigger failover).

    period_s : metric period. [s]
    evaluation_periods : N of "M out of N". [-]
    datapoints_to_alarm : M of "M out of N". [-]
    metric_delay_s : delay before a datapoint is visible to the alarm. [s]
    source : what the alarm watches, so which faults can fire it
        (:mod:`drsim.scenario.alarm_sources` has the table and the reasons):
        ``health_url`` (an outside-in canary on the health URL, run from the
        secondary region: the bundled stack's failover alarm, hence the default),
        ``alb_5xx`` (the primary load balancer's 5xx responses), ``db_writes``
        (the service's failed database writes), ``none`` (no alarm: nothing pages).
        An alarm that cannot see the fault never fires.
    treat_missing_data : CloudWatch's ``TreatMissingData`` (``not_breaching``, as
        infra/ builds its alarms; ``breaching``, ``ignore``, ``missing``). Decides
        whether an ``alb_5xx`` or ``db_writes`` alarm, whose metric the failed
        region stops publishing in a ``region_outage`` or ``partition``, fires on
        the silence (only ``breaching`` does, one period later).
    """

    period_s: PositiveSeconds = 60
    evaluation_periods: int = Field(default=3, ge=1)
    datapoints_to_alarm: int = Field(default=3, ge=1)
    metric_delay_s: Duration = Fixed(value=60)
    source: Literal[ALARM_SOURCES] = "health_url"
    treat_missing_data: Literal[MISSING_DATA] = "not_breaching"

    @model_validator(mode="after")
    def _m_of_n(self):
        if self.datapoints_to_alarm > self.evaluation_periods:
            raise PydanticCustomError(
                "drsim",
                "datapoints_to_alarm ({m}) exceeds evaluation_periods ({n}); an "
                "'M out of N' alarm needs M <= N",
                {"m": self.datapoints_to_alarm, "n": self.evaluation_periods},
            )
        return self


class Decision(_Section):
    """Who decides to fail over.

    mode : ``automatic`` starts the runbook at ``trigger``; ``manual`` pages on
        the alarm, then waits for acknowledgement and a decision.
    trigger : what starts an automatic failover: the health check declaring
        the endpoint unhealthy, or the alarm.
    page_ack_s : page to acknowledgement (manual). [s]
    decide_s : acknowledgement to the decision to fail over (manual). [s]
    """

    mode: Literal["automatic", "manual"] = "automatic"
    trigger: Literal["health_check", "alarm"] = "health_check"
    page_ack_s: Duration = LogNormal(p50=240, p95=1200)
    decide_s: Duration = LogNormal(p50=900, p95=2700)


class Step(_Section):
    """One step of the failover runbook (a state of the Step Functions machine).

    action : what the step does to the model: ``promote_database`` /
        ``restore_database`` make the secondary database writable,
        ``scale_standby`` launches tasks up to ``compute.required_tasks``,
        ``switch_traffic`` points DNS at the secondary, ``fence_primary`` makes
        the old primary stop acknowledging writes at the end of the step (e.g.
        its writer is demoted, its security group closed, its database
        stopped), ``provision_infrastructure`` and ``other`` only take time.
        Defaults to the step's name when that is an action, else ``other``.
    after : steps that must finish before this one starts.
    duration_s : one attempt. [s]
    failure_probability : chance that one attempt fails. [-]
    max_attempts : attempts before falling back to a manual fix. [-]
    retry_interval_s : wait before the first retry. [s]
    backoff_rate : each further wait is this many times the previous one. [-]
    manual_fallback_s : an operator completes the step by hand after the last
        attempt failed. [s]
    fences_primary : this ``promote_database`` step also fences the old primary
        when it finishes (as a ``fence_primary`` step would); allowed only on
        ``promote_database`` steps.
    """

    name: str = Field(min_length=1)
    action: Literal[STEP_ACTIONS] | None = None
    after: tuple[str, ...] = ()
    duration_s: Duration
    failure_probability: Probability = 0.0
    max_attempts: int = Field(default=1, ge=1)
    retry_interval_s: Seconds = 1.0
    backoff_rate: float = Field(default=2.0, ge=1)
    manual_fallback_s: Duration = LogNormal(p50=1800, p95=7200)
    fences_primary: bool = False

    @model_validator(mode="after")
    def _default_action(self):
        if self.action is None:
            action = self.name if self.name in STEP_ACTIONS else "other"
            object.__setattr__(self, "action", action)
        return self


class Dns(_Section):
    """Client DNS caching and the cut-over of traffic.

    ttl_s : TTL of the service record. [s]
    ttl_violation_fraction : probability that a client sits behind a resolver
        that keeps an answer past its TTL (measured as a share of resolvers);
        the violators' count is drawn per trial, Binomial(clients that can
        move, this). [-]
    violation_extra_s : how much longer such a resolver keeps it (default
        bounded at one hour, an assumption). [s]
    stuck_fraction : share of clients that never re-resolve (e.g. a JVM that
        caches forever). [-]
    clients : client population drawn per trial. [-]
    primary_share : share of clients pointed at the primary before the fault
        (1 for failover routing; about 0.5 for active/active). [-]
    routing : ``failover`` records flip when the health check declares the
        primary unhealthy; ``manual`` only a ``switch_traffic`` step moves them.
    propagation_s : from the health check's declaration, or from the end of a
        ``switch_traffic`` step, to the authoritative answers naming the
        secondary (Route 53: changes "generally propagate to all Route 53 name
        servers within 60 seconds"); each later change of the record takes as
        long. [s]
    failback : with ``routing: failover``, what the record does when the health
        check declares the primary healthy again. ``automatic``: it names the
        primary again, as Route 53 failover routing does ("route traffic to a
        resource when it's healthy or to a different resource when the first
        one is unhealthy",
        https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-failover.html);
        a flapping brownout then moves clients back and forth. ``manual``: it
        stays on the secondary once declared (failback disabled, e.g. the team
        holds it with ARC routing controls). The end of a ``switch_traffic`` step
        pins the record to the secondary either way. Only a brownout's check can
        recover, so for every other fault the two agree.
    """

    ttl_s: Seconds = 60
    ttl_violation_fraction: Probability = 0.0874
    violation_extra_s: Duration = LogNormal(p50=120, p95=900, upper=3600)
    stuck_fraction: Probability = 0.0
    clients: int = Field(default=1000, ge=1)
    primary_share: Probability = 1.0
    routing: Literal["failover", "manual"] = "failover"
    propagation_s: Duration = Fixed(value=0)
    failback: Literal["automatic", "manual"] = "automatic"


class Compute(_Section):
    """Service capacity (ECS Fargate tasks behind an ALB).

    primary_tasks : tasks in the primary region. [-]
    standby_tasks : tasks already running and healthy in the secondary. [-]
    required_tasks : tasks the secondary needs to serve the full load. [-]
    max_tasks : ceiling of the secondary service (defaults to required_tasks). [-]
    task_start_s : scale request to a task RUNNING. [s]
    target_healthy_s : RUNNING to healthy in the target group. [s]
    standby_ready_s : traffic arriving at the standby (its DNS answers changing)
        to the standby's own tasks passing the load balancer's health checks;
        0 keeps them healthy from before the fault. Not for active/active, whose
        secondary serves before the fault. [s]
    task_vcpu, task_memory_gb : size of one task (for cost). [vCPU], [GB]
    """

    primary_tasks: int = Field(default=2, ge=1)
    standby_tasks: Count = 2
    required_tasks: int = Field(default=2, ge=1)
    max_tasks: int | None = Field(default=None, ge=1)
    task_start_s: Duration = LogNormal(p50=50, p95=150)
    target_healthy_s: Duration = Triangular(low=10, mode=35, high=150)
    standby_ready_s: Duration = Fixed(value=0)
    task_vcpu: float = Field(default=0.5, gt=0)
    task_memory_gb: float = Field(default=1.0, gt=0)

    @property
    def ceiling_tasks(self) -> int:
        return self.max_tasks if self.max_tasks is not None else self.required_tasks


class _Datastore(_Section):
    """Every datastore has these.

    rpo_objective_s : this datastore's own recovery point objective (e.g. static
        assets that can be re-uploaded may lose more than orders); default
        ``objectives.rpo_s``. [s]
    write_share : share of ``workload.requests_per_s`` that writes to this datastore;
        with it ``write_rate_per_s`` is derived (:mod:`drsim.scenario.workload`) and may
        not be set too. [-]
    items_per_write : items (rows, DynamoDB items, S3 objects) one such request
        writes. [-]
    write_rate_per_s : writes (items) per second, mean over the month; derived from
        the workload when ``write_share`` is set, else pinned here. [1/s]
    write_rate_reason : why a pinned ``write_rate_per_s`` exceeds the requests served
        (batch imports, fan-out); without one, such a rate is refused. [-]
    """

    name: str = Field(min_length=1)
    write_share: Probability | None = None
    items_per_write: Annotated[float, Field(gt=0, allow_inf_nan=False)] = 1.0
    write_rate_per_s: Rate = 0.0
    write_rate_reason: str = ""
    size_gb: Annotated[float, Field(ge=0)] = 0.0
    rpo_objective_s: Seconds | None = None


# S3 Replication Time Control replicates 99.99 % of objects within 15 minutes:
# https://docs.aws.amazon.com/ja_jp/AmazonS3/latest/dev/replication-walkthrough-5.html and
# https://docs.aws.amazon.com/AmazonS3/latest/API/API_ReplicationTimeValue.html (15 min is the only value).
RTC_THRESHOLD_S = 900.0


class _Replicated(_Datastore):
    replication_lag_s: Duration = LogNormal(p50=0.5, p95=2)

    @property
    def simulated_lag_s(self):
        """The lag distribution the simulator draws from. [s]

        ``replication_lag_s`` itself, with the bounds the scenario gives it.
        Aurora global database and DynamoDB global tables promise no bound
        (AWS: "typically" under a second, no SLA), so nothing more is added here.
        """
        return self.replication_lag_s


class AuroraGlobal(_Replicated):
    """Aurora PostgreSQL Global Database (storage-level replication).

    replication_lag_s : lag at the moment of the fault. [s]
    write_rate_per_s : committed writes per second. [1/s]
    size_gb : cluster volume. [GB]
    """

    kind: Literal["aurora_global"] = "aurora_global"
    instance_class: str = "db.r6g.large"
    instances_per_region: int = Field(default=2, ge=1)


class DynamoDbGlobal(_Replicated):
    """DynamoDB global table (multi-writer replication)."""

    kind: Literal["dynamodb_global"] = "dynamodb_global"


class S3Crr(_Replicated):
    """S3 cross-region replication; ``rtc`` buys the 15-minute replication SLA."""

    kind: Literal["s3_crr"] = "s3_crr"
    rtc: bool = False

    @cached_property
    def simulated_lag_s(self):
        """With ``rtc``, the lag truncated at :data:`RTC_THRESHOLD_S` (900 s). [s]

        RTC promises 99.99 % of objects within 15 minutes, i.e. P(lag > 900 s)
        <= 1e-4; conditioning the lag on <= 900 s keeps that probability at 0,
        which honours the promise (the 0.01 % it allows beyond is not drawn).
        Without RTC the lag keeps its unbounded tail. A lag already bounded
        below 900 s is left as it is.
        """
        lag = self.replication_lag_s
        if not self.rtc or lag.hi <= RTC_THRESHOLD_S:
            return lag
        return type(lag).model_validate({**lag.model_dump(), "upper": RTC_THRESHOLD_S})


class PostgresStreaming(_Replicated):
    """PostgreSQL streaming replication (the local game day's database)."""

    kind: Literal["postgres_streaming"] = "postgres_streaming"


class Backup(_Datastore):
    """Periodic backups copied to the secondary region (AWS Backup).

    interval_s : time between backups. [s]
    copy_s : backup start to its copy being usable in the secondary. [s]
    write_rate_per_s : writes to the backed-up data (for lost writes). [1/s]
    """

    kind: Literal["backup"] = "backup"
    interval_s: PositiveSeconds = 86400
    copy_s: Duration = Fixed(value=0)


Datastore = Annotated[
    Union[AuroraGlobal, DynamoDbGlobal, S3Crr, PostgresStreaming, Backup],
    Field(discriminator="kind"),
]
DATASTORE_KINDS = ("aurora_global", "dynamodb_global", "s3_crr", "postgres_streaming", "backup")
RELATIONAL_KINDS = ("aurora_global", "postgres_streaming")


class Probe(_Section):
    """The external probe whose recovery is ``probe_rto_s``: a ``dig`` + request loop,
    a canary, what a game day or a published failover measurement times.

    interval_s : time between the probe's attempts; each resolves afresh through a
        resolver that honours the TTL. [s]
    writes : the probe writes, so it is served only once the secondary database
        takes writes (a read-only probe needs DNS and capacity alone).
    """

    interval_s: PositiveSeconds = 5
    writes: bool = True


# ALB security policies that allow TLS 1.2 and 1.3 only (AWS's list for Application Load
# Balancers; the first is the one AWS recommends).
TLS_POLICIES = (
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
    "ELBSecurityPolicy-FS-1-2-Res-2020-10",
)
KMS_KEY_CHOICES = ("aws_managed", "customer_managed")
# The intervals RDS Enhanced Monitoring accepts (0: off).
ENHANCED_MONITORING_INTERVALS_S = (0, 1, 5, 10, 15, 30, 60)


class Security(_Section):
    """How the AWS stack (``infra/``) protects the service; the cost model prices what it adds.

    certificate_arns : an ACM certificate ARN per region, ``{region: arn}`` for both
        regions, covering the service's DNS name. With them the load balancers listen
        HTTPS on ``health_check.port`` (443) with ``tls_policy`` and redirect HTTP (80)
        to it; without them they listen plain HTTP, and the scenario warns.
    tls_policy : the HTTPS listeners' security policy (TLS 1.2 or later only).
    enhanced_monitoring_interval_s : how often RDS Enhanced Monitoring samples each
        Aurora instance's OS metrics into CloudWatch Logs; 0 turns it off. [s]
    kms_keys : ``aws_managed`` (no monthly charge) or ``customer_managed``: one key of
        your own per region for the backup vaults, the database secret, the log groups
        and the probe's environment (priced per key-month and request).
    """

    certificate_arns: dict[str, str] = Field(default_factory=dict)
    tls_policy: Literal[TLS_POLICIES] = TLS_POLICIES[0]
    enhanced_monitoring_interval_s: Literal[ENHANCED_MONITORING_INTERVALS_S] = 60
    kms_keys: Literal[KMS_KEY_CHOICES] = "aws_managed"


RTO_METRICS = ("clients", "probe")

# How long a region stays down when nothing is failed over: a lognormal fitted to the
# durations AWS's own post-event summaries give for five us-east-1 events that took a
# region-wide dependency down (times as each summary states them):
#   2017-02-28 S3        9:37 AM -> 1:54 PM PST           4 h 17 min  https://aws.amazon.com/message/41926/
#   2020-11-25 Kinesis   5:15 AM -> 10:23 PM PST         17 h 08 min  https://aws.amazon.com/message/11201/
#   2021-12-07 network   7:30 AM -> ~4:44 PM PST          9 h 14 min  https://aws.amazon.com/message/12721/
#        (end: https://www.thousandeyes.com/blog/aws-outage-analysis-dec-7-2021, "not fully
#        resolving until approximately 0:44 UTC (4:44 pm PT)")
#   2023-06-13 Lambda   11:49 AM -> 3:37 PM PDT           3 h 48 min  https://aws.amazon.com/message/061323/
#   2025-10-20 DynamoDB 11:48 PM (Oct 19) -> 2:20 PM PDT 14 h 32 min  https://aws.amazon.com/message/101925/
# The fit: mu and sigma are the mean and sample standard deviation of the log durations
# (mu = ln 29,575 s, sigma = 0.689), so p50 = 29,600 s (8.2 h) and p95 = 91,800 s (25.5 h);
# the mean is 37,500 s (10.4 h). That a failure needing a failover lasts as long as these
# published events (AWS publishes summaries of the large ones only) is an assumption.
# The 2011-04-21 EBS event (https://aws.amazon.com/message/65648/, about 3.5 days) is left
# out: it took one Availability Zone's volumes, not a region-wide dependency.
REGION_OUTAGE_S = LogNormal(p50=29600, p95=91800)


class Objectives(_Section):
    """What the business asks for.

    rto_s : recovery time objective. [s]
    rpo_s : recovery point objective. [s]
    recovered_fraction : share of the affected clients (those on the failed
        primary) served again that counts as recovered. [-]
    rto_metric : which RTO ``rto_s`` is held against: ``clients`` (``rto_s``,
        until ``recovered_fraction`` of the affected clients are served) or
        ``probe`` (``probe_rto_s``, what an external probe measures).
    confidence : a configuration meets its objectives when P(RTO <= rto_s) and,
        for every datastore, P(RPO <= its objective) are at least this. [-]
    downtime_cost_usd_per_h : cost of an hour of outage. [USD/h]
    lost_write_cost_usd : cost of one lost write. [USD]
    annual_disaster_probability : chance per year that the primary region fails
        in a way that needs this failover. [1/year]
    region_outage_s : how long such a failure keeps the primary region down when
        nothing fails over (the service waits for the region to return): the
        downtime of the no-DR counterfactual against which the risk DR avoids is
        measured (:mod:`drsim.compare.risk`). Default: a lognormal fitted to AWS's
        post-event summaries of five us-east-1 events, p50 8.2 h, p95 25.5 h
        (sources beside :data:`REGION_OUTAGE_S`). [s]
    """

    rto_s: PositiveSeconds = 900
    rpo_s: Seconds = 60
    recovered_fraction: Annotated[float, Field(gt=0, le=1)] = 0.99
    rto_metric: Literal[RTO_METRICS] = "clients"
    confidence: Annotated[float, Field(gt=0, le=1)] = 0.9
    downtime_cost_usd_per_h: Annotated[float, Field(ge=0)] = 0.0
    lost_write_cost_usd: Annotated[float, Field(ge=0)] = 0.0
    annual_disaster_probability: Probability = 0.02
    region_outage_s: Duration = REGION_OUTAGE_S


class Scenario(_Section):
    """A DR configuration: what fails, how it is detected, decided, recovered.

    Build one with :func:`drsim.load_scenario` (from YAML) or
    ``Scenario.model_validate(dict)``; both run the cross-field checks of
    :mod:`drsim.scenario.checks`.
    """

    name: str = Field(min_length=1)
    description: str = ""
    platform: Literal["aws", "local"] = "aws"
    strategy: Literal[STRATEGIES]
    regions: Regions
    failure: Failure = Failure()
    health_check: HealthCheck = HealthCheck()
    alarm: Alarm = Alarm()
    decision: Decision = Decision()
    runbook: tuple[Step, ...] = ()
    dns: Dns = Dns()
    compute: Compute = Compute()
    datastores: tuple[Datastore, ...] = ()
    objectives: Objectives = Objectives()
    probe: Probe = Probe()
    security: Security = Security()
    usage: Usage = Usage()
    workload: Workload | None = None
    sources: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _cross_field_checks(self):
        from drsim.scenario.checks import find_problems
        from drsim.scenario.derive import derive_from_workload

        problems, derived = derive_from_workload(self)
        # The derived figures replace the typed ones before anything reads them; the
        # model is frozen to its users, and this is still its construction.
        for field, value in derived.items():
            object.__setattr__(self, field, value)
        problems += find_problems(self)
        if problems:
            raise PydanticCustomError(
                "drsim_check",
                "; ".join(f"{'.'.join(map(str, p))}: {m}" for p, m in problems),
                {"problems": problems},
            )
        return self

    def rpo_objective_s(self, datastore) -> float:
        """The RPO objective of ``datastore``: its own, else ``objectives.rpo_s``. [s]"""
        own = datastore.rpo_objective_s
        return self.objectives.rpo_s if own is None else own

    def warnings(self, deployment: bool = True) -> list[str]:
        """What makes this valid scenario doubtful, one ``"path: message"`` each (an
        alarm that cannot see the fault; a fault nothing detects; with ``deployment``,
        also the stack infra/ builds: plain HTTP); see
        :func:`drsim.scenario.checks.find_warnings`."""
        from drsim.scenario.checks import find_warnings

        return [f"{'.'.join(map(str, p))}: {m}"
                for p, m in find_warnings(self, deployment=deployment)]

    def step(self, name: str) -> Step:
        """The runbook step called ``name``."""
        for step in self.runbook:
            if step.name == name:
                return step
        raise KeyError(name)

    def with_overrides(self, overrides: dict[str, Any] | list[str]) -> "Scenario":
        """A copy with ``dotted.path=value`` overrides applied and validated."""
        from drsim.scenario.loader import apply_overrides_to_scenario

        return apply_overrides_to_scenario(self, overrides)
