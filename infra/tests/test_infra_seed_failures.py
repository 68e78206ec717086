"""One test (or more) per failure of the seed document, each failing on the seed's mistake."""

from __future__ import annotations

import ipaddress
import shutil
import subprocess
import sys

import pytest
from conftest import INFRA_DIR, REPO_ROOT, SEED_SCENARIO, load_app_module, require_infra_extra
from infra_helpers import flatten_join, resources

# The tests need the infra extra; without it this module is skipped, with the reason.
Match = pytest.importorskip(
    "aws_cdk.assertions", reason="the infra extra is not installed: pip install -e '.[infra]'"
).Match

# The port the image's server listens on, from the image's own documentation
# (nginx's default.conf: `listen 80;`). Kept apart from infra's topology module
# so a wrong mapping there cannot also make this table agree.
IMAGE_LISTEN_PORTS = {"nginx": 80}


# --- 1. cross-region references, explicit env on both stacks ---------------------------


def test_1_every_stack_has_an_explicit_region_from_the_scenario(seed_synth):
    import aws_cdk as cdk

    s = seed_synth.scenario
    expected = [s.regions.primary, s.regions.secondary, s.regions.primary, s.regions.secondary]
    regions = [stack.region for stack in seed_synth.stacks.in_order()]
    assert regions == expected
    assert not any(cdk.Token.is_unresolved(r) for r in regions)


def test_1_values_cross_regions_through_cdk_cross_region_references(seed_synth):
    # Without cross_region_references the synthesis itself fails (the seed's
    # UnscopedValidationError); with it, producers write and consumers read SSM exports.
    seed_synth.templates["primary"].resource_count_is("Custom::CrossRegionExportWriter", 1)
    for role in ("secondary", "primary_links", "failover"):
        seed_synth.templates[role].resource_count_is("Custom::CrossRegionExportReader", 1)
    # The secondary cluster joins the global cluster created in the other region.
    seed_synth.templates["secondary"].has_resource_properties("AWS::RDS::DBCluster", {
        "GlobalClusterIdentifier": {"Fn::GetAtt": [Match.string_like_regexp("ExportsReader"),
                                                   Match.any_value()]},
    })


# --- 2. S3 replication only once the destination exists ----------------------------------


def _bucket_name(props: dict) -> str | None:
    name = props.get("BucketName")
    return None if name is None else flatten_join(name, token="<account>")


def _destination_name(rule: dict) -> str:
    arn = flatten_join(rule["Destination"]["Bucket"], token="<account>")
    return arn.split(":::", 1)[1]


def _transitive_dependencies(stack) -> set:
    seen, todo = set(), list(stack.dependencies)
    while todo:
        dep = todo.pop()
        if dep.node.path not in seen:
            seen.add(dep.node.path)
            todo.extend(dep.dependencies)
    return seen


def test_2_replication_sources_deploy_after_their_destination_buckets(seed_synth):
    stacks = dict(zip(("primary", "secondary", "primary_links", "failover"),
                      seed_synth.stacks.in_order()))
    creators = {}  # bucket name -> role of the stack that creates it
    for role, template in seed_synth.raw.items():
        for props in resources(template, "AWS::S3::Bucket"):
            if _bucket_name(props):
                creators[_bucket_name(props)] = role
    sources = [(role, rule) for role, template in seed_synth.raw.items()
               for props in resources(template, "AWS::S3::Bucket")
               for rule in props.get("ReplicationConfiguration", {}).get("Rules", [])]
    assert sources, "no bucket replicates; the scenario has an s3_crr datastore"
    for role, rule in sources:
        destination = _destination_name(rule)
        assert destination in creators, f"{destination} is created by no stack of the app"
        creator = stacks[creators[destination]]
        assert creator.node.path in _transitive_dependencies(stacks[role]), (
            f"{role} configures replication to {destination} but does not deploy after "
            f"{creator.node.path}, which creates it (seed failure 2)")


def test_2_the_first_stack_configures_no_replication(seed_synth):
    # The seed put the replication rule into the stack deployed first.
    for props in resources(seed_synth.raw["primary"], "AWS::S3::Bucket"):
        assert "ReplicationConfiguration" not in props


