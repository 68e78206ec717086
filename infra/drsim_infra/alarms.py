"""CloudWatch alarms whose period and "M out of N" come from the scenario's ``alarm`` section."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from constructs import Construct

from drsim.scenario.model import Alarm


def scenario_alarm(
    scope: Construct,
    construct_id: str,
    *,
    metric: cloudwatch.Metric,
    spec: Alarm,
    threshold: float,
    comparison: cloudwatch.ComparisonOperator,
    description: str,
    treat_missing_data: str = "not_breaching",
) -> cloudwatch.Alarm:
    """An alarm on ``metric`` with the scenario's period, N and M.

    Missing data does not breach by default: an alarm that fires on silence
    would start a failover whenever a metric stops being published. The
    failover alarm takes the scenario's ``alarm.treat_missing_data`` instead.
    """
    return cloudwatch.Alarm(
        scope,
        construct_id,
        metric=metric.with_(period=Duration.seconds(spec.period_s)),
        threshold=threshold,
        comparison_operator=comparison,
        evaluation_periods=spec.evaluation_periods,
        datapoints_to_alarm=spec.datapoints_to_alarm,
        treat_missing_data=cloudwatch.TreatMissingData[treat_missing_data.upper()],
        alarm_description=description,
    )


class ServiceAlarms(Construct):
    """Alarms on one region's web tier.

    Attributes
    ----------
    unhealthy_hosts : a task behind the ALB fails its target health check.
    target_5xx : the tasks answer with server errors.
    """

    def __init__(self, scope: Construct, construct_id: str, *,
                 load_balancer: elbv2.ApplicationLoadBalancer,
                 target_group: elbv2.ApplicationTargetGroup, spec: Alarm) -> None:
        super().__init__(scope, construct_id)
        ge = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
        self.unhealthy_hosts = scenario_alarm(
            self, "UnhealthyHosts",
            metric=target_group.metrics.unhealthy_host_count(),
            spec=spec, threshold=1, comparison=ge,
            description="A web task fails its ALB target health check",
        )
        self.target_5xx = scenario_alarm(
            self, "Target5xx",
            metric=load_balancer.metrics.http_code_target(elbv2.HttpCodeTarget.TARGET_5XX_COUNT),
            spec=spec, threshold=1, comparison=ge,
            description="The web tasks answer with 5xx errors",
        )
