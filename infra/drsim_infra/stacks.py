"""The four stacks, in deployment order, each a group of parts in one region.

1. ``PrimaryStack``   (primary region): network, web service, alarms, event bus,
   Aurora writer + global cluster, DynamoDB global tables.
2. ``SecondaryStack`` (secondary region): network, warm web service, alarms,
   event bus, Aurora secondary cluster, CRR destination buckets, backup copy
   vault, the peering request and the secondary side's peering routes.
3. ``PrimaryLinksStack`` (primary region): what in the primary region needs the
   secondary to exist first: CRR source buckets (seed failure 2), the primary
   side's peering routes (seed failure 7), the backup plan that copies to the
   secondary's vault.
4. ``FailoverStack``  (secondary region): Route 53 failover records and health
   checks, the canary that probes the primary from outside, the failover alarm,
   and the Step Functions runbook it starts.

Every stack has an explicit account/region and ``cross_region_references``
(seed failure 1): CDK then passes values between regions through SSM
parameters and orders the stacks by their references.
"""

from __future__ import annotations

import re

from aws_cdk import ArnFormat, CfnParameter, Environment, Stack, Tags
from aws_cdk import aws_backup as backup
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as events_targets
from constructs import Construct

from drsim.scenario.model import AuroraGlobal, Backup, DynamoDbGlobal, S3Crr, Scenario
from drsim_infra.alarms import ServiceAlarms, scenario_alarm
from drsim_infra.aurora_global import (
    POSTGRES_PORT,
    AuroraGlobalPrimary,
    AuroraGlobalSecondary,
    secondary_instance_count,
)
from drsim_infra.backup import BackupPlanWithCopy, CopyVault
from drsim_infra.buckets import (
    LogBucket,
    ReplicaBucket,
    ReplicatedBucket,
    replica_bucket_name,
)
from drsim_infra.canary import EndpointCanary
from drsim_infra.dns_failover import FailoverDns
from drsim_infra.event_bus import DrEventBus
from drsim_infra.fault_injection import (
    CRR_SOURCE_TAG,
    DEFAULT_FAULT_DURATION_S,
    FaultInjection,
    FaultTargets,
)
from drsim_infra.failover_runbook import (
    FailoverRunbook,
    FailoverTargets,
    ProvisionSpec,
    RestoreSpec,
)
from drsim_infra.global_table import GlobalTable
from drsim_infra.keys import RegionKey
from drsim_infra.network import Network
from drsim_infra.peering import PeeringConnection, PeeringRoutes
from drsim_infra.probe_endpoint import (
    AuroraBackend,
    DynamoBackend,
    ProbeEndpoint,
    regional_secret_arn,
)
from drsim_infra.recovery import (
    PROVISIONED_PARAMETER,
    OnDemandNat,
    RestoreTarget,
    restored_cluster_id,
)
from drsim_infra.topology import (
    AZ_SUFFIXES,
    DEFAULT_DOMAIN_NAME,
    SERVICE_RECORD_NAME,
    VPC_CIDRS,
    WEB_IMAGE,
    UnsupportedScenario,
)
from drsim_infra.web_service import WebService

# A canary run counts as failed below this success rate in an alarm period. [%]
CANARY_SUCCESS_THRESHOLD_PCT = 50


def _datastores(scenario: Scenario, kind: type) -> list:
    return [d for d in scenario.datastores if isinstance(d, kind)]


def _aws_name(text: str) -> str:
    """``orders_db`` -> ``orders-db``: letters, digits and hyphens, as RDS identifiers need."""
    return re.sub(r"[^A-Za-z0-9-]+", "-", text).strip("-").lower()


def _health_url(hc, web: WebService) -> str:
    """The URL the health checks probe, on the scenario's protocol, port and path."""
    scheme = "https" if hc.protocol == "HTTPS" else "http"
    return f"{scheme}://{web.load_balancer.load_balancer_dns_name}:{hc.port}{hc.path}"


