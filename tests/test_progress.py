"""Progress bars: after 2 s, where someone watches (a terminal, a kernel), never in a pipe
or a report."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
import threading
import time

import pytest

from drsim import progress
from tests.conftest import ROOT

TRIALS = "20000"  # a few seconds on one core of a 2-core machine


@pytest.mark.parametrize("value, expect", [("off", False), ("0", False), ("on", True),
                                           ("1", True)])
def test_the_environment_variable_decides(monkeypatch, value, expect):
    monkeypatch.setenv(progress.ENV, value)
    assert progress.someone_watches() is expect


def test_a_pipe_outside_a_kernel_gets_no_bar(monkeypatch):
    monkeypatch.delenv(progress.ENV, raising=False)
    assert not sys.stderr.isatty() or pytest.skip("pytest's stderr is a terminal here")
    assert progress.someone_watches() is False  # pytest is no kernel, its stderr a capture


def _simulate(stderr, env_extra=None):
    env = {**os.environ, **(env_extra or {})}
    env.pop(progress.ENV, None) if not env_extra else None
    return subprocess.Popen([sys.executable, "-m", "drsim", "simulate", "seed-warm-standby",
                             "--trials", TRIALS, "--json"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=stderr)


@pytest.mark.slow
def test_a_terminal_sees_a_bar_once_the_run_lasts():
    leader, follower = pty.openpty()
    # A terminal has a size; tqdm draws nothing in a window 0 columns wide.
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    chunks: list[bytes] = []

    def read():  # drain the terminal while the run writes to it
        while True:
            try:
                data = os.read(leader, 4096)
            except OSError:
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    started = time.monotonic()
    proc = _simulate(follower)
    os.close(follower)
    assert proc.wait(timeout=600) == 0
    elapsed = time.monotonic() - started
    reader.join(timeout=30)
    os.close(leader)
    text = b"".join(chunks).decode(errors="replace")
    # The bar is due only after DELAY_S of simulation; the interpreter's start-up
    # counts in elapsed too, so only a run well past the delay must show it.
    if elapsed > progress.DELAY_S + 3:
        assert "seed-warm-standby:" in text and "trial/s" in text, text[-500:]
    if elapsed < progress.DELAY_S:
        assert "trial/s" not in text


@pytest.mark.slow
def test_a_pipe_gets_no_bar_however_long_the_run():
    proc = _simulate(subprocess.PIPE)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0
    assert b"trial/s" not in err and b"it/s" not in err, err[-300:]


def test_report_kernels_run_without_bars():
    pytest.importorskip("jupyter_client")
    from drsim.report.run import _kernel_manager_class

    assert _kernel_manager_class()().kernel_spec.env == {progress.ENV: "off"}
