"""GCS credential vending: the one identity Polaris federates into, and a vending identity per data owner.

Polaris holds ONE ambient Google identity (ADC from ``GOOGLE_APPLICATION_CREDENTIALS``: an ``external_account``
configuration that trades the pod's projected Kubernetes token at Google STS) and, per catalog, impersonates
the catalog's ``gcsServiceAccount`` before down-scoping the token to the table's paths. So one workload
identity pool trusts exactly Polaris' Kubernetes service account, and each data owner lets that one federated
principal impersonate its own vending service account, the only identity with access to its bucket.
No service account key exists anywhere.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import pulumi
import pulumi_gcp as gcp
import pulumi_random as random

from components.audit import GcpStorageAuditLog
from configuration.schema import DataOwnerConfig, GcpProject
from rules.kubernetes import service_account_subject

GCP_TOKEN_PATH = "/var/run/secrets/polaris/gcp/token"
"""Projected service-account token file in the Polaris pod (audience: ``GcpWorkloadAccess.audience``)."""
GCP_CREDENTIALS_PATH = "/etc/polaris/gcp/credentials.json"
"""Where the credential configuration is mounted; ``GOOGLE_APPLICATION_CREDENTIALS`` points here."""

OBJECT_USER = "roles/storage.objectUser"
OBJECT_ADMIN = "roles/storage.objectAdmin"
SERVICE_USAGE_CONSUMER = "roles/serviceusage.serviceUsageConsumer"
TOKEN_CREATOR = "roles/iam.serviceAccountTokenCreator"
IDENTITY_APIS = ("iam.googleapis.com", "sts.googleapis.com", "iamcredentials.googleapis.com")
"""The pool's project: IAM (pools, providers), STS (Polaris' token exchange), IAM Credentials."""
OWNER_APIS = ("iam.googleapis.com", "iamcredentials.googleapis.com", "storage.googleapis.com")
"""An owner's project: IAM (its vending service account), IAM Credentials (Polaris impersonates that account
there), Cloud Storage. Enabling needs serviceusage.googleapis.com and, for project IAM,
cloudresourcemanager.googleapis.com: both on by default, the prerequisites (docs/operations.md)."""
_PROVIDER_ID = "eks-oidc"
_LABEL_INVALID = re.compile(r"[^a-z0-9_-]")
_LABEL_MAX = 63


@dataclass(frozen=True)
class GcpWorkloadAccess:
    """What the Polaris Deployment needs: the token audience and the credential configuration file."""

    audience: pulumi.Input[str]
    credential_configuration: pulumi.Input[str]
    """The ``external_account`` JSON; not a secret, it holds no key."""


@dataclass(frozen=True)
class GcpWorkloadIdentityArgs:
    project: str
    oidc_issuer_url: pulumi.Input[str]
    namespace: str
    service_account: str
    apis: Sequence[pulumi.Resource] = ()
    """The project's APIs (``GcpApis.services``): nothing here is created before they are on."""


@dataclass(frozen=True)
class GcpVendingArgs:
    owner: DataOwnerConfig
    federated_principal: pulumi.Input[str]
    labels: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """The stack's tags; made valid GCP labels here. (A factory: dataclasses refuse a mappingproxy default.)"""
    apis: Sequence[pulumi.Resource] = ()
    """The project's APIs (``GcpApis.services``): nothing here is created before they are on."""
    audit: bool = False
    """The stack records storage access (``audit``): the owner's project is reached even when identity and
    bucket are brought."""


def required_apis(identity_project: str, owner_projects: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Every project's APIs, each once (the pool may live in an owner's project)."""
    needed: dict[str, dict[str, None]] = {identity_project: dict.fromkeys(IDENTITY_APIS)}
    for project in owner_projects:
        needed.setdefault(project, {}).update(dict.fromkeys(OWNER_APIS))
    return {project: tuple(sorted(apis)) for project, apis in needed.items()}


class GcpApis(pulumi.ComponentResource):
    """The APIs the program relies on, enabled as code in each project. Destroy leaves them on: the owner's
    other workloads may use them."""

    services: list[gcp.projects.Service]

    def __init__(self, name: str, apis: Mapping[str, Sequence[str]], opts: pulumi.ResourceOptions | None = None):
        super().__init__("polaris-data-exchange:gcp:Apis", name, None, opts)
        self.services = []
        for project, services in apis.items():
            provider = gcp.Provider(f"{name}-{project}", project=project, opts=pulumi.ResourceOptions(parent=self))
            self.services += [
                gcp.projects.Service(
                    f"{name}-{project}-{service.split('.')[0]}",
                    project=project,
                    service=service,
                    disable_on_destroy=False,
                    disable_dependent_services=False,
                    opts=pulumi.ResourceOptions(parent=self, provider=provider),
                )
                for service in services
            ]
        self.register_outputs({"services": [s.service for s in self.services]})


def credential_configuration(audience: str) -> dict[str, Any]:
    """ADC ``external_account`` config read from the projected token file. No impersonation URL: Polaris
    impersonates each catalog's service account itself."""
    return {
        "type": "external_account",
        "audience": audience,
        "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
        "token_url": "https://sts.googleapis.com/v1/token",
        "credential_source": {"file": GCP_TOKEN_PATH, "format": {"type": "text"}},
    }


