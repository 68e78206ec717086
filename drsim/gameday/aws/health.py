"""Is the deployed stack healthy enough to start a game day? What is not, said plainly.

Before the fault, a run waits until every Route 53 checker reports the primary healthy,
every target group of the stacks has a healthy target, every ECS service runs its
desired tasks and the Aurora global database is ``available``: injecting into a stack
still warming up would measure the warm-up, not the failover.
"""

from __future__ import annotations

from drsim.errors import DrsimError


def _of_type(rows: list[dict], rtype: str) -> list[dict]:
    return [r for r in rows if r["type"] == rtype and r.get("physical_id")]


def not_healthy(session, resources: dict, rows: list[dict]) -> list[str]:
    """What is not healthy yet, one phrase each; empty when all is."""
    out = []
    hc = resources.get("health_check_id")
    if hc:
        obs = session.client("route53").get_health_check_status(
            HealthCheckId=hc)["HealthCheckObservations"]
        bad = [o for o in obs if not str((o.get("StatusReport") or {}).get("Status", ""))
               .startswith("Success")]
        if bad or not obs:
            out.append(f"Route 53 health check {hc}: {len(bad)} of {len(obs)} checkers "
                       "report failure")
    for tg in _of_type(rows, "AWS::ElasticLoadBalancingV2::TargetGroup"):
        elbv2 = session.client("elbv2", region_name=tg["region"])
        states = [d["TargetHealth"]["State"] for d in elbv2.describe_target_health(
            TargetGroupArn=tg["physical_id"])["TargetHealthDescriptions"]]
        if "healthy" not in states:
            out.append(f"target group {tg['logical_id']} ({tg['region']}): no healthy target")
    out += _services_short(session, rows)
    for gc in _of_type(rows, "AWS::RDS::GlobalCluster"):
        rds = session.client("rds", region_name=gc["region"])
        found = rds.describe_global_clusters(
            GlobalClusterIdentifier=gc["physical_id"])["GlobalClusters"]
        status = found[0].get("Status") if found else "missing"
        if status != "available":
            out.append(f"Aurora global cluster {gc['physical_id']}: {status}")
    return out


def _services_short(session, rows: list[dict]) -> list[str]:
    """ECS services running fewer tasks than they want, per cluster and region."""
    out = []
    for cluster in _of_type(rows, "AWS::ECS::Cluster"):
        # A service's ARN names its cluster: arn:aws:ecs:REGION:ACCOUNT:service/CLUSTER/NAME
        services = [s["physical_id"] for s in _of_type(rows, "AWS::ECS::Service")
                    if s["region"] == cluster["region"]
                    and f"/{cluster['physical_id']}/" in s["physical_id"]]
        if not services:
            continue
        ecs = session.client("ecs", region_name=cluster["region"])
        for i in range(0, len(services), 10):  # DescribeServices takes at most 10
            for s in ecs.describe_services(cluster=cluster["physical_id"],
                                           services=services[i:i + 10])["services"]:
                if s.get("runningCount", 0) < s.get("desiredCount", 0):
                    out.append(f"ECS service {s['serviceName']} ({cluster['region']}): "
                               f"{s.get('runningCount', 0)} of {s['desiredCount']} tasks running")
    return out


def wait_healthy(ctx, resources: dict, rows: list[dict]) -> None:
    """Wait until :func:`not_healthy` is empty, looking every ``ctx.opt.healthy_poll_s``
    for at most ``ctx.opt.healthy_timeout_s``; DrsimError naming what is not healthy after.

    ctx : what the run waits with (``session``, ``opt``, ``sleep``, ``monotonic``).
    """
    t_end = ctx.monotonic() + ctx.opt.healthy_timeout_s
    while problems := not_healthy(ctx.session, resources, rows):
        if ctx.monotonic() >= t_end:
            raise DrsimError(f"wait_healthy: the stack was not healthy after "
                             f"{ctx.opt.healthy_timeout_s:g} s: {'; '.join(problems)}")
        ctx.sleep(ctx.opt.healthy_poll_s)
