"""One region's VPC: public subnets (ALB, NAT), private subnets (tasks), isolated (database)."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from drsim_infra.topology import AZ_SUFFIXES


class Network(Construct):
    """A VPC over two AZs with one NAT gateway and VPC flow logs.

    Attributes
    ----------
    vpc : the VPC.
    cidr : its IPv4 block (the peer's routes point at it).
    flow_log : flow log of all traffic to CloudWatch Logs (a log group under ``log_key``
        when one is given; else CDK's, under CloudWatch Logs' own key), kept
        ``flow_log_retention_days``.
    """

    def __init__(self, scope: Construct, construct_id: str, *, cidr: str, region: str,
                 flow_log_retention_days: int, nat_gateways: int = 1,
                 log_key: kms.IKey | None = None) -> None:
        super().__init__(scope, construct_id)
        self.cidr = cidr
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr(cidr),
            availability_zones=[f"{region}{suffix}" for suffix in AZ_SUFFIXES],
            # One NAT gateway per region: the tasks only pull images and call AWS
            # APIs through it, and each extra gateway is a fixed monthly cost.
            nat_gateways=nat_gateways,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC,
                                        cidr_mask=24),
                ec2.SubnetConfiguration(name="App", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS,
                                        cidr_mask=22),
                ec2.SubnetConfiguration(name="Data", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED,
                                        cidr_mask=24),
            ],
        )
        if log_key is None:
            self.flow_log = self.vpc.add_flow_log("FlowLog")
            group = self.flow_log.log_group
        else:
            # What CDK's own flow-log group has (retained), with the key.
            group = logs.LogGroup(self, "FlowLogs", encryption_key=log_key,
                                  removal_policy=RemovalPolicy.RETAIN)
            self.flow_log = self.vpc.add_flow_log(
                "FlowLog", destination=ec2.FlowLogDestination.to_cloud_watch_logs(group))
        # usage.flow_log_retention_days, as the cost model prices it.
        group.node.default_child.retention_in_days = flow_log_retention_days

    def routed_subnets(self) -> list[ec2.ISubnet]:
        """Subnets whose route tables need a route to the peer VPC (all but public)."""
        return [*self.vpc.private_subnets, *self.vpc.isolated_subnets]