def gcp_labels(tags: Mapping[str, str]) -> dict[str, str]:
    """Tags as GCP labels: lowercase letters, digits, '_' and '-', at most 63 characters, keys starting with
    a letter (the API rejects anything else)."""
    return {_label_key(key): _label_text(value) for key, value in tags.items()}


def _label_text(text: str) -> str:
    return _LABEL_INVALID.sub("_", text.lower())[:_LABEL_MAX]


def _label_key(key: str) -> str:
    label = _label_text(key)
    return label if label[:1].isalpha() else _label_text(f"tag-{label}")


class GcpWorkloadIdentity(pulumi.ComponentResource):
    """The pool and OIDC provider that trust the EKS issuer, for Polaris' service account only."""

    pool_name: pulumi.Output[str]
    provider_name: pulumi.Output[str]
    federated_principal: pulumi.Output[str]
    access: GcpWorkloadAccess

    def __init__(self, name: str, args: GcpWorkloadIdentityArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("polaris-data-exchange:gcp:WorkloadIdentity", name, None, opts)
        # Everything here goes through this provider: it waits for the project's APIs.
        project = gcp.Provider(
            f"{name}-provider",
            project=args.project,
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.apis)),
        )
        child = pulumi.ResourceOptions(parent=self, provider=project)
        subject = service_account_subject(args.namespace, args.service_account)
        pool = self._pool(name, child)
        provider = gcp.iam.WorkloadIdentityPoolProvider(
            f"{name}-oidc",
            workload_identity_pool_id=pool.workload_identity_pool_id,
            workload_identity_pool_provider_id=_PROVIDER_ID,
            display_name="EKS service accounts",
            attribute_mapping={"google.subject": "assertion.sub"},
            attribute_condition=f"assertion.sub == '{subject}'",
            # No allowed audiences: Google then accepts the provider's own resource name, our token audience.
            oidc={"issuer_uri": args.oidc_issuer_url},
            opts=child,
        )
        self.pool_name = pool.name
        self.provider_name = provider.name
        self.federated_principal = pool.name.apply(
            lambda pool_name: f"principal://iam.googleapis.com/{pool_name}/subject/{subject}"
        )
        audience = provider.name.apply(lambda provider_name: f"//iam.googleapis.com/{provider_name}")
        self.access = GcpWorkloadAccess(
            audience=audience,
            credential_configuration=audience.apply(
                lambda aud: json.dumps(credential_configuration(aud), sort_keys=True)
            ),
        )
        self.register_outputs(
            {
                "pool_name": self.pool_name,
                "provider_name": self.provider_name,
                "federated_principal": self.federated_principal,
                "audience": audience,
                "credential_configuration": self.access.credential_configuration,
            }
        )

    def _pool(self, name: str, child: pulumi.ResourceOptions) -> gcp.iam.WorkloadIdentityPool:
        # A deleted pool's id stays reserved for 30 days: a random suffix lets a stack be recreated.
        suffix = random.RandomId(f"{name}-pool-suffix", byte_length=2, opts=pulumi.ResourceOptions(parent=self))
        return gcp.iam.WorkloadIdentityPool(
            f"{name}-pool",
            workload_identity_pool_id=suffix.hex.apply(lambda h: f"polaris-{h}"),
            display_name="Polaris on EKS",
            description="Polaris' Kubernetes service account on EKS",
            opts=child,
        )


