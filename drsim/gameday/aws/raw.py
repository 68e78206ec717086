"""The raw record of one AWS game day, as the run leaves it on disk, read and checked.

A run directory holds::

    manifest.json            what was run (below)
    polls/*.jsonl            one file per poller, one line per poll
    probe/journal.csv        the probe fleet's requests   (the local game day's format,
    probe/acked.csv          its acknowledged writes       drsim.gameday.local.journals,
    probe/probe.csv          the external probe's attempts with Unix epoch seconds, UTC)
    database/present.csv     client,seq of every write the promoted database holds

**Poll lines.** Each line of a ``polls/*.jsonl`` file is one API call::

    {"t_utc": "2026-11-30T14:03:12.5Z",      # when the poll was answered, ISO-8601 with
     "api": "route53.GetHealthCheckStatus",  #   Z or an offset (no naive times)
     "region": "us-east-1",                  # the client's region (optional)
     "request": {...},                       # the boto3 call's parameters
     "response": {...}}                      # the boto3 response (ResponseMetadata dropped;
                                             #   timestamps as ISO-8601 text)

The file a line sits in does not matter: lines are grouped by ``api``, sorted by
``t_utc`` and repeated answers are merged, so unsorted files, duplicated polls
and two pollers writing one file all read the same. The APIs read
(:data:`POLLED_APIS`): ``route53.GetHealthCheckStatus`` (each checker's latest
check), ``route53.TestDNSAnswer`` (what Route 53 answers for the service name),
``cloudwatch.DescribeAlarmHistory``, ``stepfunctions.GetExecutionHistory``,
``elbv2.DescribeTargetHealth``, ``ecs.DescribeServices``,
``rds.DescribeGlobalClusters``, ``rds.DescribeEvents`` and ``fis.GetExperiment``.
A poller that is missing leaves the phases it measures unmeasured (NaN, with the
reason in the run's ``unmeasured``); it is not an error.

**Journals.** ``journal.csv`` (``t_start,t_end,client,op,seq,address,status,region,error``),
``acked.csv`` (``client,seq,t_ack,region``) and ``probe.csv``
(``t_attempt,t_end,seq,address,status,region,error``) are the local game day's
journals with times in Unix epoch seconds (UTC) instead of the monotonic clock;
``region`` is the serving region's name (the application's ``X-Region`` header).

**Manifest** (``manifest.json``)::

    {"format": "drsim-aws-gameday-raw/1",
     "run_id": "...", "scenario": "seed-warm-standby",   # bundled name, or a YAML file
                                                          #   relative to the run directory
     "fault": "region_isolation",                         # see drsim.gameday.aws.faults
     "regions": {"primary": "us-east-1", "secondary": "us-east-2"},
     "fault_injected_utc": "...",        # the FIS experiment's start (fis.GetExperiment's
                                         #   startTime wins when that poller ran)
     "provenance": "recorded" | "constructed: ...",
     "stacks": [...], "resources": {...},                 # see MANIFEST_RESOURCES
     "probe_fleet": {"clients": 20, "probe_interval_s": 5}}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from drsim.errors import DrsimError

FORMAT = "drsim-aws-gameday-raw/1"
POLLED_APIS = (
    "route53.GetHealthCheckStatus",
    "route53.TestDNSAnswer",
    "cloudwatch.DescribeAlarmHistory",
    "stepfunctions.GetExecutionHistory",
    "elbv2.DescribeTargetHealth",
    "ecs.DescribeServices",
    "rds.DescribeGlobalClusters",
    "rds.DescribeEvents",
    "fis.GetExperiment",
)
MANIFEST_KEYS = ("run_id", "scenario", "fault", "regions", "fault_injected_utc", "resources",
                 "probe_fleet")
MANIFEST_RESOURCES = {
    "health_check_id": "the primary's Route 53 health check",
    "record_name": "the service's DNS name (failover records)",
    "secondary_alb_dns": "the secondary ALB's DNS name (the answer after the switch)",
    "failover_alarm": "the alarm that starts the runbook",
    "state_machine_arn": "the failover runbook",
    "secondary_target_group_arn": "the secondary's ALB target group",
    "ecs_cluster": "the secondary's ECS cluster",
    "secondary_ecs_service": "the standby ECS service",
    "global_cluster_id": "the Aurora global database",
    "secondary_cluster_arn": "the Aurora cluster that is promoted",
    "experiment_id": "the FIS experiment",
}
"""The ``resources`` a manifest names, each with what it is; the converter reads each
poller's lines for these ids only."""


