"""The scenario's runbook as a Step Functions state machine.

Each step becomes the AWS call its action stands for (promote the Aurora
secondary, restore the database from the newest backup copy, provision the
secondary's on-demand infrastructure, scale the standby ECS service, switch
routing), with the step's retries; steps whose ``after`` lets them run together
become branches of a Parallel state. Steps that start something long (promotion,
restore, stack update) poll until it is over, so a step ends when its effect is
in place, as the simulator's step durations assume.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import ArnFormat, DefaultStackSynthesizer, Duration, RemovalPolicy, Stack
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from drsim.scenario.model import Step
from drsim_infra.aurora_global import ENGINE, global_cluster_arn
from drsim_infra.topology import UnsupportedScenario

# How often the promotion is polled until the global cluster's failover is over.
PROMOTION_POLL_S = 30
# DescribeGlobalClusters' FailoverState.Status while a failover runs; the
# FailoverState is empty once none is in progress (the promotion finished).
PROMOTION_IN_PROGRESS = ("pending", "failing-over", "switching-over")
PROMOTION_CANCELLED = "cancelling"
# How often a restore job, a new DB instance and a stack update are polled. [s]
RESTORE_POLL_S = 60
PROVISION_POLL_S = 30
# DescribeRestoreJob's Status while it runs; COMPLETED ends it, anything else failed.
RESTORE_IN_PROGRESS = ("CREATED", "PENDING", "RUNNING")
# DescribeDBInstances' DBInstanceStatus values from which an instance never becomes available.
INSTANCE_FAILED = ("failed", "incompatible-parameters", "incompatible-restore",
                   "inaccessible-encryption-credentials", "storage-full")
# DescribeStacks' StackStatus while the provisioning update runs.
STACK_UPDATING = ("UPDATE_IN_PROGRESS", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
STACK_UPDATED = "UPDATE_COMPLETE"
# Capabilities the secondary stack's update needs (it holds IAM roles).
STACK_CAPABILITIES = ("CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND")


def _jsonata_list(values: Sequence[str]) -> str:
    """``("a", "b")`` -> ``['a', 'b']``, a JSONata array literal."""
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


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
class RestoreSpec:
    """What ``restore_database`` restores, and where (all in the secondary region).

    vault_name, vault_arn : the copy vault holding the backups' cross-region copies.
    role_arn : the role AWS Backup assumes to restore.
    cluster_id : identifier of the restored cluster (see ``recovery.restored_cluster_id``).
    subnet_group_name, security_group_id : where the restored cluster lives.
    instance_class : class of the writer added to it (the backed-up cluster's).
    """

    vault_name: str
    vault_arn: str
    role_arn: str
    cluster_id: str
    subnet_group_name: str
    security_group_id: str
    instance_class: str


@dataclass(frozen=True)
class ProvisionSpec:
    """What ``provision_infrastructure`` updates: the secondary stack, with its previous
    template and ``parameter=true``.

    stack_name : the deployed secondary stack.
    parameter : the parameter that switches the on-demand resources on.
    other_parameters : the stack's other parameters (kept at their previous values).
    """

    stack_name: str
    parameter: str
    other_parameters: tuple[str, ...]


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
    restore : for ``restore_database`` (None without a backup to restore).
    provision : for ``provision_infrastructure`` (None when nothing is on demand).
    """

    global_cluster_id: str | None
    secondary_cluster_arn: str | None
    primary_cluster_arn: str | None
    ecs_cluster: ecs.ICluster
    ecs_service: ecs.BaseService
    required_tasks: int
    switch_health_check_id: str
    event_bus: events.IEventBus
    restore: RestoreSpec | None = None
    provision: ProvisionSpec | None = None


class FailoverRunbook(Construct):
    """The state machine (with execution logs and X-Ray tracing).

    Attributes
    ----------
    levels : the runbook's steps grouped as they run (see :func:`runbook_levels`).
    state_machine : the ``AWS::StepFunctions::StateMachine``.
    log_group : its execution log.
    wildcard_resources : ``[(resource ARN with a wildcard, reason key in nag.REASONS)]``.
    """

    def __init__(self, scope: Construct, construct_id: str, *, scenario_name: str,
                 runbook: Sequence[Step], targets: FailoverTargets,
                 log_key: kms.IKey | None = None) -> None:
        super().__init__(scope, construct_id)
        if not runbook:
            raise UnsupportedScenario("the scenario has no runbook steps to build a failover from")
        self._targets = targets
        self.wildcard_resources: list[tuple[str, str]] = []
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
                                       removal_policy=RemovalPolicy.DESTROY,
                                       encryption_key=log_key)
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
            "restore_database": self._restore_database,
            "provision_infrastructure": self._provision_infrastructure,
            "scale_standby": self._scale_standby,
            "switch_traffic": self._switch_traffic,
            "other": self._other,
        }.get(step.action)
        if build is None:
            raise UnsupportedScenario(
                f"runbook step {step.name!r} has action {step.action!r}, which infra/ does not "
                "build (it builds promote_database, restore_database, provision_infrastructure, "
                "scale_standby, switch_traffic and other)"
            )
        return build(step)

    def _call(self, step: Step, state_name: str, **kwargs) -> tasks.CallAwsService:
        return self._retried(step, tasks.CallAwsService(self, state_name, **kwargs))

    def _call_jsonata(self, step: Step, state_name: str, **kwargs) -> tasks.CallAwsService:
        """A call whose parameters and variables are JSONata expressions; it passes its
        input through (what it learns goes into variables)."""
        return self._retried(step, tasks.CallAwsService.jsonata(
            self, state_name, outputs="{% $states.input %}", **kwargs))

    @staticmethod
    def _retried(step: Step, task: tasks.CallAwsService) -> tasks.CallAwsService:
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

    def _restore_database(self, step: Step) -> sfn.Chain:
        """Newest completed copy in the vault -> AWS Backup restore job, polled -> a writer
        instance in the restored cluster, polled until available."""
        r = self._targets.restore
        if r is None:
            raise UnsupportedScenario(
                f"runbook step {step.name!r} restores a database, but the scenario has no "
                "backup datastore protecting an Aurora cluster (usage.backed_up_aurora)")
        stack = Stack.of(self)
        n = step.name
        # Recovery points of an Aurora copy are cluster snapshots named by AWS Backup.
        snapshots = stack.format_arn(service="rds", resource="cluster-snapshot",
                                     resource_name="awsbackup:*",
                                     arn_format=ArnFormat.COLON_RESOURCE_NAME)
        self.wildcard_resources.append((snapshots, "IAM5:restore-snapshots"))
        newest = self._call_jsonata(
            step, n, service="backup", action="listRecoveryPointsByBackupVault",
            iam_action="backup:ListRecoveryPointsByBackupVault", iam_resources=[r.vault_arn],
            parameters={"BackupVaultName": r.vault_name, "ByResourceType": "Aurora"},
            # Newest first: the comparator says when $l sorts after $r.
            assign={"recoveryPointArn": (
                "{% $sort($states.result.RecoveryPoints[Status = 'COMPLETED'], "
                "function($l, $r) { $l.CreationDate < $r.CreationDate })[0].RecoveryPointArn %}")},
        )
        start = self._call_jsonata(
            step, f"{n}: start restore", service="backup", action="startRestoreJob",
            iam_action="backup:StartRestoreJob", iam_resources=[snapshots],
            additional_iam_statements=[iam.PolicyStatement(
                actions=["iam:PassRole"], resources=[r.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": "backup.amazonaws.com"}})],
            parameters={
                "RecoveryPointArn": "{% $recoveryPointArn %}",
                "IamRoleArn": r.role_arn,
                "ResourceType": "Aurora",
                # RestoreDBClusterFromSnapshot's parameters, as AWS Backup takes them.
                "Metadata": {
                    "DBClusterIdentifier": r.cluster_id,
                    "Engine": ENGINE,
                    "DBSubnetGroupName": r.subnet_group_name,
                    "VpcSecurityGroupIds": f'["{r.security_group_id}"]',
                    "CopyTagsToSnapshot": "true",
                },
            },
            assign={"restoreJobId": "{% $states.result.RestoreJobId %}"},
        )
        wait_restore = sfn.Wait.jsonata(
            self, f"{n}: wait for restore",
            time=sfn.WaitTime.duration(Duration.seconds(RESTORE_POLL_S)))
        job = self._call_jsonata(
            step, f"{n}: restore status", service="backup", action="describeRestoreJob",
            iam_action="backup:DescribeRestoreJob", iam_resources=["*"],
            parameters={"RestoreJobId": "{% $restoreJobId %}"},
            assign={"restoreStatus": "{% $states.result.Status %}"},
        )
        db_arn = stack.format_arn(service="rds", resource="db",
                                  resource_name=f"{r.cluster_id}-writer",
                                  arn_format=ArnFormat.COLON_RESOURCE_NAME)
        cluster_arn = stack.format_arn(service="rds", resource="cluster",
                                       resource_name=r.cluster_id,
                                       arn_format=ArnFormat.COLON_RESOURCE_NAME)
        writer = self._call_jsonata(
            step, f"{n}: add writer", service="rds", action="createDBInstance",
            iam_action="rds:CreateDBInstance", iam_resources=[db_arn, cluster_arn],
            # Step Functions' SDK integrations spell RDS members as the Java SDK does (Db...).
            parameters={"DbInstanceIdentifier": f"{r.cluster_id}-writer",
                        "DbClusterIdentifier": r.cluster_id, "Engine": ENGINE,
                        "DbInstanceClass": r.instance_class},
        )
        wait_writer = sfn.Wait.jsonata(
            self, f"{n}: wait for writer",
            time=sfn.WaitTime.duration(Duration.seconds(RESTORE_POLL_S)))
        instance = self._call_jsonata(
            step, f"{n}: writer status", service="rds", action="describeDBInstances",
            iam_action="rds:DescribeDBInstances", iam_resources=[db_arn],
            parameters={"DbInstanceIdentifier": f"{r.cluster_id}-writer"},
            assign={"writerStatus": "{% $states.result.DbInstances[0].DbInstanceStatus %}"},
        )
        # The probe reaches the restored cluster through the Data API, which a restore
        # does not switch on.
        data_api = self._call_jsonata(
            step, f"{n}: enable data api", service="rds", action="enableHttpEndpoint",
            iam_action="rds:EnableHttpEndpoint", iam_resources=[cluster_arn],
            parameters={"ResourceArn": cluster_arn},
        )
        done = sfn.Pass(self, f"{n}: done")
        data_api.next(done)
        restored = sfn.Choice.jsonata(self, f"{n}: restored?")
        restored.when(sfn.Condition.jsonata(
            "{% $restoreStatus in " + _jsonata_list(RESTORE_IN_PROGRESS) + " %}"), wait_restore)
        restored.when(sfn.Condition.jsonata("{% $restoreStatus = 'COMPLETED' %}"), writer)
        restored.otherwise(sfn.Fail.jsonata(
            self, f"{n}: restore failed", error="RestoreFailed",
            cause="the AWS Backup restore job did not complete; an operator takes over"))
        available = sfn.Choice.jsonata(self, f"{n}: writer available?")
        available.when(sfn.Condition.jsonata("{% $writerStatus = 'available' %}"), data_api)
        available.when(sfn.Condition.jsonata(
            "{% $writerStatus in " + _jsonata_list(INSTANCE_FAILED) + " %}"),
            sfn.Fail.jsonata(self, f"{n}: writer failed", error="WriterFailed",
                             cause="the restored cluster's writer instance failed"))
        available.otherwise(wait_writer)
        newest.next(start).next(wait_restore).next(job).next(restored)
        writer.next(wait_writer).next(instance).next(available)
        return sfn.Chain.custom(newest, [done], done)

    def _provision_infrastructure(self, step: Step) -> sfn.Chain:
        """UpdateStack of the secondary stack with its previous template and the on-demand
        parameter set to true, polled until UPDATE_COMPLETE."""
        p = self._targets.provision
        if p is None:
            raise UnsupportedScenario(
                f"runbook step {step.name!r} provisions infrastructure, but the secondary "
                "stack has nothing on demand")
        stack = Stack.of(self)
        n = step.name
        stack_arn = stack.format_arn(service="cloudformation", resource="stack",
                                     resource_name=f"{p.stack_name}/*")
        self.wildcard_resources.append((stack_arn, "IAM5:provision-stack"))
        # The role CDK deploys with (default bootstrap); CloudFormation acts as it, so the
        # state machine itself needs no EC2 permissions.
        exec_role_arn = stack.format_arn(
            service="iam", region="", resource="role",
            resource_name=(f"cdk-{DefaultStackSynthesizer.DEFAULT_QUALIFIER}-cfn-exec-role-"
                           f"{stack.account}-{stack.region}"))
        update = self._call(
            step, n, service="cloudformation", action="updateStack",
            iam_action="cloudformation:UpdateStack", iam_resources=[stack_arn],
            additional_iam_statements=[iam.PolicyStatement(
                actions=["iam:PassRole"], resources=[exec_role_arn],
                conditions={"StringEquals": {
                    "iam:PassedToService": "cloudformation.amazonaws.com"}})],
            parameters={
                "StackName": p.stack_name,
                "UsePreviousTemplate": True,
                "RoleARN": exec_role_arn,
                "Capabilities": list(STACK_CAPABILITIES),
                "Parameters": [{"ParameterKey": p.parameter, "ParameterValue": "true"},
                               *({"ParameterKey": k, "UsePreviousValue": True}
                                 for k in p.other_parameters)],
            },
            result_path=sfn.JsonPath.DISCARD,
        )
        wait = sfn.Wait(self, f"{n}: wait",
                        time=sfn.WaitTime.duration(Duration.seconds(PROVISION_POLL_S)))
        status_path = f"$.{n}.Stacks[0].StackStatus"
        describe = self._call(
            step, f"{n}: check", service="cloudformation", action="describeStacks",
            iam_action="cloudformation:DescribeStacks", iam_resources=[stack_arn],
            parameters={"StackName": p.stack_name}, result_path=f"$.{n}",
        )
        done = sfn.Pass(self, f"{n}: done")
        updated = sfn.Choice(self, f"{n}: provisioned?")
        updated.when(sfn.Condition.or_(*(sfn.Condition.string_equals(status_path, s)
                                         for s in STACK_UPDATING)), wait)
        updated.when(sfn.Condition.string_equals(status_path, STACK_UPDATED), done)
        updated.otherwise(sfn.Fail(
            self, f"{n}: failed", error="ProvisioningFailed",
            cause="the secondary stack's update did not complete (rolled back?); "
                  "an operator takes over"))
        update.next(wait).next(describe).next(updated)
        return sfn.Chain.custom(update, [done], done)

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
