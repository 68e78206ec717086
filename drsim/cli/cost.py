"""``drsim cost SCENARIO``: monthly cost line by line, and the cost of risk beside the DR spend."""

from __future__ import annotations

import datetime as dt

from drsim import defaults
from drsim.cli.common import SCENARIO_HELP, add_set_option, load, to_json
from drsim.errors import DrsimError


def register(sub) -> None:
    p = sub.add_parser(
        "cost", help="price a scenario per month and set it against the cost of risk",
        description="Price a scenario per month by region, service and line item from the "
                    "dated price tables bundled in drsim/data/prices, and report the expected "
                    "yearly cost of regional disasters (simulated downtime and lost writes) "
                    "next to the yearly DR spend.")
    p.add_argument("scenario", metavar="SCENARIO", help=SCENARIO_HELP)
    add_set_option(p)
    p.add_argument("--json", action="store_true",
                   help="print one JSON object instead of a table")
    p.add_argument("--trials", type=_positive_int, default=defaults.TRIALS, metavar="N",
                   help=f"simulated failovers for the expected downtime (default "
                        f"{defaults.TRIALS}, as drsim simulate)")
    p.add_argument("--seed", type=int, default=defaults.SEED, metavar="S",
                   help=f"seed of that simulation (default {defaults.SEED})")
    p.add_argument("--explain", action="store_true",
                   help="also set the bill beside the seed document's own estimate "
                        "(550-750 USD/month), item by item, with the reason for every "
                        "difference")
    p.add_argument("--sweep", metavar="PATH=V1,V2,...", default=None,
                   help="price (and simulate) the scenario once per value of one field, all "
                        "with the same seed, and print how the bill and the cost of risk "
                        "scale, e.g. --sweep workload.requests_per_s=10,50,200 (values are "
                        "read as YAML, like --set; a YAML list [..] for values with commas)")
    p.add_argument("--no-risk", dest="risk", action="store_false",
                   help="price only; do not simulate the cost of risk")
    p.add_argument("--prices-dir", metavar="DIR", default=None,
                   help="folder of dated price tables (default: the bundled drsim/data/prices)")
    p.add_argument("--prices-as-of", metavar="YYYY-MM-DD", type=_date, default=None,
                   help="use the newest price tables dated on or before this day")
    p.set_defaults(func=run)


def _positive_int(text: str) -> int:
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def _date(text: str) -> dt.date:
    import argparse

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date such as 2026-11-28") from None


def run(args) -> int:
    from drsim.compare.cost_report import cost_report

    scenario = load(args.scenario, args)
    if args.sweep is not None:
        return _run_sweep(scenario, args)
    try:
        report = cost_report(scenario, risk=args.risk, trials=args.trials, seed=args.seed,
                             prices_dir=args.prices_dir, as_of=args.prices_as_of,
                             explain=args.explain)
    except DrsimError as err:
        raise DrsimError(f"{args.scenario}: {err}") from None
    print(to_json(report) if args.json else format_report(report))
    return 0


def parse_sweep(text: str) -> tuple[str, list]:
    """``PATH=V1,V2,...`` (or ``PATH=[V1, V2]``) as the path and its values, each read as
    YAML like a ``--set`` value. Raises DrsimError naming ``--sweep`` and what is allowed."""
    import yaml

    path, sep, rhs = text.partition("=")
    path, rhs = path.strip(), rhs.strip()
    usage = (f"--sweep: {text!r} is not PATH=V1,V2,... (a scenario field and its values, "
             "e.g. --sweep workload.requests_per_s=10,50,200)")
    if not sep or not path or not rhs:
        raise DrsimError(usage)
    try:
        if rhs.startswith("["):
            values = yaml.safe_load(rhs)
        else:
            items = [v.strip() for v in rhs.split(",")]
            if any(not v for v in items):
                raise DrsimError(usage)
            values = [yaml.safe_load(v) for v in items]
    except yaml.YAMLError:
        raise DrsimError(f"--sweep {path}: {rhs!r} is not a list of YAML values") from None
    if not isinstance(values, list) or not values:
        raise DrsimError(usage)
    return path, values