def test_2_replication_follows_the_scenario(seed_synth):
    (assets,) = [d for d in seed_synth.scenario.datastores if d.kind == "s3_crr"]
    rule = {"Status": "Enabled", "DeleteMarkerReplication": {"Status": "Enabled"}}
    if not assets.rtc:
        rule["Destination"] = Match.object_like({"ReplicationTime": Match.absent()})
    seed_synth.templates["primary_links"].has_resource_properties("AWS::S3::Bucket", {
        "VersioningConfiguration": {"Status": "Enabled"},
        "ReplicationConfiguration": {"Rules": [Match.object_like(rule)]},
    })


# --- 3. no unused variables (ruff clean) ---------------------------------------------------


def _ruff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", *args], check=False,
                          capture_output=True, text=True, cwd=REPO_ROOT)


# The rule set is named, not ruff's defaults, so a newer ruff cannot change what
# this test means: pyflakes (F: F841 unused variable, F401 unused import) and
# syntax/statement errors (E4, E7, E9).
RUFF_RULES = "E4,E7,E9,F"


def test_3_infra_is_ruff_clean_including_unused_variables():
    require_infra_extra()
    result = _ruff("--select", RUFF_RULES, str(INFRA_DIR))
    assert result.returncode == 0, result.stdout + result.stderr


def test_3_the_ruff_check_catches_the_seeds_unused_variable(tmp_path):
    require_infra_extra()
    seed_style = tmp_path / "seed_style.py"
    seed_style.write_text("def build(scope):\n    peering_connection = scope.peer()\n")
    result = _ruff("--select", RUFF_RULES, str(seed_style))
    assert result.returncode != 0 and "F841" in result.stdout


# --- 4. health-check protocol and port agree -----------------------------------------------


def test_4_route53_check_uses_the_scenarios_protocol_and_the_listeners_port(seed_synth):
    hc = seed_synth.scenario.health_check
    (check,) = resources(seed_synth.raw["failover"], "AWS::Route53::HealthCheck")
    config = check["HealthCheckConfig"]
    assert (config["Type"], config["Port"]) == (hc.protocol, hc.port)
    for role in ("primary", "secondary"):
        (listener,) = resources(seed_synth.raw[role], "AWS::ElasticLoadBalancingV2::Listener")
        # The checker speaks config["Type"] to the port the ALB listens on with that protocol.
        assert (listener["Protocol"], listener["Port"]) == (config["Type"], config["Port"])


def test_4_the_seeds_https_on_port_80_is_refused_before_any_synthesis():
    from drsim import ScenarioError, load_scenario

    with pytest.raises(ScenarioError, match="HTTPS health check on port 80"):
        load_scenario(SEED_SCENARIO, ["health_check.protocol=HTTPS"])


def test_4_https_without_a_certificate_is_refused_with_a_clear_message():
    require_infra_extra()
    import aws_cdk as cdk

    from drsim import load_scenario

    app_module = load_app_module()
    from drsim_infra.topology import UnsupportedScenario

    scenario = load_scenario(SEED_SCENARIO, ["health_check.protocol=HTTPS",
                                             "health_check.port=443"])
    with pytest.raises(UnsupportedScenario, match="certificate"):
        app_module.compose(cdk.App(), scenario)


# --- 5. the container port is the port the image listens on ---------------------------------


def test_5_container_port_is_the_images_listening_port(seed_synth):
    for role in ("primary", "secondary"):
        (task,) = resources(seed_synth.raw[role], "AWS::ECS::TaskDefinition")
        (container,) = task["ContainerDefinitions"]
        image_name = container["Image"].rsplit("/", 1)[-1].split(":")[0]
        listen_port = IMAGE_LISTEN_PORTS[image_name]
        assert container["PortMappings"] == [{"ContainerPort": listen_port, "Protocol": "tcp"}]
        # The server is configured to listen there and to answer the health path.
        (script,) = container["Command"]
        assert f"listen {listen_port};" in script
        assert f"location = {seed_synth.scenario.health_check.path} " in script
        # The service's target group (the other one is the game-day probe's Lambda target).
        (group,) = [g for g in resources(seed_synth.raw[role],
                                         "AWS::ElasticLoadBalancingV2::TargetGroup")
                    if g.get("TargetType") != "lambda"]
        assert group["Port"] == listen_port
        assert group["HealthCheckPath"] == seed_synth.scenario.health_check.path


