"""What the AWS run tests stand on: a real moto server over HTTP, a fake CDK CLI that
creates in moto what a deploy of infra/ would (the parts moto models), and a tiny
probe endpoint on loopback (infra/'s ``POST /probe`` contract).

Not a test module: imported by tests/test_gameday_aws_run*.py.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self

# Spelled out, not imported: the fake cdk imports this module, and importing drsim's AWS
# package (pandas, the replay) would cost each fake deploy seconds. A test holds them equal.
FAULT_TAG = "drsim:fault"
RUN_ID_TAG = "drsim:run-id"
REGIONS = ("us-east-1", "us-east-2")
STACKS = {"us-east-1": "DrsimPrimary", "us-east-2": "DrsimSecondary"}
ZONE = "drsim.test"
RECORD = f"svc.{ZONE}"

# The stacks as moto's CloudFormation can create them: Route 53 in the primary's stack
# (zone, health check, the service record); the runbook and an ECS service in the
# secondary's (desired 0 tasks: moto starts none, so a desired task would never run).
PRIMARY_TEMPLATE = {"Resources": {
    "Zone": {"Type": "AWS::Route53::HostedZone", "Properties": {"Name": ZONE}},
    "PrimaryHealthCheck": {"Type": "AWS::Route53::HealthCheck", "Properties": {
        "HealthCheckConfig": {"Type": "HTTP", "FullyQualifiedDomainName": f"a.{ZONE}",
                              "Port": 80, "ResourcePath": "/health", "RequestInterval": 10,
                              "FailureThreshold": 3}}},
    "PrimaryRecord": {"Type": "AWS::Route53::RecordSet", "Properties": {
        "HostedZoneId": {"Ref": "Zone"}, "Name": f"{RECORD}.", "Type": "A", "TTL": "60",
        "ResourceRecords": ["127.0.0.1"]}},
}}
SECONDARY_TEMPLATE = {"Resources": {
    "Runbook": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {
        "RoleArn": "arn:aws:iam::123456789012:role/drsim-runbook",
        "DefinitionString": json.dumps({"StartAt": "Done",
                                        "States": {"Done": {"Type": "Succeed"}}})}},
    "Cluster": {"Type": "AWS::ECS::Cluster", "Properties": {"ClusterName": "drsim-b"}},
    "Task": {"Type": "AWS::ECS::TaskDefinition", "Properties": {
        "Family": "web", "ContainerDefinitions": [{"Name": "web", "Image": "nginx",
                                                   "Memory": 512}]}},
    "Service": {"Type": "AWS::ECS::Service", "Properties": {
        "Cluster": {"Ref": "Cluster"}, "TaskDefinition": {"Ref": "Task"}, "DesiredCount": 0,
        "ServiceName": "web"}},
}}

FAKE_CDK = r'''#!{python}
"""A fake cdk: records its arguments; deploy creates the stacks in moto, destroy deletes them."""
import json, os, sys
sys.path.insert(0, {tests!r})
from aws_run_fakes import fake_deploy, fake_destroy
with open({calls!r}, "a") as f:
    f.write(json.dumps(sys.argv[1:]) + "\n")
fail = os.environ.get("FAKE_CDK_FAIL", "")
if sys.argv[1] == "deploy":
    tags = dict(sys.argv[i + 1].split("=", 1) for i, a in enumerate(sys.argv) if a == "--tags")
    fake_deploy(tags)
    if os.environ.get("FAKE_CDK_HANG") == "deploy":  # a deploy that goes on and on
        print("fake cdk: stacks created, pid", os.getpid(), flush=True)
        import time
        time.sleep(3600)
    if fail == "deploy":
        print("fake cdk: deploy failed halfway", file=sys.stderr)
        sys.exit(1)
elif sys.argv[1] == "destroy":
    if fail == "destroy":
        sys.exit(1)
    fake_destroy()
'''


def write_fake_cdk(folder: Path, calls: Path) -> Path:
    """The fake cdk, executable, at ``folder/cdk``; it appends its argv (JSON) to ``calls``."""
    folder.mkdir(parents=True, exist_ok=True)
    cdk = folder / "cdk"
    cdk.write_text(FAKE_CDK.replace("{python}", sys.executable)
                   .replace("{tests!r}", repr(str(Path(__file__).parent)))
                   .replace("{calls!r}", repr(str(calls))))
    cdk.chmod(cdk.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return cdk


def fake_deploy(tags: dict) -> None:
    """What ``cdk deploy --tags`` leaves in moto: the stacks, tagged; the FIS templates
    (moto's CloudFormation has no FIS type, so they are made directly, tagged as
    CloudFormation would tag them)."""
    import boto3

    stack_tags = [{"Key": k, "Value": v} for k, v in tags.items()]
    for region, template in zip(REGIONS, (PRIMARY_TEMPLATE, SECONDARY_TEMPLATE)):
        boto3.client("cloudformation", region_name=region).create_stack(
            StackName=STACKS[region], TemplateBody=json.dumps(template), Tags=stack_tags)
    fis = boto3.client("fis", region_name=REGIONS[0])
    for kind in ("region_isolation", "app_crash", "db_failover"):
        fis.create_experiment_template(
            clientToken=kind, description=f"drsim {kind}",
            stopConditions=[{"source": "aws:cloudwatch:alarm",
                             "value": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:guard"}],
            actions={"wait": {"actionId": "aws:fis:wait", "parameters": {"duration": "PT5M"}}},
            roleArn="arn:aws:iam::123456789012:role/drsim-fis", tags={FAULT_TAG: kind, **tags})


def fake_destroy() -> None:
    """What ``cdk destroy --all`` removes: the app's stacks by name, and what they own."""
    import boto3

    for region in REGIONS:
        cfn = boto3.client("cloudformation", region_name=region)
        for s in cfn.describe_stacks()["Stacks"]:
            if s["StackName"] == STACKS[region]:
                cfn.delete_stack(StackName=s["StackId"])
    fis = boto3.client("fis", region_name=REGIONS[0])
    for t in fis.list_experiment_templates()["experimentTemplates"]:
        if FAULT_TAG in (t.get("tags") or {}):
            fis.delete_experiment_template(id=t["id"])