def _run_sweep(scenario, args) -> int:
    from drsim.compare.cost_sweep import cost_sweep

    if args.explain:
        raise DrsimError("--sweep and --explain: give one (--explain sets one bill beside "
                         "the seed document's estimate)")
    path, values = parse_sweep(args.sweep)
    try:
        sweep = cost_sweep(scenario, path, values, risk=args.risk, trials=args.trials,
                           seed=args.seed, prices_dir=args.prices_dir, as_of=args.prices_as_of)
    except DrsimError as err:
        raise DrsimError(f"{args.scenario}: {err}") from None
    result = {"scenario": scenario.name, "trials": args.trials if args.risk else None,
              "seed": args.seed if args.risk else None, "sweep": sweep}
    print(to_json(result) if args.json else format_sweep(result))
    return 0


def format_sweep(result: dict) -> str:
    """The readable table of ``drsim cost --sweep``: one row per value."""
    sweep = result["sweep"]
    risk = result["trials"] is not None
    header = [sweep["field"], "bill [USD/mo]", "DR part [USD/mo]", "unconfirmed"]
    if risk:
        header += ["cost of risk [USD/y]", "downtime/disaster [min]", "lost writes/disaster"]
    body = []
    for r in sweep["rows"]:
        row = [str(r["value"]), _usd(r["monthly_usd"]), _usd(r["dr_monthly_usd"]),
               f"{100 * r['unconfirmed_share']:.0f} %"]
        if risk:
            row += [_usd(r["risk_annual_usd"]), f"{r['expected_downtime_s'] / 60:,.1f}",
                    f"{r['expected_lost_writes']:,.1f}"]
        body.append(row)
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(header)]

    def line(cells):
        return "  ".join(c.rjust(w) for c, w in zip(cells, widths)).rstrip()

    title = (f"{result['scenario']}: the bill and the cost of risk as {sweep['field']} varies"
             + (f" ({result['trials']:,} simulated failovers per value, seed {result['seed']} "
                "for every value)" if risk else " (priced only: --no-risk)"))
    return "\n".join([title, line(header), line(["-" * w for w in widths]), *map(line, body)])


def _usd(x: float) -> str:
    return f"{x:,.2f}"


def _quantity(x: float) -> str:
    """1,095 / 2,890.8 / 0.004: whole thousands without exponents, small ones to 4 digits."""
    return f"{x:,.1f}".removesuffix(".0") if x >= 1000 else f"{x:.4g}"