@dataclass(frozen=True)
class Poll:
    """One poll line. ``t`` is its time in Unix epoch seconds (UTC). [s]"""

    t: float
    api: str
    request: dict
    response: dict
    where: str  # "FILE:LINE", for messages


@dataclass
class RawRun:
    """A run directory, read.

    fault_t : Unix epoch seconds of the fault's injection (UTC). [s]
    polls : api -> its polls, sorted by time, exact repeats dropped.
    journal, acked, probe : the probe fleet's journals (epoch seconds).
    present : ``(client, seq)`` keys the promoted database holds, or None when not dumped.
    """

    path: Path
    manifest: dict
    fault_t: float
    polls: dict[str, list[Poll]] = field(repr=False)
    journal: pd.DataFrame = field(repr=False)
    acked: pd.DataFrame = field(repr=False)
    probe: pd.DataFrame = field(repr=False)
    present: list[tuple[int, int]] | None = field(repr=False)

    @property
    def resources(self) -> dict:
        return self.manifest.get("resources") or {}


def epoch_s(text, where: str) -> float:
    """Unix epoch seconds of an ISO-8601 time with ``Z`` or an offset (``T`` or a space
    between date and time, as ``str(datetime)`` writes). A naive time is refused:
    the machine that wrote it had some local zone nobody recorded. [s]"""
    if not isinstance(text, str):
        raise DrsimError(f"{where}: time {text!r} is not ISO-8601 text")
    try:
        t = datetime.fromisoformat(text.strip())
    except ValueError:
        raise DrsimError(f"{where}: time {text!r} is not ISO-8601 "
                         "(e.g. 2026-11-30T14:00:07.412Z)") from None
    if t.tzinfo is None:
        raise DrsimError(f"{where}: time {text!r} has no UTC offset; write Z or +00:00")
    return t.timestamp()


