"""The CI identities as components: a GitHub OIDC trust and two identities per cloud.

- ``preview`` (pull requests and main, i.e. PR previews and drift checks): read-only everywhere, plus reading
  the state and decrypting its secrets.
- ``deploy`` (only the protected ``production`` environment): may assume the deploy roles the program names and
  write the state; write access exists only in the accounts, projects and resource groups of deployed stacks.

AWS: the OIDC provider and both CI roles live in the home account; in every target account a chained role per
identity trusts only the home role of the same identity (the program's providers assume roles from there).
GCP: one workload identity pool (repository condition) in the home project, a service account per identity,
impersonation limited to the identity's subjects, project roles per target. Azure: one multi-tenant application
per identity with federated credentials for its subjects, a service principal in every target tenant and role
assignments on the data owners' resource groups only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_azure_native as azure_native
import pulumi_azuread as azuread
import pulumi_gcp as gcp
from ci_runners import CiRunners, CiRunnersArgs
from ci_settings import AwsAccountTarget, AzureTarget, CiIdentitiesArgs, GcpProjectTarget

from components.azure import ASSIGNED_ROLES

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
IDENTITIES = ("preview", "deploy")

# -- AWS policies ------------------------------------------------------------------------------------------

READ_ONLY_ACTIONS = (
    "ec2:Describe*",
    "eks:Describe*",
    "eks:List*",
    "iam:Get*",
    "iam:List*",
    "rds:Describe*",
    "rds:ListTagsForResource",
    "elasticloadbalancing:Describe*",
    "autoscaling:Describe*",
    "logs:Describe*",
    "logs:ListTagsForResource",
    "acm:DescribeCertificate",
    "acm:ListTagsForCertificate",
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "kms:ListResourceTags",
    "ssm:GetParameter",
    "route53:GetHostedZone",
    "route53:ListHostedZones",
    "route53:ListResourceRecordSets",
    "route53:ListTagsForResource",
    "route53:GetChange",
)
# Bucket-level reads only: the resources are bucket ARNs, so no object (data) can be read.
BUCKET_READ_ACTIONS = (
    "s3:GetBucket*",
    "s3:GetEncryptionConfiguration",
    "s3:GetLifecycleConfiguration",
    "s3:GetReplicationConfiguration",
    "s3:GetAccelerateConfiguration",
    "s3:ListBucket",
)
# The platform stack creates networking, EKS, RDS, IAM roles, KMS keys, load balancers and logs.
PLATFORM_SERVICES = (
    "ec2",
    "eks",
    "rds",
    "iam",
    "kms",
    "elasticloadbalancing",
    "autoscaling",
    "logs",
    "acm",
    "ssm",
    "route53",
)
OWNER_ROLE_ACTIONS = (
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:GetRole",
    "iam:UpdateRole",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:PutRolePolicy",
    "iam:GetRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:ListRolePolicies",
    "iam:ListAttachedRolePolicies",
    "iam:ListInstanceProfilesForRole",
)
OWNER_KEY_ACTIONS = ("kms:DescribeKey", "kms:GetKeyPolicy", "kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant")


def statement(actions: Iterable[str], resources: Iterable[str] | str) -> dict[str, Any]:
    return {
        "Effect": "Allow",
        "Action": sorted(actions),
        "Resource": resources if isinstance(resources, str) else sorted(resources),
    }


def document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, sort_keys=True)


def github_trust(oidc_provider_arn: str, subjects: Iterable[str]) -> str:
    host = GITHUB_ISSUER.removeprefix("https://")
    return document(
        {
            "Effect": "Allow",
            "Principal": {"Federated": oidc_provider_arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {f"{host}:aud": "sts.amazonaws.com", f"{host}:sub": sorted(subjects)}},
        }
    )


def role_trust(role_arn: str) -> str:
    return document({"Effect": "Allow", "Principal": {"AWS": role_arn}, "Action": "sts:AssumeRole"})


def bucket_arns(buckets: Iterable[str]) -> list[str]:
    return [f"arn:aws:s3:::{bucket}" for bucket in buckets]


def read_only_statements(target: AwsAccountTarget) -> list[dict[str, Any]]:
    statements = [statement(READ_ONLY_ACTIONS, "*")]
    if target.buckets:
        statements.append(statement(BUCKET_READ_ACTIONS, bucket_arns(target.buckets)))
    return statements


def write_statements(target: AwsAccountTarget) -> list[dict[str, Any]]:
    statements = [statement([f"{service}:*" for service in PLATFORM_SERVICES], "*")] if target.platform else []
    if target.buckets:
        statements.append(statement(OWNER_ROLE_ACTIONS, f"arn:aws:iam::{target.account_id}:role/*"))
        statements.append(statement(["s3:*"], bucket_arns(target.buckets)))
    if target.kms_key_arns:
        statements.append(statement(OWNER_KEY_ACTIONS, target.kms_key_arns))
    return statements


def state_statements(args: CiIdentitiesArgs, identity: str) -> list[dict[str, Any]]:
    """Reading the state and decrypting its secrets (preview); also writing both (deploy)."""
    statements = []
    if args.state.bucket:
        objects = ["s3:GetObject"] + (["s3:PutObject", "s3:DeleteObject"] if identity == "deploy" else [])
        statements += [
            statement(["s3:ListBucket"], bucket_arns([args.state.bucket])),
            statement(objects, [f"arn:aws:s3:::{args.state.bucket}/*"]),
        ]
    if args.state.kms_key_arn:
        crypto = ["kms:Decrypt"] + (["kms:Encrypt", "kms:GenerateDataKey"] if identity == "deploy" else [])
        statements.append(statement(crypto, [args.state.kms_key_arn]))
    return statements


# -- AWS ---------------------------------------------------------------------------------------------------


class AwsCiIdentities(pulumi.ComponentResource):
    """OIDC provider and CI roles in the home account; chained roles in every target account."""

    role_arns: dict[str, pulumi.Output[str]]
    runners: CiRunners | None
    """The CodeBuild runners inside the platform VPC (``runners`` configured)."""

    def __init__(self, name: str, args: CiIdentitiesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("polaris-ci:aws:CiIdentities", name, None, opts)
        self._base, self._settings = name, args
        self._accounts: dict[str, aws.Provider] = {}
        home = self._scoped_provider(args.home.aws_account_id, args.home.aws_region)
        self.oidc = aws.iam.OpenIdConnectProvider(
            f"{name}-github",
            url=GITHUB_ISSUER,
            client_id_lists=["sts.amazonaws.com"],
            opts=pulumi.ResourceOptions(parent=self, provider=home),
        )
        self.home_roles = {identity: self._home_role(identity, home) for identity in IDENTITIES}
        self.role_arns = {identity: role.arn for identity, role in self.home_roles.items()}
        for target in args.aws_accounts:
            self._target_roles(target)
        self.runners = None
        if args.runners is not None:
            self.runners = CiRunners(
                f"{name}-runners",
                CiRunnersArgs(repository=args.repository, project_name=f"{args.prefix}-runner", target=args.runners),
                opts=pulumi.ResourceOptions(
                    parent=self, provider=self._scoped_provider(args.runners.account_id, args.runners.region)
                ),
            )
        self.register_outputs({"roleArns": self.role_arns})

    def _scoped_provider(self, account_id: str, region: str) -> aws.Provider:
        if account_id not in self._accounts:
            admin = self._settings.admin_role_name
            self._accounts[account_id] = aws.Provider(
                f"{self._base}-{account_id}",
                region=region,
                allowed_account_ids=[account_id],
                assume_roles=[{"role_arn": f"arn:aws:iam::{account_id}:role/{admin}"}] if admin else None,
                opts=pulumi.ResourceOptions(parent=self),
            )
        return self._accounts[account_id]

    def _role(
        self,
        name: str,
        role_name: str,
        trust: pulumi.Input[str],
        statements: list[dict[str, Any]],
        provider: aws.Provider,
    ) -> aws.iam.Role:
        opts = pulumi.ResourceOptions(parent=self, provider=provider)
        role = aws.iam.Role(name, name=role_name, assume_role_policy=trust, max_session_duration=3600, opts=opts)
        if statements:
            aws.iam.RolePolicy(f"{name}-policy", role=role.name, policy=document(*statements), opts=opts)
        return role

    def _home_role(self, identity: str, home: aws.Provider) -> aws.iam.Role:
        """The role GitHub assumes: state access, assuming the same identity's roles in the target accounts and,
        for previews, reading the home account itself (the program's default provider when it names no role)."""
        args = self._settings
        statements = state_statements(args, identity)
        chained = [arn for target in args.aws_accounts if (arn := self._chained_arn(target, identity))]
        if chained:
            statements.append(statement(["sts:AssumeRole"], chained))
        if identity == "preview" and (home_target := self._home_target()):
            statements += read_only_statements(home_target)
        trust = self.oidc.arn.apply(lambda arn: github_trust(arn, args.subjects(identity)))
        return self._role(f"{self._base}-{identity}", f"{args.prefix}-{identity}", trust, statements, home)

    def _home_target(self) -> AwsAccountTarget | None:
        return next(
            (t for t in self._settings.aws_accounts if t.account_id == self._settings.home.aws_account_id), None
        )

    def _chained_arn(self, target: AwsAccountTarget, identity: str) -> str | None:
        if identity == "preview":
            if target.account_id == self._settings.home.aws_account_id:
                return None  # the home preview role reads its own account directly
            return f"arn:aws:iam::{target.account_id}:role/{self._settings.prefix}-preview"
        return f"arn:aws:iam::{target.account_id}:role/{target.deploy_role_name}" if target.deploy_role_name else None

    def _target_roles(self, target: AwsAccountTarget) -> None:
        """In a target account: a read-only role for previews (outside the home account), and the deploy role the
        program assumes (deployed stacks only). Both trust only the home role of the same identity."""
        provider = self._scoped_provider(target.account_id, target.region)
        prefix = f"{self._base}-{target.account_id}"
        if self._chained_arn(target, "preview"):
            trust = self.home_roles["preview"].arn.apply(role_trust)
            self._role(
                f"{prefix}-preview", f"{self._settings.prefix}-preview", trust, read_only_statements(target), provider
            )
        if target.deploy_role_name:
            trust = self.home_roles["deploy"].arn.apply(role_trust)
            self._role(
                f"{prefix}-deploy",
                target.deploy_role_name,
                trust,
                read_only_statements(target) + write_statements(target),
                provider,
            )


# -- GCP ---------------------------------------------------------------------------------------------------

GCP_PREVIEW_ROLES = (
    "roles/iam.securityReviewer",
    "roles/iam.serviceAccountViewer",
    "roles/iam.workloadIdentityPoolViewer",
    "roles/storage.bucketViewer",
    "roles/serviceusage.serviceUsageViewer",
)
# What the program creates in a data owner project: buckets and their IAM, service accounts and their IAM, the
# workload identity pool Polaris federates into, project-level role bindings, and the APIs all of them need.
GCP_DEPLOY_ROLES = (
    "roles/iam.serviceAccountAdmin",
    "roles/iam.workloadIdentityPoolAdmin",
    "roles/resourcemanager.projectIamAdmin",
    "roles/storage.admin",
    "roles/serviceusage.serviceUsageAdmin",
)


class GcpCiIdentities(pulumi.ComponentResource):
    """A workload identity pool for this repository only, and a service account per identity."""

    provider_name: pulumi.Output[str]
    emails: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: CiIdentitiesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("polaris-ci:gcp:CiIdentities", name, None, opts)
        self._base = name
        home = self._scoped_provider(args.home.require_gcp_project())
        child = pulumi.ResourceOptions(parent=self, provider=home)
        pool = gcp.iam.WorkloadIdentityPool(
            f"{name}-pool", workload_identity_pool_id=f"{args.prefix}-github", display_name="GitHub Actions", opts=child
        )
        provider = gcp.iam.WorkloadIdentityPoolProvider(
            f"{name}-github",
            workload_identity_pool_id=pool.workload_identity_pool_id,
            workload_identity_pool_provider_id="github",
            oidc={"issuer_uri": GITHUB_ISSUER},
            attribute_mapping={"google.subject": "assertion.sub", "attribute.repository": "assertion.repository"},
            attribute_condition=f"assertion.repository == '{args.repository}'",
            opts=child,
        )
        accounts = {identity: self._account(identity, args, pool, child) for identity in IDENTITIES}
        for target in args.gcp_projects:
            self._grant(target, accounts)
        self.provider_name = provider.name
        self.emails = {identity: account.email for identity, account in accounts.items()}
        self.register_outputs({"providerName": self.provider_name, "emails": self.emails})

    def _scoped_provider(self, project: str) -> gcp.Provider:
        return gcp.Provider(f"{self._base}-{project}", project=project, opts=pulumi.ResourceOptions(parent=self))

    def _account(
        self, identity: str, args: CiIdentitiesArgs, pool: gcp.iam.WorkloadIdentityPool, child: pulumi.ResourceOptions
    ) -> gcp.serviceaccount.Account:
        account = gcp.serviceaccount.Account(
            f"{self._base}-{identity}",
            account_id=f"{args.prefix}-{identity}",
            display_name=f"CI {identity} ({args.repository})",
            opts=child,
        )
        for index, subject in enumerate(args.subjects(identity)):
            gcp.serviceaccount.IAMMember(
                f"{self._base}-{identity}-subject-{index}",
                service_account_id=account.name,
                role="roles/iam.workloadIdentityUser",
                member=pulumi.Output.concat("principal://iam.googleapis.com/", pool.name, f"/subject/{subject}"),
                opts=child,
            )
        return account

    def _grant(self, target: GcpProjectTarget, accounts: dict[str, gcp.serviceaccount.Account]) -> None:
        child = pulumi.ResourceOptions(parent=self, provider=self._scoped_provider(target.project))
        grants = [("preview", role) for role in GCP_PREVIEW_ROLES]
        grants += [("deploy", role) for role in GCP_PREVIEW_ROLES + GCP_DEPLOY_ROLES] if target.deploy else []
        for identity, role in grants:
            gcp.projects.IAMMember(
                f"{self._base}-{target.project}-{identity}-{role.rsplit('.', 1)[-1]}",
                project=target.project,
                role=role,
                member=accounts[identity].email.apply(lambda email: f"serviceAccount:{email}"),
                opts=child,
            )


# -- Azure -------------------------------------------------------------------------------------------------

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
GRAPH_APP_ROLES = {
    "preview": "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30",  # Application.Read.All
    "deploy": "18a4783c-866b-4cc7-a460-3d5e5662c884",
}  # Application.ReadWrite.OwnedBy
APPLICATION_READ_ALL = GRAPH_APP_ROLES["preview"]
APPLICATION_READWRITE_OWNEDBY = GRAPH_APP_ROLES["deploy"]
# In a data owner's tenant the program reads (preview) or creates (deploy) the service principal of Polaris'
# vending application (components.azure.AzureDataOwner); one created by the owner's admin consent is read, hence
# Application.Read.All for deploy too. Granting them needs that tenant's admin (docs/operations.md).
OWNER_TENANT_GRAPH_ROLES = {
    "preview": (APPLICATION_READ_ALL,),
    "deploy": (APPLICATION_READ_ALL, APPLICATION_READWRITE_OWNEDBY),
}
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
RBAC_ADMINISTRATOR = "f58310d9-a9f6-439a-9e8d-f62e7b41a168"
# The roles the program grants Polaris' application on the owners' storage, taken from the program so the two
# cannot drift apart; the deploy identity may assign (and remove) these only, not Owner or User Access
# Administrator.
ASSIGNABLE_ROLES = ASSIGNED_ROLES
AZURE_ROLES = {"preview": (READER,), "deploy": (CONTRIBUTOR, RBAC_ADMINISTRATOR)}


def assignable_roles_condition(roles: Iterable[str]) -> str:
    guids = ", ".join(roles)
    return (
        "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR "
        f"(@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {{{guids}}}))"
        " AND ((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR "
        f"(@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {{{guids}}}))"
    )


class AzureCiIdentities(pulumi.ComponentResource):
    """A multi-tenant application per identity, federated with its GitHub subjects only, and its service
    principals and role assignments in the data owners' tenants."""

    client_ids: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: CiIdentitiesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("polaris-ci:azure:CiIdentities", name, None, opts)
        self._base, self._settings = name, args
        self._home_tenant, _ = args.home.require_azure()
        self._directories: dict[str, azuread.Provider] = {}
        self._graphs: dict[str, azuread.ServicePrincipal] = {}
        home = pulumi.ResourceOptions(parent=self, provider=self._directory(self._home_tenant))
        graph = azuread.ServicePrincipal(f"{name}-graph", client_id=GRAPH_APP_ID, use_existing=True, opts=home)
        self.client_ids = {}
        for identity in IDENTITIES:
            app = self._application(identity, home)
            principals = self._principals(identity, app)
            azuread.AppRoleAssignment(
                f"{name}-{identity}-graph",
                app_role_id=GRAPH_APP_ROLES[identity],
                principal_object_id=principals[self._home_tenant].object_id,
                resource_object_id=graph.object_id,
                opts=home,
            )
            self._owner_tenant_graph_roles(identity, principals)
            for target in args.azure_targets:
                if identity == "preview" or target.deploy:
                    self._assign(identity, target, principals[target.tenant_id])
            self.client_ids[identity] = app.client_id
        self.register_outputs({"clientIds": self.client_ids})

    def _owner_tenant_graph_roles(self, identity: str, principals: dict[str, azuread.ServicePrincipal]) -> None:
        """Graph permissions in every owner tenant but home: without them the vending application's service
        principal there cannot be read or created (Authorization_RequestDenied)."""
        home = self._home_tenant
        deployed = {t.tenant_id for t in self._settings.azure_targets if t.deploy}
        for tenant in dict.fromkeys(t.tenant_id for t in self._settings.azure_targets):
            if tenant == home or (identity == "deploy" and tenant not in deployed):
                continue
            directory = pulumi.ResourceOptions(parent=self, provider=self._directory(tenant))
            graph = self._graph(tenant)
            for role in OWNER_TENANT_GRAPH_ROLES[identity]:
                azuread.AppRoleAssignment(
                    f"{self._base}-{identity}-graph-{tenant}-{role[:8]}",
                    app_role_id=role,
                    principal_object_id=principals[tenant].object_id,
                    resource_object_id=graph.object_id,
                    opts=directory,
                )

    def _graph(self, tenant_id: str) -> azuread.ServicePrincipal:
        if tenant_id not in self._graphs:
            self._graphs[tenant_id] = azuread.ServicePrincipal(
                f"{self._base}-graph-{tenant_id}",
                client_id=GRAPH_APP_ID,
                use_existing=True,
                opts=pulumi.ResourceOptions(parent=self, provider=self._directory(tenant_id)),
            )
        return self._graphs[tenant_id]

    def _directory(self, tenant_id: str) -> azuread.Provider:
        if tenant_id not in self._directories:
            self._directories[tenant_id] = azuread.Provider(
                f"{self._base}-{tenant_id}", tenant_id=tenant_id, opts=pulumi.ResourceOptions(parent=self)
            )
        return self._directories[tenant_id]

    def _application(self, identity: str, home: pulumi.ResourceOptions) -> azuread.Application:
        name, args = f"{self._base}-{identity}", self._settings
        app = azuread.Application(
            name, display_name=f"{args.prefix}-{identity}", sign_in_audience="AzureADMultipleOrgs", opts=home
        )
        for index, subject in enumerate(args.subjects(identity)):
            azuread.ApplicationFederatedIdentityCredential(
                f"{name}-subject-{index}",
                application_id=app.id,
                display_name=f"github-{identity}-{index}",
                issuer=GITHUB_ISSUER,
                subject=subject,
                audiences=["api://AzureADTokenExchange"],
                opts=home,
            )
        return app

    def _principals(self, identity: str, app: azuread.Application) -> dict[str, azuread.ServicePrincipal]:
        tenants = dict.fromkeys([self._home_tenant, *(t.tenant_id for t in self._settings.azure_targets)])
        return {
            tenant: azuread.ServicePrincipal(
                f"{self._base}-{identity}-{tenant}",
                client_id=app.client_id,
                opts=pulumi.ResourceOptions(parent=self, provider=self._directory(tenant)),
            )
            for tenant in tenants
        }

    def _assign(self, identity: str, target: AzureTarget, principal: azuread.ServicePrincipal) -> None:
        provider = azure_native.Provider(
            f"{self._base}-{identity}-{target.subscription_id}-{target.resource_group}",
            tenant_id=target.tenant_id,
            subscription_id=target.subscription_id,
            opts=pulumi.ResourceOptions(parent=self),
        )
        for role in AZURE_ROLES[identity]:
            constrained = role == RBAC_ADMINISTRATOR
            azure_native.authorization.RoleAssignment(
                f"{self._base}-{identity}-{target.resource_group}-{role[:8]}",
                scope=target.scope,
                principal_id=principal.object_id,
                principal_type="ServicePrincipal",
                role_definition_id=f"/subscriptions/{target.subscription_id}/providers/Microsoft.Authorization/"
                f"roleDefinitions/{role}",
                condition=assignable_roles_condition(ASSIGNABLE_ROLES) if constrained else None,
                condition_version="2.0" if constrained else None,
                opts=pulumi.ResourceOptions(parent=self, provider=provider),
            )


# -- all clouds --------------------------------------------------------------------------------------------


class CiIdentities(pulumi.ComponentResource):
    """Every CI identity; ``github_variables`` are the repository variables the workflows read."""

    github_variables: pulumi.Output[dict[str, str]]
    runner_label: str | None
    """The `runs-on` label of the CI runners, when they are configured."""

    def __init__(self, name: str, args: CiIdentitiesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("polaris-ci:index:CiIdentities", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        variables: dict[str, pulumi.Input[str]] = {"AWS_REGION": args.home.aws_region}
        aws_ids = AwsCiIdentities(f"{name}-aws", args, child)
        self.runner_label = aws_ids.runners.label if aws_ids.runners else None
        variables |= {f"AWS_{i.upper()}_ROLE_ARN": arn for i, arn in aws_ids.role_arns.items()}
        if args.gcp_projects:
            gcp_ids = GcpCiIdentities(f"{name}-gcp", args, child)
            variables["GCP_WORKLOAD_IDENTITY_PROVIDER"] = gcp_ids.provider_name
            variables |= {f"GCP_{i.upper()}_SERVICE_ACCOUNT": email for i, email in gcp_ids.emails.items()}
        if args.azure_targets:
            azure_ids = AzureCiIdentities(f"{name}-azure", args, child)
            tenant_id, subscription_id = args.home.require_azure()
            variables |= {"AZURE_TENANT_ID": tenant_id, "AZURE_SUBSCRIPTION_ID": subscription_id}
            variables |= {f"AZURE_{i.upper()}_CLIENT_ID": cid for i, cid in azure_ids.client_ids.items()}
        self.github_variables = pulumi.Output.all(**variables)
        self.register_outputs({"githubVariables": self.github_variables})
