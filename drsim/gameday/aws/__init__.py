"""The AWS game day's records: the raw poll format, its conversion to the shared
timeline, and the replay that measures it.

:mod:`.raw` documents and reads a run directory (poll lines, the probe fleet's
journals, the manifest); :mod:`.polls` writes it as a run polls (``PollLog``,
``write_manifest``); :mod:`.signals` reads each AWS API's answers as
timeline events; :mod:`.convert` makes one run's timeline (``source: aws``)
and figures; :mod:`.replay` measures a game day's runs into the same
:class:`drsim.gameday.GamedayReport` the local game day gives; :mod:`.validate`
holds poll lines against the AWS API model (botocore's Stubber);
:mod:`.faults` maps the FIS faults to the scenario's failure modes.
:mod:`.fixture` finds the constructed run shipped in the package.
:mod:`.plan` says what a run would deploy, inject, watch and cost, from a synthesis of
infra/ by :mod:`.synth`; :mod:`.guards` are the run's guards (the one AWS call there is
STS GetCallerIdentity). :mod:`.run` runs a game day once they pass, from its parts:
:mod:`.deploy` (the CDK CLI, stacks found by tag), :mod:`.resources`, :mod:`.health`,
:mod:`.probes`
(the probe fleet), :mod:`.inject` (FIS), :mod:`.pollers`, :mod:`.teardown` (by tag
alone) and :mod:`.actions` (every destructive call logged before it is made). Only
those call AWS, and only ``drsim gameday aws run`` / ``teardown`` reach them.
"""

from drsim.gameday.aws.faults import AWS_FAULTS, failure_mode

__all__ = ["AWS_FAULTS", "aws_gamedays", "failure_mode"]


def __getattr__(name: str):
    # The replay reuses the local game day's measurement, which imports the local stack
    # (the gameday extra): on first use only, so the command line starts without it.
    if name == "aws_gamedays":
        from drsim.gameday.aws.replay import aws_gamedays

        return aws_gamedays
    raise AttributeError(f"module 'drsim.gameday.aws' has no attribute {name!r}")
