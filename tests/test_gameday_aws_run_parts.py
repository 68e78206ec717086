"""The parts of an AWS run that moto cannot exercise, or that are quicker alone: the
pollers' requests held against the AWS API model (botocore's Stubber rejects a wrong
parameter or response field), waiting through a health check that turns healthy (moto's
is always healthy), the run's resources picked from stack resources, and the probe
fleet against a real HTTP server on loopback.
"""

from __future__ import annotations

import time
import types
from datetime import UTC, datetime

import pytest

from drsim.errors import DrsimError
from drsim.gameday.aws import raw
from drsim.gameday.aws.health import wait_healthy
from drsim.gameday.aws.plan import pollers
from drsim.gameday.aws.pollers import make_jobs, poll_until
from drsim.gameday.aws.polls import PollLog
from drsim.gameday.aws.probes import ProbeFleet, dump_present
from drsim.gameday.aws.resources import manifest_resources
from drsim.gameday.aws.run import RunOptions
from drsim.gameday.local.journals import ACKED_COLUMNS, JOURNAL_COLUMNS, PROBE_COLUMNS, read_journal
from drsim.scenario import load_scenario
from tests.aws_run_fakes import ProbeServer

boto3 = pytest.importorskip("boto3")
from botocore.stub import Stubber

T0 = datetime(2026, 12, 4, 21, 0, tzinfo=UTC)
ACCOUNT = "123456789012"
P, S = "us-east-1", "us-east-2"
SM = f"arn:aws:states:{S}:{ACCOUNT}:stateMachine:runbook"
EXEC = f"arn:aws:states:{S}:{ACCOUNT}:execution:runbook:e1"
TG = f"arn:aws:elasticloadbalancing:{S}:{ACCOUNT}:targetgroup/svc/abc"
ROWS = [
    {"region": P, "stack": "DrsimFailover", "type": "AWS::Route53::HealthCheck",
     "logical_id": "PrimaryHealthCheck1", "physical_id": "hc-1"},
    {"region": P, "stack": "DrsimFailover", "type": "AWS::Route53::RecordSet",
     "logical_id": "PrimaryRecord", "physical_id": "svc.drsim.test."},
    {"region": P, "stack": "DrsimFailover", "type": "AWS::Route53::HostedZone",
     "logical_id": "Zone", "physical_id": "Z123"},
    {"region": S, "stack": "DrsimFailover", "type": "AWS::CloudWatch::Alarm",
     "logical_id": "UnhealthyHosts", "physical_id": "unhealthy"},
    {"region": S, "stack": "DrsimFailover", "type": "AWS::CloudWatch::Alarm",
     "logical_id": "FailoverAlarm", "physical_id": "failover"},
    {"region": S, "stack": "DrsimFailover", "type": "AWS::StepFunctions::StateMachine",
     "logical_id": "Runbook", "physical_id": SM},
    {"region": S, "stack": "DrsimSecondary", "type": "AWS::ElasticLoadBalancingV2::TargetGroup",
     "logical_id": "Tg", "physical_id": TG},
    {"region": S, "stack": "DrsimSecondary", "type": "AWS::ECS::Cluster",
     "logical_id": "Cluster", "physical_id": "drsim-b"},
    {"region": S, "stack": "DrsimSecondary", "type": "AWS::ECS::Service",
     "logical_id": "Service", "physical_id": f"arn:aws:ecs:{S}:{ACCOUNT}:service/drsim-b/web"},
    {"region": P, "stack": "DrsimPrimary", "type": "AWS::RDS::GlobalCluster",
     "logical_id": "Global", "physical_id": "drsim-global"},
    {"region": S, "stack": "DrsimSecondary", "type": "AWS::RDS::DBCluster",
     "logical_id": "Cluster", "physical_id": "drsim-b-cluster"},
]


def test_the_run_s_resources_come_from_its_stack_resources():
    res = manifest_resources(ROWS, primary=P, secondary=S, account=ACCOUNT)
    assert res == {"health_check_id": "hc-1", "record_name": "svc.drsim.test",
                   "failover_alarm": "failover", "state_machine_arn": SM,
                   "secondary_target_group_arn": TG, "ecs_cluster": "drsim-b",
                   "secondary_ecs_service": ROWS[8]["physical_id"],
                   "global_cluster_id": "drsim-global", "hosted_zone_id": "Z123",
                   "secondary_cluster_arn": f"arn:aws:rds:{S}:{ACCOUNT}:cluster:drsim-b-cluster"}
    assert set(res) - {"hosted_zone_id"} <= set(raw.MANIFEST_RESOURCES)


