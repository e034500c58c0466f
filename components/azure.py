"""ADLS Gen2 credential vending: one multi-tenant Entra application for Polaris, and per data owner its storage
and the role assignments that let that application mint user-delegation SAS for one container.

Polaris authenticates with ``DefaultAzureCredential`` and asks for a storage token in the catalog's tenant.
Keyless by default: the application trusts Polaris' projected Kubernetes token (a federated identity
credential), which ``WorkloadIdentityCredential`` exchanges in any tenant where the application has a
service principal. ``static-secret`` mode swaps that for an application password with a bounded lifetime.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from types import MappingProxyType
from typing import Any

import pulumi
import pulumi_azure_native as azure_native
import pulumi_azuread as azuread

from components.audit import AzureAuditArgs, AzureStorageAuditLog
from configuration.schema import AzureApplicationConfig, AzureSubscription, CredentialMode, DataOwnerConfig
from rules.kubernetes import service_account_subject

AZURE_TOKEN_PATH = "/var/run/secrets/polaris/azure/token"
AZURE_TOKEN_AUDIENCE = "api://AzureADTokenExchange"

BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
"""Built-in role: read, write and delete blobs; assigned on the container."""
BLOB_DELEGATOR = "db58b8e5-c6ad-4a2a-8342-4190687cbf4a"
"""Built-in role: get a user delegation key (needed to sign user-delegation SAS); assigned on the account."""
ASSIGNED_ROLES = (BLOB_DATA_CONTRIBUTOR, BLOB_DELEGATOR)
"""Every role the program assigns: the deploy identity may assign these and no other (bootstrap/ci-identities)."""


@dataclass(frozen=True)
class AzureWorkloadAccess:
    """What the Polaris Deployment needs. ``client_secret`` (static-secret mode) belongs in a Kubernetes
    Secret referenced as ``AZURE_CLIENT_SECRET``, never in the plain environment."""

    client_id: pulumi.Input[str]
    tenant_id: str
    additionally_allowed_tenants: tuple[str, ...]
    client_secret: pulumi.Input[str] | None = None

    def environment(self) -> dict[str, pulumi.Input[str]]:
        """The ``DefaultAzureCredential`` variables; other tenants must be allowed explicitly because
        Polaris requests tokens in each catalog's tenant."""
        env: dict[str, pulumi.Input[str]] = {"AZURE_CLIENT_ID": self.client_id, "AZURE_TENANT_ID": self.tenant_id}
        if self.client_secret is None:
            env["AZURE_FEDERATED_TOKEN_FILE"] = AZURE_TOKEN_PATH
        if self.additionally_allowed_tenants:
            # Polaris' Azure identity SDK for Java splits the list on ";" (IdentityUtil
            # .getAdditionalTenantsFromEnvironment): joined with "," two tenants or more read as one unknown.
            env["AZURE_ADDITIONALLY_ALLOWED_TENANTS"] = ";".join(self.additionally_allowed_tenants)
        return env


@dataclass(frozen=True)
class AzureServicePrincipal:
    """The application's service principal in one tenant: what role assignments name."""

    tenant_id: str
    object_id: pulumi.Input[str]


@dataclass(frozen=True)
class AzureApplicationArgs:
    application: AzureApplicationConfig
    credential_mode: CredentialMode
    oidc_issuer_url: pulumi.Input[str]
    namespace: str
    service_account: str
    secret_validity_days: int
    owner_tenants: tuple[str, ...]


@dataclass(frozen=True)
class AzureVendingArgs:
    owner: DataOwnerConfig
    application_client_id: pulumi.Input[str]
    application_name: str
    """The application's display name: Polaris' ``multiTenantAppName``."""
    tags: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    home_principal: AzureServicePrincipal | None = None
    """The application's home-tenant service principal, reused when the owner is in that tenant."""


