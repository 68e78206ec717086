"""What an alarm watches, and which faults change what it watches.

The fault -> alarm-source table sits here, in the scenario layer, rather than beside
the health-check table in :mod:`drsim.sim.faults`: validation warns about an alarm
that cannot see its fault (:func:`drsim.scenario.checks.find_warnings`), and the
scenario layer may not import the engine. The engine reads the same table through
:mod:`drsim.sim.faults`, so there is still one place where fault modes differ for
the alarm.

Sources (``alarm.source``)
--------------------------
``health_url``
    An outside-in probe of the health URL (``health_check``'s protocol, port and
    path): the bundled stack's failover alarm, a CloudWatch Synthetics canary that
    runs in the *secondary* region and alarms on its ``SuccessPercent``
    (infra/drsim_infra/stacks.py, ``FailoverStack``). It sees what fails the health
    check, and, running outside the failed region, it keeps publishing in an outage.
``alb_5xx``
    The primary load balancer's 5xx responses: those it answers itself
    (``HTTPCode_ELB_5XX_Count``: 502/503 with no healthy target, 504 when a target
    hangs past the idle timeout) and the targets' (``HTTPCode_Target_5XX_Count``).
    Published by the primary region, only while requests flow ("Elastic Load
    Balancing reports metrics to CloudWatch only when requests are flowing through
    the load balancer", https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html).
``db_writes``
    The service's failed database writes (an error count the application publishes
    from the primary region). The database being fine, an application that is down
    writes nothing and fails no write.
``none``
    No alarm at all (the local lab's stack has none): nothing pages, nothing
    triggers on it. A scenario whose decision waits for the alarm (manual, or
    automatic on ``trigger: alarm``) may not name it: that is a scenario in which no
    fault can ever start the failover (an error, see :mod:`drsim.scenario.checks`).

Missing data
------------
When the primary region falls silent (``region_outage``, ``partition``), a metric
published from inside it gets no datapoints at all. CloudWatch's
``TreatMissingData`` then decides: only ``breaching`` turns the silence into an
alarm; ``notBreaching`` keeps the alarm OK, and ``missing``/``ignore`` never move
it to ALARM (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-missing-data).
The period that holds the fault still has datapoints from before it (no 5xx, no
failed write), so the first breaching datapoint is the *next* period: the alarm
comes one period later than an alarm whose metric breaches from the fault on. This
also assumes that the region's CloudWatch still evaluates the alarm; where the
outage takes CloudWatch with it, only an alarm evaluated in another region (the
``health_url`` canary) fires.
"""

from __future__ import annotations

from dataclasses import dataclass

ALARM_SOURCES = ("health_url", "alb_5xx", "db_writes", "none")
"""What ``alarm.source`` may name."""

MISSING_DATA = ("not_breaching", "breaching", "ignore", "missing")
"""CloudWatch's ``TreatMissingData`` values, as ``alarm.treat_missing_data`` spells them."""

SEES = "sees"
BLIND = "blind"
LIKE_HEALTH_CHECK = "when the fault fails health checks"
IF_MISSING_BREACHES = "if missing data breaches"

