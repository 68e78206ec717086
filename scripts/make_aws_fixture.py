"""Build drsim's CONSTRUCTED AWS game-day run (not a recording) and check every line.

    .venv/bin/python scripts/make_aws_fixture.py [OUT_DIR]

Writes a run directory (format: drsim/gameday/aws/raw.py) of the seed scenario
(seed-warm-standby, us-east-1 -> us-east-2) with a ``region_isolation`` fault, to
drsim/data/gamedays/aws-fixture/seed-warm-standby-region_isolation by default.
Every poll line's request and response goes through botocore's Stubber
(drsim.gameday.aws.validate) before it is written, so the shapes are the AWS
API's; the values are made up, with timings from the sources in
/work/shared/reference/domain-facts.md (cited where used). The same seed builds
the same files.
"""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from drsim.gameday.aws.validate import PollValidator

SEED = 20261130
T0 = datetime(2026, 11, 30, 14, 0, 7, 412000, tzinfo=UTC)  # the FIS experiment's start
ACCOUNT = "111122223333"
P, S = "us-east-1", "us-east-2"
RUN_ID = "seed-warm-standby/region_isolation/fixture/run-0"

# --- the timings, each from its source -----------------------------------------------
# Route 53 health check: 30 s interval, failure threshold 3, ~15 checkers (the scenario;
# domain-facts s.1: "interval x threshold, 30 s x 3 = ~90 s"). A checker's HTTP check of a
# black-holed endpoint fails after the 4 s connect timeout (s.1, per-checker timeouts).
CHECK_INTERVAL_S, THRESHOLD, CHECKERS, CONNECT_TIMEOUT_S = 30.0, 3, 15, 4.0
CHECKER_REGIONS = ["us-east-1", "us-west-1", "us-west-2", "eu-west-1", "ap-southeast-1",
                   "ap-southeast-2", "ap-northeast-1", "sa-east-1"]  # s.1, checker regions
# Route 53 record changes "generally propagate ... within 60 seconds" (s.1); a
# health-driven answer changes as the status does: a few seconds here.
DNS_FLIP_AFTER_DECLARED_S = 4.0
# The failover alarm: period 60 s, 2 of 2 datapoints (the scenario), metric delay p50
# 75 s (the scenario's alarm.metric_delay_s; s.2 "1-min ALB metrics: 30 / 60-90 / 180 s").
ALARM_AT_S = 2 * 60.0 + 63.6
EVENTBRIDGE_TO_SFN_S = 0.9  # the rule on the alarm's state change starts the runbook
# Aurora global database failover (FailoverGlobalCluster, AllowDataLoss): "RTO ... in the
# order of minutes" (s.3); a managed switchover "about a minute" (2026 blog, s.3), the
# one measured failover 8 min (keycloak-benchmark#445): 2 min here.
AURORA_FAILOVER_S = 118.0
AURORA_LAG_S = 0.6  # replication lag at the fault: "typically less than 1 second" (s.3)
PROMOTION_POLL_S = 30.0  # infra/drsim_infra/failover_runbook.py: PROMOTION_POLL_S
# Fargate task start 20 / 40-60 / 180 s (s.6); ALB target healthy after the health
# checks pass (s.6 defaults; the scenario's target_healthy_s triangular 10/35/150).
TASK_START_S, TARGET_HEALTHY_S = (47.0, 58.5), (33.0, 41.0)
TTL_S = 60.0  # ALB alias TTL (s.1)
VIOLATOR_EXTRA_S = 240.0  # one client behind a TTL-extending resolver (s.1: 8.74 %; the
# scenario's violation_extra_s lognormal p50 120 s, p95 900 s)
CLIENTS, THINK_S, REQUEST_TIMEOUT_S = 20, 2.0, 5.0
PROBE_INTERVAL_S = 5.0  # the scenario's probe.interval_s (jspoth.com's 5-s curl loop)
POLL_START_S, POLL_END_S = -60.0, 480.0

