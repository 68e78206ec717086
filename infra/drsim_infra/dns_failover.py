"""Route 53 failover records with health checks, as the scenario's ``health_check`` and ``dns`` say.

The service name is a CNAME (not an alias) so that its TTL is ``dns.ttl_s``:
alias records take the target's TTL, and the simulator's cut-over time depends
on the TTL clients cache.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_route53 as route53
from constructs import Construct

from drsim.scenario.model import Dns, HealthCheck
from drsim_infra.topology import UnsupportedScenario

_CHECK_TYPES = {"HTTP": route53.HealthCheckType.HTTP, "TCP": route53.HealthCheckType.TCP}


def endpoint_health_check(scope: Construct, construct_id: str, *, spec: HealthCheck,
                          fqdn: str) -> route53.HealthCheck:
    """A Route 53 check of ``fqdn`` on the scenario's protocol, port, path, interval, threshold."""
    if spec.protocol not in _CHECK_TYPES:
        # An HTTPS check needs an HTTPS listener and a certificate for the
        # service name; this app opens a plain HTTP listener on the check port.
        raise UnsupportedScenario(
            f"health_check.protocol {spec.protocol} needs a TLS listener with a certificate, "
            "which infra/ does not create; use HTTP (port 80) or TCP"
        )
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


class FailoverDns(Construct):
    """A hosted zone with PRIMARY/SECONDARY failover CNAMEs for the service.

    With ``dns.routing: failover`` the primary record follows the primary's
    endpoint health check. With ``routing: manual`` it follows a calculated
    check with threshold 0 (always healthy), so only the runbook moves traffic.
    Either way the runbook's ``switch_traffic`` step inverts
    :attr:`switch_health_check`, which forces the answer to the secondary even
    when the primary still looks healthy (a database-only failure).

    Attributes
    ----------
    zone, primary_health_check, secondary_health_check, switch_health_check,
    primary_record, secondary_record
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
        primary_fqdn: str,
        secondary_fqdn: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.zone = route53.PublicHostedZone(self, "Zone", zone_name=zone_name)
        self.primary_health_check = endpoint_health_check(
            self, "PrimaryCheck", spec=health_check, fqdn=primary_fqdn)
        self.secondary_health_check = endpoint_health_check(
            self, "SecondaryCheck", spec=health_check, fqdn=secondary_fqdn)
        if dns.routing == "failover":
            self.switch_health_check = self.primary_health_check
        else:
            self.switch_health_check = route53.HealthCheck(
                self,
                "ManualSwitch",
                type=route53.HealthCheckType.CALCULATED,
                child_health_checks=[self.primary_health_check],
                health_threshold=0,
            )
        ttl = Duration.seconds(dns.ttl_s)
        self.primary_record = route53.CnameRecord(
            self, "Primary", zone=self.zone, record_name=record_name, domain_name=primary_fqdn,
            ttl=ttl, failover=route53.Failover.PRIMARY, set_identifier="primary",
            health_check=self.switch_health_check,
        )
        self.secondary_record = route53.CnameRecord(
            self, "Secondary", zone=self.zone, record_name=record_name,
            domain_name=secondary_fqdn, ttl=ttl, failover=route53.Failover.SECONDARY,
            set_identifier="secondary", health_check=self.secondary_health_check,
        )
