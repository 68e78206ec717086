"""``drsim new NAME --from BUNDLED``: start a scenario of one's own from a bundled one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from drsim.cli.common import write_atomically
from drsim.errors import DrsimError

COMMON_FIELDS = (
    ("failure", "mode", "what fails at time 0: region_outage, app_crash, app_hang, "
                        "brownout, db_primary_loss, partition"),
    ("health_check", "interval_s", "between two checks of one checker [s]; Route 53: 10 or 30"),
    ("health_check", "failure_threshold", "consecutive failed checks before a checker "
                                          "says unhealthy (Route 53: 1-10)"),
    ("health_check", "checks_database", "does the health path query the database?"),
    ("alarm", "period_s", "the alarm's metric period [s]"),
    ("alarm", "datapoints_to_alarm", "M of an 'M out of N' alarm"),
    ("decision", "mode", "automatic or manual (people decide after a page)"),
    ("decision", "trigger", "what starts an automatic failover: health_check or alarm"),
    ("dns", "ttl_s", "TTL of the service record [s]"),
    ("dns", "routing", "failover (records follow the health check) or manual"),
    ("compute", "standby_tasks", "tasks already running in the secondary"),
    ("compute", "required_tasks", "tasks the secondary needs for the full load"),
    ("objectives", "rto_s", "recovery time objective [s]"),
    ("objectives", "rpo_s", "recovery point objective [s]"),
    ("objectives", "rto_metric", "clients (the affected clients' RTO) or probe"),
    ("objectives", "downtime_cost_usd_per_h", "cost of an hour of outage [USD/h]"),
    ("objectives", "annual_disaster_probability", "chance per year of needing this failover"),
)
"""(section, field, what it means): the fields most people change first, listed in the
new file as comments with the base's values."""


def register(sub) -> None:
    p = sub.add_parser(
        "new", help="write a new scenario file that extends a bundled one",
        description="Write NAME.yaml: a scenario that extends a bundled scenario (everything "
                    "not set in it comes from there) and lists, as comments, the fields most "
                    "people change with the base's values. Refuses to overwrite a file "
                    "unless --force.")
    p.add_argument("name", metavar="NAME",
                   help="the new scenario's file (NAME.yaml unless it ends in .yaml); its "
                        "name is the file's name without .yaml")
    p.add_argument("--from", dest="base", required=True, metavar="BUNDLED",
                   help="the bundled scenario to start from, e.g. seed-warm-standby")
    p.add_argument("--force", action="store_true", help="overwrite NAME.yaml if it exists")
    p.set_defaults(func=run)


def run(args) -> int:
    from drsim.scenario import load_scenario
    from drsim.scenario.loader import scenario_from_yaml
    from drsim.scenario.locate import SUFFIX, bundled_file, no_bundled

    base_file = bundled_file(args.base)
    if base_file is None:
        raise DrsimError(f"--from {args.base}: {no_bundled(args.base)}")
    path = Path(args.name if args.name.endswith(SUFFIX) else f"{args.name}{SUFFIX}")
    if path.is_dir():
        raise DrsimError(f"{path}: is a directory; NAME is the new scenario's file")
    if path.exists() and not args.force:
        raise DrsimError(f"{path} exists; nothing written (give --force to overwrite it)")
    shadow = path.parent / base_file.name
    if shadow.is_file() and shadow.resolve() != path.resolve():
        # extends: looks beside the file first, so a copy there would be the base.
        raise DrsimError(f"{shadow} exists beside {path}, so 'extends: {base_file.stem}' would "
                         f"read it instead of the bundled scenario; nothing written")
    base = load_scenario(base_file)
    text = scenario_text(path.stem, base)
    # Check the file before writing it: what drsim new writes always validates.
    scenario_from_yaml(text, source=str(path), base_dir=path.parent)
    write_atomically(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    print(f"wrote {path}: extends {base_file.stem}; try drsim simulate {path}")
    return 0


def scenario_text(name: str, base) -> str:
    """The new file: ``extends``, its own name, and the common fields commented out."""
    today = dt.datetime.now(dt.UTC).date().isoformat()
    lines = [f"# {name}: starts from the bundled scenario {base.name} (drsim new, {today}).",
             "# Everything not set here comes from it; sections merge field by field, and",
             "# lists (runbook, datastores) replace the base's. Check with: drsim validate "
             f"{name}.yaml",
             f"extends: {base.name}",
             f"name: {name}",
             f"description: {base.name} with my changes (say which, and why)",
             "",
             f"# The fields most people change first, with the values {base.name} gives them.",
             "# Uncomment a section line and the fields under it to change them; units are",
             "# in the names (_s seconds, _usd dollars). Give each value you set a source:",
             "# sources: {dns.ttl_s: \"our resolver logs, 2026-11\"}"]
    section = None
    for sec, field, meaning in COMMON_FIELDS:
        if sec != section:
            lines.append(f"# {sec}:")
            section = sec
        value = getattr(getattr(base, sec), field)
        lines.append(f"#   {field}: {_yaml_value(value)}".ljust(40) + f"  # {meaning}")
    return "\n".join(lines) + "\n"


def _yaml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return f"{value:.0f}"
    return f"{value}"
