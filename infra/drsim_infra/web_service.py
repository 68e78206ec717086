"""One region's web tier: an internet-facing ALB in front of an ECS Fargate service."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_logs as logs
from constructs import Construct

from drsim_infra.topology import ServiceImage

# usage.fargate_cpu_architecture -> Fargate's platform (the image is multi-arch).
CPU_ARCHITECTURES = {"x86_64": ecs.CpuArchitecture.X86_64, "arm64": ecs.CpuArchitecture.ARM64}
FARGATE_INCLUDED_STORAGE_GB = 20


class WebService(Construct):
    """ALB listener on the health-check port, forwarding to Fargate tasks.

    The Route 53 health check and the canary probe the ALB on the scenario's
    port, so the listener is opened on exactly that port; the target group
    sends traffic to the port the image listens on.

    Attributes
    ----------
    cluster, task_definition, container, service, load_balancer, listener, target_group
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc,
        image: ServiceImage,
        desired_tasks: int,
        task_vcpu: float,
        task_memory_gb: float,
        cpu_architecture: str,
        ephemeral_storage_gb: float,
        listener_port: int,
        health_path: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.cluster = ecs.Cluster(
            self, "Cluster", vpc=vpc, container_insights_v2=ecs.ContainerInsights.ENABLED
        )
        self.task_definition = ecs.FargateTaskDefinition(
            self,
            "Task",
            cpu=round(task_vcpu * 1024),
            memory_limit_mib=round(task_memory_gb * 1024),
            runtime_platform=ecs.RuntimePlatform(
                cpu_architecture=CPU_ARCHITECTURES[cpu_architecture],
                operating_system_family=ecs.OperatingSystemFamily.LINUX,
            ),
            # Fargate includes 20 GB; only a larger size is set (and priced).
            ephemeral_storage_gib=(round(ephemeral_storage_gb)
                                   if ephemeral_storage_gb > FARGATE_INCLUDED_STORAGE_GB else None),
        )
        log_group = logs.LogGroup(
            self,
            "Logs",
            retention=logs.RetentionDays.ONE_MONTH,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.container = self.task_definition.add_container(
            "Web",
            image=ecs.ContainerImage.from_registry(image.uri),
            entry_point=["sh", "-c"],
            command=image.command(health_path=health_path),
            port_mappings=[ecs.PortMapping(container_port=image.listen_port)],
            logging=ecs.LogDrivers.aws_logs(stream_prefix="web", log_group=log_group),
        )
        self.service = ecs.FargateService(
            self,
            "Service",
            cluster=self.cluster,
            task_definition=self.task_definition,
            desired_count=desired_tasks,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            # Never drop below the running count during a deploy: the standby's
            # few tasks are the capacity the failover counts on.
            min_healthy_percent=100,
            max_healthy_percent=200,
            circuit_breaker=ecs.DeploymentCircuitBreaker(rollback=True),
        )
        self.load_balancer = elbv2.ApplicationLoadBalancer(
            self, "Alb", vpc=vpc, internet_facing=True, drop_invalid_header_fields=True
        )
        self.listener = self.load_balancer.add_listener(
            "Listener", port=listener_port, protocol=elbv2.ApplicationProtocol.HTTP, open=True
        )
        self.target_group = self.listener.add_targets(
            "Tasks",
            port=image.listen_port,
            protocol=elbv2.ApplicationProtocol.HTTP,
            targets=[self.service],
            health_check=elbv2.HealthCheck(
                path=health_path,
                interval=Duration.seconds(15),
                healthy_threshold_count=2,
            ),
            deregistration_delay=Duration.seconds(30),
        )