HC_ID = "0f3c9a52-7d1e-4b8a-9c61-2e5d8f4a1b37"
ZONE_ID = "Z0450123ABCDEFGHIJKL"
RECORD = "app.drsim-gameday.example.com"
PRIMARY_ALB = "drsim-Prima-WebAl-1A2B3C4D5E6F-123456789.us-east-1.elb.amazonaws.com"
SECONDARY_ALB = "drsim-Secon-WebAl-6F5E4D3C2B1A-987654321.us-east-2.elb.amazonaws.com"
PRIMARY_IPS, SECONDARY_IPS = ["3.210.14.77", "52.1.180.203"], ["3.140.22.91", "18.188.40.6"]
ALARM = "drsim-seed-warm-standby-PrimaryHealthAlarm-7QK2M4N8P1RS"
SM_ARN = f"arn:aws:states:{S}:{ACCOUNT}:stateMachine:drsim-seed-warm-standby-failover"
EXEC_ARN = (f"arn:aws:states:{S}:{ACCOUNT}:execution:drsim-seed-warm-standby-failover:"
            "a9f1c2d4-5e6b-4c7d-8e9f-0a1b2c3d4e5f")
TG_ARN = (f"arn:aws:elasticloadbalancing:{S}:{ACCOUNT}:targetgroup/drsim-Secon-WebTG/"
          "4c3a2b1d0e9f8a7b")
ECS_CLUSTER, ECS_SERVICE = "drsim-secondary-cluster", "drsim-secondary-web"
GLOBAL_ID = "drsim-seed-warm-standby-global"
PRIMARY_CLUSTER = f"arn:aws:rds:{P}:{ACCOUNT}:cluster:drsim-primary-orders"
SECONDARY_CLUSTER = f"arn:aws:rds:{S}:{ACCOUNT}:cluster:drsim-secondary-orders"
EXPERIMENT_ID = "EXPaBcDeFgHiJkLmN1"
TEMPLATE_ID = "EXTa1B2c3D4e5F6g7"