class _DrStack(Stack):
    """A stack pinned to one account/region, allowed to reference other regions."""

    def __init__(self, scope: Construct, construct_id: str, *, scenario: Scenario,
                 env: Environment, role: str, description: str) -> None:
        super().__init__(
            scope,
            construct_id,
            env=env,
            stack_name=f"drsim-{_aws_name(scenario.name)}-{role}",
            description=f"drsim {scenario.name}: {description}",
            cross_region_references=True,
        )
        Tags.of(self).add("drsim:scenario", scenario.name)

    @property
    def availability_zones(self) -> list[str]:
        """Two AZs named outright: with a concrete account CDK would otherwise look them
        up (a network call at synthesis), even to validate the VPC's explicit list."""
        return [f"{self.region}{suffix}" for suffix in AZ_SUFFIXES]


def _certificate_arn(scenario: Scenario, region: str) -> str | None:
    """The scenario's ACM certificate for the ALB in ``region``, or None (plain HTTP)."""
    arns = scenario.security.certificate_arns
    if scenario.health_check.protocol == "HTTPS" and not arns:
        raise UnsupportedScenario(
            "health_check.protocol HTTPS needs an HTTPS listener, and that a certificate: "
            "give security.certificate_arns (an ACM certificate ARN per region)")
    return arns.get(region)


def _service_name(domain_name: str) -> str:
    """The service's DNS name, which the certificates must cover."""
    return f"{SERVICE_RECORD_NAME}.{domain_name}"


def _web_service(stack: Stack, scenario: Scenario, network: Network, tasks: int,
                 logs: LogBucket, key) -> WebService:
    return WebService(
        stack,
        "Web",
        vpc=network.vpc,
        image=WEB_IMAGE,
        desired_tasks=tasks,
        task_vcpu=scenario.compute.task_vcpu,
        task_memory_gb=scenario.compute.task_memory_gb,
        cpu_architecture=scenario.usage.fargate_cpu_architecture,
        ephemeral_storage_gb=scenario.usage.fargate_ephemeral_storage_gb,
        listener_port=scenario.health_check.port,
        health_path=scenario.health_check.path,
        certificate_arn=_certificate_arn(scenario, stack.region),
        tls_policy=scenario.security.tls_policy,
        access_logs_bucket=logs.bucket,
        log_retention_days=scenario.usage.task_log_retention_days,
        log_key=key,
    )


def _region_key(stack: Stack, scenario: Scenario):
    """The region's customer-managed key, or None for AWS-managed keys."""
    if scenario.security.kms_keys != "customer_managed":
        return None
    return RegionKey(stack, "Keys", scenario_name=scenario.name).key


def _log_bucket(stack: Stack, scenario: Scenario) -> LogBucket:
    return LogBucket(stack, "AccessLogs",
                     retention_days=scenario.usage.access_log_retention_days)


def _replica_name(scenario: Scenario, datastore: S3Crr) -> str:
    return replica_bucket_name(scenario_name=_aws_name(scenario.name),
                               datastore_name=_aws_name(datastore.name),
                               region=scenario.regions.secondary)


def _single_aurora(scenario: Scenario) -> AuroraGlobal | None:
    auroras = _datastores(scenario, AuroraGlobal)
    if len(auroras) > 1:
        raise UnsupportedScenario(
            f"infra/ builds one Aurora global database; the scenario has {len(auroras)} "
            f"({', '.join(a.name for a in auroras)})")
    return auroras[0] if auroras else None


def _runbook_does(scenario: Scenario, action: str) -> bool:
    return any(step.action == action for step in scenario.runbook)


def _backed_up_aurora(scenario: Scenario):
    """``(datastore name, usage.backed_up_aurora entry)`` of the single-region Aurora
    cluster a ``backup`` datastore protects, or None."""
    entries = list(scenario.usage.backed_up_aurora.items())
    if len(entries) > 1:
        raise UnsupportedScenario(
            "infra/ builds one backed-up Aurora cluster; usage.backed_up_aurora has "
            f"{len(entries)} ({', '.join(name for name, _ in entries)})")
    return entries[0] if entries else None


