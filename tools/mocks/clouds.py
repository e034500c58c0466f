"""Mocked identifiers per cloud: what each resource type returns at `pulumi up`."""

from __future__ import annotations

import json
from typing import Any

from pulumi.runtime import MockCallArgs, MockResourceArgs

from rules.aws import s3_bucket_arn
from rules.gcp import service_account_email
from tools.mocks.registry import (
    MockContext,
    call,
    resource,
    stable_digits,
    stable_hex,
    stable_uuid,
    unwrap,
)

# -- AWS ----------------------------------------------------------------------------------------------


def _aws_name(args: MockResourceArgs) -> str:
    inputs = unwrap(args.inputs)
    return (
        inputs.get("name")
        or inputs.get("bucket")
        or inputs.get("identifier")
        or f"{args.name}-{stable_hex(args.name, 7)}"
    )


@resource("aws:*")
def aws_generic(ctx: MockContext, args: MockResourceArgs) -> tuple[str, dict]:
    service = args.typ.split(":")[1].split("/")[0]
    name = _aws_name(args)
    arn = f"arn:aws:{service}:{ctx.aws_region(args)}:{ctx.aws_account(args)}:{args.typ.split(':')[-1].lower()}/{name}"
    return f"{name}", {**args.inputs, "arn": arn, "name": args.inputs.get("name", name)}


@resource("aws:iam/role:Role", "aws:iam/policy:Policy", "aws:iam/user:User")
def aws_iam_named(ctx: MockContext, args: MockResourceArgs) -> tuple[str, dict]:
    kind = args.typ.split(":")[-1].lower()
    name = _aws_name(args)
    arn = f"arn:aws:iam::{ctx.aws_account(args)}:{kind}/{name}"
    return name, {**args.inputs, "arn": arn, "name": name, "uniqueId": "AROA" + stable_hex(arn, 17).upper()}