def iso(t_s: float) -> str:
    """ISO-8601 UTC of ``t_s`` seconds after the fault, as the pollers write it."""
    return (T0 + timedelta(seconds=t_s)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def epoch(t_s: float) -> float:
    return round(T0.timestamp() + t_s, 6)


@dataclass
class Run:
    """What the constructed run's world looks like; ``lines`` collects poll lines."""

    rng: np.random.Generator
    lines: dict[str, list[dict]] = field(default_factory=dict)

    def poll(self, file: str, t_s: float, api: str, region: str, request: dict,
             response: dict) -> None:
        self.lines.setdefault(file, []).append({"t_utc": iso(t_s), "api": api, "region": region,
                                                "request": request, "response": response})


def poll_times(every_s: float, offset_s: float = 0.0):
    t = POLL_START_S + offset_s
    while t <= POLL_END_S:
        yield round(t, 3)
        t += every_s


# --- Route 53 ------------------------------------------------------------------------


def checkers(rng) -> list[tuple[str, str, float]]:
    """(region, ip, phase) per checker: uncoordinated, each with its own phase (s.1)."""
    out = []
    for i in range(CHECKERS):
        region = CHECKER_REGIONS[i % len(CHECKER_REGIONS)]
        out.append((region, f"15.177.{2 * i + 2}.{int(rng.integers(10, 250))}",
                    float(rng.uniform(0, CHECK_INTERVAL_S))))
    return out


def check_status(start_s: float) -> str:
    if start_s < 0:
        return "Success: HTTP Status Code 200, OK"
    return ("Failure: Connection timed out. The endpoint or the internet connection is down, "
            "or requests are being blocked by your firewall. See "
            "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/"
            "dns-failover-router-firewall-rules.html")


def declared_s(chk) -> float:
    """When Route 53 declares the primary unhealthy: each checker flips at its third
    failed check, the endpoint once at most 18 % of checkers say healthy (s.1)."""
    flips = []
    for _, _, phase in chk:
        first = phase + CHECK_INTERVAL_S * np.ceil((0 - phase) / CHECK_INTERVAL_S)
        flips.append(first + (THRESHOLD - 1) * CHECK_INTERVAL_S)
    flips.sort()
    k = next(k for k in range(1, CHECKERS + 1) if CHECKERS - k <= 0.18 * CHECKERS)
    return flips[k - 1]


def route53_polls(run: Run, chk) -> None:
    for t in poll_times(10.0, 3.1):
        obs = []
        for region, ip, phase in chk:
            # The latest check whose result is in by now (a failure after the timeout).
            k = np.floor((t - phase) / CHECK_INTERVAL_S)
            start = phase + k * CHECK_INTERVAL_S
            if start >= 0 and start + CONNECT_TIMEOUT_S > t:
                start -= CHECK_INTERVAL_S
            obs.append({"Region": region, "IPAddress": ip,
                        "StatusReport": {"Status": check_status(start), "CheckedTime": iso(start)}})
        run.poll("route53.GetHealthCheckStatus.jsonl", t, "route53.GetHealthCheckStatus", P,
                 {"HealthCheckId": HC_ID}, {"HealthCheckObservations": obs})


def dns_polls(run: Run, flip_s: float) -> None:
    for t in poll_times(10.0, 5.4):
        ips = SECONDARY_IPS if t >= flip_s else PRIMARY_IPS
        run.poll("route53.TestDNSAnswer.jsonl", t, "route53.TestDNSAnswer", P,
                 {"HostedZoneId": ZONE_ID, "RecordName": RECORD, "RecordType": "A"},
                 {"Nameserver": "ns-1234.awsdns-26.org", "RecordName": RECORD, "RecordType": "A",
                  "RecordData": ips, "ResponseCode": "NOERROR", "Protocol": "UDP"})


# --- CloudWatch ----------------------------------------------------------------------


def alarm_polls(run: Run) -> None:
    state = {"version": "1.0", "oldState": {"stateValue": "OK", "stateReason": "Threshold "
             "Crossed: 2 out of the last 2 datapoints were not less than the threshold (90.0)."},
             "newState": {"stateValue": "ALARM", "stateReason": "Threshold Crossed: 2 out of the "
                          "last 2 datapoints [0.0, 0.0] were less than the threshold (90.0)."}}
    items = [
        {"AlarmName": ALARM, "AlarmType": "MetricAlarm", "Timestamp": iso(ALARM_AT_S),
         "HistoryItemType": "StateUpdate", "HistorySummary": "Alarm updated from OK to ALARM",
         "HistoryData": json.dumps(state)},
        {"AlarmName": ALARM, "AlarmType": "MetricAlarm", "Timestamp": iso(ALARM_AT_S + 0.3),
         "HistoryItemType": "Action",
         "HistorySummary": "Successfully executed action arn:aws:sns:us-east-2:"
                           f"{ACCOUNT}:drsim-failover-pages",
         "HistoryData": json.dumps({"actionState": "Succeeded"})},
    ]
    for t in poll_times(30.0, 11.7):
        seen = [i for i in items if t >= ALARM_AT_S + 2.0]  # history lags the change a little
        run.poll("cloudwatch.DescribeAlarmHistory.jsonl", t, "cloudwatch.DescribeAlarmHistory", S,
                 {"AlarmName": ALARM, "StartDate": iso(POLL_START_S), "ScanBy": "TimestampAscending"},
                 {"AlarmHistoryItems": seen})


# --- Step Functions ----------------------------------------------------------------------


class History:
    """An execution history as Step Functions writes it (ids, previousEventId)."""

    def __init__(self):
        self.events: list[dict] = []

    def add(self, t_s: float, kind: str, **details) -> float:
        ev = {"timestamp": iso(t_s), "type": kind, "id": len(self.events) + 1}
        if self.events:
            ev["previousEventId"] = len(self.events)
        ev.update(details)
        self.events.append(ev)
        return t_s

    def state(self, t_s: float, kind: str, name: str, dur_s: float, task: tuple | None = None) -> float:
        """A state entered at ``t_s``; a Task calls ``task`` = (resourceType, resource, output)."""
        self.add(t_s, f"{kind}StateEntered", stateEnteredEventDetails={"name": name, "input": "{}"})
        t = t_s
        if task:
            rtype, res, out = task
            t = self.add(t + 0.05, "TaskScheduled", taskScheduledEventDetails={
                "resourceType": rtype, "resource": res, "region": S, "parameters": "{}"})
            t = self.add(t + 0.04, "TaskStarted", taskStartedEventDetails={"resourceType": rtype,
                                                                            "resource": res})
            t = self.add(t + dur_s, "TaskSucceeded", taskSucceededEventDetails={
                "resourceType": rtype, "resource": res, "output": json.dumps(out)})
        else:
            t = t + dur_s
        return self.add(t + 0.02, f"{kind}StateExited",
                        stateExitedEventDetails={"name": name, "output": "{}"})


def runbook_history(start_s: float, aurora_done_s: float) -> tuple[list[dict], dict]:
    """The seed runbook's execution (infra/'s state names); returns the events and when
    each step's tasks ran (for ECS)."""
    h = History()
    h.add(start_s, "ExecutionStarted", executionStartedEventDetails={
        "input": json.dumps({"source": "aws.cloudwatch", "detail-type": "CloudWatch Alarm State Change"}),
        "inputDetails": {"truncated": False},
        "roleArn": f"arn:aws:iam::{ACCOUNT}:role/drsim-failover-runbook"})
    t = h.state(start_s + 0.08, "Task", "promote_database", 0.71,
                ("rds", "failoverGlobalCluster", {}))
    while True:
        t = h.state(t + 0.01, "Wait", "promote_database: wait", PROMOTION_POLL_S)
        done = t >= aurora_done_s
        status = {} if done else {"FailoverState": {"Status": "failing-over"}}
        t = h.state(t + 0.01, "Task", "promote_database: check", 0.32,
                    ("rds", "describeGlobalClusters", {"GlobalClusters": [status]}))
        t = h.state(t + 0.01, "Choice", "promote_database: promoted?", 0.0)
        if done:
            break
    t = h.state(t + 0.01, "Pass", "promote_database: done", 0.0)
    scale_at = t + 0.02
    t = h.state(scale_at, "Task", "scale_standby", 0.41, ("ecs", "updateService", {}))
    t = h.state(t + 0.02, "Task", "switch_traffic", 0.58, ("route53", "updateHealthCheck", {}))
    t = h.state(t + 0.02, "Task", "announce failover finished", 0.22, ("events", "putEvents", {}))
    h.add(t + 0.03, "ExecutionSucceeded", executionSucceededEventDetails={"output": "{}"})
    return h.events, {"scale_s": scale_at + 0.5}


def sfn_polls(run: Run, events: list[dict]) -> None:
    start = events[0]["timestamp"]
    for t in poll_times(15.0, 8.2):
        if iso(t) < start:
            continue  # the poller finds the execution (ListExecutions) once it exists
        seen = [e for e in events if e["timestamp"] <= iso(t - 0.5)]
        run.poll("stepfunctions.GetExecutionHistory.jsonl", t, "stepfunctions.GetExecutionHistory",
                 S, {"executionArn": EXEC_ARN, "maxResults": 1000, "reverseOrder": False},
                 {"events": seen})


# --- capacity in the secondary: ECS, ELB -------------------------------------------------


def capacity_polls(run: Run, scale_s: float) -> None:
    started = [scale_s + x for x in TASK_START_S]
    healthy = [s + h for s, h in zip(started, TARGET_HEALTHY_S)]
    ips = ["10.1.12.34", "10.1.44.187", "10.1.29.5"]  # the warm task first
    for t in poll_times(15.0, 6.6):
        desired = 3 if t >= scale_s else 1
        running = 1 + sum(t >= s for s in started)
        run.poll("ecs.DescribeServices.jsonl", t, "ecs.DescribeServices", S,
                 {"cluster": ECS_CLUSTER, "services": [ECS_SERVICE]},
                 {"services": [{"serviceName": ECS_SERVICE, "clusterArn":
                                f"arn:aws:ecs:{S}:{ACCOUNT}:cluster/{ECS_CLUSTER}",
                                "serviceArn": f"arn:aws:ecs:{S}:{ACCOUNT}:service/{ECS_CLUSTER}/"
                                              f"{ECS_SERVICE}",
                                "status": "ACTIVE", "desiredCount": desired,
                                "runningCount": running, "pendingCount": desired - running,
                                "launchType": "FARGATE"}], "failures": []})
        targets = [{"Target": {"Id": ips[0], "Port": 80}, "HealthCheckPort": "80",
                    "TargetHealth": {"State": "healthy"}}]
        for ip, s, h in zip(ips[1:], started, healthy):
            if t >= s:
                state = {"State": "healthy"} if t >= h else {
                    "State": "initial", "Reason": "Elb.InitialHealthChecking",
                    "Description": "Initial health checks in progress"}
                targets.append({"Target": {"Id": ip, "Port": 80}, "HealthCheckPort": "80",
                                "TargetHealth": state})
        run.poll("elbv2.DescribeTargetHealth.jsonl", t, "elbv2.DescribeTargetHealth", S,
                 {"TargetGroupArn": TG_ARN}, {"TargetHealthDescriptions": targets})


# --- Aurora ------------------------------------------------------------------------------


def rds_polls(run: Run, failover_s: float, done_s: float) -> None:
    def members(writer_secondary: bool):
        return [{"DBClusterArn": PRIMARY_CLUSTER, "IsWriter": not writer_secondary,
                 "Readers": [] if writer_secondary else [SECONDARY_CLUSTER]},
                {"DBClusterArn": SECONDARY_CLUSTER, "IsWriter": writer_secondary,
                 "Readers": [PRIMARY_CLUSTER] if writer_secondary else []}]

    for t in poll_times(15.0, 2.9):
        gc = {"GlobalClusterIdentifier": GLOBAL_ID, "Engine": "aurora-postgresql",
              "EngineVersion": "15.4", "DatabaseName": "orders", "StorageEncrypted": True,
              "DeletionProtection": False, "Status": "available",
              "GlobalClusterArn": f"arn:aws:rds::{ACCOUNT}:global-cluster:{GLOBAL_ID}",
              "GlobalClusterMembers": members(t >= done_s + 4.0)}
        if failover_s <= t < done_s + 4.0:
            gc["Status"] = "failing-over"
            gc["FailoverState"] = {"Status": "failing-over", "FromDbClusterArn": PRIMARY_CLUSTER,
                                   "ToDbClusterArn": SECONDARY_CLUSTER, "IsDataLossAllowed": True}
        run.poll("rds.DescribeGlobalClusters.jsonl", t, "rds.DescribeGlobalClusters", S,
                 {"GlobalClusterIdentifier": GLOBAL_ID}, {"GlobalClusters": [gc]})
    cluster = f"drsim-secondary-orders in Region {S}"
    events = [(failover_s + 1.7, f"Global failover to DB cluster {cluster} started."),
              (done_s, f"Global failover to DB cluster {cluster} completed.")]
    for t in poll_times(30.0, 14.3):
        seen = [{"SourceIdentifier": "drsim-secondary-orders", "SourceType": "db-cluster",
                 "Message": m, "EventCategories": ["global-failover"], "Date": iso(d),
                 "SourceArn": SECONDARY_CLUSTER} for d, m in events if d + 3.0 <= t]
        run.poll("rds.DescribeEvents.jsonl", t, "rds.DescribeEvents", S,
                 {"SourceType": "db-cluster", "SourceIdentifier": "drsim-secondary-orders",
                  "StartTime": iso(POLL_START_S)}, {"Events": seen})


# --- FIS -----------------------------------------------------------------------------------


def fis_polls(run: Run) -> None:
    def action(action_id, target, t_start, params=None):
        a = {"actionId": action_id, "targets": target, "state": {"status": "running"},
             "startTime": iso(t_start)}
        if params:
            a["parameters"] = params
        return a

    for t in poll_times(30.0, 9.9):
        if t < -5.0:
            continue  # the experiment is created just before it starts
        exp = {"id": EXPERIMENT_ID, "experimentTemplateId": TEMPLATE_ID,
               "roleArn": f"arn:aws:iam::{ACCOUNT}:role/drsim-fis",
               "state": {"status": "running" if t >= 0 else "initiating"},
               "creationTime": iso(-1.3), "tags": {"drsim:run-id": RUN_ID},
               "stopConditions": [{"source": "aws:cloudwatch:alarm",
                                   "value": f"arn:aws:cloudwatch:{P}:{ACCOUNT}:alarm:drsim-stop"}]}
        if t >= 0:
            exp["startTime"] = iso(0.0)
            exp["actions"] = {
                "isolate-primary-subnets": action("aws:network:disrupt-connectivity",
                                                  {"Subnets": "primary-subnets"}, 1.1,
                                                  {"duration": "PT15M", "scope": "all"}),
                "cut-cross-region": action("aws:network:route-table-disrupt-cross-region-connectivity",
                                           {"Subnets": "primary-subnets"}, 1.2,
                                           {"duration": "PT15M", "region": S}),
                "pause-sessions-replication": action("aws:dynamodb:global-table-pause-replication",
                                                     {"Tables": "sessions"}, 1.3,
                                                     {"duration": "PT15M"}),
            }
        run.poll("fis.GetExperiment.jsonl", t, "fis.GetExperiment", P, {"id": EXPERIMENT_ID},
                 {"experiment": exp})


# --- the probe fleet -----------------------------------------------------------------------


def request(rng, t: float, secondary: bool, writable_s: float) -> tuple:
    """One write's outcome: (t_end, address, status, region, error)."""
    if not secondary:
        t_end = t + float(rng.uniform(0.03, 0.08))
        if t_end < 0:
            return t_end, PRIMARY_IPS[0], 200, P, ""
        # Black-holed by the isolation: the client gives up after its timeout.
        return t + REQUEST_TIMEOUT_S, PRIMARY_IPS[0], 0, "", "ReadTimeout"
    t_end = t + float(rng.uniform(0.02, 0.06))
    if t_end >= writable_s:
        return t_end, SECONDARY_IPS[0], 200, S, ""
    return t_end, SECONDARY_IPS[0], 503, S, ""  # the secondary's database is read-only


def client_journals(rng, flip_s: float, writable_s: float) -> tuple[list, list]:
    """Each client writes every THINK_S (a timeout holds it up), resolving through its
    own cache of TTL_S; client 7 sits behind a TTL-extending resolver."""
    journal, acked = [], []
    for c in range(CLIENTS):
        t = POLL_START_S + float(rng.uniform(0, THINK_S))
        lookup_t, secondary, seq = t - float(rng.uniform(0, TTL_S)), False, 0
        extra = VIOLATOR_EXTRA_S if c == 7 else 0.0
        while t < POLL_END_S - 10:
            if t >= lookup_t + TTL_S:
                lookup_t, secondary = t, t >= flip_s + extra
            t_end, addr, status, region, err = request(rng, t, secondary, writable_s)
            journal.append((epoch(t), epoch(t_end), c, "write", seq, addr, status, region, err))
            if status == 200:
                acked.append((c, seq, epoch(t_end), region))
            seq += 1
            t = max(t + THINK_S, t_end)
    return journal, acked


def probe_journal(rng, flip_s: float, writable_s: float) -> list:
    """An attempt every PROBE_INTERVAL_S on a fixed schedule, through a TTL-honouring cache."""
    rows, lookup_t, secondary = [], POLL_START_S - TTL_S / 2, False
    for seq, t in enumerate(np.arange(POLL_START_S, POLL_END_S - 10, PROBE_INTERVAL_S)):
        t = float(t)
        if t >= lookup_t + TTL_S:
            lookup_t, secondary = t, t >= flip_s
        t_end, addr, status, region, err = request(rng, t, secondary, writable_s)
        rows.append((epoch(t), epoch(t_end), seq, addr, status, region, err))
    return rows


def write_csv(path: Path, header: str, rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = sorted(rows, key=lambda r: r[:3])
    path.write_text(header + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows))


def manifest(flip_s: float) -> dict:
    return {
        "format": "drsim-aws-gameday-raw/1",
        "provenance": ("constructed: built by scripts/make_aws_fixture.py through botocore "
                       "Stubber-validated shapes, timings from published figures; NOT recorded "
                       "from AWS, it measures nothing"),
        "run_id": RUN_ID, "scenario": "seed-warm-standby", "fault": "region_isolation",
        "regions": {"primary": P, "secondary": S},
        "fault_injected_utc": iso(0.0),
        "stacks": ["drsim-seed-warm-standby-Primary", "drsim-seed-warm-standby-Secondary",
                   "drsim-seed-warm-standby-PrimaryLinks", "drsim-seed-warm-standby-Failover"],
        "resources": {
            "health_check_id": HC_ID, "hosted_zone_id": ZONE_ID, "record_name": RECORD,
            "primary_alb_dns": PRIMARY_ALB, "secondary_alb_dns": SECONDARY_ALB,
            "secondary_addresses": SECONDARY_IPS, "failover_alarm": ALARM,
            "state_machine_arn": SM_ARN, "secondary_target_group_arn": TG_ARN,
            "ecs_cluster": ECS_CLUSTER, "secondary_ecs_service": ECS_SERVICE,
            "global_cluster_id": GLOBAL_ID, "primary_cluster_arn": PRIMARY_CLUSTER,
            "secondary_cluster_arn": SECONDARY_CLUSTER, "experiment_id": EXPERIMENT_ID,
            "experiment_template_id": TEMPLATE_ID},
        "probe_fleet": {"clients": CLIENTS, "write_every_s": THINK_S,
                        "request_timeout_s": REQUEST_TIMEOUT_S,
                        "probe_interval_s": PROBE_INTERVAL_S},
    }


def build(out: Path) -> int:
    """Write the run under ``out`` (replaced); returns the number of poll lines."""
    rng = np.random.default_rng(SEED)
    run = Run(rng)
    chk = checkers(rng)
    flip_s = declared_s(chk) + DNS_FLIP_AFTER_DECLARED_S
    decided_s = ALARM_AT_S + EVENTBRIDGE_TO_SFN_S
    failover_s = decided_s + 0.3
    done_s = failover_s + AURORA_FAILOVER_S
    route53_polls(run, chk)
    dns_polls(run, flip_s)
    alarm_polls(run)
    events, when = runbook_history(decided_s, done_s)
    sfn_polls(run, events)
    capacity_polls(run, when["scale_s"])
    rds_polls(run, failover_s, done_s)
    fis_polls(run)
    validator = PollValidator()
    for lines in run.lines.values():
        for ln in lines:
            validator.check(ln["api"], ln["request"], ln["response"], ln["region"])
    if out.exists():
        shutil.rmtree(out)
    (out / "polls").mkdir(parents=True)
    for name, lines in run.lines.items():
        (out / "polls" / name).write_text("".join(json.dumps(ln) + "\n" for ln in lines))
    journal, acked = client_journals(rng, flip_s, done_s)
    write_csv(out / "probe" / "journal.csv", "t_start,t_end,client,op,seq,address,status,region,error",
              journal)
    write_csv(out / "probe" / "acked.csv", "client,seq,t_ack,region", acked)
    write_csv(out / "probe" / "probe.csv", "t_attempt,t_end,seq,address,status,region,error",
              probe_journal(rng, flip_s, done_s))
    lag_from = T0.timestamp() - AURORA_LAG_S
    present = [(c, s) for c, s, t, r in acked if r == S or t < lag_from]
    write_csv(out / "database" / "present.csv", "client,seq", present)
    (out / "manifest.json").write_text(json.dumps(manifest(flip_s), indent=2) + "\n")
    return sum(len(v) for v in run.lines.values())


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else (ROOT / "drsim" / "data" / "gamedays" / "aws-fixture"
                                      / "seed-warm-standby-region_isolation")
    n = build(out)
    print(f"{out}: {n} poll lines, each validated by botocore's Stubber")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
