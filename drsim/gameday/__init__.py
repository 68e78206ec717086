"""Game days: real faults on a real stack, measured and set beside the simulation.

:func:`local_gamedays` runs a miniature two-region stack on this machine
(:mod:`drsim.gameday.local`); :mod:`drsim.gameday.reconcile` accounts for every
acknowledged write; :mod:`drsim.gameday.compare` sets measured runs beside the
simulator's. Importing starts nothing.
"""

from drsim.gameday.gamedays import GamedayReport, local_gamedays, write_report

__all__ = ["GamedayReport", "local_gamedays", "write_report"]
