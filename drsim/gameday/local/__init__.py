"""The local game day's stack: real PostgreSQL, HTTP services, DNS, checkers and faults.

Modules are named for what they hold: :mod:`.postgres`, :mod:`.proxy`,
:mod:`.dns`, :mod:`.service`, :mod:`.checkers`, :mod:`.orchestrator`,
:mod:`.loadgen`, :mod:`.faults`, and :mod:`.run`, which puts one run together.
Nothing starts at import time.
"""