class PrimaryStack(_DrStack):
    """Stage 1, primary region. Attributes: key (customer-managed, or None), network,
    access_logs, web, alarms, event_bus, database, tables."""

    def __init__(self, scope: Construct, construct_id: str, *, scenario: Scenario,
                 env: Environment) -> None:
        super().__init__(scope, construct_id, scenario=scenario, env=env, role="primary",
                         description="primary region (serving)")
        self.key = _region_key(self, scenario)
        self.network = Network(self, "Network", cidr=VPC_CIDRS["primary"],
                               region=scenario.regions.primary,
                               nat_gateways=scenario.usage.nat_gateways_per_region,
                               flow_log_retention_days=scenario.usage.flow_log_retention_days,
                               log_key=self.key)
        self.access_logs = _log_bucket(self, scenario)
        self.web = _web_service(self, scenario, self.network, scenario.compute.primary_tasks,
                                self.access_logs, self.key)
        self.alarms = ServiceAlarms(self, "Alarms", load_balancer=self.web.load_balancer,
                                    target_group=self.web.target_group, spec=scenario.alarm)
        self.event_bus = DrEventBus(self, "Events", scenario_name=_aws_name(scenario.name))
        aurora = _single_aurora(scenario)
        backed_up = _backed_up_aurora(scenario)
        self.database = None
        if aurora is not None:
            self.database = AuroraGlobalPrimary(
                self, "Database", vpc=self.network.vpc, database_name=aurora.name,
                instance_class=aurora.instance_class, instances=aurora.instances_per_region,
                global_cluster_id=f"drsim-{_aws_name(scenario.name)}-{_aws_name(aurora.name)}",
                secret_replica_region=scenario.regions.secondary,
                monitoring_interval_s=scenario.security.enhanced_monitoring_interval_s,
                secret_key=self.key,
            )
        elif backed_up is not None:
            # Backup and restore: a single-region cluster that only the backups protect.
            name, cluster = backed_up
            self.database = AuroraGlobalPrimary(
                self, "Database", vpc=self.network.vpc, database_name=name,
                instance_class=cluster.instance_class, instances=cluster.instances,
                global_cluster_id=None, secret_replica_region=scenario.regions.secondary,
                monitoring_interval_s=scenario.security.enhanced_monitoring_interval_s,
                secret_key=self.key,
            )
        if self.database is not None:
            # The web tasks are the database's clients.
            self.database.cluster.connections.allow_default_port_from(self.web.service)
        self.tables = {
            ds.name: GlobalTable(self, f"Table-{ds.name}", datastore=ds,
                                 replica_region=scenario.regions.secondary,
                                 point_in_time_recovery=scenario.usage.dynamodb_pitr,
                                 table_name=f"drsim-{_aws_name(scenario.name)}-{_aws_name(ds.name)}")
            for ds in _datastores(scenario, DynamoDbGlobal)
        }
        backend = None
        if self.database is not None:
            backend = AuroraBackend(
                cluster_arn=self.database.cluster.cluster_arn,
                secret_arn=self.database.cluster.secret.secret_arn,
                database=aurora.name if aurora is not None else backed_up[0])
        elif self.tables:
            table = next(iter(self.tables.values()))
            backend = DynamoBackend(table=table.table, table_name=table.table_name)
        self.probe = (None if backend is None else
                      ProbeEndpoint(self, "Probe", listener=self.web.listener, backend=backend,
                                    key=self.key,
                                    secret_key=self.key if self.database is not None else None))