class GcpDataOwner(pulumi.ComponentResource):
    """One data owner (a ``DataOwner``): its bucket and the vending service account Polaris impersonates for
    its catalogs, created or brought (``serviceAccount``)."""

    service_account_email: pulumi.Output[str]
    project: str
    allowed_locations: list[str]
    bucket: pulumi.Input[str]

    def __init__(self, name: str, args: GcpVendingArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("polaris-data-exchange:gcp:DataOwner", name, None, opts)
        owner, project = args.owner, args.owner.gcp
        if project is None:
            raise ValueError(f"data owner {owner.name!r} is not on GCP")
        bucket = owner.storage.bucket
        if bucket is None:  # configuration validation requires it of a GCP owner
            raise ValueError(f"data owner {owner.name!r}: storage.bucket is unset; a GCP data owner needs one")
        self.project, self.allowed_locations = project.project, list(owner.allowed_locations)
        given = project.service_account
        self.provider = None
        """The owner's project (None when the program declares nothing there: identity and bucket brought)."""
        if given is not None and not owner.storage.create and not args.audit:
            # Brought by the owner's security team, bucket and all: nothing to declare in the owner's project.
            self.bucket, self.service_account_email = bucket, pulumi.Output.from_input(given)
        else:
            provider = gcp.Provider(
                f"{name}-provider",
                project=project.project,
                opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.apis)),
            )
            child = pulumi.ResourceOptions(parent=self, provider=provider)
            self.provider = provider
            self.bucket = (
                self._bucket(name, bucket, project.location, args.labels, child) if owner.storage.create else bucket
            )
            self.service_account_email = (
                pulumi.Output.from_input(given)
                if given
                else self._vending_account(name, owner.name, project, args.federated_principal, child)
            )
        self.register_outputs(
            {
                "service_account_email": self.service_account_email,
                "allowed_locations": self.allowed_locations,
                "bucket": self.bucket,
            }
        )

    @property
    def assumed_roles(self) -> list[pulumi.Output[str]]:
        return []

    def storage_config(self) -> dict[str, Any]:
        return {"storageType": "GCS", "gcsServiceAccount": self.service_account_email}

    def summary(self) -> dict[str, Any]:
        return {
            "cloud": "gcp",
            "serviceAccount": self.service_account_email,
            "allowedLocations": self.allowed_locations,
        }

    def access_log(self, name: str, retention_days: int) -> GcpStorageAuditLog:
        """Data Access audit logs; they land in the project's ``_Default`` bucket, so no retention of ours."""
        return GcpStorageAuditLog(name, self.project, opts=pulumi.ResourceOptions(provider=self.provider))

    def _vending_account(
        self,
        name: str,
        owner_name: str,
        project: GcpProject,
        federated_principal: pulumi.Input[str],
        child: pulumi.ResourceOptions,
    ) -> pulumi.Output[str]:
        account = gcp.serviceaccount.Account(
            f"{name}-vending",
            account_id=f"polaris-{owner_name}",
            display_name=f"Polaris vending for {owner_name}",
            description="Impersonated by Polaris to vend tokens down-scoped to shared prefixes",
            opts=child,
        )
        self._grant(name, project, account, federated_principal, child)
        return account.email

    @staticmethod
    def _bucket(
        name: str, bucket_name: str, location: str, labels: Mapping[str, str], child: pulumi.ResourceOptions
    ) -> pulumi.Output[str]:
        return gcp.storage.Bucket(
            f"{name}-bucket",
            name=bucket_name,
            location=location,
            uniform_bucket_level_access=True,
            public_access_prevention="enforced",
            versioning={"enabled": True},
            labels=gcp_labels(labels),
            # The data belongs to the owner: `pulumi destroy` leaves the bucket (as for AWS buckets).
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(retain_on_delete=True)),
        ).name

    def _grant(
        self,
        name: str,
        project: GcpProject,
        account: gcp.serviceaccount.Account,
        federated_principal: pulumi.Input[str],
        child: pulumi.ResourceOptions,
    ) -> None:
        """Bucket access for the vending account (never project-wide storage roles), the project's service
        usage (writes fail on ``serviceusage.services.use`` without it), and impersonation by Polaris alone."""
        gcp.storage.BucketIAMMember(
            f"{name}-bucket-access",
            bucket=self.bucket,
            role=OBJECT_ADMIN if project.object_admin else OBJECT_USER,
            member=account.member,
            opts=child,
        )
        gcp.projects.IAMMember(
            f"{name}-service-usage",
            project=project.project,
            role=SERVICE_USAGE_CONSUMER,
            member=account.member,
            opts=child,
        )
        gcp.serviceaccount.IAMMember(
            f"{name}-impersonation",
            service_account_id=account.name,
            role=TOKEN_CREATOR,
            member=federated_principal,
            opts=child,
        )
