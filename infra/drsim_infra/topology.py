"""What the scenario does not say but the deployment needs: address plan, image, names.

Kept in one place so the tests can check the invariants (non-overlapping CIDRs,
container port = the port the image listens on) against the same values the
constructs use.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from drsim.errors import DrsimError

# Peered VPCs must not overlap (VPC peering refuses overlapping CIDRs: the seed's
# failure 7 left this unchecked). One /16 per role.
VPC_CIDRS = {"primary": "10.0.0.0/16", "secondary": "10.1.0.0/16"}

# Two AZs per region, named explicitly: an explicit list needs no AZ lookup, so
# `cdk synth` works offline and the templates do not depend on the account.
AZ_SUFFIXES = ("a", "b")

# Aurora PostgreSQL version of both clusters of the global database (they must match).
AURORA_POSTGRES_VERSION = "16.13"  # not deprecated (cfn-lint W3690 lists 16.4 as retired)

# Default DNS name of the service; override with `-c domain_name=...`.
DEFAULT_DOMAIN_NAME = "drsim.example.com"
SERVICE_RECORD_NAME = "app"

# The TTL Route 53 gives alias records to an ALB: an alias record has no TTL of its own.
ALB_ALIAS_TTL_S = 60


class UnsupportedScenario(DrsimError):
    """The scenario asks for something this CDK app does not build."""


@dataclass(frozen=True)
class ServiceImage:
    """The container the web service runs, with the port it really listens on.

    uri : image reference.
    listen_port : the port the process inside the image binds. [-]
    """

    uri: str
    listen_port: int

    def command(self, *, health_path: str) -> list[str]:
        """Shell command that serves ``health_path`` and ``/`` on :attr:`listen_port`.

        Stock nginx serves no ``/health``, so the ALB and Route 53 checks would
        fail on a 404; a two-location config written at start fixes that without
        building an image.
        """
        config = (
            f"server {{ listen {self.listen_port}; "
            f"location = {health_path} {{ return 200 ok; }} "
            "location / { return 200 drsim; } }"
        )
        script = (f"echo {shlex.quote(config)} > /etc/nginx/conf.d/default.conf "
                  "&& exec nginx -g 'daemon off;'")
        return [script]


# nginx (the seed's image) listens on 80; the seed mapped 8080 (failure 5).
# ECR Public instead of Docker Hub: no anonymous pull rate limit from Fargate.
WEB_IMAGE = ServiceImage(uri="public.ecr.aws/nginx/nginx:1.27-alpine", listen_port=80)
