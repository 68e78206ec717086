"""Progress bars: shown for work that lasts, where someone can see them.

A bar appears once a run has lasted :data:`DELAY_S` (tqdm's ``delay``), so short
runs stay silent and a 20,000-trial run is not silent for half a minute. By
default it is shown on a terminal (stderr is a TTY) and in a Jupyter kernel, as
a widget when ipywidgets is installed (the ``lab`` extra), else as text. The
environment variable :data:`ENV` overrides that: ``0``/``off`` hides every bar
(``drsim report`` sets it for the kernels it runs, so no bar lands in a
report), ``1``/``on`` shows them anywhere.
"""

from __future__ import annotations

import os
import sys

DELAY_S = 2.0
"""A bar appears only once the work has lasted this long. [s]"""
ENV = "DRSIM_PROGRESS"
OFF = ("0", "off", "false", "no")
ON = ("1", "on", "true", "yes")


def in_kernel() -> bool:
    """Whether this process is a Jupyter (IPython) kernel."""
    shell = sys.modules.get("IPython")
    if shell is None or "ipykernel" not in sys.modules:
        return False
    ip = shell.get_ipython()
    return ip is not None and getattr(ip, "kernel", None) is not None


def someone_watches() -> bool:
    """Whether a bar would be seen: :data:`ENV` if set, else a terminal or a kernel."""
    setting = os.environ.get(ENV, "").strip().lower()
    if setting in OFF:
        return False
    if setting in ON:
        return True
    return sys.stderr.isatty() or in_kernel()


def _bar_class():
    if in_kernel():
        try:
            import ipywidgets  # noqa: F401  (tqdm.notebook needs it)
            from tqdm.notebook import tqdm as widget_bar

            return widget_bar
        except ImportError:
            pass  # text on stderr shows in a notebook too
    from tqdm import tqdm

    return tqdm


def progress_bar(*, total: int, unit: str, desc: str, show: bool | None = None):
    """A tqdm bar (a context manager) over ``total`` units of work.

    show : True always shows it (at once), False never; None shows it after
        :data:`DELAY_S` when :func:`someone_watches`.
    """
    if show is None:
        show, delay_s = someone_watches(), DELAY_S
    else:
        delay_s = 0.0
    cls = _bar_class() if show else None
    if cls is None:
        from tqdm import tqdm

        return tqdm(total=total, disable=True)
    return cls(total=total, unit=unit, desc=desc, delay=delay_s)