@resource("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
def aws_oidc_provider(ctx: MockContext, args: MockResourceArgs) -> tuple[str, dict]:
    url = str(args.inputs.get("url", "")).removeprefix("https://")
    arn = f"arn:aws:iam::{ctx.aws_account(args)}:oidc-provider/{url}"
    return arn, {**args.inputs, "arn": arn}


@resource("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
def aws_bucket(ctx: MockContext, args: MockResourceArgs) -> tuple[str, dict]:
    bucket = args.inputs.get("bucket") or f"{args.name}-{stable_hex(args.name, 8)}"
    return bucket, {
        **args.inputs,
        "bucket": bucket,
        "arn": s3_bucket_arn(bucket),
        "region": ctx.aws_region(args),
        "bucketRegionalDomainName": f"{bucket}.s3.amazonaws.com",
    }


@resource("aws:kms/key:Key")
def aws_kms_key(ctx: MockContext, args: MockResourceArgs) -> tuple[str, dict]:
    key_id = stable_uuid(ctx.aws_account(args), args.name)
    arn = f"arn:aws:kms:{ctx.aws_region(args)}:{ctx.aws_account(args)}:key/{key_id}"
    return key_id, {**args.inputs, "arn": arn, "keyId": key_id}


@resource(
    "aws:ec2/vpc:Vpc",
    "aws:ec2/subnet:Subnet",
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:ec2/internetGateway:InternetGateway",
    "aws:ec2/routeTable:RouteTable",
    "aws:ec2/eip:Eip",
)
def aws_ec2(ctx: MockContext, args: MockResourceArgs) -> tuple[str, dict]:
    prefix = {
        "Vpc": "vpc",
        "Subnet": "subnet",
        "SecurityGroup": "sg",
        "InternetGateway": "igw",
        "NatGateway": "nat",
        "RouteTable": "rtb",
        "Eip": "eipalloc",
    }[args.typ.split(":")[-1]]
    id_ = f"{prefix}-{stable_hex(args.name, 17)}"
    arn = f"arn:aws:ec2:{ctx.aws_region(args)}:{ctx.aws_account(args)}:{prefix}/{id_}"
    return id_, {**args.inputs, "arn": arn, "ownerId": ctx.aws_account(args)}


@resource("aws:ec2/natGateway:NatGateway")
def aws_nat_gateway(ctx: MockContext, args: MockResourceArgs) -> tuple[str, dict]:
    id_, state = aws_ec2(ctx, args)
    digits = stable_digits(args.name, 6)
    # 198.18.0.0/15: the benchmarking range, never a real address.
    return id_, {**state, "publicIp": f"198.18.{int(digits[:3]) % 256}.{int(digits[3:]) % 254 + 1}"}


@call("aws:ec2/getSubnet:getSubnet")
def aws_subnet_lookup(ctx: MockContext, args: MockCallArgs) -> dict:
    subnet_id = str(args.args.get("id", ""))
    return {
        "id": subnet_id,
        "cidrBlock": f"10.{int(stable_digits(subnet_id, 3)) % 256}.0.0/20",
        "vpcId": f"vpc-{stable_hex(subnet_id, 17)}",
    }


# -- DNS and certificates ----------------------------------------------------------------------------------


@call("aws:route53/getZone:getZone")
def aws_zone_lookup(ctx: MockContext, args: MockCallArgs) -> dict:
    name = str(args.args.get("name", "")).rstrip(".")
    zone_id = "Z" + stable_hex(name, 20).upper()
    return {"id": zone_id, "zoneId": zone_id, "name": name, "privateZone": bool(args.args.get("privateZone"))}


NLB_ZONE_IDS = {"eu-west-1": "Z2IFOLAFXWLO4F", "us-east-1": "Z26RNL4JYFTOTI"}
"""Canonical hosted zones of network load balancers (AWS' published values)."""


@call("aws:lb/getHostedZoneId:getHostedZoneId")
def aws_load_balancer_zone(ctx: MockContext, args: MockCallArgs) -> dict:
    region = args.args.get("region") or ctx.aws_region(args)
    return {
        "id": NLB_ZONE_IDS.get(region, "Z" + stable_hex(region, 13).upper()),
        "region": region,
        "loadBalancerType": args.args.get("loadBalancerType"),
    }


@resource("aws:acm/certificate:Certificate")
def aws_certificate(ctx: MockContext, args: MockResourceArgs) -> tuple[str, dict]:
    domain = args.inputs["domainName"]
    arn = f"arn:aws:acm:{ctx.aws_region(args)}:{ctx.aws_account(args)}:certificate/{stable_uuid('acm', domain)}"
    token = stable_hex("validation" + domain, 32)
    option = {
        "domainName": domain,
        "resourceRecordName": f"_{token}.{domain}.",
        "resourceRecordType": "CNAME",
        "resourceRecordValue": f"_{stable_hex(token, 32)}.acm-validations.aws.",
    }
    return arn, {**args.inputs, "arn": arn, "domainValidationOptions": [option], "status": "PENDING_VALIDATION"}


@resource("aws:acm/certificateValidation:CertificateValidation")
def aws_certificate_validation(ctx: MockContext, args: MockResourceArgs) -> tuple[str, dict]:
    return str(args.inputs["certificateArn"]), dict(args.inputs)


@resource("aws:route53/record:Record")
def aws_record(ctx: MockContext, args: MockResourceArgs) -> tuple[str, dict]:
    name = str(args.inputs["name"]).rstrip(".")
    return f"{args.inputs['zoneId']}_{name}_{args.inputs['type']}", {**args.inputs, "fqdn": name}


@resource("aws:rds/instance:Instance")
def aws_rds(ctx: MockContext, args: MockResourceArgs) -> tuple[str, dict]:
    ident = args.inputs.get("identifier") or f"{args.name}-{stable_hex(args.name, 7)}"
    host = f"{ident}.c{stable_hex(ident, 10)}.{ctx.aws_region(args)}.rds.amazonaws.com"
    return ident, {
        **args.inputs,
        "identifier": ident,
        "address": host,
        "endpoint": f"{host}:5432",
        "port": 5432,
        "arn": f"arn:aws:rds:{ctx.aws_region(args)}:{ctx.aws_account(args)}:db:{ident}",
    }


@call("aws:index/getCallerIdentity:getCallerIdentity")
def aws_caller(ctx: MockContext, args: MockCallArgs) -> dict:
    account = ctx.aws_account(args)
    return {
        "accountId": account,
        "arn": f"arn:aws:sts::{account}:assumed-role/deployer/pulumi",
        "userId": "AROA" + stable_hex(account, 17).upper(),
        "id": account,
    }


@call("aws:index/getRegion:getRegion")
def aws_region(ctx: MockContext, args: MockCallArgs) -> dict:
    region = ctx.aws_region(args)
    return {"name": region, "region": region, "id": region}


@call("aws:index/getAvailabilityZones:getAvailabilityZones")
def aws_zones(ctx: MockContext, args: MockCallArgs) -> dict:
    region = ctx.aws_region(args)
    names = [f"{region}{z}" for z in "abcdef"]
    return {"names": names, "zoneIds": [f"{region[:3]}1-az{i}" for i in range(1, 7)], "id": region}


@call("aws:iam/getPolicyDocument:getPolicyDocument")
def aws_policy_document(ctx: MockContext, args: MockCallArgs) -> dict:
    return {"json": json.dumps({"Version": "2012-10-17", "Statement": args.args.get("statements", [])})}


# -- EKS (a remote component: one registration, its outputs are what the mock says) ----------------


@resource("eks:index:Cluster")
def eks_cluster(ctx: MockContext, args: MockResourceArgs) -> tuple[str, dict]:
    region, account = ctx.aws_region(args), ctx.aws_account(args)
    oidc_id = stable_hex(args.name, 32).upper()
    issuer = f"https://oidc.eks.{region}.amazonaws.com/id/{oidc_id}"
    name = args.inputs.get("name") or f"{args.name}-eksCluster-{stable_hex(args.name, 7)}"
    endpoint = f"https://{oidc_id}.gr7.{region}.eks.amazonaws.com"
    # pulumi-eks builds its `kubeconfig` outputs without the profile of `providerCredentialOpts`.
    kubeconfig = eks_kubeconfig(
        name, endpoint, region, unwrap(args.inputs.get("providerCredentialOpts") or {}), include_profile=False
    )
    # Managed nodes carry the EKS-created cluster security group: with the default groups skipped, it is
    # also the nodes' group (as pulumi-eks reports it).
    cluster_sg = f"sg-{stable_hex(name + 'cluster', 17)}"
    node_sg = cluster_sg if args.inputs.get("skipDefaultSecurityGroups") else f"sg-{stable_hex(name + 'node', 17)}"
    return name, {
        **args.inputs,
        "kubeconfig": kubeconfig,
        "kubeconfigJson": json.dumps(kubeconfig),
        "oidcIssuer": issuer.removeprefix("https://"),
        "oidcProviderArn": f"arn:aws:iam::{account}:oidc-provider/{issuer.removeprefix('https://')}",
        "oidcProviderUrl": issuer,
        "clusterSecurityGroupId": cluster_sg,
        "nodeSecurityGroupId": node_sg,
    }


def eks_kubeconfig(name: str, endpoint: str, region: str, options: dict, include_profile: bool) -> dict:
    """The kubeconfig pulumi-eks 4.x renders (nodejs/eks/cluster/cluster.ts, `generateKubeconfig`): `--role`
    whenever a role is given, `--profile` only when the caller asks for it (`getKubeconfig`, or the provider
    pulumi-eks keeps for itself), never for the `kubeconfig`/`kubeconfigJson` outputs."""
    token_args = ["--region", region, "eks", "get-token", "--cluster-name", name, "--output", "json"]
    if options.get("roleArn"):
        token_args += ["--role", options["roleArn"]]
    if include_profile and options.get("profileName"):
        token_args += ["--profile", options["profileName"]]
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "kubernetes", "cluster": {"server": endpoint, "certificate-authority-data": "LS0t"}}],
        "contexts": [{"name": "aws", "context": {"cluster": "kubernetes", "user": "aws"}}],
        "current-context": "aws",
        "users": [
            {
                "name": "aws",
                "user": {
                    "exec": {
                        "apiVersion": "client.authentication.k8s.io/v1beta1",
                        "command": "aws",
                        "args": token_args,
                        "env": [
                            {
                                "name": "KUBERNETES_EXEC_INFO",
                                "value": '{"apiVersion": "client.authentication.k8s.io/v1beta1"}',
                            }
                        ],
                    }
                },
            }
        ],
    }


