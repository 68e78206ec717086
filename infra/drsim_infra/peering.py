"""VPC peering between the two regions, with routes on both sides.

The seed created the peering connection and no routes (failure 7), so no
packet could use it. The connection is requested from the secondary VPC; the
routes in the secondary VPC sit beside it, and the routes in the primary VPC
are added by the primary region's later stack, which can see the connection id.
"""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2
from constructs import Construct


class PeeringRoutes(Construct):
    """A route to ``peer_cidr`` through ``peering_connection_id`` in each subnet's route table.

    Attributes
    ----------
    routes : one ``AWS::EC2::Route`` per subnet.
    """

    def __init__(self, scope: Construct, construct_id: str, *, subnets: list[ec2.ISubnet],
                 peer_cidr: str, peering_connection_id: str) -> None:
        super().__init__(scope, construct_id)
        self.routes = [
            ec2.CfnRoute(
                self,
                f"Route{i}",
                route_table_id=subnet.route_table.route_table_id,
                destination_cidr_block=peer_cidr,
                vpc_peering_connection_id=peering_connection_id,
            )
            for i, subnet in enumerate(subnets)
        ]


class PeeringConnection(Construct):
    """A same-account, cross-region peering request (accepted without a peer role).

    Attributes
    ----------
    connection : the ``AWS::EC2::VPCPeeringConnection``.
    connection_id : its id, for the routes on both sides.
    """

    def __init__(self, scope: Construct, construct_id: str, *, vpc: ec2.IVpc, peer_vpc_id: str,
                 peer_region: str) -> None:
        super().__init__(scope, construct_id)
        self.connection = ec2.CfnVPCPeeringConnection(
            self, "Connection", vpc_id=vpc.vpc_id, peer_vpc_id=peer_vpc_id,
            peer_region=peer_region,
        )
        self.connection_id = self.connection.ref
