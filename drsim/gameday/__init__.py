"""Game days: real faults on a real stack, measured and set beside the simulation.

:mod:`drsim.gameday.local` runs a miniature two-region stack on this machine;
:mod:`drsim.gameday.reconcile` accounts for every acknowledged write;
:mod:`drsim.gameday.compare` sets measured runs beside the simulator's.
"""