class StubSession:
    """A boto3 session whose clients are stubbed: ``client(service, region_name)``."""

    def __init__(self):
        self.clients, self.stubs = {}, {}

    def client(self, service, region_name=None):
        key = (service, region_name or P)
        if key not in self.clients:
            c = boto3.client(service, region_name=key[1], aws_access_key_id="x",
                             aws_secret_access_key="x")
            self.clients[key], self.stubs[key] = c, Stubber(c)
            self.stubs[key].activate()
        return self.clients[key]

    def stub(self, service, region, method, response, params):
        self.client(service, region)
        self.stubs[(service, region)].add_response(method, response, params)


def test_every_poller_asks_what_the_api_model_accepts_and_the_replay_reads_it(tmp_path):
    """One round of every job through Stubber: a misspelled parameter or a wrong type in a
    request the pollers build fails here, as it would against AWS."""
    scenario = load_scenario("seed-warm-standby")
    res = {**manifest_resources(ROWS, primary=P, secondary=S, account=ACCOUNT),
           "experiment_id": "EXP1"}
    jobs, skipped = make_jobs(pollers(scenario), res, ROWS, since=T0, fis_region=P)
    assert skipped == [f"elbv2.DescribeTargetHealth ({P}): no target group",
                       f"ecs.DescribeServices ({P}): no ECS service",
                       f"rds.DescribeEvents ({P}): no Aurora cluster"]
    session = StubSession()
    answers = {
        "route53.GetHealthCheckStatus": {"HealthCheckObservations": [
            {"Region": "us-east-1", "IPAddress": "15.177.2.1", "StatusReport": {
                "Status": "Failure: HTTP Status Code 503.", "CheckedTime": T0}}]},
        "route53.TestDNSAnswer": {"Nameserver": "ns", "RecordName": "svc.drsim.test",
                                  "RecordType": "A", "RecordData": ["10.0.0.1"],
                                  "ResponseCode": "NOERROR", "Protocol": "UDP"},
        "cloudwatch.DescribeAlarmHistory": {"AlarmHistoryItems": [
            {"AlarmName": "failover", "Timestamp": T0, "HistoryItemType": "StateUpdate",
             "HistorySummary": "Alarm updated from OK to ALARM"}]},
        "stepfunctions.GetExecutionHistory": {"events": []},
        "elbv2.DescribeTargetHealth": {"TargetHealthDescriptions": [
            {"Target": {"Id": "10.1.0.5", "Port": 80}, "TargetHealth": {"State": "healthy"}}]},
        "ecs.DescribeServices": {"services": [{"serviceName": "web", "runningCount": 1,
                                               "desiredCount": 1}]},
        "rds.DescribeGlobalClusters": {"GlobalClusters": [
            {"GlobalClusterIdentifier": "drsim-global", "Status": "failing-over"}]},
        "rds.DescribeEvents": {"Events": []},
        "fis.GetExperiment": {"experiment": {"id": "EXP1", "state": {"status": "running"},
                                             "startTime": T0}},
    }
    for job in jobs:
        method = _snake(job.poller.operation)
        if job.api == "stepfunctions.GetExecutionHistory":
            session.stub("stepfunctions", job.region, "list_executions", {"executions": [
                {"executionArn": EXEC, "stateMachineArn": SM, "name": "e1",
                 "status": "RUNNING", "startDate": T0}]},
                {"stateMachineArn": SM, "maxResults": 100})
            params = {"executionArn": EXEC, "maxResults": 1000}
        else:
            params = job.requests(None)[0]
        session.stub(job.poller.service, job.region, method, answers[job.api], params)
    done = poll_until(jobs, PollLog(tmp_path, clock=lambda: T0), session, done=lambda: True,
                      timeout_s=0, errors=tmp_path / "poll-errors.log")
    assert done and not (tmp_path / "poll-errors.log").exists()
    for stub in session.stubs.values():
        stub.assert_no_pending_responses()
    polls = raw.read_polls(tmp_path / "polls")
    assert set(polls) == set(raw.POLLED_APIS)


def _snake(operation: str) -> str:
    from botocore import xform_name

    return xform_name(operation)


