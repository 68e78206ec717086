"""What the secondary region holds for a runbook that builds before it serves:
``provision_infrastructure`` and ``restore_database`` (backup and restore).

``provision_infrastructure``: the secondary stack declares its NAT gateways (with their
Elastic IPs and the private subnets' default routes) under a stack parameter
``Provisioned`` (default ``false``), so until a failover the region runs no NAT gateway,
the standing cost the cost model leaves out of a backup-and-restore secondary. The
runbook's step updates the deployed stack with its previous template and
``Provisioned=true`` (CloudFormation creates the gateways and routes, a few minutes)
and waits for ``UPDATE_COMPLETE``; then the service's tasks can pull their image.
The rest of the secondary (VPC, ALB, the service at 0 tasks, the copy vault) stays
deployed: Route 53's secondary record needs the ALB to exist.

``restore_database``: AWS Backup restores the newest completed copy in the secondary's
vault into a new Aurora cluster (:data:`restored_cluster_id`), in the subnet group and
security group declared here, with the restore role declared here; the runbook then
adds a writer instance and waits until it is available.
"""

from __future__ import annotations

from aws_cdk import CfnCondition, CfnParameter, CfnResource, Fn, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_rds as rds
from constructs import Construct

from drsim_infra.aurora_global import POSTGRES_PORT

PROVISIONED_PARAMETER = "Provisioned"
# What exists only once provisioned: the gateways, their addresses, the routes through them.
ON_DEMAND_TYPES = ("AWS::EC2::NatGateway", "AWS::EC2::EIP")


def restored_cluster_id(scenario_name: str, datastore_name: str) -> str:
    """Identifier of the cluster ``restore_database`` creates (outside CloudFormation:
    the game day's teardown deletes it by this name)."""
    return f"drsim-{scenario_name}-{datastore_name}-restored"


class OnDemandNat(Construct):
    """Puts ``vpc``'s NAT gateways, EIPs and NAT routes under the ``Provisioned`` parameter.

    Attributes
    ----------
    parameter : the stack parameter (``false`` until the runbook provisions).
    condition : ``Provisioned == true``.
    resources : the conditioned CloudFormation resources.
    """

    def __init__(self, scope: Construct, construct_id: str, *, vpc: ec2.Vpc) -> None:
        super().__init__(scope, construct_id)
        self.parameter = CfnParameter(
            Stack.of(self), PROVISIONED_PARAMETER, type="String", default="false",
            allowed_values=["false", "true"],
            description="true once the failover runbook's provision_infrastructure step ran: "
                        "creates the NAT gateways. Pass it again on a later cdk deploy "
                        "(--parameters) or the update removes them.")
        self.condition = CfnCondition(
            self, "IsProvisioned",
            expression=Fn.condition_equals(self.parameter.value_as_string, "true"))
        self.resources: list[CfnResource] = []
        for child in vpc.node.find_all():
            if not isinstance(child, CfnResource):
                continue
            is_nat_route = (isinstance(child, ec2.CfnRoute) and child.nat_gateway_id is not None)
            if child.cfn_resource_type in ON_DEMAND_TYPES or is_nat_route:
                child.cfn_options.condition = self.condition
                self.resources.append(child)


class RestoreTarget(Construct):
    """Where AWS Backup restores the database in the secondary region.

    Attributes
    ----------
    subnet_group : the isolated subnets of the secondary VPC.
    security_group : the restored cluster's; the web tasks may connect to it.
    role : the role AWS Backup assumes to restore (AWS's managed restore policy).
    """

    def __init__(self, scope: Construct, construct_id: str, *, vpc: ec2.IVpc,
                 clients: ec2.IConnectable, description: str) -> None:
        super().__init__(scope, construct_id)
        self.subnet_group = rds.SubnetGroup(
            self, "Subnets", vpc=vpc, description=description,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED))
        self.security_group = ec2.SecurityGroup(
            self, "SecurityGroup", vpc=vpc, allow_all_outbound=False, description=description)
        self.security_group.connections.allow_from(
            clients, ec2.Port.tcp(POSTGRES_PORT), "web tasks to the restored database")
        self.role = iam.Role(
            self, "Role", assumed_by=iam.ServicePrincipal("backup.amazonaws.com"),
            description="AWS Backup restores the database copy for the failover runbook",
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(
                "service-role/AWSBackupServiceRolePolicyForRestores")])
