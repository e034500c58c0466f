"""Polaris' DNS name: the certificate clients verify and the alias record they resolve.

Clients verify TLS against ``polaris.hostname``, so that one setting names both: the certificate (issued here
through DNS validation in the same public Route 53 zone, or an existing ACM certificate) and the alias record
to the load balancer. Nobody sets a record by hand, and the provider, the stack outputs and every client
configuration use ``https://<hostname>``. Pass the platform account's AWS provider in ``opts``: the certificate
must live in the load balancer's region.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

VALIDATION_TTL_SECONDS = 300
NETWORK_LOAD_BALANCER = "network"


def https_url(hostname: str) -> str:
    return f"https://{hostname}"


def platform_invoke(component: pulumi.ComponentResource) -> pulumi.InvokeOutputOptions:
    """Look-ups through the component's explicit AWS provider: ambient credentials could be any account."""
    provider = component.get_provider("aws::")
    if provider is None:
        raise ValueError(f"{type(component).__name__} needs the platform's AWS provider in its options")
    return pulumi.InvokeOutputOptions(parent=component, provider=provider)


@dataclass(frozen=True)
class PolarisNameArgs:
    hostname: str
    hosted_zone: str
    """Domain name of the public hosted zone that holds ``hostname``."""
    issue_certificate: bool
    """False when ``polaris.tlsCertificateArn`` names an existing certificate."""


class PolarisName(pulumi.ComponentResource):
    """The hosted zone of Polaris' name and, when asked, its ACM certificate. ``certificate_arn`` resolves only
    once ACM has issued the certificate (CertificateValidation waits), so the load balancer never serves an
    unvalidated one; it is None when an existing certificate is used."""

    zone_id: pulumi.Output[str]
    certificate_arn: pulumi.Output[str] | None

    def __init__(self, name: str, args: PolarisNameArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("polaris-data-exchange:dns:PolarisName", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        # Public zone only: ACM validates, and partners resolve, through public DNS.
        self.zone_id = aws.route53.get_zone_output(
            name=args.hosted_zone, private_zone=False, opts=platform_invoke(self)
        ).zone_id
        self.certificate_arn = self._certificate(name, args.hostname, child) if args.issue_certificate else None
        self.register_outputs({"zone_id": self.zone_id, "certificate_arn": self.certificate_arn})

    def _certificate(self, name: str, hostname: str, child: pulumi.ResourceOptions) -> pulumi.Output[str]:
        certificate = aws.acm.Certificate(
            f"{name}-certificate", domain_name=hostname, validation_method="DNS", opts=child
        )
        option = certificate.domain_validation_options[0]
        # The validation CNAME is the same for every certificate of this name in the account: a replacement
        # certificate (created before the old one is deleted) must be able to take the existing record over.
        record = aws.route53.Record(
            f"{name}-certificate-validation-record",
            zone_id=self.zone_id,
            name=option.resource_record_name,
            type=option.resource_record_type,
            records=[option.resource_record_value],
            ttl=VALIDATION_TTL_SECONDS,
            allow_overwrite=True,
            opts=child,
        )
        validation = aws.acm.CertificateValidation(
            f"{name}-certificate-validation",
            certificate_arn=certificate.arn,
            validation_record_fqdns=[record.fqdn],
            opts=child,
        )
        return validation.certificate_arn


@dataclass(frozen=True)
class PolarisAliasArgs:
    hostname: str
    zone_id: pulumi.Input[str]
    load_balancer_hostname: pulumi.Input[str]
    """The DNS name of Polaris' network load balancer (the Service's ingress hostname)."""
    region: str
    """The load balancer's region: its canonical hosted zone depends on it."""


class PolarisAlias(pulumi.ComponentResource):
    """The A alias record from Polaris' name to its load balancer. ``url`` resolves once the record exists."""

    url: pulumi.Output[str]

    def __init__(self, name: str, args: PolarisAliasArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("polaris-data-exchange:dns:PolarisAlias", name, None, opts)
        balancer_zone = aws.lb.get_hosted_zone_id_output(
            load_balancer_type=NETWORK_LOAD_BALANCER, region=args.region, opts=platform_invoke(self)
        )
        record = aws.route53.Record(
            f"{name}-record",
            zone_id=args.zone_id,
            name=args.hostname,
            type="A",
            aliases=[
                aws.route53.RecordAliasArgs(
                    name=args.load_balancer_hostname, zone_id=balancer_zone.id, evaluate_target_health=True
                )
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.url = record.fqdn.apply(lambda _: https_url(args.hostname))
        self.register_outputs({"url": self.url})
