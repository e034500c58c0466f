"""A small Mocks class for the bootstrap: identifiers shaped like the clouds', derived from the explicit provider
each resource uses (the provider's id is its account, project or tenant)."""

from __future__ import annotations

import json
import uuid

import pulumi


def stable_uuid(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts)))


def scope_of(args: pulumi.runtime.MockResourceArgs) -> str:
    return args.provider.rsplit("::", 1)[-1] if args.provider else ""


class CiMocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        inputs, scope = args.inputs, scope_of(args)
        if args.typ == "pulumi:providers:aws":
            return json.loads(inputs["allowedAccountIds"])[0], inputs
        if args.typ in ("pulumi:providers:gcp", "pulumi:providers:azuread"):
            return inputs.get("project") or inputs["tenantId"], inputs
        if args.typ == "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
            arn = f"arn:aws:iam::{scope}:oidc-provider/{inputs['url'].removeprefix('https://')}"
            return arn, {**inputs, "arn": arn}
        if args.typ == "aws:iam/role:Role":
            return inputs["name"], {**inputs, "arn": f"arn:aws:iam::{scope}:role/{inputs['name']}"}
        if args.typ == "gcp:iam/workloadIdentityPool:WorkloadIdentityPool":
            name = f"projects/123456789/locations/global/workloadIdentityPools/{inputs['workloadIdentityPoolId']}"
            return name, {**inputs, "name": name}
        if args.typ == "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider":
            name = f"projects/123456789/locations/global/workloadIdentityPools/{inputs['workloadIdentityPoolId']}" \
                   f"/providers/{inputs['workloadIdentityPoolProviderId']}"
            return name, {**inputs, "name": name}
        if args.typ == "gcp:serviceaccount/account:Account":
            email = f"{inputs['accountId']}@{scope}.iam.gserviceaccount.com"
            return email, {**inputs, "email": email, "name": f"projects/{scope}/serviceAccounts/{email}"}
        if args.typ == "azuread:index/application:Application":
            object_id = stable_uuid(args.name)
            return object_id, {**inputs, "id": f"/applications/{object_id}", "clientId": stable_uuid(args.name, "client")}
        if args.typ == "azuread:index/servicePrincipal:ServicePrincipal":
            return stable_uuid(args.name), {**inputs, "objectId": stable_uuid(args.name, scope)}
        return args.name, inputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:
        return {}