def format_report(r: dict) -> str:
    """The readable table of a :func:`drsim.compare.cost_report.cost_report`."""
    out = [(f"{r['scenario']} ({r['strategy']}): {_usd(r['monthly_usd'])} USD/month, "
            f"{_usd(r['yearly_usd'])} USD/year"),
           f"prices: {', '.join(r['price_tables'].values())}", ""]
    header = ("service", "region", "item", "quantity", "unit", "USD/unit", "USD/month")
    rows = [(ln["service"], ln["region"], ln["item"] + (" *" if ln in r["unconfirmed_lines"]
                                                         else ""),
             _quantity(ln["quantity"]), ln["unit"], f"{ln['usd_per_unit']:g}",
             _usd(ln["monthly_usd"])) for ln in r["lines"]]
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h)
              for i, h in enumerate(header)]
    widths[2] = min(widths[2], 90)
    right = {3, 5, 6}

    def fmt(row):
        cells = []
        for i, cell in enumerate(row):
            if i == 2 and len(cell) > widths[2]:
                cell = cell[:widths[2] - 3] + "..."
            cells.append(cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]))
        return "  ".join(cells).rstrip()

    out.append(fmt(header))
    out.append(fmt(tuple("-" * w for w in widths)))
    out.extend(fmt(row) for row in rows)
    out.append("")
    out.append("by region:  " + ", ".join(f"{k} {_usd(v)}" for k, v in r["by_region"].items()))
    out.append("by service: " + ", ".join(f"{k} {_usd(v)}" for k, v in r["by_service"].items()))
    n = len(r["unconfirmed_lines"])
    if n:
        usd = sum(ln["monthly_usd"] for ln in r["unconfirmed_lines"])
        out.append(f"* {n} of {len(r['lines'])} lines ({_usd(usd)} USD/month, "
                   f"{100 * r['unconfirmed_share']:.0f} % of the bill) use a price no "
                   "retrieved source confirms; see their source (--json: unconfirmed_lines)")
    out.append("")
    out.append(f"DR spend:      {_usd(r['dr_monthly_usd'])} USD/month = "
               f"{_usd(r['dr_yearly_usd'])} USD/year (secondary region, replication, "
               "failover detection and runbook)")
    risk = r["risk"]
    if not risk["computed"]:
        out.append(f"cost of risk:  not computed: {risk['reason']}")
    else:
        out.append(
            f"cost of risk:  {_usd(risk['expected_annual_usd'])} USD/year expected = "
            f"{risk['annual_disaster_probability']:g} disasters/year x "
            f"{_usd(risk['per_disaster_usd'])} USD per disaster")
        out.append(
            f"               per disaster: {risk['expected_downtime_s'] / 60:,.1f} min mean "
            f"downtime x {_usd(risk['downtime_cost_usd_per_h'])} USD/h = "
            f"{_usd(risk['downtime_usd_per_disaster'])}, + "
            f"{risk['expected_lost_writes']:,.1f} lost writes x "
            f"{risk['lost_write_cost_usd']:g} USD = {_usd(risk['lost_writes_usd_per_disaster'])}"
            f"  ({risk['trials']} simulated trials, seed {risk['seed']})")
        out.extend(_worth_lines(risk))
    if "reconciliation" in r:
        from drsim.cost.reconcile import format_reconciliation

        out += ["", format_reconciliation(r["reconciliation"])]
    return "\n".join(out)


def _worth_lines(risk: dict) -> list[str]:
    """What DR is worth: the no-DR cost of risk, the risk avoided, the break-even."""
    no_dr = risk["no_dr"]
    windows = sorted(set(no_dr["lost_window_s"].values()))
    if any(windows):
        data = (f"{no_dr['expected_lost_writes']:,.0f} writes since the newest off-region "
                f"backup ({' / '.join(f'{w / 3600:,.1f} h' for w in windows)} on average)")
    else:
        data = "no off-region backup: the data counts as coming back with the region"
    avoided, spend = risk["risk_avoided_usd_per_year"], risk["dr_yearly_usd"]
    p_star = risk["break_even_annual_disaster_probability"]
    if p_star is None:
        when = "no probability makes it pay: it avoids no risk"
    elif p_star > 1:
        when = f"no probability makes it pay (break-even {p_star:.3g} disasters/year > 1)"
    else:
        when = f"break-even from {p_star:.3g} disasters/year on"
    avoided_text = ("unbounded below (some trials never recover)" if avoided is None
                    else f"{_usd(avoided)} USD/year")
    pays = "pays for itself" if risk["pays_for_itself"] else "does not pay for itself"
    return [
        (f"no DR:         {_usd(risk['no_dr_risk_usd_per_year'])} USD/year expected = "
         f"{risk['annual_disaster_probability']:g} disasters/year x "
         f"{_usd(no_dr['per_disaster_usd'])} USD per disaster (the service waits for the region)"),
        (f"               per disaster: {no_dr['region_outage_mean_s'] / 3600:,.1f} h mean region "
         f"outage = {_usd(no_dr['downtime_usd_per_disaster'])}, + {data} = "
         f"{_usd(no_dr['lost_writes_usd_per_disaster'])}"),
        (f"risk avoided:  {avoided_text} (no DR minus this configuration) vs DR spend "
         f"{_usd(spend)} USD/year: {pays} at {risk['annual_disaster_probability']:g} "
         f"disasters/year; {when}"),
    ]
