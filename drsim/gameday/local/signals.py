"""Signals around a local game day: SIGTERM unwinds like Ctrl-C, and some steps are never cut.

Python delivers a signal to the main thread between two bytecodes, so a
KeyboardInterrupt can land anywhere: between starting a process and noting
its PID, or halfway through stopping the stack. :func:`deferred` holds the
signals over such a step and delivers them when it ends;
:func:`terminate_as_interrupt` makes SIGTERM and SIGHUP (a supervisor, a
closed terminal) unwind like Ctrl-C, so every ``finally`` and every
``ExitStack`` callback runs. Both only act in the main thread (the only one
Python runs signal handlers in, and the only one allowed to install them);
elsewhere they do nothing.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

HELD = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextmanager
def deferred(signals: tuple[signal.Signals, ...] = HELD) -> Iterator[list[int]]:
    """Hold ``signals`` while the block runs, then deliver each one that came, once.

    The handlers in place before the block act on them afterwards, exactly as if
    the signal had arrived then (Ctrl-C raises KeyboardInterrupt there). The block
    gets the list of the signals held so far, so a loop can end early at a point of
    its choosing (``with deferred() as came: ... if came: break``).
    """
    came: list[int] = []
    if not _in_main_thread():
        yield came
        return
    previous = {}
    for sig in signals:
        handler = signal.getsignal(sig)
        if handler is None:  # installed outside Python: leave it alone
            continue
        previous[sig] = handler
        signal.signal(sig, lambda signum, frame: came.append(signum))
    try:
        yield came
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for sig in dict.fromkeys(came):
            signal.raise_signal(sig)


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Let SIGTERM and SIGHUP raise KeyboardInterrupt (named for the signal) while the block runs."""
    if not _in_main_thread():
        yield
        return

    def raise_interrupt(signum, frame):
        raise KeyboardInterrupt(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, raise_interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)
