"""The cost model: a scenario's monthly cost by region, service and line item.

What runs where follows from the scenario, not from per-strategy code paths:

- Fargate tasks: ``compute.primary_tasks`` in the primary, ``compute.standby_tasks``
  in the secondary (0 for pilot light and backup and restore; full capacity for
  hot standby and active/active).
- The service's network and front door (VPC with NAT gateways, ALB, service
  alarms) run in the secondary too, except for backup and restore, which
  provisions them after the disaster (its runbook has ``provision_infrastructure``).
- Datastores price themselves by kind in both regions (an Aurora secondary
  cluster, DynamoDB replicas, S3 replica buckets, backup copies), with the
  inter-region transfer their write volumes cause.
- Requests, and writes to multi-writer stores (DynamoDB, S3), come from the
  primary, or are split by ``dns.primary_share`` for active/active.

Lines that exist because of DR (everything in the secondary, replication and its
transfer, the health checks, the failover alarm, its probe and the runbook) are
flagged ``dr``; their sum is the DR spend set against the cost of risk.

Aurora is priced as Aurora Standard (instances, storage, I/O); I/O-Optimized is not
modelled. Free tiers are not subtracted: they are per account, and the account's
other workloads usually use them up. Usage figures (traffic, sizes, volumes) come
from the scenario's ``usage`` section (:mod:`drsim.scenario.usage`).
"""

from __future__ import annotations

import datetime as dt
import math
import os
from typing import TYPE_CHECKING

from drsim.cost.breakdown import HOURS_PER_MONTH, SECONDS_PER_MONTH, CostBreakdown, CostLine
from drsim.cost.prices import GLOBAL_REGION, PriceBook, load_prices
from drsim.errors import DrsimError

if TYPE_CHECKING:  # pragma: no cover
    from drsim.scenario.model import Scenario

KB_PER_GB = 1e6
"""Decimal units, as AWS bills transfer and storage."""
ROUTE53_FIRST_TIER_ZONES = 25
FARGATE_INCLUDED_EPHEMERAL_GB = 20
# One ALB LCU per hour covers the largest of these dimensions (the rule-evaluation
# dimension is left out: up to 10 rules per request are free).
# https://awsnegotiations.com/elastic-load-balancer-cost.html
LCU_NEW_CONNECTIONS_PER_S = 25
LCU_ACTIVE_CONNECTIONS = 3000
LCU_PROCESSED_GB_PER_H = 1.0
# RTC turns on S3 replication metrics, billed as CloudWatch custom metrics: ReplicationLatency,
# BytesPendingReplication, OperationsPendingReplication, OperationsFailedReplication
# (https://docs.aws.amazon.com/AmazonS3/latest/userguide/metrics-dimensions.html).
S3_REPLICATION_METRICS = 4
DYNAMODB_WRITE_UNIT_KB = 1
DYNAMODB_READ_UNIT_KB = 4
HIGH_RESOLUTION_ALARM_PERIODS_S = (10, 20, 30)
DAYS_PER_MONTH = HOURS_PER_MONTH / 24
BYTES_PER_GB = 1e9
NONCURRENT_VERSION_DAYS = 7
"""How long a versioned bucket of infra/ keeps an object's old versions before removing
them (its lifecycle rule; infra/ imports this). [d]"""
ALB_IPV4_NAME = "public IPv4 addresses of the ALB"
"""The item of the ALB's public addresses (a VPC line, like the NAT gateways' EIPs);
drsim.cost.reconcile counts it with the ALBs."""
GUARD_ALARMS = 1
"""The game day's guard alarm: infra/ deploys it with the primary's links stack as the
stop condition of every FIS experiment template, standing whether or not a game day
runs (infra/drsim_infra/fault_injection.py; its period is 60 s, a standard alarm). [-]"""


def price_scenario(scenario: Scenario, prices: PriceBook | None = None, *,
                   prices_dir: str | os.PathLike | None = None,
                   as_of: dt.date | None = None) -> CostBreakdown:
    """The monthly cost of ``scenario``, line by line.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario (``platform: aws``).
    prices : PriceBook, optional
        Prices to use; by default the newest tables in ``prices_dir``.
    prices_dir : folder of dated price tables (default: the bundled ``drsim/data/prices``).
    as_of : price with the newest tables dated on or before this day.

    Raises
    ------
    DrsimError
        for a region without a price table, a datastore whose instance class
        has no price, or usage that names a datastore the scenario lacks.
    """
    if scenario.platform != "aws":
        raise DrsimError(f"scenario {scenario.name!r}: platform: {scenario.platform} runs on "
                         "this machine and has no AWS bill; the cost model prices platform: aws")
    if prices is None:
        prices = load_prices({"regions.primary": scenario.regions.primary,
                              "regions.secondary": scenario.regions.secondary},
                             prices_dir=prices_dir, as_of=as_of)
    model = _Model(scenario, prices)
    model.build()
    order = {name: i for i, name in enumerate(_SERVICE_ORDER)}
    lines = sorted(model.lines, key=lambda ln: (order.get(ln.service, len(order)),
                                                 model.region_rank(ln.region)))
    tables = {region: t.path.name for region, t in prices.tables.items()}
    return CostBreakdown(scenario=scenario.name, strategy=scenario.strategy,
                         lines=tuple(lines), tables=tables)


