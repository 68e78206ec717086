"""The log of a run's destructive calls, each written BEFORE the call is made.

A run that creates, changes or deletes anything in an account says so first, to
``actions.log`` in its run directory and to stderr, one line per call::

    2026-12-04T21:40:07.120Z  deploy  cdk deploy --all --require-approval never ...

so whatever stops the run (an error, Ctrl-C, SIGTERM, a crash of this machine), the
log names every call that may have had an effect. Lines are written with one
``os.write`` on an ``O_APPEND`` file (whole or absent). Only commands and resource ids
are logged: credentials live in the environment and the boto3 session, never here.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO


class ActionLog:
    """Append-only log of destructive calls.

    path : the ``actions.log`` file (None: stderr only).
    echo : where each line is also printed (default stderr; None: nowhere).
    clock : aware UTC time source (tests pass a fixed one).
    """

    def __init__(self, path: str | Path | None, *, echo: TextIO | None = sys.stderr,
                 clock: Callable[[], datetime] | None = None):
        self.path = None if path is None else Path(path)
        self._echo = echo
        self._clock = clock or (lambda: datetime.now(UTC))
        self.lines: list[str] = []

    def before(self, what: str, call: str) -> None:
        """Record that ``call`` (of step ``what``) is about to be made."""
        stamp = self._clock().astimezone(UTC).isoformat(timespec="milliseconds")
        line = f"{stamp.replace('+00:00', 'Z')}  {what}  {call}"
        self.lines.append(line)
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            try:
                os.write(fd, (line + "\n").encode())
            finally:
                os.close(fd)
        if self._echo is not None:
            print(f"action: {line}", file=self._echo, flush=True)
