"""Route 53 failover records with health checks, as the scenario's ``health_check`` and ``dns`` say.

The simulator's cut-over time depends on the TTL clients cache, so the record's
TTL is ``dns.ttl_s``: an alias to the ALB when that is the alias TTL (60 s),
otherwise a CNAME with that TTL.
"""

from __future__ import annotations

import jsii
from aws_cdk import Duration, Stack
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as route53_targets
from constructs import Construct

from drsim.scenario.model import Dns, HealthCheck
from drsim_infra.topology import ALB_ALIAS_TTL_S

_CHECK_TYPES = {"HTTP": route53.HealthCheckType.HTTP, "HTTPS": route53.HealthCheckType.HTTPS,
                "TCP": route53.HealthCheckType.TCP}


def endpoint_health_check(scope: Construct, construct_id: str, *, spec: HealthCheck,
                          fqdn: str) -> route53.HealthCheck:
    """A Route 53 check of ``fqdn`` on the scenario's protocol, port, path, interval, threshold.

    An HTTPS check does not validate the certificate (Route 53 never does), so it works
    against the ALB's own name while the certificate names the service.
    """
    return route53.HealthCheck(
        scope,
        construct_id,
        type=_CHECK_TYPES[spec.protocol],
        fqdn=fqdn,
        port=spec.port,
        resource_path=spec.path if spec.protocol != "TCP" else None,
        request_interval=Duration.seconds(spec.interval_s),
        failure_threshold=spec.failure_threshold,
    )


@jsii.implements(route53_targets.IAliasRecordTargetProps)
class _TargetHealth:
    """Alias target options (an interface in CDK, so a dict does not do)."""

    def __init__(self, evaluate_target_health: bool) -> None:
        self._evaluate = evaluate_target_health

    @property
    def evaluate_target_health(self) -> bool:
        return self._evaluate


class FailoverDns(Construct):
    """A hosted zone with the service's records: failover, or latency for active/active.

    Failover (every strategy but active/active): PRIMARY and SECONDARY records.
    With ``dns.routing: failover`` the primary record follows the primary's
    endpoint health check; with ``routing: manual`` it follows a calculated
    check with threshold 0 (always healthy), so only the runbook moves traffic.
    The secondary record has no health check of its own: Route 53 treats an
    unchecked failover record as healthy, which is what a failover target
    needs (and what the cost model prices: one check).

    Active/active: one latency record per region, each with its region's
    endpoint check, so clients use the nearer healthy region (the cost model
    prices one check per region).

    Either way the runbook's ``switch_traffic`` step inverts
    :attr:`switch_health_check`, which takes the primary out of the answers
    even when it still looks healthy (a database-only failure).

    Records are aliases to the ALBs when ``dns.ttl_s`` is the ALB alias TTL
    (60 s; alias queries are free), else CNAMEs carrying ``dns.ttl_s``.

    Attributes
    ----------
    zone, primary_health_check, secondary_health_check (active/active only, else
    None), switch_health_check, primary_record, secondary_record
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        zone_name: str,
        record_name: str,
        health_check: HealthCheck,
        dns: Dns,
        primary_alb: elbv2.ILoadBalancerV2,
        secondary_alb: elbv2.ILoadBalancerV2,
        active_active: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        self.zone = route53.PublicHostedZone(self, "Zone", zone_name=zone_name)
        self.primary_health_check = endpoint_health_check(
            self, "PrimaryCheck", spec=health_check, fqdn=primary_alb.load_balancer_dns_name)
        self.secondary_health_check = None
        if dns.routing == "failover" or active_active:
            self.switch_health_check = self.primary_health_check
        else:
            self.switch_health_check = route53.HealthCheck(
                self,
                "ManualSwitch",
                type=route53.HealthCheckType.CALCULATED,
                child_health_checks=[self.primary_health_check],
                health_threshold=0,
            )
        if active_active:
            self.secondary_health_check = endpoint_health_check(
                self, "SecondaryCheck", spec=health_check,
                fqdn=secondary_alb.load_balancer_dns_name)
            routing = [{"region": Stack.of(alb).region, "set_identifier": Stack.of(alb).region}
                       for alb in (primary_alb, secondary_alb)]
        else:
            routing = [{"failover": f, "set_identifier": f.value.lower()}
                       for f in (route53.Failover.PRIMARY, route53.Failover.SECONDARY)]
        self.primary_record = self._record(
            "Primary", dns, record_name, primary_alb,
            health_check=self.switch_health_check, **routing[0])
        self.secondary_record = self._record(
            "Secondary", dns, record_name, secondary_alb,
            health_check=self.secondary_health_check, **routing[1])

    def _record(self, construct_id: str, dns: Dns, record_name: str,
                alb: elbv2.ILoadBalancerV2, *, health_check: route53.IHealthCheck | None,
                **routing) -> route53.RecordSet:
        common = {"zone": self.zone, "record_name": record_name, "health_check": health_check,
                  **routing}
        if dns.ttl_s == ALB_ALIAS_TTL_S:
            # Route 53 requires target-health evaluation on failover aliases: an
            # ALB without healthy targets then also counts as unhealthy.
            target = route53_targets.LoadBalancerTarget(alb, _TargetHealth(True))
            return route53.ARecord(self, construct_id,
                                   target=route53.RecordTarget.from_alias(target), **common)
        return route53.CnameRecord(self, construct_id, domain_name=alb.load_balancer_dns_name,
                                   ttl=Duration.seconds(dns.ttl_s), **common)
