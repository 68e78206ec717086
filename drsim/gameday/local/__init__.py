"""The local game day's stack: real PostgreSQL, HTTP services, DNS, checkers and faults.

Modules are named for what they hold. The parts of the stack: :mod:`.postgres`,
:mod:`.proxy`, :mod:`.dns`, :mod:`.service`, :mod:`.checkers`,
:mod:`.orchestrator`, :mod:`.loadgen`, :mod:`.faults`, with :mod:`.procs` (the
processes, by PID) and :mod:`.signals`. One run puts them together as
start -> inject -> await -> record: :mod:`.stack` (``LocalStack``, start-up and
teardown), :mod:`.injection`, :mod:`.wait`, :mod:`.record` (the typed
``RunResult``), driven by :mod:`.run`; :mod:`.config` holds the knobs and
addresses, :mod:`.journals` reads the load generator's journals.
Nothing starts at import time.
"""