@call("eks:index:Cluster/getKubeconfig")
def eks_get_kubeconfig(ctx: MockContext, args: MockCallArgs) -> dict:
    cluster = args.args["__self__"]  # the cluster's mocked outputs: its endpoint and region are in its kubeconfig
    endpoint = cluster["kubeconfig"]["clusters"][0]["cluster"]["server"]
    token_args = cluster["kubeconfig"]["users"][0]["user"]["exec"]["args"]
    region = token_args[token_args.index("--region") + 1]
    options = {k: v for k, v in args.args.items() if k in ("profileName", "roleArn") and v}
    return {"result": json.dumps(eks_kubeconfig(cluster["name"], endpoint, region, options, include_profile=True))}


@resource("aws:ec2/launchTemplate:LaunchTemplate")
def aws_launch_template(ctx: MockContext, args: MockResourceArgs) -> tuple[str, dict]:
    id_ = f"lt-{stable_hex(args.name, 17)}"
    return id_, {
        **args.inputs,
        "latestVersion": 1,
        "defaultVersion": 1,
        "arn": f"arn:aws:ec2:{ctx.aws_region(args)}:{ctx.aws_account(args)}:launch-template/{id_}",
    }


# -- GCP --------------------------------------------------------------------------------------------------


def _gcp_project(ctx: MockContext, args: MockResourceArgs) -> str:
    return args.inputs.get("project") or ctx.provider_setting(args, "project") or "mock-project"


