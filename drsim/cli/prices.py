"""``drsim prices``: the dated price tables (list them, refresh one from the AWS Price List API)."""

from __future__ import annotations

from drsim.errors import DrsimError


def register(sub) -> None:
    p = sub.add_parser("prices", help="list or refresh the dated price tables",
                       description="The dated, sourced price tables the cost model uses.")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    ls = actions.add_parser("list", help="list the tables and their unconfirmed rows",
                            description="List each region's tables (newest last) and how many "
                                        "rows of the newest one are unconfirmed.")
    ls.add_argument("--prices-dir", metavar="DIR", default=None,
                    help="folder of dated price tables (default: the bundled drsim/data/prices)")
    ls.add_argument("--unconfirmed", action="store_true",
                    help="also list each unconfirmed row of the newest tables with its source")
    ls.set_defaults(func=run_list)
    rf = actions.add_parser(
        "refresh", help="write a new dated table from the AWS Price List API",
        description="Query the AWS Price List API (get_products) for REGION and write "
                    "aws_REGION_DATE.csv: API prices where found, the other rows of the "
                    "region's newest table carried over unchanged. Needs AWS credentials; "
                    "never needed for drsim cost.")
    rf.add_argument("--region", required=True, metavar="R", help="AWS region, e.g. us-east-2")
    rf.add_argument("--prices-dir", metavar="DIR", default=None,
                    help="folder of dated price tables (default: the bundled drsim/data/prices)")
    rf.set_defaults(func=run_refresh)


def run_list(args) -> int:
    from drsim.cost.prices import list_tables, load_table

    for region, versions in sorted(list_tables(args.prices_dir).items()):
        newest = load_table(region, args.prices_dir)
        unconfirmed = sum(r.unconfirmed for r in newest.rows.values())
        print(f"{region}: {', '.join(p.name for _, p in versions)} "
              f"({len(newest.rows)} rows, {unconfirmed} unconfirmed)")
        if args.unconfirmed:
            for row in newest.rows.values():
                if row.unconfirmed:
                    print(f"  {row.key}: {row.usd_per_unit:g} USD per {row.unit} -- {row.source}")
    return 0


def run_refresh(args) -> int:
    from drsim.cost.refresh import refresh_prices

    result = refresh_prices(args.region, prices_dir=args.prices_dir,
                            client=_client_for_cli())
    print(f"wrote {result.path}: {len(result.refreshed)} rows from the Price List API, "
          f"{len(result.carried)} carried over from the previous table")
    if result.not_found:
        print(f"not in the API's answer (kept from the previous table where it had them): "
              f"{', '.join(result.not_found)}")
    return 0


def _client_for_cli():
    """A pricing client, or a one-line error when boto3 or credentials are missing."""
    try:
        import boto3
        import botocore.exceptions
    except ModuleNotFoundError:
        raise DrsimError("prices refresh needs boto3: pip install 'drsim[aws]'") from None
    session = boto3.session.Session()
    if session.get_credentials() is None:
        raise DrsimError("refresh calls the AWS Price List API and needs AWS "
                         "credentials (none found in the environment or ~/.aws)")
    try:
        return session.client("pricing", region_name="us-east-1")
    except botocore.exceptions.BotoCoreError as err:
        raise DrsimError(f"cannot create a Pricing API client: {err}") from None