def password_end_date(validity_days: int, today: date) -> str:
    """End date of a password issued today. It only moves once per rotation window (half the validity), so
    previews stay quiet until a rotation is due; a password never lives longer than ``validity_days``."""
    window = max(1, validity_days // 2)
    start = date.fromordinal(today.toordinal() - today.toordinal() % window)
    return f"{start + timedelta(days=validity_days):%Y-%m-%d}T00:00:00Z"


def storage_account_id(subscription: AzureSubscription, account: str) -> str:
    return (
        f"/subscriptions/{subscription.subscription_id}/resourceGroups/{subscription.resource_group}"
        f"/providers/Microsoft.Storage/storageAccounts/{account}"
    )


def container_id(account_id: str, container: str) -> str:
    return f"{account_id}/blobServices/default/containers/{container}"


def consent_url(tenant_id: str, client_id: pulumi.Input[str]) -> pulumi.Output[str]:
    """Where the owner's admin consents to the application, if the program may not create its principal."""
    return pulumi.Output.concat("https://login.microsoftonline.com/", tenant_id, "/adminconsent?client_id=", client_id)


class AzureVendingApplication(pulumi.ComponentResource):
    """Polaris' multi-tenant application in its home tenant, with its one credential."""

    client_id: pulumi.Output[str]
    tenant_id: str
    service_principal: AzureServicePrincipal
    access: AzureWorkloadAccess

    def __init__(self, name: str, args: AzureApplicationArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("polaris-data-exchange:azure:VendingApplication", name, None, opts)
        home = args.application.tenant_id
        directory = azuread.Provider(f"{name}-provider", tenant_id=home, opts=pulumi.ResourceOptions(parent=self))
        child = pulumi.ResourceOptions(parent=self, provider=directory)
        application = azuread.Application(
            f"{name}-application",
            display_name=args.application.display_name,
            sign_in_audience="AzureADMultipleOrgs",
            opts=child,
        )
        principal = azuread.ServicePrincipal(f"{name}-principal", client_id=application.client_id, opts=child)
        self.client_id = application.client_id
        self.tenant_id = home
        self.service_principal = AzureServicePrincipal(home, principal.object_id)
        self.access = AzureWorkloadAccess(
            client_id=application.client_id,
            tenant_id=home,
            additionally_allowed_tenants=tuple(sorted(set(args.owner_tenants) - {home})),
            client_secret=self._credential(name, application, args, child),
        )
        self.register_outputs(
            {"client_id": self.client_id, "tenant_id": self.tenant_id, "keyless": self.access.client_secret is None}
        )

    @staticmethod
    def _credential(
        name: str, application: azuread.Application, args: AzureApplicationArgs, child: pulumi.ResourceOptions
    ) -> pulumi.Output[str] | None:
        """The federated credential (keyless), or a password returned as a secret (static-secret)."""
        if args.credential_mode is CredentialMode.STATIC_SECRET:
            password = azuread.ApplicationPassword(
                f"{name}-password",
                application_id=application.id,
                display_name="polaris static secret",
                end_date=password_end_date(args.secret_validity_days, datetime.now(UTC).date()),
                opts=child,
            )
            return pulumi.Output.secret(password.value)
        azuread.ApplicationFederatedIdentityCredential(
            f"{name}-federated-credential",
            application_id=application.id,
            display_name=f"eks-{args.namespace}-{args.service_account}",
            description="Polaris' Kubernetes service account on EKS",
            audiences=[AZURE_TOKEN_AUDIENCE],
            issuer=args.oidc_issuer_url,
            subject=service_account_subject(args.namespace, args.service_account),
            opts=child,
        )
        return None


class AzureDataOwner(pulumi.ComponentResource):
    """One data owner (a ``DataOwner``): its storage account and container, and the roles of Polaris'
    application, created or brought (``polaris.azureApplication.clientId``), on exactly those."""

    tenant_id: str
    client_id: pulumi.Input[str]
    application_name: str
    subscription: AzureSubscription
    """Where the storage lives: subscription, resource group, location."""
    consent_url: pulumi.Output[str]
    allowed_locations: list[str]
    storage_account: pulumi.Input[str]
    container: pulumi.Input[str]

    def __init__(self, name: str, args: AzureVendingArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("polaris-data-exchange:azure:DataOwner", name, None, opts)
        owner, subscription = args.owner, args.owner.azure
        if subscription is None:
            raise ValueError(f"data owner {owner.name!r} is not on Azure")
        account, container = owner.storage.account, owner.storage.container
        if account is None or container is None:  # configuration validation requires both of an Azure owner
            raise ValueError(
                f"data owner {owner.name!r}: storage.account is {account!r} and storage.container is "
                f"{container!r}; an Azure data owner needs both"
            )
        provider = azure_native.Provider(
            f"{name}-provider",
            subscription_id=subscription.subscription_id,
            tenant_id=subscription.tenant_id,
            opts=pulumi.ResourceOptions(parent=self),
        )
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        account_scope, container_scope = self._storage(
            name, subscription, account, container, owner.storage.create, args.tags, child
        )
        self.provider, self.storage_account_id = provider, account_scope
        principal_id = self._principal_id(name, subscription.tenant_id, args)
        for role_name, scope, role in (
            ("container-data", container_scope, BLOB_DATA_CONTRIBUTOR),
            ("account-delegation", account_scope, BLOB_DELEGATOR),
        ):
            self._assign(f"{name}-{role_name}", scope, role, principal_id, subscription.subscription_id, child)
        self.tenant_id = subscription.tenant_id
        self.client_id, self.application_name = args.application_client_id, args.application_name
        self.subscription = subscription
        self.consent_url = consent_url(self.tenant_id, self.client_id)
        self.allowed_locations = list(owner.allowed_locations)
        self.register_outputs(
            {
                "tenant_id": self.tenant_id,
                "client_id": self.client_id,
                "consent_url": self.consent_url,
                "allowed_locations": self.allowed_locations,
                "storage_account": self.storage_account,
                "container": self.container,
            }
        )

    @property
    def assumed_roles(self) -> list[pulumi.Output[str]]:
        return []

    def storage_config(self) -> dict[str, Any]:
        return {
            "storageType": "AZURE",
            "tenantId": self.tenant_id,
            "multiTenantAppName": self.application_name,
            "consentUrl": self.consent_url,
            "hierarchical": True,
        }

    def summary(self) -> dict[str, Any]:
        return {
            "cloud": "azure",
            "tenantId": self.tenant_id,
            "clientId": self.client_id,
            "consentUrl": self.consent_url,
            "allowedLocations": self.allowed_locations,
        }

    def access_log(self, name: str, retention_days: int) -> AzureStorageAuditLog:
        return AzureStorageAuditLog(
            name,
            AzureAuditArgs(
                storage_account_id=self.storage_account_id,
                resource_group=self.subscription.resource_group,
                location=self.subscription.location,
                retention_days=retention_days,
            ),
            opts=pulumi.ResourceOptions(provider=self.provider),
        )

    def _storage(
        self,
        name: str,
        subscription: AzureSubscription,
        account_name: str,
        container_name: str,
        create: bool,
        tags: Mapping[str, str],
        child: pulumi.ResourceOptions,
    ) -> tuple[pulumi.Input[str], pulumi.Input[str]]:
        """The account and container ids: created here, or existing ones named in the configuration."""
        if not create:
            self.storage_account, self.container = account_name, container_name
            account_id = storage_account_id(subscription, account_name)
            return account_id, container_id(account_id, container_name)
        # The data belongs to the owner: `pulumi destroy` leaves account and container (as for AWS buckets).
        kept = pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(retain_on_delete=True))
        account = azure_native.storage.StorageAccount(
            f"{name}-account",
            account_name=account_name,
            resource_group_name=subscription.resource_group,
            location=subscription.location,
            kind="StorageV2",
            sku={"name": "Standard_LRS"},
            is_hns_enabled=True,
            enable_https_traffic_only=True,
            minimum_tls_version="TLS1_2",
            allow_blob_public_access=False,
            allow_shared_key_access=subscription.shared_key_access,
            allow_cross_tenant_replication=False,
            default_to_o_auth_authentication=not subscription.shared_key_access,
            tags=dict(tags),
            opts=kept,
        )
        container = azure_native.storage.BlobContainer(
            f"{name}-container",
            account_name=account.name,
            container_name=container_name,
            resource_group_name=subscription.resource_group,
            public_access=azure_native.storage.PublicAccess.NONE,
            opts=kept,
        )
        self.storage_account, self.container = account.name, container.name
        return account.id, container.id

    def _principal_id(self, name: str, tenant: str, args: AzureVendingArgs) -> pulumi.Input[str]:
        """The application's service principal in the owner's tenant (the home one is reused)."""
        if args.home_principal is not None and args.home_principal.tenant_id == tenant:
            return args.home_principal.object_id
        directory = azuread.Provider(f"{name}-directory", tenant_id=tenant, opts=pulumi.ResourceOptions(parent=self))
        # use_existing: an admin who consented first has already created it.
        return azuread.ServicePrincipal(
            f"{name}-principal",
            client_id=args.application_client_id,
            use_existing=True,
            opts=pulumi.ResourceOptions(parent=self, provider=directory),
        ).object_id

    @staticmethod
    def _assign(
        name: str,
        scope: pulumi.Input[str],
        role: str,
        principal_id: pulumi.Input[str],
        subscription_id: str,
        child: pulumi.ResourceOptions,
    ) -> None:
        """A role for the application on exactly ``scope``, named like Bicep's guid(scope, principal, role)."""
        definitions = f"/subscriptions/{subscription_id}/providers/Microsoft.Authorization/roleDefinitions"
        azure_native.authorization.RoleAssignment(
            name,
            scope=scope,
            principal_id=principal_id,
            principal_type="ServicePrincipal",
            role_definition_id=f"{definitions}/{role}",
            role_assignment_name=pulumi.Output.all(scope, principal_id).apply(
                lambda values: str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join([*values, role])))
            ),
            opts=child,
        )