class SecondaryStack(_DrStack):
    """Stage 2, secondary region. Attributes: key (customer-managed, or None), network,
    access_logs, web, alarms, event_bus, database,
    replica_buckets, copy_vault, peering, peering_routes."""

    def __init__(self, scope: Construct, construct_id: str, *, scenario: Scenario,
                 env: Environment, primary: PrimaryStack) -> None:
        super().__init__(scope, construct_id, scenario=scenario, env=env, role="secondary",
                         description="secondary region (warm standby)")
        self.key = _region_key(self, scenario)
        self.network = Network(self, "Network", cidr=VPC_CIDRS["secondary"],
                               region=scenario.regions.secondary,
                               nat_gateways=scenario.usage.nat_gateways_per_region,
                               flow_log_retention_days=scenario.usage.flow_log_retention_days,
                               log_key=self.key)
        self.access_logs = _log_bucket(self, scenario)
        self.web = _web_service(self, scenario, self.network, scenario.compute.standby_tasks,
                                self.access_logs, self.key)
        self.alarms = ServiceAlarms(self, "Alarms", load_balancer=self.web.load_balancer,
                                    target_group=self.web.target_group, spec=scenario.alarm)
        self.event_bus = DrEventBus(self, "Events", scenario_name=_aws_name(scenario.name))
        aurora = _single_aurora(scenario)
        self.database = None
        if aurora is not None and primary.database is not None:
            self.database = AuroraGlobalSecondary(
                self, "Database", vpc=self.network.vpc, datastore=aurora,
                global_cluster_id=primary.database.global_cluster.ref,
                instance_count=secondary_instance_count(
                    datastore=aurora, usage_instances=scenario.usage.aurora_secondary_instances,
                    strategy=scenario.strategy),
                monitoring_interval_s=scenario.security.enhanced_monitoring_interval_s,
            )
            # The web tasks are the database's clients once it is promoted.
            self.database.security_group.connections.allow_from(
                self.web.service, ec2.Port.tcp(POSTGRES_PORT), "web tasks to the database")
        self.replica_buckets = {
            ds.name: ReplicaBucket(self, f"Replica-{ds.name}",
                                   bucket_name=_replica_name(scenario, ds),
                                   log_bucket=self.access_logs.bucket,
                                   log_name=f"replica-{_aws_name(ds.name)}")
            for ds in _datastores(scenario, S3Crr)
        }
        self.copy_vault = (CopyVault(self, "BackupCopies", key=self.key)
                           if _datastores(scenario, Backup) else None)
        # Backup and restore: the NAT gateways exist only once the runbook provisions them,
        # and the database is restored from the vault's newest copy.
        self.on_demand = (OnDemandNat(self, "OnDemand", vpc=self.network.vpc)
                          if _runbook_does(scenario, "provision_infrastructure") else None)
        self.restore_target = None
        if (_runbook_does(scenario, "restore_database") and self.copy_vault is not None
                and primary.database is not None and primary.database.global_cluster is None):
            self.restore_target = RestoreTarget(
                self, "Restore", vpc=self.network.vpc, clients=self.web.service,
                description="database restored from backup by the failover runbook")
        backend = None
        if primary.database is not None and (self.database or self.restore_target):
            # The promoted secondary cluster, or the one restore_database creates.
            if self.database is not None:
                cluster_arn, database = self.database.cluster.attr_db_cluster_arn, aurora.name
            else:
                name = _backed_up_aurora(scenario)[0]
                cluster_arn = self.format_arn(
                    service="rds", resource="cluster", arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    resource_name=restored_cluster_id(_aws_name(scenario.name), _aws_name(name)))
                database = name
            backend = AuroraBackend(
                cluster_arn=cluster_arn, database=database,
                secret_arn=regional_secret_arn(self, primary.database.cluster.secret.secret_arn))
        elif primary.probe is not None and isinstance(primary.probe.backend, DynamoBackend):
            table = primary.probe.backend
            backend = DynamoBackend(table=table.table.replica(scenario.regions.secondary),
                                    table_name=table.table_name)
        # The replica of the secret stays under Secrets Manager's key (see AuroraGlobalPrimary).
        self.probe = (None if backend is None else
                      ProbeEndpoint(self, "Probe", listener=self.web.listener, backend=backend,
                                    key=self.key))
        self.peering = PeeringConnection(
            self, "Peering", vpc=self.network.vpc, peer_vpc_id=primary.network.vpc.vpc_id,
            peer_region=scenario.regions.primary,
        )
        self.peering_routes = PeeringRoutes(
            self, "PeeringRoutes", subnets=self.network.routed_subnets(),
            peer_cidr=primary.network.cidr, peering_connection_id=self.peering.connection_id,
        )