def test_a_refused_poll_is_logged_and_asked_again(tmp_path):
    scenario = load_scenario("seed-warm-standby")
    jobs, _ = make_jobs(pollers(scenario)[:1], {"health_check_id": "hc-1"}, [], since=T0,
                        fis_region=P)
    session = StubSession()
    session.client("route53", P)
    session.stubs[("route53", P)].add_client_error("get_health_check_status", "Throttling",
                                                   "Rate exceeded")
    session.stub("route53", P, "get_health_check_status", {"HealthCheckObservations": []},
                 {"HealthCheckId": "hc-1"})
    clock = [0.0]

    def sleep(s):
        clock[0] += s

    interval_s = jobs[0].poller.interval_s
    done = poll_until(jobs, PollLog(tmp_path), session, done=lambda: False,
                      timeout_s=1.5 * interval_s,
                      errors=tmp_path / "poll-errors.log", sleep=sleep, monotonic=lambda: clock[0])
    assert not done and clock[0] == pytest.approx(1.5 * interval_s, abs=1.0)
    assert "Throttling" in (tmp_path / "poll-errors.log").read_text()
    assert len(raw.read_polls(tmp_path / "polls")["route53.GetHealthCheckStatus"]) == 1


def _ctx(session, sleeps, timeout_s=60.0):
    clock = [0.0]

    def sleep(s):
        sleeps.append(s)
        clock[0] += s

    return types.SimpleNamespace(session=session, sleep=sleep, monotonic=lambda: clock[0],
                                 opt=RunOptions(healthy_timeout_s=timeout_s, healthy_poll_s=10))


def _status(*statuses):
    return {"HealthCheckObservations": [
        {"Region": r, "IPAddress": "15.177.2.1", "StatusReport": {"Status": s,
                                                                   "CheckedTime": T0}}
        for r, s in zip(("us-east-1", "eu-west-1"), statuses)]}


def _services(running):
    return {"services": [{"serviceName": "web", "runningCount": running, "desiredCount": 1}]}


def _global(status):
    return {"GlobalClusters": [{"GlobalClusterIdentifier": "drsim-global", "Status": status}]}


def test_the_run_waits_until_checkers_targets_services_and_the_global_database_are_healthy():
    """Route 53's checkers disagree, then agree (what moto never shows); the target group
    gets its first healthy target; the standby task starts; the global database finishes
    creating. Each look asks everything again, in that order."""
    session, sleeps = StubSession(), []
    looks = [("Failure: timeout", "initial", 0, "creating"),
             ("Success: HTTP 200", "healthy", 0, "creating"),
             ("Success: HTTP 200", "healthy", 1, "creating"),
             ("Success: HTTP 200", "healthy", 1, "available")]
    service = ROWS[8]["physical_id"]
    for checker, target, running, gc in looks:
        session.stub("route53", P, "get_health_check_status",
                     _status(checker, "Success: HTTP 200"), {"HealthCheckId": "hc-1"})
        session.stub("elbv2", S, "describe_target_health", {"TargetHealthDescriptions": [
            {"Target": {"Id": "10.1.0.5"}, "TargetHealth": {"State": target}}]},
            {"TargetGroupArn": TG})
        session.stub("ecs", S, "describe_services", _services(running),
                     {"cluster": "drsim-b", "services": [service]})
        session.stub("rds", P, "describe_global_clusters", _global(gc),
                     {"GlobalClusterIdentifier": "drsim-global"})
    wait_healthy(_ctx(session, sleeps), {"health_check_id": "hc-1"}, ROWS)
    assert sleeps == [10, 10, 10]
    for stub in session.stubs.values():
        stub.assert_no_pending_responses()


def test_a_stack_that_never_turns_healthy_times_out_naming_what_is_not():
    session, sleeps = StubSession(), []
    for _ in range(4):
        session.stub("route53", P, "get_health_check_status",
                     _status("Failure: timeout", "Success: HTTP 200"), {"HealthCheckId": "hc-1"})
        session.stub("rds", P, "describe_global_clusters", _global("creating"),
                     {"GlobalClusterIdentifier": "drsim-global"})
    rows = [r for r in ROWS if r["type"] == "AWS::RDS::GlobalCluster"]
    with pytest.raises(DrsimError, match="not healthy after 30 s: Route 53 health check hc-1: "
                       "1 of 2 checkers report failure; Aurora global cluster drsim-global: "
                       "creating"):
        wait_healthy(_ctx(session, sleeps, timeout_s=30), {"health_check_id": "hc-1"}, rows)