# fault mode -> (how the source sees it, why). A row per source; every fault mode in
# every row (tests/test_alarm_sources.py checks the table is complete).
ALARM_SIGHT: dict[str, dict[str, tuple[str, str]]] = {
    "health_url": {
        "region_outage": (SEES, "the canary runs in the secondary region and its requests "
                                "to the primary time out"),
        "partition": (SEES, "the canary runs outside the cut-off region, as Route 53's "
                            "checkers do, and its requests time out"),
        "app_crash": (SEES, "the health URL refuses connections or answers 503"),
        "app_hang": (SEES, "the canary's requests time out"),
        # The canary runs once per alarm period (infra/) and the alarm breaches below 50 %
        # success, so a period breaches when its one run fails: with the chance
        # brownout_failure_fraction (AlarmSight.breach_probability).
        "brownout": (LIKE_HEALTH_CHECK, "the canary's runs fail as often as the health "
                                        "checks (brownout_failure_fraction)"),
        "db_primary_loss": (LIKE_HEALTH_CHECK,
                            "the canary GETs the health path, which answers 200 without the "
                            "database unless health_check.checks_database"),
    },
    "alb_5xx": {
        "region_outage": (IF_MISSING_BREACHES,
                          "no request reaches the primary's load balancer, so it publishes "
                          "no datapoint"),
        "partition": (IF_MISSING_BREACHES,
                      "clients cannot reach the cut-off load balancer, so it publishes no "
                      "datapoint"),
        "app_crash": (SEES, "the load balancer answers 502/503 itself (HTTPCode_ELB_5XX_Count)"),
        "app_hang": (SEES, "the load balancer answers 504 once its idle timeout passes"),
        "brownout": (LIKE_HEALTH_CHECK, "the failing share of requests "
                                        "(brownout_failure_fraction) are answered with 5xx"),
        "db_primary_loss": (SEES, "every write fails and the service answers it with a 5xx"),
    },
    "db_writes": {
        "region_outage": (IF_MISSING_BREACHES,
                          "the service in the failed region publishes no datapoint"),
        "partition": (IF_MISSING_BREACHES,
                      "no client reaches the cut-off service, so it writes nothing and "
                      "publishes no datapoint"),
        "app_crash": (BLIND, "the database is fine; a crashed service fails no write"),
        "app_hang": (BLIND, "the database is fine; a hung service fails no write"),
        "brownout": (BLIND, "the database is fine; the writes that get through succeed"),
        "db_primary_loss": (SEES, "every write fails"),
    },
    "none": {mode: (BLIND, "there is no alarm")
             for mode in ("region_outage", "partition", "app_crash", "app_hang", "brownout",
                          "db_primary_loss")},
}


@dataclass(frozen=True, slots=True)
class AlarmSight:
    """Whether the scenario's alarm can fire for its fault, and how.

    fires : the fault changes what the alarm watches so that it breaches.
    late_periods : metric periods after the fault's own before the first breaching
        datapoint (1 where the alarm breaches on missing data, else 0). [-]
    why : what the source sees of the fault, in words.
    breach_probability : chance that one datapoint after the fault breaches; 1 where
        every period breaches, below 1 for a canary in a brownout (its one run per
        period fails only so often). [-]
    """

    fires: bool
    late_periods: int
    why: str
    breach_probability: float = 1.0


def alarm_sight(scenario) -> AlarmSight:
    """What ``scenario.alarm`` sees of ``scenario.failure.mode`` (see :data:`ALARM_SIGHT`)."""
    alarm, mode = scenario.alarm, scenario.failure.mode
    how, why = ALARM_SIGHT[alarm.source][mode]
    if how == LIKE_HEALTH_CHECK:
        sees = health_check_sees(scenario)
        if alarm.source == "health_url" and mode == "brownout":
            return AlarmSight(sees, 0, why, scenario.failure.brownout_failure_fraction)
        return AlarmSight(sees, 0, why)
    if how == IF_MISSING_BREACHES:
        breaches = alarm.treat_missing_data == "breaching"
        return AlarmSight(breaches, 1 if breaches else 0,
                          f"{why}; treat_missing_data: {alarm.treat_missing_data} "
                          + ("turns the silence into an alarm" if breaches
                             else "keeps the alarm out of ALARM"))
    return AlarmSight(how == SEES, 0, why)


def health_check_sees(scenario) -> bool:
    """Whether the scenario's fault can fail a health check at all.

    The same rule as :func:`drsim.sim.faults.check_behaviour`'s ``p_fail > 0``
    (tests/test_alarm_sources.py holds the two together): a shallow health path
    keeps answering when the database primary is lost, and a brownout without
    failures fails nothing.
    """
    mode = scenario.failure.mode
    if mode == "db_primary_loss":
        return scenario.health_check.checks_database
    if mode == "brownout":
        return scenario.failure.brownout_failure_fraction > 0
    return True
