"""Polaris' DNS name under mocks: the issued certificate is DNS-validated in the hostname's own zone and
waited for, the alias record points at the load balancer, and the shipped prod stack hands `https://<hostname>`
to the provider, the outputs and every client configuration."""

from __future__ import annotations

import copy

import pulumi
import pulumi_aws as aws
import pytest
import yaml

from components.dns import PolarisAlias, PolarisAliasArgs, PolarisName, PolarisNameArgs
from configuration.loader import PROJECT_DIR
from tools.mocks.clouds import NLB_ZONE_IDS, aws_zone_lookup
from tools.plan import plan_stack, run_program

HOSTNAME, ZONE = "polaris.exchange.example.com", "exchange.example.com"
LOAD_BALANCER = "k8s-polaris-polaris-0123456789.elb.eu-west-1.amazonaws.com"
EXISTING = "arn:aws:acm:eu-west-1:111111111111:certificate/8f2c1d7e-1111-4222-8333-944445555666"
PROJECT = "polaris-data-exchange"
CERTIFICATE, VALIDATION = "aws:acm/certificate:Certificate", "aws:acm/certificateValidation:CertificateValidation"
RECORD = "aws:route53/record:Record"
DYNAMIC = "pulumi-python:dynamic/polaris:"


def zone_id(zone: str) -> str:
    """What the (mocked) public-zone look-up answers for ``zone``."""
    lookup = pulumi.runtime.MockCallArgs("aws:route53/getZone:getZone", {"name": zone, "privateZone": False}, "")
    return aws_zone_lookup(None, lookup)["zoneId"]


def run_name(issue_certificate: bool, *, provider: bool = True):
    def program():
        opts = pulumi.ResourceOptions(provider=aws.Provider("platform-aws", region="eu-west-1")) if provider else None
        name = PolarisName("polaris-name", PolarisNameArgs(HOSTNAME, ZONE, issue_certificate), opts=opts)
        pulumi.export("certificate_arn", name.certificate_arn)
        pulumi.export("zone_id", name.zone_id)
        alias = PolarisAlias(
            "polaris-alias", PolarisAliasArgs(HOSTNAME, name.zone_id, LOAD_BALANCER, "eu-west-1"), opts=opts
        )
        pulumi.export("url", alias.url)

    return run_program(program, stack="test", project=PROJECT)


@pytest.fixture(scope="module")
def issued():
    return run_name(issue_certificate=True)


def test_the_certificate_is_issued_for_the_hostname_and_validated_through_dns(issued):
    [certificate] = issued.of_type(CERTIFICATE)
    assert certificate.inputs == {"domainName": HOSTNAME, "validationMethod": "DNS"}
    [option] = certificate.state["domainValidationOptions"]
    [record] = [r for r in issued.of_type(RECORD) if r.inputs["type"] == "CNAME"]
    assert record.inputs["zoneId"] == zone_id(ZONE) == issued.outputs["zone_id"]
    assert (record.inputs["name"], record.inputs["records"]) == (
        option["resourceRecordName"],
        [option["resourceRecordValue"]],
    )
    assert record.inputs["allowOverwrite"] is True  # a replacement certificate takes the same record over


def test_the_load_balancer_gets_the_certificate_only_once_acm_has_validated_it(issued):
    [certificate], [validation] = issued.of_type(CERTIFICATE), issued.of_type(VALIDATION)
    [record] = [r for r in issued.of_type(RECORD) if r.inputs["type"] == "CNAME"]
    assert validation.inputs["certificateArn"] == certificate.state["arn"]
    assert validation.inputs["validationRecordFqdns"] == [record.state["fqdn"]]
    # The component's ARN is the validation's output, not the certificate's: whoever uses it waits.
    assert issued.outputs["certificate_arn"] == validation.state["certificateArn"]


def test_an_existing_certificate_issues_nothing():
    plan = run_name(issue_certificate=False)
    assert not plan.of_type(CERTIFICATE) and not plan.of_type(VALIDATION)
    assert plan.outputs.get("certificate_arn") is None
    assert [r.inputs["type"] for r in plan.of_type(RECORD)] == ["A"]