# --- 6. no deprecated APIs --------------------------------------------------------------


def test_6_deprecated_apis_raise_in_this_session(seed_synth):
    # conftest sets JSII_DEPRECATED=fail before the jsii runtime starts, so the
    # session's synthesis above would have raised on any deprecated call. Prove
    # the setting is live with a call that is deprecated (Stack.add_dependency).
    import aws_cdk as cdk

    app = cdk.App()
    a, b = cdk.Stack(app, "A"), cdk.Stack(app, "B")
    with pytest.raises(Exception, match="deprecated"):
        a.add_dependency(b)
    a.add_stack_dependency(b)  # the replacement works


# The synthesis through infra/app.py with JSII_DEPRECATED=fail is in test_infra_checks.py.


# --- 7. VPC peering with routes on both sides, CIDRs apart ----------------------------------


def _vpc_cidr(template: dict) -> ipaddress.IPv4Network:
    (vpc,) = resources(template, "AWS::EC2::VPC")
    return ipaddress.ip_network(vpc["CidrBlock"])


def _non_public_subnets(template: dict) -> int:
    return sum(1 for s in resources(template, "AWS::EC2::Subnet")
               if not s.get("MapPublicIpOnLaunch", False))


def test_7_vpc_cidrs_do_not_overlap(seed_synth):
    primary, secondary = _vpc_cidr(seed_synth.raw["primary"]), _vpc_cidr(seed_synth.raw["secondary"])
    assert not primary.overlaps(secondary)


def test_7_peering_is_requested_to_the_primary_region(seed_synth):
    seed_synth.templates["secondary"].has_resource_properties("AWS::EC2::VPCPeeringConnection", {
        "PeerRegion": seed_synth.scenario.regions.primary,
        "PeerVpcId": Match.any_value(),
        "VpcId": {"Ref": Match.string_like_regexp("NetworkVpc")},
    })


@pytest.mark.parametrize("side, routes_in, peer", [
    ("secondary", "secondary", "primary"),
    ("primary", "primary_links", "secondary"),
])
def test_7_every_private_route_table_routes_the_peer_cidr_through_the_peering(
        seed_synth, side, routes_in, peer):
    peer_cidr = str(_vpc_cidr(seed_synth.raw[peer]))
    peering_routes = [r for r in resources(seed_synth.raw[routes_in], "AWS::EC2::Route")
                      if r.get("DestinationCidrBlock") == peer_cidr]
    assert all("VpcPeeringConnectionId" in r for r in peering_routes)
    route_tables = {str(r["RouteTableId"]) for r in peering_routes}
    assert len(route_tables) == len(peering_routes) == _non_public_subnets(seed_synth.raw[side])


# --- 8. the canary script in its own file ------------------------------------------------


def test_8_canary_code_is_an_asset_from_its_own_file(seed_synth):
    from drsim_infra.canary import CANARY_ASSET_DIR, CANARY_HANDLER

    module, _, function = CANARY_HANDLER.partition(".")
    script = CANARY_ASSET_DIR / "nodejs" / "node_modules" / f"{module}.js"
    assert script.is_file() and f"exports.{function} =" in script.read_text()
    for role in ("failover", "primary_links"):
        seed_synth.templates[role].has_resource_properties("AWS::Synthetics::Canary", {
            "Code": {"Handler": CANARY_HANDLER, "S3Bucket": Match.any_value(),
                     "S3Key": Match.string_like_regexp(r"\.zip$"), "Script": Match.absent()},
        })


def test_8_canary_script_is_valid_javascript():
    from drsim_infra.canary import CANARY_ASSET_DIR

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (needed by the CDK too)")
    for script in CANARY_ASSET_DIR.rglob("*.js"):
        result = subprocess.run([node, "--check", str(script)], check=False, capture_output=True,
                                text=True)
        assert result.returncode == 0, result.stderr