class PrimaryLinksStack(_DrStack):
    """Stage 3, primary region. Attributes: replicated_buckets, peering_routes, backup,
    standby_probe, event_forwarding, faults."""

    def __init__(self, scope: Construct, construct_id: str, *, scenario: Scenario,
                 env: Environment, primary: PrimaryStack, secondary: SecondaryStack,
                 fault_duration_s: int = DEFAULT_FAULT_DURATION_S,
                 domain_name: str = DEFAULT_DOMAIN_NAME) -> None:
        super().__init__(scope, construct_id, scenario=scenario, env=env, role="primary-links",
                         description="primary-region resources that need the secondary first")
        # Seed failure 2: S3 rejects a replication rule whose destination does
        # not exist yet, so this stack (and its source buckets) deploys after
        # the secondary stack, which creates the destinations.
        self.add_stack_dependency(secondary, "CRR destination buckets must exist first")
        self.replicated_buckets = {
            ds.name: ReplicatedBucket(self, f"Replicated-{ds.name}", datastore=ds,
                                      destination_bucket_name=_replica_name(scenario, ds),
                                      log_bucket=primary.access_logs.bucket,
                                      log_name=f"source-{_aws_name(ds.name)}")
            for ds in _datastores(scenario, S3Crr)
        }
        for replicated in self.replicated_buckets.values():
            # aws:s3:bucket-pause-replication finds its buckets by tag only.
            Tags.of(replicated.bucket).add(*CRR_SOURCE_TAG)
        self.peering_routes = PeeringRoutes(
            self, "PeeringRoutes", subnets=primary.network.routed_subnets(),
            peer_cidr=secondary.network.cidr,
            peering_connection_id=secondary.peering.connection_id,
        )
        backups = _datastores(scenario, Backup)
        # What the backups protect: the Aurora cluster (its snapshots are what the
        # cost model prices); DynamoDB tables only without one (they have PITR).
        if primary.database is not None:
            resources = [backup.BackupResource.from_arn(primary.database.cluster.cluster_arn)]
        else:
            resources = [backup.BackupResource.from_arn(t.table.table_arn)
                         for t in primary.tables.values()]
        self.backup = None
        if backups and resources and secondary.copy_vault is not None:
            self.backup = BackupPlanWithCopy(
                self, "Backup", datastores=backups, resources=resources,
                copy_vault=secondary.copy_vault.vault,
                retention_days=scenario.usage.backup_retention_days,
                key=primary.key,
            )
        self.standby_probe = None
        if scenario.usage.canaries_per_region:
            hc = scenario.health_check
            self.standby_probe = EndpointCanary(
                self, "StandbyProbe", url=_health_url(hc, secondary.web),
                rate_s=scenario.usage.canary_interval_min * 60, timeout_s=hc.timeout_s,
                server_name=_service_name(domain_name), log_bucket=primary.access_logs.bucket,
                key=primary.key,
            )
        self.event_forwarding = None
        if scenario.usage.eventbridge_cross_region:
            # DR events published in the primary are kept in the secondary too,
            # where the game-day collector can still read them after an outage.
            self.event_forwarding = events.Rule(
                self, "ForwardDrEvents",
                event_bus=events.EventBus.from_event_bus_arn(
                    self, "PrimaryBus", primary.event_bus.bus.event_bus_arn),
                event_pattern=events.EventPattern(source=events.Match.prefix("drsim")),
                targets=[events_targets.EventBus(secondary.event_bus.bus)],
            )
        # The game day's faults act on the primary region; this stack is the one in
        # that region that can see every target (the CRR source buckets are its own).
        vpc = primary.network.vpc
        self.faults = FaultInjection(
            self, "Faults", scenario_name=_aws_name(scenario.name), duration_s=fault_duration_s,
            targets=FaultTargets(
                vpc=vpc,
                subnets=[*vpc.public_subnets, *vpc.private_subnets, *vpc.isolated_subnets],
                isolate_region=scenario.regions.secondary,
                ecs_cluster=primary.web.cluster,
                ecs_service=primary.web.service,
                tables={t.table_name: t.table for t in primary.tables.values()},
                source_buckets=[b.bucket for b in self.replicated_buckets.values()],
                db_cluster_arn=(primary.database.cluster.cluster_arn
                                if primary.database is not None else None),
            ),
        )


def _check_alarm_source(scenario: Scenario) -> None:
    """The failover alarm this app builds watches the health URL from the secondary region
    (``alarm.source: health_url``); refuse the sources it does not build, by name."""
    source = scenario.alarm.source
    if source == "health_url":
        return
    why = ("a scenario without an alarm would deploy one anyway" if source == "none" else
           f"the {source} metrics are the primary region's, where an alarm on them must "
           "live too, and its state changes would have to cross regions to reach the "
           "runbook in the secondary region")
    raise UnsupportedScenario(
        f"alarm.source: {source!r}: infra/ builds the failover alarm only on an "
        f"outside-in canary of the health URL ('health_url'), run from the secondary "
        f"region; {why}. Use alarm.source: health_url to deploy this scenario")