def test_the_alias_points_at_the_network_load_balancer_of_the_region(issued):
    [alias] = [r for r in issued.of_type(RECORD) if r.inputs["type"] == "A"]
    assert alias.inputs["name"] == HOSTNAME and alias.inputs["zoneId"] == zone_id(ZONE)
    assert alias.inputs["aliases"] == [
        {"name": LOAD_BALANCER, "zoneId": NLB_ZONE_IDS["eu-west-1"], "evaluateTargetHealth": True}
    ]
    assert issued.outputs["url"] == f"https://{HOSTNAME}"


def test_every_dns_resource_goes_through_the_platform_provider(issued):
    dns = [r for r in issued.resources if r.type in (CERTIFICATE, VALIDATION, RECORD)]
    assert len(dns) == 4
    assert {r.provider.rsplit("::", 1)[-1] for r in dns} == {"platform-aws"}


def test_without_an_explicit_provider_the_name_is_refused():
    with pytest.raises(Exception, match="needs the platform's AWS provider"):
        run_name(issue_certificate=True, provider=False)


# -- the shipped prod stack, and variants of it ----------------------------------------------------------


def prod_variant(tmp_path, **polaris) -> object:
    document = yaml.safe_load((PROJECT_DIR / "Pulumi.prod.yaml").read_text())
    config = copy.deepcopy(document)
    config["config"][f"{PROJECT}:polaris"].update(polaris)
    (tmp_path / "Pulumi.prod.yaml").write_text(yaml.safe_dump(config))
    return plan_stack("prod", tmp_path)


@pytest.fixture(scope="module")
def prod():
    return plan_stack("prod")


def service_certificate(plan) -> str:
    [service] = plan.of_type("kubernetes:core/v1:Service")
    return service.inputs["metadata"]["annotations"]["service.beta.kubernetes.io/aws-load-balancer-ssl-cert"]


def connection_endpoints(plan) -> set[str]:
    return {r.unmasked_inputs["connection"]["endpoint"] for r in plan.resources if r.type.startswith(DYNAMIC)}


def client_uris(plan) -> set[str]:
    return {
        catalog["uri"]
        for configuration in plan.unmasked_outputs["clientConfigurations"].values()
        for catalog in configuration["pyiceberg"]["catalog"].values()
    }


def test_prod_terminates_tls_with_the_validated_certificate_for_its_hostname(prod):
    [certificate], [validation] = prod.of_type(CERTIFICATE), prod.of_type(VALIDATION)
    assert certificate.inputs["domainName"] == HOSTNAME
    assert service_certificate(prod) == validation.state["certificateArn"]


def test_prod_provider_outputs_and_clients_use_the_hostname(prod):
    url = f"https://{HOSTNAME}"
    assert prod.outputs["polarisUrl"] == url
    assert connection_endpoints(prod) == {url}
    assert client_uris(prod) == {f"{url}/api/catalog"}


def test_prod_alias_targets_the_polaris_load_balancer(prod):
    [alias] = [r for r in prod.of_type(RECORD) if r.inputs["type"] == "A"]
    [service] = prod.of_type("kubernetes:core/v1:Service")
    assert alias.inputs["aliases"][0]["name"] == service.state["status"]["loadBalancer"]["ingress"][0]["hostname"]


def test_an_existing_certificate_is_used_as_given(tmp_path):
    plan = prod_variant(tmp_path, tlsCertificateArn=EXISTING)
    assert not plan.of_type(CERTIFICATE)
    assert service_certificate(plan) == EXISTING
    assert plan.outputs["polarisUrl"] == f"https://{HOSTNAME}"


def test_an_explicit_endpoint_is_the_engines_only_and_clients_keep_the_hostname(tmp_path):
    plan = prod_variant(tmp_path, endpoint="https://polaris.internal.example.com")
    assert connection_endpoints(plan) == {"https://polaris.internal.example.com"}
    assert plan.outputs["polarisUrl"] == f"https://{HOSTNAME}"
    assert client_uris(plan) == {f"https://{HOSTNAME}/api/catalog"}
