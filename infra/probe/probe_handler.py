"""The game day's probe endpoint: a Lambda function behind each region's ALB.

    POST /probe                 body {"client": "c1", "seq": 17}
        -> 201 {"client", "seq", "region", "committed": true} once the write is committed
           (409 if that (client, seq) was already written; 503 if the datastore refuses)
    GET  /probe/{client}/{seq}  -> 200 the row, or 404
    GET  /probe/{client}?after=N -> 200 {"client", "seqs": [...]} (at most 1000, ascending)

The local game day's protocol (``drsim.gameday.local.service``, which its load generator
and probe speak) is served too, so the same clients drive an AWS run:

    POST /write                 body ``CLIENT SEQ`` -> 200 ``ack`` once committed (also when
                                that row was already committed), 503 if refused
    GET  /read?client=N         -> 200 the client's highest seq in this region (-1 if none)

Every answer names the region in the ``X-Region`` header.

Each region's function writes to that region's copy of the orders datastore, so a
probe client that resolves the service name and writes through it sees what a user
sees: writes fail while the primary is down and the secondary's database is not yet
writable, and the game day reconciles every acknowledged (client, seq) against the
promoted database afterwards.

Backends (environment ``PROBE_BACKEND``):
    aurora     RDS Data API (``CLUSTER_ARN``, ``SECRET_ARN``, ``DATABASE``): each
               ExecuteStatement outside a transaction is committed before it returns.
    dynamodb   ``TABLE_NAME``: a conditional PutItem, acknowledged when DynamoDB has
               durably written it in this region.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime

import boto3
from botocore.exceptions import ClientError

TABLE = "drsim_probe"
CREATE_TABLE = (f"CREATE TABLE IF NOT EXISTS {TABLE} (client text NOT NULL, seq bigint NOT NULL, "
                "region text NOT NULL, written_at timestamptz NOT NULL DEFAULT now(), "
                "PRIMARY KEY (client, seq))")
LIST_LIMIT = 1000
CLIENT_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
LOCAL_PATHS = ("/write", "/read")
PATH_RE = re.compile(r"^/probe(?:/(?P<client>[^/]+)(?:/(?P<seq>\d+))?)?/?$")


def _response(status: int, body: dict | str) -> dict:
    text = isinstance(body, str)
    return {"statusCode": status, "statusDescription": f"{status}", "isBase64Encoded": False,
            "headers": {"Content-Type": "text/plain" if text else "application/json",
                        "X-Region": os.environ.get("AWS_REGION", "")},
            "body": body if text else json.dumps(body)}


class BadRequest(ValueError):
    """The request names no valid (client, seq): answered with 400."""


def parse_write(body: str | None) -> tuple[str, int]:
    """``{"client": "c1", "seq": 17}`` -> ``("c1", 17)``; raises BadRequest otherwise."""
    try:
        data = json.loads(body or "")
    except json.JSONDecodeError:
        raise BadRequest("body must be JSON: {\"client\": \"c1\", \"seq\": 17}") from None
    client, seq = (data.get("client"), data.get("seq")) if isinstance(data, dict) else (None, None)
    if not isinstance(client, str) or not CLIENT_RE.match(client):
        raise BadRequest("client: 1-64 letters, digits, '.', '_' or '-'")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise BadRequest("seq: a non-negative integer")
    return client, seq


class AuroraStore:
    """The probe table in the region's Aurora cluster, through the RDS Data API."""

    def __init__(self, client, *, cluster_arn: str, secret_arn: str, database: str,
                 region: str) -> None:
        self._client, self._region = client, region
        self._target = {"resourceArn": cluster_arn, "secretArn": secret_arn, "database": database}
        self._ready = False

    def _sql(self, sql: str, **params) -> dict:
        parameters = [{"name": k, "value": ({"longValue": v} if isinstance(v, int)
                                            else {"stringValue": v})}
                      for k, v in params.items()]
        return self._client.execute_statement(sql=sql, parameters=parameters, **self._target)

    def _ensure_table(self) -> None:
        if not self._ready:
            self._sql(CREATE_TABLE)
            self._ready = True

    def write(self, client: str, seq: int) -> bool:
        """True once committed; False if (client, seq) was already there."""
        self._ensure_table()
        result = self._sql(f"INSERT INTO {TABLE} (client, seq, region) VALUES (:client, :seq, "
                           ":region) ON CONFLICT DO NOTHING", client=client, seq=seq,
                           region=self._region)
        return result.get("numberOfRecordsUpdated", 0) == 1

    def read(self, client: str, seq: int) -> dict | None:
        self._ensure_table()
        rows = self._sql(f"SELECT region, written_at::text FROM {TABLE} WHERE client = :client "
                         "AND seq = :seq", client=client, seq=seq).get("records", [])
        if not rows:
            return None
        region, written_at = (next(iter(col.values())) for col in rows[0])
        return {"client": client, "seq": seq, "region": region, "written_at": written_at}

    def highest(self, client: str) -> int:
        """The client's highest committed seq here, -1 if none."""
        self._ensure_table()
        rows = self._sql(f"SELECT coalesce(max(seq), -1) FROM {TABLE} WHERE client = :client",
                         client=client).get("records", [])
        return rows[0][0]["longValue"] if rows else -1

    def seqs(self, client: str, after: int) -> list[int]:
        self._ensure_table()
        rows = self._sql(f"SELECT seq FROM {TABLE} WHERE client = :client AND seq > :after "
                         f"ORDER BY seq LIMIT {LIST_LIMIT}", client=client, after=after)
        return [row[0]["longValue"] for row in rows.get("records", [])]


