"""``drsim validate SCENARIO...``: check scenarios without running anything."""

from __future__ import annotations

import sys

from drsim.cli.common import SCENARIO_HELP, add_set_option, load, print_warnings
from drsim.errors import ScenarioError


def register(sub) -> None:
    p = sub.add_parser("validate", help="check scenarios",
                       description="Check scenario files or bundled scenarios (and --set "
                                   "overrides); exit 2 if any is invalid. A valid "
                                   "scenario's warnings (e.g. an alarm that cannot "
                                   "see the fault) go to stderr and keep exit 0.")
    p.add_argument("files", nargs="+", metavar="SCENARIO", help=SCENARIO_HELP)
    add_set_option(p)
    p.set_defaults(func=run)


def run(args) -> int:
    status = 0
    for path in args.files:
        try:
            s = load(path, args)
        except ScenarioError as err:
            print(str(err), file=sys.stderr)
            status = 2
            continue
        print(f"ok: {path} ({s.name}: {s.strategy}, {s.platform}, "
              f"{s.regions.primary} -> {s.regions.secondary})")
        print_warnings(s, path, deployment=True)  # valid, so still ok and exit 0
    return status
