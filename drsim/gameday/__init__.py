"""Game days: real faults on a real stack, run and measured.

:func:`local_gamedays` runs a miniature two-region stack on this machine
(:mod:`drsim.gameday.local`); :mod:`drsim.gameday.reconcile` accounts for every
acknowledged write. Setting measured runs beside the simulator's is
:mod:`drsim.compare.gameday`'s work; nothing here imports the simulator.
Importing starts nothing.
"""

__all__ = ["GamedayReport", "local_gamedays", "write_report"]


def __getattr__(name: str):
    # Imported on first use (PEP 562): the local stack needs the gameday extra (dnslib,
    # psycopg), and the command line, which reads drsim.gameday.aws's constants to build
    # its options, must start with the lab extra alone (make report installs no more).
    if name in __all__:
        from drsim.gameday import gamedays

        return getattr(gamedays, name)
    raise AttributeError(f"module 'drsim.gameday' has no attribute {name!r}")
