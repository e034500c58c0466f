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
            name = (
                f"projects/123456789/locations/global/workloadIdentityPools/{inputs['workloadIdentityPoolId']}"
                f"/providers/{inputs['workloadIdentityPoolProviderId']}"
            )
            return name, {**inputs, "name": name}
        if args.typ == "gcp:serviceaccount/account:Account":
            email = f"{inputs['accountId']}@{scope}.iam.gserviceaccount.com"
            return email, {**inputs, "email": email, "name": f"projects/{scope}/serviceAccounts/{email}"}
        if args.typ == "azuread:index/application:Application":
            object_id = stable_uuid(args.name)
            return object_id, {
                **inputs,
                "id": f"/applications/{object_id}",
                "clientId": stable_uuid(args.name, "client"),
            }
        if args.typ == "azuread:index/servicePrincipal:ServicePrincipal":
            return stable_uuid(args.name), {**inputs, "objectId": stable_uuid(args.name, scope)}
        if args.typ.startswith("aws:"):
            service = args.typ.split(":")[1].split("/")[0]
            return args.name, {"arn": f"arn:aws:{service}:eu-west-1:{scope}:{args.name}", **inputs}
        return args.name, inputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:
        """The platform network as its first `up` created it: a VPC, and a subnet per private CIDR."""
        if args.token == "aws:ec2/getVpc:getVpc":
            return {"id": f"vpc-{stable_uuid(args.args['cidrBlock'])[:17]}", "cidrBlock": args.args["cidrBlock"]}
        if args.token == "aws:ec2/getSubnets:getSubnets":
            filters = {f["name"]: f["values"] for f in args.args["filters"]}
            return {
                "ids": [f"subnet-{stable_uuid(cidr)[:17]}" for cidr in filters["cidr-block"]],
                "id": filters["vpc-id"][0],
            }
        return {}
