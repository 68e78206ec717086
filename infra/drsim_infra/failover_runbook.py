"""The scenario's runbook as a Step Functions state machine.

Each step becomes the AWS call its action stands for (promote the Aurora
secondary, scale the standby ECS service, switch routing), with the step's
retries; steps whose ``after`` lets them run together become branches of a
Parallel state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_events as events
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from drsim.scenario.model import Step
from drsim_infra.aurora_global import global_cluster_arn
from drsim_infra.topology import UnsupportedScenario

# How often the promotion is polled until the global cluster's failover is over.
PROMOTION_POLL_S = 30
# DescribeGlobalClusters' FailoverState.Status while a failover runs; the
# FailoverState is empty once none is in progress (the promotion finished).
PROMOTION_IN_PROGRESS = ("pending", "failing-over", "switching-over")
PROMOTION_CANCELLED = "cancelling"


def runbook_levels(steps: Sequence[Step]) -> list[list[Step]]:
    """Group steps by their depth in the ``after`` graph.

    Level 0 holds steps with no ``after``; a step sits one level below its
    deepest predecessor. Running the levels in order, and the steps of one
    level in parallel, starts no step before all its predecessors finished.
    It may start a step later than the DAG allows (when it waits on a short
    branch of the previous level); Step Functions has no join on a subset of
    branches, and the bundled runbooks have at most two parallel steps.
    """
    by_name = {s.name: s for s in steps}
    depth: dict[str, int] = {}

    def depth_of(name: str) -> int:
        if name not in depth:
            after = by_name[name].after
            depth[name] = 1 + max(map(depth_of, after)) if after else 0
        return depth[name]

    levels: list[list[Step]] = []
    for step in steps:
        d = depth_of(step.name)
        while len(levels) <= d:
            levels.append([])
        levels[d].append(step)
    return levels


@dataclass(frozen=True)
class FailoverTargets:
    """What the runbook acts on (all in, or reachable from, the secondary region).

    global_cluster_id : the Aurora global database (None without one).
    secondary_cluster_arn : the cluster to promote.
    primary_cluster_arn : the cluster that loses the writer role.
    ecs_cluster, ecs_service : the standby web service to scale.
    required_tasks : desired count after scaling. [-]
    switch_health_check_id : the health check whose inversion moves traffic.
    event_bus : where the runbook announces that it finished.
    """

    global_cluster_id: str | None
    secondary_cluster_arn: str | None
    primary_cluster_arn: str | None
    ecs_cluster: ecs.ICluster
    ecs_service: ecs.BaseService
    required_tasks: int
    switch_health_check_id: str
    event_bus: events.IEventBus


class FailoverRunbook(Construct):
    """The state machine (with execution logs and X-Ray tracing).

    Attributes
    ----------
    levels : the runbook's steps grouped as they run (see :func:`runbook_levels`).
    state_machine : the ``AWS::StepFunctions::StateMachine``.
    log_group : its execution log.
    """

    def __init__(self, scope: Construct, construct_id: str, *, scenario_name: str,
                 runbook: Sequence[Step], targets: FailoverTargets) -> None:
        super().__init__(scope, construct_id)
        if not runbook:
            raise UnsupportedScenario("the scenario has no runbook steps to build a failover from")
        self._targets = targets
        self.levels = runbook_levels(runbook)
        chain: sfn.Chain | None = None
        for i, level in enumerate(self.levels):
            if len(level) == 1:
                part: sfn.IChainable = self._step_chain(level[0])
            else:
                # DISCARD: the branches' outputs are not needed downstream, and
                # keeping the input lets later steps read the same state.
                part = sfn.Parallel(self, f"level {i}: {' + '.join(s.name for s in level)}",
                                    result_path=sfn.JsonPath.DISCARD)
                for step in level:
                    part.branch(self._step_chain(step))
            chain = sfn.Chain.start(part) if chain is None else chain.next(part)
        finished = tasks.EventBridgePutEvents(
            self,
            "announce failover finished",
            entries=[tasks.EventBridgePutEventsEntry(
                event_bus=targets.event_bus,
                source="drsim.failover",
                detail_type="Failover finished",
                detail=sfn.TaskInput.from_object({
                    "scenario": scenario_name,
                    "execution": sfn.JsonPath.execution_id,
                }),
            )],
            result_path=sfn.JsonPath.DISCARD,
        )
        assert chain is not None
        self.log_group = logs.LogGroup(self, "Log", retention=logs.RetentionDays.ONE_YEAR,
                                       removal_policy=RemovalPolicy.DESTROY)
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_name=f"drsim-{scenario_name}-failover",
            definition_body=sfn.DefinitionBody.from_chainable(chain.next(finished)),
            logs=sfn.LogOptions(destination=self.log_group, level=sfn.LogLevel.ALL,
                                include_execution_data=True),
            tracing_enabled=True,
        )

    # --- one chain of states per step ------------------------------------------------

    def _step_chain(self, step: Step) -> sfn.Chain:
        build = {
            "promote_database": self._promote_database,
            "scale_standby": self._scale_standby,
            "switch_traffic": self._switch_traffic,
            "other": self._other,
        }.get(step.action)
        if build is None:
            raise UnsupportedScenario(
                f"runbook step {step.name!r} has action {step.action!r}, which infra/ does not "
                "build (it builds promote_database, scale_standby, switch_traffic and other)"
            )
        return build(step)

    def _call(self, step: Step, state_name: str, **kwargs) -> tasks.CallAwsService:
        task = tasks.CallAwsService(self, state_name, **kwargs)
        if step.max_attempts > 1:
            # Step Functions counts retries, the scenario counts attempts.
            task.add_retry(
                errors=[sfn.Errors.ALL],
                max_attempts=step.max_attempts - 1,
                interval=Duration.seconds(max(1, round(step.retry_interval_s))),
                backoff_rate=step.backoff_rate,
            )
        return task

    def _promote_database(self, step: Step) -> sfn.Chain:
        t = self._targets
        if t.global_cluster_id is None or t.secondary_cluster_arn is None:
            raise UnsupportedScenario(
                f"runbook step {step.name!r} promotes a database, but the scenario has no "
                "aurora_global datastore")
        global_arn = global_cluster_arn(self, t.global_cluster_id)
        # AllowDataLoss: after a regional outage the old writer cannot take part
        # in a switchover; the loss is the replication lag (the scenario's RPO).
        failover = self._call(
            step, step.name,
            service="rds", action="failoverGlobalCluster", iam_action="rds:FailoverGlobalCluster",
            parameters={
                "GlobalClusterIdentifier": t.global_cluster_id,
                "TargetDbClusterIdentifier": t.secondary_cluster_arn,
                "AllowDataLoss": True,
            },
            iam_resources=[arn for arn in (global_arn, t.secondary_cluster_arn,
                                                t.primary_cluster_arn) if arn],
            result_path=sfn.JsonPath.DISCARD,
        )
        wait = sfn.Wait(self, f"{step.name}: wait",
                        time=sfn.WaitTime.duration(Duration.seconds(PROMOTION_POLL_S)))
        status_path = f"$.{step.name}.GlobalClusters[0].FailoverState.Status"
        describe = self._call(
            step, f"{step.name}: check",
            service="rds", action="describeGlobalClusters",
            iam_action="rds:DescribeGlobalClusters",
            parameters={"GlobalClusterIdentifier": t.global_cluster_id},
            iam_resources=[global_arn],
            result_path=f"$.{step.name}",
        )
        done = sfn.Pass(self, f"{step.name}: done")
        in_progress = sfn.Condition.and_(
            sfn.Condition.is_present(status_path),
            sfn.Condition.or_(*(sfn.Condition.string_equals(status_path, s)
                                for s in PROMOTION_IN_PROGRESS)),
        )
        cancelled = sfn.Condition.and_(
            sfn.Condition.is_present(status_path),
            sfn.Condition.string_equals(status_path, PROMOTION_CANCELLED),
        )
        promoted = sfn.Choice(self, f"{step.name}: promoted?")
        promoted.when(in_progress, wait)
        promoted.when(cancelled, sfn.Fail(
            self, f"{step.name}: cancelled", error="PromotionCancelled",
            cause="the global database failover was cancelled; an operator takes over"))
        promoted.otherwise(done)
        failover.next(wait).next(describe).next(promoted)
        return sfn.Chain.custom(failover, [done], done)

    def _scale_standby(self, step: Step) -> sfn.Chain:
        t = self._targets
        return sfn.Chain.start(self._call(
            step, step.name,
            service="ecs", action="updateService", iam_action="ecs:UpdateService",
            parameters={
                "Cluster": t.ecs_cluster.cluster_name,
                "Service": t.ecs_service.service_name,
                "DesiredCount": t.required_tasks,
            },
            iam_resources=[t.ecs_service.service_arn],
            result_path=sfn.JsonPath.DISCARD,
        ))

    def _switch_traffic(self, step: Step) -> sfn.Chain:
        t = self._targets
        check_arn = Stack.of(self).format_arn(
            service="route53", region="", account="", resource="healthcheck",
            resource_name=t.switch_health_check_id, arn_format=ArnFormat.SLASH_RESOURCE_NAME,
        )
        # Route 53's API is served from us-east-1; if that region is the one
        # down, the failover records already answer with the secondary once
        # the primary's health check fails, and this step only forces it.
        return sfn.Chain.start(self._call(
            step, step.name,
            service="route53", action="updateHealthCheck", iam_action="route53:UpdateHealthCheck",
            parameters={"HealthCheckId": t.switch_health_check_id, "Inverted": True},
            iam_resources=[check_arn],
            result_path=sfn.JsonPath.DISCARD,
        ))

    def _other(self, step: Step) -> sfn.Chain:
        return sfn.Chain.start(sfn.Pass(
            self, step.name, comment="no AWS action: an operator's or a modelled-only step"))