_SERVICE_ORDER = ("ECS Fargate", "Elastic Load Balancing", "VPC", "Aurora PostgreSQL", "DynamoDB",
                  "S3", "AWS Backup", "Data Transfer", "Route 53", "CloudWatch",
                  "CloudWatch Logs", "CloudWatch Synthetics", "EventBridge", "Step Functions",
                  "KMS", "Secrets Manager")


def _n(x: float) -> str:
    """A number for an item's explanation: 730, 2,628,000, 0.5, 30.4167."""
    if float(x).is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    return f"{x:.6g}"


def _plural(n: float, word: str) -> str:
    """'1 task', '3 tasks', '2 addresses', '2 canaries'."""
    if n == 1:
        return f"{_n(n)} {word}"
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return f"{_n(n)} {word[:-1]}ies"
    return f"{_n(n)} {word}{'es' if word.endswith(('s', 'x', 'ch', 'sh')) else 's'}"


class _Model:
    def __init__(self, scenario: Scenario, prices: PriceBook):
        self.s = scenario
        self.prices = prices
        self.usage = scenario.usage
        self.primary = scenario.regions.primary
        self.secondary = scenario.regions.secondary
        self.lines: list[CostLine] = []
        # Backup and restore builds the secondary's stack after the disaster.
        self.service_regions = ((self.primary,) if scenario.strategy == "backup_restore"
                                else (self.primary, self.secondary))
        share = scenario.dns.primary_share
        self.traffic_share = {self.primary: share, self.secondary: 1.0 - share}
        # Aurora instances priced per region, for their Enhanced Monitoring logs.
        self.aurora_instances = {self.primary: 0, self.secondary: 0}
        # Canary runs per region, each writing its artifacts to a logged bucket.
        self.canary_runs = {self.primary: 0.0, self.secondary: 0.0}

    def region_rank(self, region: str) -> int:
        return {self.primary: 0, self.secondary: 1}.get(region, 2)

    def other(self, region: str) -> str:
        return self.secondary if region == self.primary else self.primary

    # -- one line -------------------------------------------------------------------

    def add(self, region: str, key: str, unit: str, quantity: float, basis: str, *,
            dr: bool | None = None, label: str = "", what: str = "",
            family: str | None = None, name: str | None = None) -> None:
        """Price ``quantity`` of ``key`` in ``region``; zero quantities are left out.

        The line's item is ``label`` + ``name`` (default: the price row's item) +
        ``(basis)``, the derivation of the quantity.
        """
        if quantity <= 0:
            return
        price = self.prices.price(region, key, unit, what=what, family=family)
        name = price.item if name is None else name
        item = f"{label}{name} ({basis})" if basis else f"{label}{name}"
        self.lines.append(CostLine(service=price.service, item=item, region=region,
                                   quantity=quantity, price=price,
                                   dr=(region == self.secondary) if dr is None else dr))

    def transfer(self, source: str, gb: float, name: str, basis: str) -> None:
        """Inter-region transfer of ``name`` out of ``source``, billed there at the pair's rate."""
        dest = self.other(source)
        key = f"transfer.inter_region.{dest}"
        if key not in self.prices.tables[source].rows:
            key = "transfer.inter_region.other"
        self.add(source, key, "GB", gb, basis, dr=True, name=f"{name} to {dest}")

    # -- the model ------------------------------------------------------------------

    def build(self) -> None:
        self._check_usage()
        self.route53()
        self.fargate()
        self.front_door()
        for ds in self.s.datastores:
            what = f"datastores[{ds.name}]"
            if ds.kind == "aurora_global":
                self.aurora_global(ds, what)
            elif ds.kind == "dynamodb_global":
                self.dynamodb_global(ds)
            elif ds.kind == "s3_crr":
                self.s3_crr(ds)
            elif ds.kind == "backup":
                self.backup(ds)
            else:  # pragma: no cover - the scenario checks keep other kinds off platform aws
                raise DrsimError(f"{what}.kind: {ds.kind!r} has no AWS price")
        self.secrets()
        self.operations()
        self.access_logs()
        self.enhanced_monitoring()
        self.service_logs()
        self.container_insights()
        self.keys()

    def _check_usage(self) -> None:
        backups = [ds.name for ds in self.s.datastores if ds.kind == "backup"]
        for name in self.usage.backed_up_aurora:
            if name not in backups:
                raise DrsimError(
                    f"usage.backed_up_aurora.{name}: names no datastore of kind backup; "
                    + (f"backup datastores: {', '.join(backups)}" if backups
                       else "the scenario has no backup datastore"))

    def route53(self) -> None:
        u, g = self.usage, GLOBAL_REGION
        zones = u.route53_hosted_zones
        first = min(zones, ROUTE53_FIRST_TIER_ZONES)
        self.add(g, "route53.hosted_zone.first_25", "hosted-zone-month", first,
                 _plural(first, "zone"), dr=False)
        self.add(g, "route53.hosted_zone.over_25", "hosted-zone-month", zones - first,
                 _plural(zones - first, "zone"), dr=False)
        # The service name is an alias record to the ALB: its queries are free
        # (failover and latency alias records alike), so the line shows $0 on purpose.
        million = u.dns_queries_per_s * SECONDS_PER_MONTH / 1e6
        self.add(g, "route53.queries.alias_aws", "million queries", million,
                 f"{_n(u.dns_queries_per_s)} queries/s x {_n(SECONDS_PER_MONTH)} s / 10^6",
                 dr=False)
        checks = self.health_checks()
        hc = self.s.health_check
        self.add(g, "route53.health_check.aws_endpoint", "health-check-month", checks,
                 f"{_plural(checks, 'check')} on ALB endpoints", dr=True,
                 what="usage.route53_health_checks")
        options = [name for name, on in (("HTTPS", hc.protocol == "HTTPS"),
                                         ("fast 10 s interval", hc.interval_s == 10),
                                         ("string matching", hc.string_match)) if on]
        self.add(g, "route53.health_check_feature.aws_endpoint", "feature-month",
                 checks * len(options),
                 f"{_plural(checks, 'check')} x {', '.join(options) or 'no option'}", dr=True)

    def health_checks(self) -> int:
        """Route 53 health checks: the usage figure, else what the routing needs."""
        if self.usage.route53_health_checks is not None:
            return self.usage.route53_health_checks
        if self.s.strategy == "active_active":
            return len(self.service_regions)  # each region's records need one
        # One check on the primary endpoint: failover routing needs it on the primary
        # record (an unchecked secondary record is treated as healthy,
        # https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-types.html),
        # and with manual routing it still watches the primary. (infra/ adds a calculated
        # check for the manual switch; the price table has no row for calculated checks.)
        return 1

    def fargate(self) -> None:
        c, u = self.s.compute, self.usage
        arch = u.fargate_cpu_architecture
        for region, tasks in ((self.primary, c.primary_tasks), (self.secondary, c.standby_tasks)):
            n = _plural(tasks, "task")
            self.add(region, f"fargate.{arch}.vcpu_hour", "vCPU-hour",
                     tasks * c.task_vcpu * HOURS_PER_MONTH,
                     f"{n} x {_n(c.task_vcpu)} vCPU x {HOURS_PER_MONTH} h")
            self.add(region, f"fargate.{arch}.gb_hour", "GB-hour",
                     tasks * c.task_memory_gb * HOURS_PER_MONTH,
                     f"{n} x {_n(c.task_memory_gb)} GB x {HOURS_PER_MONTH} h")
            extra_gb = u.fargate_ephemeral_storage_gb - FARGATE_INCLUDED_EPHEMERAL_GB
            self.add(region, "fargate.ephemeral_storage.gb_hour", "GB-hour",
                     tasks * extra_gb * HOURS_PER_MONTH,
                     f"{n} x {_n(extra_gb)} GB above 20 GB x {HOURS_PER_MONTH} h")

    def front_door(self) -> None:
        u = self.usage
        processed_gb_per_h = u.requests_per_s * (u.request_kb + u.response_kb) * 3600 / KB_PER_GB
        for region in self.service_regions:
            self.add(region, "alb.hour", "ALB-hour", HOURS_PER_MONTH,
                     f"1 ALB x {HOURS_PER_MONTH} h")
            share = self.traffic_share[region]
            dims = {
                "new connections": share * u.new_connections_per_s / LCU_NEW_CONNECTIONS_PER_S,
                "active connections": share * u.active_connections / LCU_ACTIVE_CONNECTIONS,
                "processed bytes": share * processed_gb_per_h / LCU_PROCESSED_GB_PER_H,
            }
            top = max(dims, key=dims.get)
            self.add(region, "alb.lcu_hour", "LCU-hour", dims[top] * HOURS_PER_MONTH,
                     f"{_n(dims[top])} LCU ({top}, the largest dimension) x {HOURS_PER_MONTH} h")
            # The ALB's nodes hold public IPv4 addresses (one per enabled AZ at least),
            # billed like the NAT gateways' Elastic IPs since 2024-02-01.
            ips = u.alb_public_ipv4_per_alb
            self.add(region, "vpc.public_ipv4_hour", "IP-hour", ips * HOURS_PER_MONTH,
                     f"{_plural(ips, 'address')} x {HOURS_PER_MONTH} h", name=ALB_IPV4_NAME)
            gateways = u.nat_gateways_per_region
            self.add(region, "nat.hour", "NAT-gateway-hour", gateways * HOURS_PER_MONTH,
                     f"{_plural(gateways, 'gateway')} x {HOURS_PER_MONTH} h")
            # Each gateway holds an Elastic IP, billed as a public IPv4 address since
            # 2024-02-01.
            self.add(region, "vpc.public_ipv4_hour", "IP-hour", gateways * HOURS_PER_MONTH,
                     f"{_plural(gateways, 'address')} x {HOURS_PER_MONTH} h",
                     name="public IPv4 addresses of the NAT gateways")
            if gateways:
                api_gb, api_basis = self.nat_api_gb(region)
                self.add(region, "nat.gb", "GB", u.nat_processed_gb_per_region_month + api_gb,
                         "usage.nat_processed_gb_per_region_month" + api_basis)
        if self.secondary in self.service_regions:
            for region in (self.primary, self.secondary):
                self.transfer(region, u.vpc_peering_gb_per_month, "VPC peering traffic",
                              "usage.vpc_peering_gb_per_month")

    def nat_api_gb(self, region: str) -> tuple[float, str]:
        """The tasks' calls to DynamoDB and S3 that the workload makes in ``region``: the
        VPC has no gateway endpoints (infra/drsim_infra/network.py), so items written and
        read and objects uploaded cross the NAT gateway. [GB/month], and its basis."""
        u, share = self.usage, self.traffic_share[region]
        kb_per_s = 0.0
        for ds in self.s.datastores:
            if ds.kind == "dynamodb_global":
                kb_per_s += ds.write_rate_per_s * (1 + u.dynamodb_reads_per_write) * u.dynamodb_item_kb
            elif ds.kind == "s3_crr":
                kb_per_s += ds.write_rate_per_s * u.s3_object_kb
        gb = share * kb_per_s * SECONDS_PER_MONTH / KB_PER_GB
        if gb <= 0:
            return 0.0, ""
        return gb, (f" + {_n(gb)} GB of DynamoDB items and S3 uploads "
                    f"({_n(share * kb_per_s)} KB/s x {_n(SECONDS_PER_MONTH)} s / 10^6)")

    # -- datastores -------------------------------------------------------------------

    def aurora_cluster(self, region, name, instance_class, instances, size_gb, write_rate_per_s,
                       what, dr=None, reads=True) -> None:
        """Instances, storage and I/O of one Aurora cluster (Aurora Standard)."""
        u = self.usage
        self.aurora_instances[region] += instances
        self.add(region, f"aurora.instance.{instance_class}", "instance-hour",
                 instances * HOURS_PER_MONTH,
                 f"{_plural(instances, 'instance')} x {HOURS_PER_MONTH} h",
                 label=f"{name}: ", dr=dr, what=f"{what}.instance_class",
                 family="aurora.instance.")
        self.add(region, "aurora.storage.standard", "GB-month", size_gb,
                 f"{_n(size_gb)} GB cluster volume", label=f"{name}: ", dr=dr)
        if reads:
            io_per_s = write_rate_per_s * u.aurora_write_ios_per_write + u.aurora_read_ios_per_s
            self.add(region, "aurora.io.standard", "million requests",
                     io_per_s * SECONDS_PER_MONTH / 1e6,
                     f"({_n(write_rate_per_s)} writes/s x {_n(u.aurora_write_ios_per_write)} I/O "
                     f"+ {_n(u.aurora_read_ios_per_s)} read I/O/s) x {_n(SECONDS_PER_MONTH)} s "
                     f"/ 10^6", label=f"{name}: ", dr=dr)

    def secondary_aurora_instances(self, ds) -> int:
        if self.usage.aurora_secondary_instances is not None:
            return self.usage.aurora_secondary_instances
        return 1 if self.s.strategy == "pilot_light" else ds.instances_per_region

    def aurora_global(self, ds, what) -> None:
        u = self.usage
        p, s = self.primary, self.secondary
        self.aurora_cluster(p, ds.name, ds.instance_class, ds.instances_per_region, ds.size_gb,
                            ds.write_rate_per_s, what)
        # The secondary cluster has its own volume and instances but serves no reads
        # before failover; it pays for each replicated write I/O instead.
        self.aurora_cluster(s, ds.name, ds.instance_class, self.secondary_aurora_instances(ds),
                            ds.size_gb, 0.0, what, reads=False)
        write_ios = ds.write_rate_per_s * u.aurora_write_ios_per_write * SECONDS_PER_MONTH / 1e6
        self.add(s, "aurora.global.replicated_write_io", "million replicated writes", write_ios,
                 f"{_n(ds.write_rate_per_s)} writes/s x {_n(u.aurora_write_ios_per_write)} I/O x "
                 f"{_n(SECONDS_PER_MONTH)} s / 10^6", label=f"{ds.name}: ")
        gb = ds.write_rate_per_s * u.aurora_replication_kb_per_write * SECONDS_PER_MONTH / KB_PER_GB
        self.transfer(p, gb, f"{ds.name}: Global Database replication",
                      f"{_n(ds.write_rate_per_s)} writes/s x "
                      f"{_n(u.aurora_replication_kb_per_write)} KB x {_n(SECONDS_PER_MONTH)} s "
                      "/ 10^6 KB/GB")

    def dynamodb_global(self, ds) -> None:
        u = self.usage
        wru_per_write = math.ceil(u.dynamodb_item_kb / DYNAMODB_WRITE_UNIT_KB)
        rru_per_read = math.ceil(u.dynamodb_item_kb / DYNAMODB_READ_UNIT_KB)
        for region in (self.primary, self.secondary):
            share = self.traffic_share[region]
            writes_m = ds.write_rate_per_s * share * SECONDS_PER_MONTH / 1e6  # million writes
            per_month = (f"{_n(ds.write_rate_per_s)} writes/s"
                         + (f" x {_n(share)} share" if share != 1 else "")
                         + f" x {_n(SECONDS_PER_MONTH)} s")
            basis = f"{per_month} / 10^6"
            self.add(region, "dynamodb.on_demand.wru", "million WRU", writes_m * wru_per_write,
                     f"{basis} x {wru_per_write} WRU", label=f"{ds.name}: ")
            self.add(region, "dynamodb.on_demand.rru", "million RRU",
                     writes_m * u.dynamodb_reads_per_write * rru_per_read,
                     f"{basis} x {_n(u.dynamodb_reads_per_write)} reads x {rru_per_read} RRU",
                     label=f"{ds.name}: ")
            # Every write is written again in the other replica's region.
            self.add(self.other(region), "dynamodb.on_demand.rwru", "million rWRU",
                     writes_m * wru_per_write, f"{basis} x {wru_per_write} rWRU, replicas of "
                     f"{region} writes", label=f"{ds.name}: ", dr=True)
            self.transfer(region, writes_m * 1e6 * u.dynamodb_item_kb / KB_PER_GB,
                          f"{ds.name}: global table replication",
                          f"{per_month} x {_n(u.dynamodb_item_kb)} KB / 10^6 KB/GB")
        for region in (self.primary, self.secondary):
            self.add(region, "dynamodb.storage.standard", "GB-month", ds.size_gb,
                     f"{_n(ds.size_gb)} GB replica", label=f"{ds.name}: ",
                     name="storage, Standard table class")
            if u.dynamodb_pitr:  # each replica keeps its own continuous backups
                self.add(region, "dynamodb.pitr", "GB-month", ds.size_gb,
                         f"{_n(ds.size_gb)} GB replica", label=f"{ds.name}: ")

    def s3_crr(self, ds) -> None:
        u = self.usage
        for region in (self.primary, self.secondary):
            self.add(region, "s3.storage.standard", "GB-month", ds.size_gb,
                     f"{_n(ds.size_gb)} GB " + ("source" if region == self.primary else "replica"),
                     label=f"{ds.name}: ", name="S3 Standard storage")
        for region in (self.primary, self.secondary):
            share = self.traffic_share[region]
            objects = ds.write_rate_per_s * share * SECONDS_PER_MONTH
            basis = (f"{_n(ds.write_rate_per_s)} objects/s"
                     + (f" x {_n(share)} share" if share != 1 else "")
                     + f" x {_n(SECONDS_PER_MONTH)} s")
            gb = objects * u.s3_object_kb / KB_PER_GB
            dest = self.other(region)
            self.add(dest, "s3.replication_put", "1,000 requests", objects / 1000,
                     f"{basis} / 1,000", label=f"{ds.name}: ", dr=True)
            self.transfer(region, gb, f"{ds.name}: cross-region replication",
                          f"{basis} x {_n(u.s3_object_kb)} KB / 10^6 KB/GB")
            if ds.rtc and objects > 0:
                self.add(region, "s3.rtc", "GB replicated", gb,
                         f"{basis} x {_n(u.s3_object_kb)} KB", label=f"{ds.name}: ", dr=True)
                self.add(region, "cloudwatch.custom_metric", "metric-month",
                         S3_REPLICATION_METRICS, f"replication rule to {dest}", dr=True,
                         label=f"{ds.name}: ", name="S3 replication metrics (with RTC)")

    def backup(self, ds) -> None:
        u = self.usage
        cluster = u.backed_up_aurora.get(ds.name)
        if cluster is not None:
            # The database these backups protect runs only in the primary.
            self.aurora_cluster(self.primary, ds.name, cluster.instance_class, cluster.instances,
                                ds.size_gb, ds.write_rate_per_s,
                                f"usage.backed_up_aurora.{ds.name}", dr=False)
        if ds.size_gb <= 0:
            return
        retention_s = u.backup_retention_days * 86400
        kept = max(1, math.ceil(retention_s / ds.interval_s - 1e-9))
        change = min(1.0, u.backup_daily_change_fraction * ds.interval_s / 86400)
        stored_gb = ds.size_gb * (1 + (kept - 1) * change)
        basis = (f"{_n(ds.size_gb)} GB full + {kept - 1} incremental x {_n(change)} changed, "
                 f"{_n(u.backup_retention_days)} d retention")
        key = f"backup.storage.{u.backup_storage_tier}"
        self.add(self.primary, key, "GB-month", stored_gb, basis, label=f"{ds.name}: ", dr=False)
        self.add(self.secondary, key, "GB-month", stored_gb, f"cross-region copies, {basis}",
                 label=f"{ds.name}: ", dr=True)
        copies = SECONDS_PER_MONTH / ds.interval_s
        self.transfer(self.primary, copies * ds.size_gb * change,
                      f"{ds.name}: cross-region backup copies",
                      f"{_n(copies)} copies x {_n(ds.size_gb)} GB x {_n(change)} changed")

    def secrets(self) -> None:
        """Each Aurora cluster's master secret (infra/drsim_infra/aurora_global.py): one
        secret in the primary, replicated to the secondary, where the runbook's probe reads
        it; a replica is billed as a secret of its own."""
        clusters = (sum(ds.kind == "aurora_global" for ds in self.s.datastores)
                    + len(self.usage.backed_up_aurora))
        if not clusters:
            return
        self.add(self.primary, "secretsmanager.secret_month", "secret-month", clusters,
                 f"{_plural(clusters, 'Aurora master secret')}",
                 name="database master secret")
        self.add(self.secondary, "secretsmanager.secret_month", "secret-month", clusters,
                 f"{_plural(clusters, 'replica')} of the primary's secret", dr=True,
                 name="database master secret, replica")

    # -- operations -------------------------------------------------------------------

    def operations(self) -> None:
        u, s = self.usage, self.s
        if s.runbook:
            # The runbook's state machine lives in the secondary so that it survives the
            # primary's failure; each step entered and the final state are transitions.
            per_run = len(s.runbook) + 1
            self.add(self.secondary, "stepfunctions.standard.transition", "1,000 state transitions",
                     u.runbook_executions_per_month * per_run / 1000,
                     f"{_n(u.runbook_executions_per_month)} runs x {per_run} transitions / 1,000",
                     dr=True, name="failover runbook state transitions (Standard workflow)")
        events_m = u.eventbridge_events_per_s * SECONDS_PER_MONTH / 1e6
        basis = f"{_n(u.eventbridge_events_per_s)} events/s x {_n(SECONDS_PER_MONTH)} s / 10^6"
        self.add(self.primary, "eventbridge.custom_event", "million events", events_m, basis,
                 dr=False, name="custom events published")
        if u.eventbridge_cross_region and self.secondary in self.service_regions:
            # Forwarding to the other region's bus bills each event again as a custom event.
            self.add(self.primary, "eventbridge.custom_event", "million events", events_m,
                     basis, dr=True, name=f"custom events forwarded to {self.secondary}'s bus")
        # Alarms watch metrics at the scenario's alarm period: 10-30 s is high resolution.
        resolution = ("high_resolution" if s.alarm.period_s in HIGH_RESOLUTION_ALARM_PERIODS_S
                      else "standard")
        kind = resolution.replace("_", "-")
        for region in self.service_regions:
            self.add(region, f"cloudwatch.alarm.{resolution}", "alarm-metric-month",
                     u.cloudwatch_alarms_per_region,
                     f"usage.cloudwatch_alarms_per_region, {s.alarm.period_s:g} s period",
                     name=f"service alarms, {kind}")
        # The failover alarm and the probe that feeds it run in the secondary: an alarm
        # in the failed region, or one on its ALB metrics, goes silent exactly when it
        # is needed. The probe checks the primary from outside once per alarm period,
        # so every period has a datapoint (as infra/ deploys it).
        self.add(self.secondary, f"cloudwatch.alarm.{resolution}", "alarm-metric-month", 1,
                 f"{s.alarm.period_s:g} s period", dr=True, name=f"failover alarm, {kind}")
        # Standing DR tooling: the alarm that stops a game day's fault injection.
        self.add(self.primary, "cloudwatch.alarm.standard", "alarm-metric-month", GUARD_ALARMS,
                 "60 s period, the FIS experiments' stop condition", dr=True,
                 name="game day guard alarm, standard")
        probe_runs = SECONDS_PER_MONTH / s.alarm.period_s
        self.canary_runs[self.secondary] += probe_runs
        self.add(self.secondary, "synthetics.canary_run", "run", probe_runs,
                 f"{_n(SECONDS_PER_MONTH)} s / {s.alarm.period_s:g} s alarm period", dr=True,
                 name="failover probe of the primary, canary runs")
        if self.secondary in self.service_regions:
            runs = u.canaries_per_region * HOURS_PER_MONTH * 60 / u.canary_interval_min
            self.canary_runs[self.primary] += runs
            self.add(self.primary, "synthetics.canary_run", "run", runs,
                     f"{_plural(u.canaries_per_region, 'canary')} x {HOURS_PER_MONTH} h x 60 / "
                     f"{_n(u.canary_interval_min)} min", dr=True,
                     name="standby probe of the secondary, canary runs")

    # -- logs (issue 16: where auditors look) -----------------------------------------

    def access_logs(self) -> None:
        """Each region's log bucket: the ALB's access logs and the S3 server access logs of
        the region's other buckets, kept ``usage.access_log_retention_days`` (then their
        old versions :data:`NONCURRENT_VERSION_DAYS` more). Delivery is free: AWS bills
        neither the ALB's nor S3's log deliveries, only the storage
        (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html,
        https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html)."""
        u = self.usage
        kept_days = u.access_log_retention_days + NONCURRENT_VERSION_DAYS
        objects_per_s = sum(ds.write_rate_per_s for ds in self.s.datastores
                            if ds.kind == "s3_crr")
        for region in self.service_regions:
            share = self.traffic_share[region]
            alb_gb = (share * u.requests_per_s * SECONDS_PER_MONTH
                      * u.alb_log_bytes_per_request / BYTES_PER_GB)
            # Every object lands in both regions (written, or replicated there).
            s3_requests = (objects_per_s * SECONDS_PER_MONTH
                           + self.canary_runs[region] * u.canary_artifact_requests_per_run)
            s3_gb = s3_requests * u.s3_access_log_bytes_per_request / BYTES_PER_GB
            self.add(region, "s3.storage.standard", "GB-month",
                     (alb_gb + s3_gb) * kept_days / DAYS_PER_MONTH,
                     f"({_n(alb_gb)} GB ALB + {_n(s3_gb)} GB S3 access logs a month) x "
                     f"{_n(kept_days)} d kept / {_n(DAYS_PER_MONTH)} d",
                     name="access logs in the log bucket, S3 Standard storage")

    def enhanced_monitoring(self) -> None:
        """RDS Enhanced Monitoring: every Aurora instance writes one sample of OS metrics per
        ``security.enhanced_monitoring_interval_s`` to CloudWatch Logs (RDSOSMetrics),
        billed as log ingestion and storage
        (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Monitoring.OS.html)."""
        interval_s = self.s.security.enhanced_monitoring_interval_s
        if not interval_s:
            return
        u = self.usage
        for region, instances in self.aurora_instances.items():
            gb = (instances * SECONDS_PER_MONTH / interval_s
                  * u.enhanced_monitoring_kb_per_sample / KB_PER_GB)
            basis = (f"{_plural(instances, 'instance')} x {_n(SECONDS_PER_MONTH)} s / "
                     f"{interval_s} s x {_n(u.enhanced_monitoring_kb_per_sample)} KB / 10^6")
            self.add(region, "cloudwatch.logs.ingestion", "GB", gb, basis,
                     name="Enhanced Monitoring OS metrics, log data ingested")
            self.add(region, "cloudwatch.logs.storage", "GB-month",
                     gb * u.enhanced_monitoring_retention_days / DAYS_PER_MONTH,
                     f"{_n(gb)} GB a month x {_n(u.enhanced_monitoring_retention_days)} d kept "
                     f"/ {_n(DAYS_PER_MONTH)} d",
                     name="Enhanced Monitoring OS metrics, log storage")

    def service_logs(self) -> None:
        """The tasks' access logs and the VPC's flow logs in CloudWatch Logs, in each region
        that serves requests (infra/ makes both log groups). Flow logs delivered to
        CloudWatch Logs are vended logs, whose first tier is priced here at the standard
        ingestion rate. (The runbook's execution log, a few events per run, is left out.)"""
        u = self.usage
        for region in self.service_regions:
            share = self.traffic_share[region]
            # The probes of the other region connect here too (one connection a run).
            probes = self.canary_runs[self.other(region)]
            for what, unit, per_s, extra, nbytes, kept in (
                    ("task access logs", "requests", share * u.requests_per_s, 0.0,
                     u.task_log_bytes_per_request, u.task_log_retention_days),
                    ("VPC flow logs", "connections", share * u.new_connections_per_s, probes,
                     u.flow_log_bytes_per_connection, u.flow_log_retention_days)):
                gb = (per_s * SECONDS_PER_MONTH + extra) * nbytes / BYTES_PER_GB
                if gb <= 0:
                    continue
                self.add(region, "cloudwatch.logs.ingestion", "GB", gb,
                         f"({_n(per_s)} {unit}/s x {_n(SECONDS_PER_MONTH)} s"
                         + (f" + {_n(extra)} probe runs" if extra else "")
                         + f") x {_n(nbytes)} B / 10^9", name=f"{what}, log data ingested")
                self.add(region, "cloudwatch.logs.storage", "GB-month",
                         gb * kept / DAYS_PER_MONTH,
                         f"{_n(gb)} GB a month x {_n(kept)} d kept / {_n(DAYS_PER_MONTH)} d",
                         name=f"{what}, log storage")

    def container_insights(self) -> None:
        """Container Insights on each region's ECS cluster (infra/ turns it on for both):
        its metrics, billed as custom metrics, and the running tasks' performance log
        events, billed as log ingestion."""
        u, c = self.usage, self.s.compute
        tasks = {self.primary: c.primary_tasks, self.secondary: c.standby_tasks}
        for region in self.service_regions:
            self.add(region, "cloudwatch.custom_metric", "metric-month",
                     u.container_insights_metrics_per_region,
                     "usage.container_insights_metrics_per_region",
                     name="Container Insights metrics of the ECS cluster")
            minutes = tasks[region] * HOURS_PER_MONTH * 60
            gb = minutes * u.container_insights_kb_per_task_minute / KB_PER_GB
            if gb > 0:
                self.add(region, "cloudwatch.logs.ingestion", "GB", gb,
                         f"{_plural(tasks[region], 'task')} x {HOURS_PER_MONTH} h x 60 min x "
                         f"{_n(u.container_insights_kb_per_task_minute)} KB / 10^6",
                         name="Container Insights performance log events, log data ingested")

    def keys(self) -> None:
        """``security.kms_keys: customer_managed``: one key per region in which infra/
        deploys (both, for every strategy: the secondary's stack holds the copy vault), and
        its requests. A key's rotation adds a backing key (1 USD/month) only from its first
        yearly rotation on, which is not priced (https://aws.amazon.com/kms/pricing/).
        AWS-managed keys have no monthly charge; their requests are not priced either."""
        if self.s.security.kms_keys != "customer_managed":
            return
        u = self.usage
        for region in (self.primary, self.secondary):
            self.add(region, "kms.key_month", "key-month", 1, "1 key of this region",
                     name="customer managed key (vaults, secret, log groups)")
            self.add(region, "kms.requests", "10,000 requests",
                     u.kms_requests_per_key_month / 10_000,
                     f"{_n(u.kms_requests_per_key_month)} requests / 10,000",
                     name="customer managed key requests")
