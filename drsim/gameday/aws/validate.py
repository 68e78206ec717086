"""Hold poll lines against the AWS API model: every request and response must be one
the real service could send.

Each line's response goes through :class:`botocore.stub.Stubber`'s
``add_response`` (which validates it against the operation's output shape: a
misspelled field or a wrong type is refused) and its request through the
client's own parameter validation, on real boto3 clients with made-up
credentials; no call leaves the machine. Needs boto3 (the ``aws`` extra).
"""

from __future__ import annotations

import json
from pathlib import Path

from drsim.errors import DrsimError

FAKE_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
"""Made-up keys: a stubbed client never sends a request, but botocore wants keys to sign with."""


class PollValidator:
    """Validates poll lines, one stubbed client per (service, region), reused."""

    def __init__(self):
        try:
            import botocore.session
        except ImportError:
            raise DrsimError("validating poll lines needs boto3: pip install 'drsim[aws]'") from None
        self._session = botocore.session.get_session()
        self._clients: dict[tuple[str, str], tuple] = {}

    def _client(self, service: str, region: str):
        from botocore.stub import Stubber

        key = (service, region)
        if key not in self._clients:
            client = self._session.create_client(service, region_name=region, **FAKE_CREDENTIALS)
            stubber = Stubber(client)
            stubber.activate()
            self._clients[key] = (client, stubber)
        return self._clients[key]

    def check(self, api: str, request: dict, response: dict, region: str = "us-east-1") -> None:
        """Raise botocore's ParamValidationError (or DrsimError for an unknown api)
        unless ``request`` and ``response`` fit the operation ``api``
        (``"service.Operation"``)."""
        from botocore import xform_name
        from botocore.exceptions import UnknownServiceError

        service, _, operation = api.partition(".")
        try:
            client, stubber = self._client(service, region)
        except UnknownServiceError as err:
            raise DrsimError(f"api {api!r}: unknown service {service!r} ({err})") from None
        method = xform_name(operation)
        if not hasattr(client, method):
            raise DrsimError(f"api {api!r}: {service} has no operation {operation}")
        stubber.add_response(method, response, expected_params=request)
        getattr(client, method)(**request)
        stubber.assert_no_pending_responses()


def validate_run(run_dir: str | Path) -> int:
    """Validate every poll line under ``run_dir/polls``; return how many.

    Raises DrsimError naming the file and line of the first line that does not fit.
    """
    from botocore.exceptions import ParamValidationError

    validator, n = PollValidator(), 0
    for path in sorted((Path(run_dir) / "polls").glob("*.jsonl")):
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            row = json.loads(line)
            try:
                validator.check(row["api"], row["request"], row["response"],
                                row.get("region") or "us-east-1")
            except ParamValidationError as err:
                raise DrsimError(f"{path}:{i}: {row['api']} does not fit the AWS API model: "
                                 f"{err}") from None
            n += 1
    return n
