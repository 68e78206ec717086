"""AWS Backup: one rule per ``kind: backup`` datastore, copied to the secondary region."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_backup as backup
from aws_cdk import aws_kms as kms
from aws_cdk import aws_events as events
from constructs import Construct

from drsim.scenario.model import Backup
from drsim_infra.topology import UnsupportedScenario

HOUR_S = 3600
DAY_S = 86400
WEEK_S = 7 * DAY_S
BACKUP_HOUR_UTC = "5"  # daily and weekly backups start at 05:00 UTC, off-peak for us-east


def backup_schedule(interval_s: float) -> events.Schedule:
    """The cron schedule that takes a backup every ``interval_s`` seconds.

    AWS Backup takes cron expressions with at least an hour between runs, so
    the interval must be a whole number of hours dividing a day, one day, or
    one week.
    """
    if interval_s == WEEK_S:
        return events.Schedule.cron(minute="0", hour=BACKUP_HOUR_UTC, week_day="SUN")
    if interval_s == DAY_S:
        return events.Schedule.cron(minute="0", hour=BACKUP_HOUR_UTC)
    hours, rest = divmod(interval_s, HOUR_S)
    if rest == 0 and 1 <= hours < 24 and 24 % hours == 0:
        return events.Schedule.cron(minute="0", hour=f"*/{int(hours)}")
    raise UnsupportedScenario(
        f"backup interval_s {interval_s:g} cannot be an AWS Backup schedule here; use a whole "
        "number of hours dividing 24 (3600, 7200, ..., 43200), 86400 (daily) or 604800 (weekly)"
    )


class BackupPlanWithCopy(Construct):
    """A vault, a plan with one rule per backup datastore, and a selection of resources.

    Attributes
    ----------
    vault : the local vault.
    plan : the plan; each rule copies its recovery point to ``copy_vault``.
    selection : the backed-up resources.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        datastores: Sequence[Backup],
        resources: Sequence[backup.BackupResource],
        copy_vault: backup.IBackupVault,
        retention_days: float,
        key: kms.IKey | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.vault = backup.BackupVault(self, "Vault", removal_policy=RemovalPolicy.RETAIN,
                                        encryption_key=key)
        # Backups and their copies are kept as long as the cost model prices them.
        keep = Duration.days(max(1, round(retention_days)))
        self.plan = backup.BackupPlan(
            self,
            "Plan",
            backup_vault=self.vault,
            backup_plan_rules=[
                backup.BackupPlanRule(
                    rule_name=ds.name,
                    schedule_expression=backup_schedule(ds.interval_s),
                    delete_after=keep,
                    copy_actions=[backup.BackupPlanCopyActionProps(
                        destination_backup_vault=copy_vault, delete_after=keep)],
                )
                for ds in datastores
            ],
        )
        self.selection = self.plan.add_selection("Resources", resources=list(resources))


class CopyVault(Construct):
    """The secondary region's vault that receives the copies.

    Attributes
    ----------
    vault
    """

    def __init__(self, scope: Construct, construct_id: str, *,
                 key: kms.IKey | None = None) -> None:
        super().__init__(scope, construct_id)
        self.vault = backup.BackupVault(self, "Vault", removal_policy=RemovalPolicy.RETAIN,
                                        encryption_key=key)