def reset_moto(url: str) -> None:
    """Forget every resource (moto's own reset endpoint)."""
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"),
                           timeout=10).read()


def tagged_left(url: str, run_id: str) -> list[str]:
    """Everything in moto that carries ``drsim:run-id`` = ``run_id`` or is live for it:
    stacks not deleted, FIS templates, running experiments, Tagging API hits."""
    import boto3

    left = []
    for region in REGIONS:
        cfn = boto3.client("cloudformation", region_name=region, endpoint_url=url)
        for s in cfn.describe_stacks()["Stacks"]:
            if {"Key": RUN_ID_TAG, "Value": run_id} in (s.get("Tags") or []):
                left.append(f"stack {s['StackName']} {s['StackStatus']}")
        fis = boto3.client("fis", region_name=region, endpoint_url=url)
        left += [f"template {t['id']}" for t in fis.list_experiment_templates()[
            "experimentTemplates"] if (t.get("tags") or {}).get(RUN_ID_TAG) == run_id]
        left += [f"experiment {e['id']} {e['state']['status']}" for e in fis.list_experiments()[
            "experiments"] if (e.get("tags") or {}).get(RUN_ID_TAG) == run_id
            and e["state"]["status"] in ("pending", "initiating", "running")]
        tagging = boto3.client("resourcegroupstaggingapi", region_name=region, endpoint_url=url)
        left += [r["ResourceARN"] for r in tagging.get_resources(
            TagFilters=[{"Key": RUN_ID_TAG, "Values": [run_id]}])["ResourceTagMappingList"]]
    return left


class ProbeServer:
    """infra/'s probe endpoint on loopback: ``POST /probe`` {"client", "seq"} -> 201 with
    the region; ``GET /probe/C?after=N`` -> the seqs held. ``fail_for(s)`` answers 503
    to writes for ``s`` seconds (a fault reaching the clients)."""

    def __init__(self, region: str = "us-east-2"):
        self.rows: set[tuple[str, int]] = set()
        self.region = region
        self.fail_until = 0.0
        self.requests = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):  # quiet
                pass

            def _send(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                outer.requests += 1
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if time.monotonic() < outer.fail_until:
                    return self._send(503, {"error": "datastore refuses"})
                outer.rows.add((body["client"], body["seq"]))
                self._send(201, {**body, "region": outer.region, "committed": True})

            def do_GET(self):
                path, _, query = self.path.partition("?")
                client = path.split("/")[2]
                after = int(query.split("=")[1]) if query else -1
                seqs = sorted(s for c, s in outer.rows if c == client and s > after)
                self._send(200, {"client": client, "seqs": seqs[:1000]})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def fail_for(self, seconds: float) -> None:
        self.fail_until = time.monotonic() + seconds

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def moto_server_url():
    """For a module-scoped fixture (``yield from``): a moto server on a free loopback port
    (port 0: the OS picks it), stopped after. moto is imported here, not above: the fake
    cdk imports this module and must start fast."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def aws_test_env(monkeypatch, tmp_path: Path, url: str) -> None:
    """boto3 and child processes pointed at moto with fake keys, no profile, us-east-1."""
    for key in list(os.environ):
        if key.startswith("AWS_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    # moto answers what it lacks with HTTP 500, which botocore retries with backoff: once is
    # enough here (a real run keeps botocore's retries).
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