def test_the_probe_fleet_writes_through_the_name_and_journals_what_raw_reads(tmp_path):
    """Three writers and the probe against a loopback server that refuses writes for a
    moment: every acknowledged write is in the dump, the failures are journaled, and the
    journals are the local game day's columns with epoch seconds."""
    with ProbeServer(region="us-east-2") as server:
        fleet = ProbeFleet(tmp_path, name="localhost", port=server.port, clients=3,
                           interval_s=0.02, timeout_s=2.0, seed=1)
        t_start = time.time()
        with fleet:
            _until(lambda: fleet.all_acked_since(0.0))
            server.fail_for(0.2)
            t_fail = time.time()
            _until(lambda: fleet.failed_since(t_fail))
            _until(lambda: fleet.all_acked_since(fleet.last_failure()))
        present = dump_present(fleet, tmp_path)
    journal = read_journal(tmp_path / "probe" / "journal.csv", JOURNAL_COLUMNS)
    acked = read_journal(tmp_path / "probe" / "acked.csv", ACKED_COLUMNS)
    probe = read_journal(tmp_path / "probe" / "probe.csv", PROBE_COLUMNS)
    assert set(journal["status"]) == {201, 503}
    assert set(journal["address"]) == {"127.0.0.1"}  # resolved through the system resolver
    assert set(acked["region"]) == {"us-east-2"}  # from the endpoint's JSON answer
    assert journal["t_start"].min() >= t_start - 1 and len(probe) > 0
    rows = raw._present(present)
    assert {(int(c), int(s)) for c, s in zip(acked["client"], acked["seq"])} <= set(rows)
    assert {c for c, _ in rows} >= {-1, 0, 1, 2}


def _until(ok, timeout_s=20.0):
    t_end = time.monotonic() + timeout_s
    while not ok():
        assert time.monotonic() < t_end, "timed out"
        time.sleep(0.01)


def test_a_stack_that_fails_to_delete_is_named_and_the_teardown_says_how_to_finish():
    """CloudFormation answers DELETE_FAILED (moto deletes at once, so canned answers): the
    teardown deletes what else is tagged, then fails naming the stack and the command."""
    run_id = "drsim-20261204T214007Z-1a2b3c"
    stack = {"StackName": "DrsimPrimary", "StackId": f"arn:aws:cloudformation:{P}:{ACCOUNT}:"
             "stack/DrsimPrimary/1", "CreationTime": T0, "StackStatus": "CREATE_COMPLETE",
             "Tags": [{"Key": "drsim:run-id", "Value": run_id}]}
    session = StubSession()
    session.stub("fis", P, "list_experiments", {"experiments": []}, {})
    session.stub("cloudformation", P, "describe_stacks", {"Stacks": [stack]}, {})
    session.stub("cloudformation", P, "describe_stacks", {"Stacks": [stack]},
                 {"StackName": stack["StackId"]})
    session.stub("cloudformation", P, "delete_stack", {}, {"StackName": stack["StackId"]})
    session.stub("cloudformation", P, "describe_stacks",
                 {"Stacks": [{**stack, "StackStatus": "DELETE_FAILED"}]},
                 {"StackName": stack["StackId"]})
    session.stub("fis", P, "list_experiment_templates", {"experimentTemplates": [
        {"id": "EXT1", "tags": {"drsim:run-id": run_id}},
        {"id": "EXT2", "tags": {"drsim:run-id": "drsim-20261204T000000Z-ffffff"}}]}, {})
    session.stub("fis", P, "delete_experiment_template", {}, {"id": "EXT1"})
    session.stub("route53", P, "list_health_checks", {
        "HealthChecks": [], "Marker": "", "IsTruncated": False, "MaxItems": "100"}, {})
    session.stub("resourcegroupstaggingapi", P, "get_resources", {"ResourceTagMappingList": [
        {"ResourceARN": stack["StackId"]}]},
        {"TagFilters": [{"Key": "drsim:run-id", "Values": [run_id]}]})
    from drsim.gameday.aws.actions import ActionLog
    from drsim.gameday.aws.teardown import teardown_run

    actions = ActionLog(None, echo=None)
    with pytest.raises(DrsimError, match="stack DrsimPrimary .* is DELETE_FAILED.*still tagged: "
                       r"arn:aws:cloudformation.*teardown --run-id drsim-20261204T214007Z-1a2b3c"):
        teardown_run(run_id, session, regions=[P], actions=actions, sleep=lambda s: None)
    for stub in session.stubs.values():
        stub.assert_no_pending_responses()
    assert [ln.split("  ", 2)[2] for ln in actions.lines] == [
        f"cloudformation DeleteStack DrsimPrimary ({P})",
        f"fis DeleteExperimentTemplate EXT1 ({P})"]  # the other run's template is left alone