def project_number(project: str) -> str:
    return stable_digits(project, 12)


@resource("gcp:*")
def gcp_generic(ctx: MockContext, args: MockResourceArgs) -> tuple[str, dict]:
    project = _gcp_project(ctx, args)
    name = args.inputs.get("name") or args.name
    return f"projects/{project}/{args.typ.split(':')[-1].lower()}/{name}", {**args.inputs, "project": project}


@resource("gcp:serviceaccount/account:Account")
def gcp_service_account(ctx: MockContext, args: MockResourceArgs) -> tuple[str, dict]:
    project = _gcp_project(ctx, args)
    email = service_account_email(args.inputs["accountId"], project)
    name = f"projects/{project}/serviceAccounts/{email}"
    return name, {
        **args.inputs,
        "project": project,
        "email": email,
        "name": name,
        "member": f"serviceAccount:{email}",
        "uniqueId": stable_digits(email, 21),
    }


@resource("gcp:storage/bucket:Bucket")
def gcp_bucket(ctx: MockContext, args: MockResourceArgs) -> tuple[str, dict]:
    name = args.inputs.get("name") or args.name
    return name, {
        **args.inputs,
        "project": _gcp_project(ctx, args),
        "name": name,
        "url": f"gs://{name}",
        "selfLink": f"https://www.googleapis.com/storage/v1/b/{name}",
    }


@resource("gcp:iam/workloadIdentityPool:WorkloadIdentityPool")
def gcp_pool(ctx: MockContext, args: MockResourceArgs) -> tuple[str, dict]:
    project = _gcp_project(ctx, args)
    pool = args.inputs["workloadIdentityPoolId"]
    name = f"projects/{project_number(project)}/locations/global/workloadIdentityPools/{pool}"
    return f"projects/{project}/locations/global/workloadIdentityPools/{pool}", {
        **args.inputs,
        "project": project,
        "name": name,
        "state": "ACTIVE",
    }


@resource("gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider")
def gcp_pool_provider(ctx: MockContext, args: MockResourceArgs) -> tuple[str, dict]:
    project = _gcp_project(ctx, args)
    pool, provider = args.inputs["workloadIdentityPoolId"], args.inputs["workloadIdentityPoolProviderId"]
    name = f"projects/{project_number(project)}/locations/global/workloadIdentityPools/{pool}/providers/{provider}"
    return f"projects/{project}/locations/global/workloadIdentityPools/{pool}/providers/{provider}", {
        **args.inputs,
        "project": project,
        "name": name,
        "state": "ACTIVE",
    }


@call("gcp:organizations/getProject:getProject")
def gcp_get_project(ctx: MockContext, args: MockCallArgs) -> dict:
    project = args.args.get("projectId") or ctx.provider_setting(args, "project") or "mock-project"
    return {"projectId": project, "number": project_number(project), "name": project, "id": f"projects/{project}"}


# -- Azure -----------------------------------------------------------------------------------------------


def _subscription(ctx: MockContext, args: MockResourceArgs) -> str:
    return ctx.provider_setting(args, "subscriptionId") or "00000000-0000-0000-0000-000000000000"


@resource("azure-native:*")
def azure_generic(ctx: MockContext, args: MockResourceArgs) -> tuple[str, dict]:
    inputs = unwrap(args.inputs)
    sub = _subscription(ctx, args)
    rg = inputs.get("resourceGroupName", "rg")
    module, kind = args.typ.split(":")[1], args.typ.split(":")[-1]
    if kind == "BlobContainer":
        rid = (
            f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Storage/storageAccounts/"
            f"{inputs.get('accountName')}/blobServices/default/containers/{inputs.get('containerName', args.name)}"
        )
    elif kind == "StorageAccount":
        rid = f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Storage/storageAccounts/{inputs.get('accountName', args.name)}"
    elif kind == "RoleAssignment":
        rid = f"{inputs.get('scope')}/providers/Microsoft.Authorization/roleAssignments/{stable_uuid(args.name, str(inputs.get('scope')))}"
    else:
        rid = f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.{module.capitalize()}/{kind}/{args.name}"
    own_name = {"BlobContainer": "containerName", "StorageAccount": "accountName"}.get(kind, "name")
    state = {**args.inputs, "name": inputs.get(own_name) or args.name}
    if kind == "StorageAccount":
        name = inputs.get("accountName", args.name)
        state["primaryEndpoints"] = {
            "blob": f"https://{name}.blob.core.windows.net/",
            "dfs": f"https://{name}.dfs.core.windows.net/",
        }
    return rid, state


