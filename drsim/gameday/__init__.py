"""Game days: real faults on a real stack, run and measured.

:func:`local_gamedays` runs a miniature two-region stack on this machine
(:mod:`drsim.gameday.local`); :mod:`drsim.gameday.reconcile` accounts for every
acknowledged write. Setting measured runs beside the simulator's is
:mod:`drsim.compare.gameday`'s work; nothing here imports the simulator.
Importing starts nothing.
"""

from drsim.gameday.gamedays import GamedayReport, local_gamedays, write_report

__all__ = ["GamedayReport", "local_gamedays", "write_report"]