def _restore_spec(scenario: Scenario, secondary: SecondaryStack) -> RestoreSpec | None:
    target, backed_up = secondary.restore_target, _backed_up_aurora(scenario)
    if target is None or backed_up is None:
        return None
    name, cluster = backed_up
    vault = secondary.copy_vault.vault
    return RestoreSpec(
        vault_name=vault.backup_vault_name, vault_arn=vault.backup_vault_arn,
        role_arn=target.role.role_arn,
        cluster_id=restored_cluster_id(_aws_name(scenario.name), _aws_name(name)),
        subnet_group_name=target.subnet_group.subnet_group_name,
        security_group_id=target.security_group.security_group_id,
        instance_class=cluster.instance_class,
    )


def _provision_spec(secondary: SecondaryStack) -> ProvisionSpec | None:
    if secondary.on_demand is None:
        return None
    # Parameters declared so far keep their previous values; the synthesizer's
    # BootstrapVersion (added at synthesis) is left out and takes its default, the same
    # SSM parameter name every deployment of the stack used.
    others = tuple(secondary.resolve(p.logical_id) for p in secondary.node.find_all()
                   if isinstance(p, CfnParameter))
    return ProvisionSpec(stack_name=secondary.stack_name, parameter=PROVISIONED_PARAMETER,
                         other_parameters=tuple(p for p in others
                                                if p != PROVISIONED_PARAMETER))


class FailoverStack(_DrStack):
    """Stage 4, secondary region. Attributes: dns, canary, failover_alarm, runbook, trigger."""

    def __init__(self, scope: Construct, construct_id: str, *, scenario: Scenario,
                 env: Environment, primary: PrimaryStack, secondary: SecondaryStack,
                 domain_name: str) -> None:
        super().__init__(scope, construct_id, scenario=scenario, env=env, role="failover",
                         description="DNS failover, outside-in probe, failover runbook")
        _check_alarm_source(scenario)
        hc = scenario.health_check
        self.dns = FailoverDns(
            self, "Dns", zone_name=domain_name, record_name=SERVICE_RECORD_NAME,
            health_check=hc, dns=scenario.dns, primary_alb=primary.web.load_balancer,
            secondary_alb=secondary.web.load_balancer,
            active_active=scenario.strategy == "active_active",
        )
        # The failover alarm needs a datapoint in every alarm period, so this
        # probe runs once per period (not every usage.canary_interval_min).
        self.canary = EndpointCanary(
            self, "PrimaryProbe", url=_health_url(hc, primary.web),
            rate_s=scenario.alarm.period_s, timeout_s=hc.timeout_s,
            server_name=_service_name(domain_name), log_bucket=secondary.access_logs.bucket,
            key=secondary.key,
        )
        self.failover_alarm = scenario_alarm(
            self, "PrimaryDown",
            metric=self.canary.canary.metric_success_percent(),
            spec=scenario.alarm, threshold=CANARY_SUCCESS_THRESHOLD_PCT,
            comparison=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            description="The primary's endpoint fails the outside-in canary",
            treat_missing_data=scenario.alarm.treat_missing_data,
        )
        db = secondary.database
        self.runbook = FailoverRunbook(
            self, "Runbook", scenario_name=_aws_name(scenario.name), runbook=scenario.runbook,
            targets=FailoverTargets(
                global_cluster_id=primary.database.global_cluster_id if db else None,
                secondary_cluster_arn=db.cluster.attr_db_cluster_arn if db else None,
                primary_cluster_arn=primary.database.cluster.cluster_arn if db else None,
                ecs_cluster=secondary.web.cluster,
                ecs_service=secondary.web.service,
                required_tasks=scenario.compute.required_tasks,
                switch_health_check_id=self.dns.switch_health_check.health_check_id,
                event_bus=secondary.event_bus.bus,
                restore=_restore_spec(scenario, secondary),
                provision=_provision_spec(secondary),
            ),
            log_key=secondary.key,
        )
        self.trigger = None
        if scenario.decision.mode == "automatic":
            # Automatic decision: the alarm starts the runbook. Manual: an
            # operator starts an execution after the page (the alarm still exists).
            self.trigger = events.Rule(
                self, "StartFailoverOnAlarm",
                description="Start the failover runbook when the primary is down",
                event_pattern=events.EventPattern(
                    source=["aws.cloudwatch"],
                    detail_type=["CloudWatch Alarm State Change"],
                    resources=[self.failover_alarm.alarm_arn],
                    detail={"state": {"value": ["ALARM"]}},
                ),
                targets=[events_targets.SfnStateMachine(self.runbook.state_machine)],
            )