@resource("azuread:*")
def azuread_generic(ctx: MockContext, args: MockResourceArgs) -> tuple[str, dict]:
    kind = args.typ.split(":")[-1]
    object_id = stable_uuid("object", args.name)
    state: dict[str, Any] = {**args.inputs, "objectId": object_id}
    if kind == "Application":
        state |= {"clientId": stable_uuid("client", args.name), "id": f"/applications/{object_id}"}
        return f"/applications/{object_id}", state
    if kind == "ServicePrincipal":
        return f"/servicePrincipals/{object_id}", state | {"id": f"/servicePrincipals/{object_id}"}
    if kind == "ApplicationPassword":
        state |= {"keyId": stable_uuid("key", args.name), "value": "mock~" + stable_hex(args.name, 34)}
    return object_id, state


# -- generators (random, tls) ------------------------------------------------------------------------------


@resource("random:index/randomPassword:RandomPassword", "random:index/randomString:RandomString")
def random_text(ctx: MockContext, args: MockResourceArgs) -> tuple[str, dict]:
    length = int(args.inputs.get("length", 32))
    text = (stable_hex("random" + args.name, 64) * 4)[:length]
    return "none", {**args.inputs, "result": text}


@resource("random:index/randomUuid:RandomUuid")
def random_uuid(ctx: MockContext, args: MockResourceArgs) -> tuple[str, dict]:
    value = stable_uuid("random", args.name)
    return value, {**args.inputs, "result": value}


@resource("random:index/randomId:RandomId")
def random_id(ctx: MockContext, args: MockResourceArgs) -> tuple[str, dict]:
    hexed = stable_hex("random" + args.name, 2 * int(args.inputs.get("byteLength", 8)))
    return hexed, {**args.inputs, "hex": hexed, "b64Url": hexed, "b64Std": hexed, "dec": str(int(hexed, 16))}


@resource("tls:index/privateKey:PrivateKey")
def tls_key(ctx: MockContext, args: MockResourceArgs) -> tuple[str, dict]:
    body = stable_hex("tls" + args.name, 64)
    return stable_hex(args.name, 40), {
        **args.inputs,
        "privateKeyPem": f"-----BEGIN PRIVATE KEY-----\nMOCK{body}\n-----END PRIVATE KEY-----\n",
        "privateKeyPemPkcs8": f"-----BEGIN PRIVATE KEY-----\nMOCK{body}\n-----END PRIVATE KEY-----\n",
        "publicKeyPem": f"-----BEGIN PUBLIC KEY-----\nMOCK{body[:32]}\n-----END PUBLIC KEY-----\n",
    }


# -- Kubernetes ------------------------------------------------------------------------------------------


@resource("kubernetes:*")
def kubernetes_object(ctx: MockContext, args: MockResourceArgs) -> tuple[str, dict]:
    metadata = dict(args.inputs.get("metadata") or {})
    metadata.setdefault("name", f"{args.name}-{stable_hex(args.name, 8)}")
    namespace = metadata.get("namespace")
    state = {**args.inputs, "metadata": metadata}
    if args.typ == "kubernetes:core/v1:Service":
        state["status"] = {
            "loadBalancer": {
                "ingress": [{"hostname": f"{metadata['name']}-{stable_hex(args.name, 10)}.elb.amazonaws.com"}]
            }
        }
    return (f"{namespace}/{metadata['name']}" if namespace else metadata["name"]), state


# -- Polaris dynamic provider -------------------------------------------------------------------------


@resource("pulumi-python:dynamic/polaris:Principal")
def polaris_principal(ctx: MockContext, args: MockResourceArgs) -> tuple[str, dict]:
    name = unwrap(args.inputs).get("name", args.name)
    return name, {
        **args.inputs,
        "clientId": stable_hex("client" + name, 16),
        "clientSecret": stable_hex("secret" + name, 32),
        "entityVersion": 1,
    }


@resource("pulumi-python:dynamic/polaris:*")
def polaris_entity(ctx: MockContext, args: MockResourceArgs) -> tuple[str, dict]:
    inputs = unwrap(args.inputs)
    return str(inputs.get("name") or args.name), {**args.inputs, "entityVersion": 1}
