"""A run's resource ids, as its manifest names them, found in its deployed stacks.

The stacks carry the run's tag; their resources (CloudFormation ListStackResources)
say which health check, alarm, state machine, target group, ECS service and Aurora
clusters this run owns, so the pollers ask about those and no others. A resource
the stacks do not have (a scenario without Aurora, a fault without a runbook) is left
out: its pollers do not run and the replay reports the phases it measures as
unmeasured, as :mod:`drsim.gameday.aws.raw` says.
"""

from __future__ import annotations


def _pick(rows: list[dict], rtype: str, *, region: str | None = None,
          prefer: str | None = None) -> dict | None:
    """The first resource of ``rtype`` (in ``region``), one whose logical id contains
    ``prefer`` first."""
    hits = [r for r in rows if r["type"] == rtype and r.get("physical_id")
            and (region is None or r["region"] == region)]
    if prefer:
        hits.sort(key=lambda r: prefer.lower() not in r["logical_id"].lower())
    return hits[0] if hits else None


def manifest_resources(rows: list[dict], *, primary: str, secondary: str,
                       account: str, session=None) -> dict:
    """The manifest's ``resources`` (keys of :data:`drsim.gameday.aws.raw.MANIFEST_RESOURCES`
    except ``experiment_id``) from the run's stack resources ``rows``
    (:func:`drsim.gameday.aws.deploy.stack_resources`). ``session`` looks up what a
    physical id does not say (the secondary ALB's DNS name, the hosted zone of the record).
    """
    out: dict[str, str] = {}
    found = {
        "health_check_id": _pick(rows, "AWS::Route53::HealthCheck", prefer="primary"),
        "record_name": _pick(rows, "AWS::Route53::RecordSet", prefer="primary"),
        "failover_alarm": _pick(rows, "AWS::CloudWatch::Alarm", prefer="failover"),
        "state_machine_arn": _pick(rows, "AWS::StepFunctions::StateMachine"),
        "secondary_target_group_arn": _pick(rows, "AWS::ElasticLoadBalancingV2::TargetGroup",
                                            region=secondary),
        "ecs_cluster": _pick(rows, "AWS::ECS::Cluster", region=secondary),
        "secondary_ecs_service": _pick(rows, "AWS::ECS::Service", region=secondary),
        "global_cluster_id": _pick(rows, "AWS::RDS::GlobalCluster"),
    }
    out.update({k: r["physical_id"] for k, r in found.items() if r})
    if "record_name" in out:
        out["record_name"] = out["record_name"].rstrip(".")
    cluster = _pick(rows, "AWS::RDS::DBCluster", region=secondary)
    if cluster:
        out["secondary_cluster_arn"] = (f"arn:aws:rds:{secondary}:{account}:cluster:"
                                        f"{cluster['physical_id']}")
    zone = _pick(rows, "AWS::Route53::HostedZone")
    if zone:
        out["hosted_zone_id"] = zone["physical_id"].removeprefix("/hostedzone/")
    if session is not None:
        out.update(_looked_up(session, rows, out, secondary))
    return out


def _looked_up(session, rows, found: dict, secondary: str) -> dict:
    """The secondary ALB's DNS name and the record's hosted zone, asked of AWS."""
    out = {}
    alb = _pick(rows, "AWS::ElasticLoadBalancingV2::LoadBalancer", region=secondary)
    if alb:
        elbv2 = session.client("elbv2", region_name=secondary)
        lbs = elbv2.describe_load_balancers(LoadBalancerArns=[alb["physical_id"]])
        out["secondary_alb_dns"] = lbs["LoadBalancers"][0]["DNSName"]
    name = found.get("record_name")
    if name and "hosted_zone_id" not in found:
        # The zone is the longest one whose name the record ends with.
        r53 = session.client("route53")
        zones = [z for page in r53.get_paginator("list_hosted_zones").paginate()
                 for z in page["HostedZones"]]
        fits = [z for z in zones if f"{name}.".endswith(z["Name"])]
        if fits:
            best = max(fits, key=lambda z: len(z["Name"]))
            out["hosted_zone_id"] = best["Id"].removeprefix("/hostedzone/")
    return out