def read_manifest(run_dir: Path) -> dict:
    path = run_dir / "manifest.json"
    if not path.is_file():
        raise DrsimError(f"{run_dir}: no manifest.json; a replay needs a run directory "
                         "written by drsim gameday aws run (or the fixture)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as err:
        raise DrsimError(f"{path}: not JSON ({err})") from None
    return check_manifest(manifest, path)


def check_manifest(manifest, path: Path) -> dict:
    """``manifest`` if it has what a run's manifest needs, else DrsimError naming ``path``."""
    if not isinstance(manifest, dict):
        raise DrsimError(f"{path}: not a JSON object")
    missing = [k for k in MANIFEST_KEYS if k not in manifest]
    if missing:
        raise DrsimError(f"{path}: missing {', '.join(missing)}; a manifest has "
                         f"{', '.join(MANIFEST_KEYS)}")
    if manifest.get("format", FORMAT) != FORMAT:
        raise DrsimError(f"{path}: format {manifest['format']!r} is not {FORMAT!r}")
    regions = manifest["regions"]
    if not isinstance(regions, dict) or not {"primary", "secondary"} <= set(regions):
        raise DrsimError(f"{path}: regions must be {{\"primary\": ..., \"secondary\": ...}}")
    if not isinstance(manifest["resources"], dict):
        raise DrsimError(f"{path}: resources must be an object of resource ids")
    fleet = manifest["probe_fleet"]
    clients = fleet.get("clients") if isinstance(fleet, dict) else None
    if not isinstance(clients, int) or clients < 1:
        raise DrsimError(f"{path}: probe_fleet.clients: {clients!r} is not a whole number >= 1")
    return manifest


def _poll(line: str, where: str) -> Poll | None:
    if not line.strip():
        return None
    try:
        row = json.loads(line)
    except ValueError as err:
        raise DrsimError(f"{where}: not a JSON line ({err.args[0] if err.args else err})") from None
    if not isinstance(row, dict):
        raise DrsimError(f"{where}: a poll line is a JSON object")
    missing = [k for k in ("t_utc", "api", "request", "response") if k not in row]
    if missing:
        raise DrsimError(f"{where}: missing {', '.join(missing)}; a poll line has t_utc, api, "
                         "request, response")
    if row["api"] not in POLLED_APIS:
        raise DrsimError(f"{where}: api {row['api']!r} is not one of {', '.join(POLLED_APIS)}")
    if not isinstance(row["request"], dict) or not isinstance(row["response"], dict):
        raise DrsimError(f"{where}: request and response are JSON objects")
    return Poll(epoch_s(row["t_utc"], where), row["api"], row["request"], row["response"], where)


def read_polls(poll_dir: Path) -> dict[str, list[Poll]]:
    """Every poll under ``poll_dir``, by api, sorted by time, exact repeats dropped."""
    by_api: dict[str, list[Poll]] = {}
    seen: set[tuple] = set()
    for path in sorted(poll_dir.glob("*.jsonl")) if poll_dir.is_dir() else []:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except UnicodeDecodeError:
            raise DrsimError(f"{path}: not UTF-8 text") from None
        for n, line in enumerate(lines, start=1):
            poll = _poll(line, f"{path}:{n}")
            if poll is None:
                continue
            key = (poll.t, poll.api, json.dumps(poll.request, sort_keys=True),
                   json.dumps(poll.response, sort_keys=True))
            if key in seen:  # a poller that wrote the same answer twice
                continue
            seen.add(key)
            by_api.setdefault(poll.api, []).append(poll)
    for polls in by_api.values():
        polls.sort(key=lambda p: p.t)
    return by_api


def _present(path: Path) -> list[tuple[int, int]] | None:
    if not path.is_file():
        return None
    try:
        df = pd.read_csv(path)
    except (ValueError, pd.errors.ParserError) as err:
        raise DrsimError(f"{path}: not a CSV of client,seq ({err})") from None
    if not {"client", "seq"} <= set(df.columns):
        raise DrsimError(f"{path}: missing columns client, seq")
    return list(zip(df["client"].astype(int), df["seq"].astype(int)))


def read_run(run_dir: str | Path) -> RawRun:
    """Read and check one run directory (layout in this module's docstring)."""
    from drsim.gameday.local.journals import (
        ACKED_COLUMNS,
        JOURNAL_COLUMNS,
        PROBE_COLUMNS,
        read_journal,
    )

    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise DrsimError(f"{run_dir}: no such run directory")
    manifest = read_manifest(run_dir)
    fault_t = epoch_s(manifest["fault_injected_utc"], f"{run_dir / 'manifest.json'}: "
                      "fault_injected_utc")
    polls = read_polls(run_dir / "polls")
    fis_start = _fis_start(polls.get("fis.GetExperiment", []))
    if fis_start is not None:
        fault_t = fis_start  # the experiment's own record of when it began
    probe_dir = run_dir / "probe"
    journals = []
    for name, cols in (("journal.csv", JOURNAL_COLUMNS), ("acked.csv", ACKED_COLUMNS),
                       ("probe.csv", PROBE_COLUMNS)):
        try:
            journals.append(read_journal(probe_dir / name, cols))
        except (ValueError, pd.errors.ParserError) as err:
            raise DrsimError(f"{probe_dir / name}: not a journal with columns "
                             f"{','.join(cols)} ({err})") from None
    journal, acked, probe = journals
    return RawRun(run_dir, manifest, fault_t, polls, journal, acked, probe,
                  _present(run_dir / "database" / "present.csv"))


def _fis_start(polls: list[Poll]) -> float | None:
    """The FIS experiment's ``startTime`` (the first poll that has one). [s]"""
    for p in polls:
        start = (p.response.get("experiment") or {}).get("startTime")
        if start is not None:
            return epoch_s(start, f"{p.where}: experiment.startTime")
    return None