class DynamoStore:
    """Probe items in the region's replica of a DynamoDB global table (pk, sk)."""

    def __init__(self, client, *, table_name: str, region: str) -> None:
        self._client, self._table, self._region = client, table_name, region

    @staticmethod
    def _key(client: str, seq: int) -> dict:
        return {"pk": {"S": f"probe#{client}"}, "sk": {"S": f"{seq:020d}"}}

    def write(self, client: str, seq: int) -> bool:
        item = {**self._key(client, seq), "region": {"S": self._region},
                "written_at": {"S": datetime.now(UTC).isoformat()}}
        try:
            self._client.put_item(TableName=self._table, Item=item,
                                  ConditionExpression="attribute_not_exists(pk)")
        except ClientError as err:
            if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def read(self, client: str, seq: int) -> dict | None:
        item = self._client.get_item(TableName=self._table, Key=self._key(client, seq),
                                     ConsistentRead=True).get("Item")
        if item is None:
            return None
        return {"client": client, "seq": seq, "region": item["region"]["S"],
                "written_at": item["written_at"]["S"]}

    def highest(self, client: str) -> int:
        result = self._client.query(
            TableName=self._table, ConsistentRead=True, Limit=1, ScanIndexForward=False,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"probe#{client}"}})
        items = result.get("Items", [])
        return int(items[0]["sk"]["S"]) if items else -1

    def seqs(self, client: str, after: int) -> list[int]:
        result = self._client.query(
            TableName=self._table, ConsistentRead=True, Limit=LIST_LIMIT,
            KeyConditionExpression="pk = :pk AND sk > :after",
            ExpressionAttributeValues={":pk": {"S": f"probe#{client}"},
                                       ":after": {"S": f"{after:020d}"}})
        return [int(item["sk"]["S"]) for item in result.get("Items", [])]


def store_from_environment(env=os.environ):
    region = env["AWS_REGION"]
    if env["PROBE_BACKEND"] == "aurora":
        return AuroraStore(boto3.client("rds-data", region_name=region),
                           cluster_arn=env["CLUSTER_ARN"], secret_arn=env["SECRET_ARN"],
                           database=env["DATABASE"], region=region)
    return DynamoStore(boto3.client("dynamodb", region_name=region),
                       table_name=env["TABLE_NAME"], region=region)


def parse_local_write(body: str | None) -> tuple[str, int]:
    """The local game day's ``CLIENT SEQ`` body -> ``("CLIENT", SEQ)``."""
    parts = (body or "").split()
    if len(parts) != 2 or not parts[0].isdigit() or not parts[1].isdigit():
        raise BadRequest("expected 'CLIENT SEQ'")
    return parts[0], int(parts[1])


def handle_local(event: dict, store) -> dict:
    """``POST /write`` and ``GET /read``, as drsim.gameday.local.service answers them."""
    path, method = event.get("path", ""), event.get("httpMethod", "")
    try:
        if path == "/write" and method == "POST":
            client, seq = parse_local_write(event.get("body"))
            store.write(client, seq)  # False: already committed, which is an ack too
            return _response(200, "ack")
        if path == "/read" and method == "GET":
            client = (event.get("queryStringParameters") or {}).get("client", "")
            if not client.isdigit():
                raise BadRequest("client?")
            return _response(200, str(store.highest(client)))
    except BadRequest as err:
        return _response(400, str(err))
    except ClientError as err:
        return _response(503, err.response["Error"]["Code"])
    return _response(404, "")


def handle(event: dict, store) -> dict:
    """One ALB request -> one ALB response (the logic, without the AWS client set-up)."""
    if event.get("path") in LOCAL_PATHS:
        return handle_local(event, store)
    match = PATH_RE.match(event.get("path", ""))
    method = event.get("httpMethod", "")
    if match is None:
        return _response(404, {"error": "not a probe path"})
    client, seq = match.group("client"), match.group("seq")
    try:
        if method == "POST" and client is None:
            client, seq_n = parse_write(event.get("body"))
            if not store.write(client, seq_n):
                return _response(409, {"client": client, "seq": seq_n, "error": "already written"})
            return _response(201, {"client": client, "seq": seq_n,
                                   "region": os.environ.get("AWS_REGION"), "committed": True})
        if method == "GET" and client is not None and CLIENT_RE.match(client):
            if seq is not None:
                row = store.read(client, int(seq))
                return _response(200, row) if row else _response(404, {"error": "not written"})
            after = (event.get("queryStringParameters") or {}).get("after", "-1")
            if not re.fullmatch(r"-?\d+", after):
                raise BadRequest("after: an integer")
            return _response(200, {"client": client, "seqs": store.seqs(client, int(after))})
    except BadRequest as err:
        return _response(400, {"error": str(err)})
    except ClientError as err:
        # The datastore refuses (not writable yet, unreachable): the probe counts a failure.
        return _response(503, {"error": err.response["Error"]["Code"]})
    return _response(405, {"error": "POST /probe or GET /probe/{client}[/{seq}]"})


_STORE = None


def _decoded(event: dict) -> dict:
    """The ALB passes a body base64-encoded when it is not plain text."""
    if event.get("isBase64Encoded") and event.get("body"):
        import base64

        return {**event, "body": base64.b64decode(event["body"]).decode("utf-8", "replace"),
                "isBase64Encoded": False}
    return event


def handler(event, context):  # pragma: no cover - the Lambda entry point
    global _STORE
    if _STORE is None:
        _STORE = store_from_environment()
    return handle(_decoded(event), _STORE)
