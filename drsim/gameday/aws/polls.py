"""Writing the raw record as a run polls AWS: one JSON line per call, in the format
:mod:`drsim.gameday.aws.raw` reads.

:class:`PollLog` calls a boto3 client's operation, stamps the answer with the UTC
time it came, drops ``ResponseMetadata`` (request ids, retry counts: not the
service's answer) and appends the line to ``polls/SERVICE.Operation.jsonl`` with
one ``os.write`` on an ``O_APPEND`` file, so a line is whole or absent, whatever
stops the run. boto3's ``datetime`` values become ISO-8601 text with their offset.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from drsim.errors import DrsimError
from drsim.gameday.aws.raw import FORMAT, POLLED_APIS, check_manifest


def _plain(value):
    """A boto3 value as JSON data: datetimes as ISO-8601 with their offset, bytes refused."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise DrsimError(f"time {value!r} has no UTC offset (boto3 gives aware times)")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def poll_line(t_utc: datetime, api: str, region: str, request: dict, response: dict) -> str:
    """One poll line (with its newline) as :mod:`drsim.gameday.aws.raw` reads it."""
    if api not in POLLED_APIS:
        raise DrsimError(f"api {api!r} is not one of {', '.join(POLLED_APIS)}")
    body = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    return json.dumps({"t_utc": _plain(t_utc), "api": api, "region": region,
                       "request": _plain(request), "response": _plain(body)},
                      allow_nan=False) + "\n"


class PollLog:
    """The ``polls/`` folder of a run directory, written one call at a time.

    clock : returns the current time, timezone-aware (default: the machine's UTC clock);
        tests pass a fixed one.
    """

    def __init__(self, run_dir: str | Path, clock: Callable[[], datetime] | None = None):
        self.dir = Path(run_dir) / "polls"
        self.dir.mkdir(parents=True, exist_ok=True)
        self._clock = clock or (lambda: datetime.now(UTC))
        self.lines = 0

    def call(self, client, operation: str, **request) -> dict:
        """Call ``operation`` (``"GetHealthCheckStatus"``) on ``client`` with ``request``,
        record the answer, and return it as boto3 gave it."""
        from botocore import xform_name

        api = f"{client.meta.service_model.service_name}.{operation}"  # boto3's client name
        response = getattr(client, xform_name(operation))(**request)
        self.write(api, client.meta.region_name, request, response, self._clock())
        return response

    def write(self, api: str, region: str, request: dict, response: dict,
              t_utc: datetime) -> None:
        """Append one poll line to ``polls/API.jsonl`` in one system call."""
        line = poll_line(t_utc, api, region, request, response).encode()
        fd = os.open(self.dir / f"{api}.jsonl", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
        self.lines += 1


def write_manifest(run_dir: str | Path, manifest: dict) -> Path:
    """Check ``manifest`` and write it as ``manifest.json`` (with the format's name);
    nothing is written when it is incomplete. Returns the path."""
    path = Path(run_dir) / "manifest.json"
    data = {"format": FORMAT, **_plain(manifest)}
    check_manifest(data, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path
