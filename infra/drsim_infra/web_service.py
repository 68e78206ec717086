"""One region's web tier: an internet-facing ALB in front of an ECS Fargate service."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from drsim_infra.buckets import ALB_LOG_PREFIX

from drsim_infra.topology import ServiceImage

HTTP_PORT = 80
# usage.fargate_cpu_architecture -> Fargate's platform (the image is multi-arch).
CPU_ARCHITECTURES = {"x86_64": ecs.CpuArchitecture.X86_64, "arm64": ecs.CpuArchitecture.ARM64}
FARGATE_INCLUDED_STORAGE_GB = 20


class WebService(Construct):
    """ALB listener on the health-check port, forwarding to Fargate tasks.

    The Route 53 health check and the canary probe the ALB on the scenario's
    port, so the listener is opened on exactly that port; the target group
    sends traffic to the port the image listens on. With ``certificate_arn`` the
    listener is HTTPS with ``tls_policy`` and a second listener on port 80 only
    redirects (301) to it; without, the one listener is plain HTTP.

    Attributes
    ----------
    cluster, task_definition, container, service, load_balancer, listener, target_group,
    redirect_listener (HTTPS only, else None). The ALB's access logs go to
    ``access_logs_bucket`` under ``alb/``.
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
        access_logs_bucket: s3.IBucket,
        log_retention_days: int,
        log_key: kms.IKey | None = None,
        certificate_arn: str | None = None,
        tls_policy: str | None = None,
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
            removal_policy=RemovalPolicy.DESTROY,
            encryption_key=log_key,
        )
        # usage.task_log_retention_days, as the cost model prices it (CDK's RetentionDays
        # names months and years; the template holds the days).
        log_group.node.default_child.retention_in_days = log_retention_days
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
        self.load_balancer.log_access_logs(access_logs_bucket, prefix=ALB_LOG_PREFIX)
        self.redirect_listener = None
        if certificate_arn is None:
            self.listener = self.load_balancer.add_listener(
                "Listener", port=listener_port, protocol=elbv2.ApplicationProtocol.HTTP,
                open=True)
        else:
            self.listener = self.load_balancer.add_listener(
                "Listener", port=listener_port, protocol=elbv2.ApplicationProtocol.HTTPS,
                certificates=[elbv2.ListenerCertificate.from_arn(certificate_arn)], open=True)
            # The scenario names the policy as AWS does; CDK's SslPolicy enum names differ
            # and a feature flag can swap what RECOMMENDED_TLS means, so set it verbatim.
            self.listener.node.default_child.ssl_policy = tls_policy
            # Clients that type the bare name still arrive on 80: answer them with a
            # permanent redirect, never with content.
            self.redirect_listener = self.load_balancer.add_redirect(
                source_protocol=elbv2.ApplicationProtocol.HTTP, source_port=HTTP_PORT,
                target_protocol=elbv2.ApplicationProtocol.HTTPS, target_port=listener_port)
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
