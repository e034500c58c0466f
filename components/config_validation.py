"""Cross-field rules of the stack configuration: what Polaris and the clouds would reject at `pulumi up`,
caught before anything is created.

Each ``_check_*`` function appends ``Problem``s; ``validate`` runs them all so one run reports everything.
Config paths use the YAML keys (``catalogs[2].locations[0]``).
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from typing import Iterable

from components.config import (
    AUDIT_RETENTION_DAYS,
    Cloud,
    CatalogConfig,
    DataOwnerConfig,
    Exposure,
    Persistence,
    StackConfig,
)
from components.config_parser import Problem, join

POLARIS_NAME = "1-256 characters, not starting with 'system$' (Polaris' rule for entity names)"
_SYSTEM_PREFIX = re.compile(r"^\s*system\$", re.IGNORECASE)
_OWNER_NAME = re.compile(r"^[a-z][a-z0-9-]{1,18}[a-z0-9]$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_ACCOUNT_ID = re.compile(r"^\d{12}$")
_AWS_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
_ROLE_ARN = re.compile(r"^arn:aws(-[a-z]+)*:iam::(\d{12}):role/[\w+=,.@/-]{1,512}$")
_KMS_ARN = re.compile(r"^arn:aws(-[a-z]+)*:kms:([a-z0-9-]+):(\d{12}):key/[0-9a-f-]{36}$|^arn:aws(-[a-z]+)*:kms:"
                      r"[a-z0-9-]+:\d{12}:key/mrk-[0-9a-f]{32}$")
_ACM_ARN = re.compile(r"^arn:aws(-[a-z]+)*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]+$")
_GCP_PROJECT = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_S3_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_GCS_BUCKET = re.compile(r"^[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]$")
_AZURE_ACCOUNT = re.compile(r"^[a-z0-9]{3,24}$")
_AZURE_CONTAINER = re.compile(r"^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")
_VERSION = re.compile(r"^\d+\.\d+\.\d+$")
_K8S_VERSION = re.compile(r"^1\.\d{2}$")
_REALM = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_OPEN = {ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0")}


def validate(cfg: StackConfig) -> list[Problem]:
    problems: list[Problem] = []
    _check_platform(cfg, problems)
    _check_polaris(cfg, problems)
    for i, owner in enumerate(cfg.data_owners):
        _check_data_owner(owner, join("dataOwners", i), problems)
    owners = {o.name: o for o in reversed(cfg.data_owners)}  # the first of duplicates wins
    for i, catalog in enumerate(cfg.catalogs):
        _check_catalog(catalog, owners, join("catalogs", i), problems)
    _check_overlapping_catalogs(cfg, problems)
    _check_organisations(cfg, problems)
    _expect(cfg.audit.retention_days in AUDIT_RETENTION_DAYS, problems, "audit.retentionDays",
            cfg.audit.retention_days, f"one of {', '.join(map(str, AUDIT_RETENTION_DAYS))}")
    for section, items in (("dataOwners", cfg.data_owners), ("catalogs", cfg.catalogs),
                           ("organisations", cfg.organisations)):
        _check_unique([x.name for x in items], section, "name", problems)
    return problems


# -- helpers ----------------------------------------------------------------------------------------


def _expect(ok: bool, problems: list[Problem], path: str, value: object, expected: str) -> bool:
    if not ok:
        problems.append(Problem(path, value, expected))
    return ok


def _check_unique(values: Iterable[str], section: str, key: str, problems: list[Problem]) -> None:
    values = list(values)
    for value, count in Counter(values).items():
        if count > 1:
            indexes = [i for i, v in enumerate(values) if v == value]
            for i in indexes[1:]:
                problems.append(Problem(join(join(section, i), key), value,
                                        f"a unique {key} (also used by {section}[{indexes[0]}])"))


def check_polaris_name(name: str, path: str, problems: list[Problem]) -> None:
    _expect(0 < len(name) <= 256 and not _SYSTEM_PREFIX.match(name), problems, path, name, POLARIS_NAME)


def _check_cidrs(cidrs: tuple[str, ...], path: str, production: bool, problems: list[Problem]) -> None:
    for i, cidr in enumerate(cidrs):
        try:
            network = ipaddress.ip_network(cidr, strict=True)
        except ValueError:
            problems.append(Problem(join(path, i), cidr, "a CIDR such as 203.0.113.0/24 (host bits zero)"))
            continue
        _expect(not (production and network in _OPEN), problems, join(path, i), cidr,
                "specific CIDRs: a production stack may not open this to the whole internet")


def _check_path_segments(path_text: str, path: str, value: str, problems: list[Problem]) -> bool:
    segments = path_text.strip("/").split("/")
    return _expect(all(s not in ("", ".", "..") for s in segments), problems, path, value,
                   "a path without empty, '.' or '..' segments")


# -- platform and polaris -----------------------------------------------------------------------------


def _check_platform(cfg: StackConfig, problems: list[Problem]) -> None:
    p = cfg.platform
    _expect(bool(_ACCOUNT_ID.match(p.account_id)), problems, "platform.accountId", p.account_id,
            "a 12-digit AWS account id (quote it in YAML)")
    _expect(bool(_AWS_REGION.match(p.region)), problems, "platform.region", p.region, "an AWS region, e.g. eu-west-1")
    if p.deploy_role_arn is not None:
        _check_role_arn(p.deploy_role_arn, p.account_id, "platform.deployRoleArn", problems)
    _expect(bool(_K8S_VERSION.match(p.kubernetes_version)), problems, "platform.kubernetesVersion",
            p.kubernetes_version, "a pinned major.minor version such as '1.33'")
    ng = p.node_group
    _expect(1 <= ng.min_size <= ng.desired_size <= ng.max_size, problems, "platform.nodeGroup",
            f"min {ng.min_size}, desired {ng.desired_size}, max {ng.max_size}", "1 <= minSize <= desiredSize <= maxSize")
    _expect(bool(ng.instance_types), problems, "platform.nodeGroup.instanceTypes", ng.instance_types,
            "at least one instance type")
    _expect(ng.disk_size_gb >= 20, problems, "platform.nodeGroup.diskSizeGb", ng.disk_size_gb, "at least 20")
    net = p.network
    _expect(2 <= net.availability_zones <= 6, problems, "platform.network.availabilityZones",
            net.availability_zones, "2 to 6 zones")
    if net.existing is None:
        _check_vpc_cidr(net.vpc_cidr, problems)
    else:
        _expect(len(net.existing.private_subnet_ids) >= 2, problems, "platform.network.existing.privateSubnetIds",
                list(net.existing.private_subnet_ids), "at least two private subnets in different zones")
    for i, arn in enumerate(p.cluster_viewers):
        _expect(bool(_ROLE_ARN.match(arn)), problems, f"platform.clusterViewers[{i}]", arn, "an IAM role ARN")
    _check_cidrs(p.api_allowed_cidrs, "platform.apiAllowedCidrs", cfg.production, problems)
    _check_cidrs(p.polaris_allowed_cidrs, "platform.polarisAllowedCidrs", cfg.production, problems)


def _check_vpc_cidr(cidr: str, problems: list[Problem]) -> None:
    try:
        network = ipaddress.ip_network(cidr, strict=True)
    except ValueError:
        problems.append(Problem("platform.network.vpcCidr", cidr, "an IPv4 CIDR such as 10.40.0.0/16"))
        return
    _expect(network.version == 4 and network.is_private and 16 <= network.prefixlen <= 20, problems,
            "platform.network.vpcCidr", cidr, "a private IPv4 CIDR between /16 and /20")


def _check_polaris(cfg: StackConfig, problems: list[Problem]) -> None:
    pol = cfg.polaris
    _expect(bool(_VERSION.match(pol.version)), problems, "polaris.version", pol.version,
            "a pinned release such as '1.7.0' (never 'latest')")
    _expect(pol.replicas >= 1, problems, "polaris.replicas", pol.replicas, "at least 1")
    _expect(not (pol.persistence is Persistence.IN_MEMORY and pol.replicas > 1), problems, "polaris.replicas",
            pol.replicas, "1 with persistence 'in-memory' (replicas would not share catalogs); use 'postgres'")
    _expect(bool(_REALM.match(pol.realm)), problems, "polaris.realm", pol.realm,
            "1-64 letters, digits, '_' or '-'")
    for key, value in (("namespace", pol.namespace), ("serviceAccount", pol.service_account)):
        _expect(bool(_DNS_LABEL.match(value)), problems, f"polaris.{key}", value, "a DNS-1123 label")
    if pol.endpoint is not None:
        scheme_ok = pol.endpoint.startswith("https://") or (not cfg.production and pol.endpoint.startswith("http://"))
        _expect(scheme_ok, problems, "polaris.endpoint", pol.endpoint,
                "an https:// URL (http:// only outside production)")
    if pol.exposure is Exposure.LOAD_BALANCER:
        _expect(pol.tls_certificate_arn is not None, problems, "polaris.tlsCertificateArn", None,
                "an ACM certificate ARN: a load balancer carries client secrets and must terminate TLS")
        _expect(bool(cfg.platform.polaris_allowed_cidrs), problems, "platform.polarisAllowedCidrs", [],
                "at least one CIDR when polaris.exposure is 'load-balancer'")
    if pol.tls_certificate_arn is not None:
        _expect(bool(_ACM_ARN.match(pol.tls_certificate_arn)), problems, "polaris.tlsCertificateArn",
                pol.tls_certificate_arn, "an ACM certificate ARN")
    _expect(not (cfg.production and pol.remote_debug), problems, "polaris.remoteDebug", True,
            "false in a production stack (JDWP gives code execution to whoever reaches port 5005)")
    db = pol.database
    _expect(1 <= db.backup_retention_days <= 35, problems, "polaris.database.backupRetentionDays",
            db.backup_retention_days, "1 to 35 days")
    _expect(db.allocated_storage_gb >= 20, problems, "polaris.database.allocatedStorageGb",
            db.allocated_storage_gb, "at least 20")
    _expect(1 <= pol.azure_secret_validity_days <= 365, problems, "polaris.azureSecretValidityDays",
            pol.azure_secret_validity_days, "1 to 365 days")
    if cfg.owners_on(Cloud.AZURE):
        _expect(pol.azure_application is not None, problems, "polaris.azureApplication", None,
                "the Entra application's home tenant, since a data owner is on Azure")
    if pol.gcp_identity_project is not None:
        _expect(bool(_GCP_PROJECT.match(pol.gcp_identity_project)), problems, "polaris.gcpIdentityProject",
                pol.gcp_identity_project, "a GCP project id")
    if pol.azure_application is not None:
        _expect(bool(_GUID.match(pol.azure_application.tenant_id)), problems, "polaris.azureApplication.tenantId",
                pol.azure_application.tenant_id, "a tenant GUID")


# -- data owners ------------------------------------------------------------------------------------------


def _check_role_arn(arn: str, account_id: str, path: str, problems: list[Problem]) -> None:
    match = _ROLE_ARN.match(arn)
    if _expect(bool(match), problems, path, arn, "an IAM role ARN arn:aws:iam::<account>:role/<name>"):
        _expect(match.group(2) == account_id, problems, path, arn, f"a role in account {account_id}")


def _check_data_owner(owner: DataOwnerConfig, path: str, problems: list[Problem]) -> None:
    _expect(bool(_OWNER_NAME.match(owner.name)) and not _SYSTEM_PREFIX.match(owner.name), problems,
            join(path, "name"), owner.name,
            "3-20 lowercase letters, digits or '-', starting with a letter (it names cloud identities)")
    clouds = [c for c in (owner.aws, owner.gcp, owner.azure) if c is not None]
    if not _expect(len(clouds) == 1, problems, path, f"{len(clouds)} clouds",
                   "exactly one of 'aws', 'gcp' or 'azure'"):
        return
    storage, spath = owner.storage, join(path, "storage")
    if owner.aws is not None:
        _check_aws_owner(owner, path, problems)
        _check_bucket(storage.bucket, _S3_BUCKET, spath, "an S3 bucket name: 3-63 lowercase letters, digits, "
                      "'.' or '-', starting and ending with a letter or digit", problems)
    elif owner.gcp is not None:
        _expect(bool(_GCP_PROJECT.match(owner.gcp.project)), problems, join(path, "gcp.project"), owner.gcp.project,
                "a GCP project id: 6-30 lowercase letters, digits or '-'")
        _check_bucket(storage.bucket, _GCS_BUCKET, spath, "a GCS bucket name: 3-63 lowercase letters, digits, "
                      "'_' or '-' (no dots), starting and ending with a letter or digit", problems)
        _expect(not (storage.bucket or "").startswith("goog") and "google" not in (storage.bucket or ""), problems,
                join(spath, "bucket"), storage.bucket, "a name without 'goog' prefix or 'google'")
    else:
        _check_azure_owner(owner, path, problems)
    _check_prefixes(owner, spath, problems)


def _check_aws_owner(owner: DataOwnerConfig, path: str, problems: list[Problem]) -> None:
    aws = owner.aws
    _expect(bool(_ACCOUNT_ID.match(aws.account_id)), problems, join(path, "aws.accountId"), aws.account_id,
            "a 12-digit AWS account id (quote it in YAML)")
    _expect(bool(_AWS_REGION.match(aws.region)), problems, join(path, "aws.region"), aws.region, "an AWS region")
    _check_role_arn(aws.deploy_role_arn, aws.account_id, join(path, "aws.deployRoleArn"), problems)
    if aws.kms_key_arn is not None:
        match = _KMS_ARN.match(aws.kms_key_arn)
        _expect(bool(match) and f":{aws.account_id}:" in aws.kms_key_arn and f":{aws.region}:" in aws.kms_key_arn,
                problems, join(path, "aws.kmsKeyArn"), aws.kms_key_arn,
                f"a KMS key ARN in account {aws.account_id} and region {aws.region}")
    _expect(owner.storage.account is None and owner.storage.container is None, problems,
            join(path, "storage"), "account/container", "only 'bucket' for an AWS data owner")


def _check_azure_owner(owner: DataOwnerConfig, path: str, problems: list[Problem]) -> None:
    az, storage, spath = owner.azure, owner.storage, join(path, "storage")
    for key, value in (("tenantId", az.tenant_id), ("subscriptionId", az.subscription_id)):
        _expect(bool(_GUID.match(value)), problems, join(path, f"azure.{key}"), value, "a GUID")
    _expect(storage.bucket is None, problems, join(spath, "bucket"), storage.bucket,
            "no bucket for an Azure data owner: use 'account' and 'container'")
    _expect(bool(_AZURE_ACCOUNT.match(storage.account or "")), problems, join(spath, "account"), storage.account,
            "a storage account name: 3-24 lowercase letters and digits")
    _expect(bool(_AZURE_CONTAINER.match(storage.container or "")), problems, join(spath, "container"),
            storage.container, "a container name: 3-63 lowercase letters, digits or single '-'")


def _check_bucket(bucket: str | None, pattern: re.Pattern, spath: str, expected: str,
                  problems: list[Problem]) -> None:
    ok = bucket is not None and bool(pattern.match(bucket)) and ".." not in bucket
    ok = ok and not re.match(r"^\d+\.\d+\.\d+\.\d+$", bucket) and not bucket.startswith("xn--")
    _expect(ok, problems, join(spath, "bucket"), bucket, expected)


def _check_prefixes(owner: DataOwnerConfig, spath: str, problems: list[Problem]) -> None:
    prefixes = owner.storage.prefixes
    if not _expect(bool(prefixes), problems, join(spath, "prefixes"), list(prefixes),
                   "at least one prefix to share (whole-bucket sharing is not offered)"):
        return
    for i, prefix in enumerate(prefixes):
        _check_path_segments(prefix, join(join(spath, "prefixes"), i), prefix, problems)
    stripped = [p.strip("/") for p in prefixes]
    for i, prefix in enumerate(stripped):
        if stripped.index(prefix) != i:
            problems.append(Problem(join(join(spath, "prefixes"), i), prefixes[i], "a prefix listed once"))


# -- catalogs ----------------------------------------------------------------------------------------------


_SCHEME_HINT = {
    Cloud.AWS: "an s3:// URL",
    Cloud.GCP: "a gs:// URL",
    Cloud.AZURE: "an abfss://<container>@<account>.dfs.core.windows.net/... URL",
}


def _check_catalog(catalog: CatalogConfig, owners: dict[str, DataOwnerConfig], path: str,
                   problems: list[Problem]) -> None:
    check_polaris_name(catalog.name, join(path, "name"), problems)
    owner = owners.get(catalog.data_owner)
    if not _expect(owner is not None, problems, join(path, "dataOwner"), catalog.data_owner,
                   "the name of a configured data owner (" + ", ".join(sorted(owners)) + ")"):
        return
    if not _expect(bool(catalog.locations), problems, join(path, "locations"), [], "at least one location"):
        return
    for i, location in enumerate(catalog.locations):
        _check_location(location, owner, join(join(path, "locations"), i), problems)
    stripped = [loc.rstrip("/") for loc in catalog.locations]
    for i, loc in enumerate(stripped):
        if stripped.index(loc) != i:
            problems.append(Problem(join(join(path, "locations"), i), catalog.locations[i], "a location listed once"))


_LOCATION_FORM = {
    Cloud.AWS: re.compile(r"^s3://[^/]+"),
    Cloud.GCP: re.compile(r"^gs://[^/]+"),
    Cloud.AZURE: re.compile(r"^abfss://[^@/]+@[^./]+\.dfs\.core\.windows\.net(/|$)"),
}


def _check_location(location: str, owner: DataOwnerConfig, path: str, problems: list[Problem]) -> None:
    root = owner.storage_root
    if not _expect(bool(_LOCATION_FORM[owner.cloud].match(location)), problems, path, location,
                   f"{_SCHEME_HINT[owner.cloud]} (data owner '{owner.name}' is on {owner.cloud.value})"):
        return
    if not _expect(location.startswith(root + "/"), problems, path, location,
                   f"a location inside the owner's storage {root}/"):
        return
    rest = location[len(root) + 1:]
    if not _check_path_segments(rest, path, location, problems):
        return
    inside = any((rest.rstrip("/") + "/").startswith(p.strip("/") + "/") for p in owner.storage.prefixes)
    _expect(inside, problems, path, location,
            "a location under one of the owner's shared prefixes: " + ", ".join(owner.allowed_locations))


def _check_overlapping_catalogs(cfg: StackConfig, problems: list[Problem]) -> None:
    """Polaris rejects catalogs whose locations overlap another catalog's (ALLOW_OVERLAPPING_CATALOG_URLS)."""
    seen: list[tuple[str, str]] = []
    for i, catalog in enumerate(cfg.catalogs):
        for j, location in enumerate(catalog.locations):
            loc = location.rstrip("/") + "/"
            for other_name, other in seen:
                if other_name != catalog.name and (loc.startswith(other) or other.startswith(loc)):
                    problems.append(Problem(f"catalogs[{i}].locations[{j}]", location,
                                            f"a location that does not overlap catalog '{other_name}' ({other})"))
        seen += [(catalog.name, loc.rstrip("/") + "/") for loc in catalog.locations]


# -- organisations -----------------------------------------------------------------------------------------


def _check_organisations(cfg: StackConfig, problems: list[Problem]) -> None:
    catalogs = {c.name for c in cfg.catalogs}
    for i, org in enumerate(cfg.organisations):
        path = join("organisations", i)
        check_polaris_name(org.name, join(path, "name"), problems)
        seen: set[tuple[str, str]] = set()
        for j, access in enumerate(org.access):
            apath = join(join(path, "access"), j)
            _expect(access.catalog in catalogs, problems, join(apath, "catalog"), access.catalog,
                    "the name of a configured catalog (" + ", ".join(sorted(catalogs)) + ")")
            for k, namespace in enumerate(access.namespaces):
                npath = join(join(apath, "namespaces"), k)
                _expect(all(level.strip() for level in namespace.split(".")), problems, npath, namespace,
                        "namespace levels joined by '.', none empty")
                key = (access.catalog, namespace)
                _expect(key not in seen, problems, npath, namespace, "each catalog/namespace granted once")
                seen.add(key)
            if not access.namespaces:
                _expect((access.catalog, "") not in seen, problems, join(apath, "catalog"), access.catalog,
                        "each catalog granted once per organisation")
                seen.add((access.catalog, ""))
