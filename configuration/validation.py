"""Cross-field rules of the stack configuration: what Polaris and the clouds would reject at `pulumi up`,
caught before anything is created. What a single setting's value may be (pattern, range, choices) is
declared in the schema and checked by the parser; a rule here judges a value against others only when it
``conforms`` to its declaration.

Each ``_check_*`` function appends ``Problem``s; ``validate`` runs them all so one run reports everything.
Config paths use the YAML keys (``catalogs[2].locations[0]``).
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Callable, Iterable

from components.images import IMAGES_FILE, POLARIS_IMAGES, record_command, recorded_digest
from configuration.parser import Problem, join, likely
from configuration.schema import (
    REMOTE_DEBUG_PORT,
    AwsAccount,
    AzureSubscription,
    CatalogConfig,
    Cloud,
    DataOwnerConfig,
    ExistingPolarisConfig,
    Exposure,
    NodeGroupConfig,
    Persistence,
    PlatformConfig,
    StackConfig,
    StorageConfig,
    conforms,
    declared,
)
from rules import aws, azure, gcp, network, polaris, tags

POLARIS_NAME = (
    f"1-{polaris.MAX_NAME} characters (UTF-16 code units) without line breaks, not starting with 'system$' in "
    "any case (Polaris' rule for entity names)"
)
_OWNER_NAME = re.compile(r"^[a-z][a-z0-9-]{1,18}[a-z0-9]$")


# What a setting that other settings make required must hold: worded once, for this validation and for the
# stages that read the setting (they raise the same error should a caller skip validation).
PLATFORM_REQUIRED = "the platform account (required unless polaris.existing names a Polaris to bring)"
AZURE_APPLICATION_REQUIRED = "the Entra application's home tenant, since a data owner is on Azure"
EXISTING_APPLICATION_REQUIRED = (
    "the existing Polaris' multi-tenant application (the program cannot give credentials to a Polaris it does not run)"
)


def server_role_required(owner: str) -> str:
    return (
        f"the existing Polaris' AWS role, which the vending role the program creates for data owner '{owner}' "
        "must trust (or give that owner's aws.vendingRole)"
    )


def validate(cfg: StackConfig) -> list[Problem]:
    problems: list[Problem] = []
    if cfg.platform is not None:
        _check_platform(cfg, cfg.platform, problems)
    elif cfg.polaris.existing is None:
        problems.append(Problem("platform", None, PLATFORM_REQUIRED))
    _check_polaris(cfg, problems)
    if cfg.polaris.existing is not None:
        _check_existing_polaris(cfg, cfg.polaris.existing, problems)
    _check_tags(cfg, problems)
    _check_audit_reach(cfg, problems)
    for i, owner in enumerate(cfg.data_owners):
        _check_data_owner(owner, join("dataOwners", i), problems)
    owners = {o.name: o for o in reversed(cfg.data_owners)}  # the first of duplicates wins
    owner_names = _names_used(cfg.data_owners, "dataOwners")
    for i, catalog in enumerate(cfg.catalogs):
        _check_catalog(catalog, owners, owner_names, join("catalogs", i), problems)
    _check_overlapping_catalogs(cfg, problems)
    _check_organisations(cfg, problems)
    for section, items in (
        ("dataOwners", cfg.data_owners),
        ("catalogs", cfg.catalogs),
        ("organisations", cfg.organisations),
    ):
        _check_unique([x.name for x in items], section, "name", problems)
    return problems


# -- helpers ----------------------------------------------------------------------------------------


def _expect(
    ok: bool, problems: list[Problem], path: str, value: object, expected: str, uses: tuple[str, ...] = ()
) -> bool:
    if not ok:
        problems.append(Problem(path, value, expected, uses=uses))
    return ok


def _check_unique(values: Iterable[str], section: str, key: str, problems: list[Problem]) -> None:
    """Unique regardless of case: names become client configuration folders (case-insensitive on macOS and
    Windows), Polaris entities and cloud resource names, where `Sales` and `sales` would collide."""
    values = list(values)
    for folded, count in Counter(v.casefold() for v in values).items():
        if count > 1:
            indexes = [i for i, v in enumerate(values) if v.casefold() == folded]
            first = values[indexes[0]]
            for i in indexes[1:]:
                clash = "" if values[i] == first else f" as {first!r}: names that differ only by case collide"
                problems.append(
                    Problem(
                        join(join(section, i), key),
                        values[i],
                        f"a unique {key} (also used by {section}[{indexes[0]}]{clash})",
                    )
                )


def _names_used(items: Iterable[object], section: str) -> tuple[str, ...]:
    """The config paths a reference to one of ``items`` by name reads (the list, then each name)."""
    return (section, *(join(join(section, i), "name") for i, _ in enumerate(items)))


def _one_of(names: Iterable[str], what: str) -> str:
    listed = sorted(n for n in names if n)
    return f"the name of a configured {what} ({', '.join(listed)})" if listed else f"a {what}, but none is configured"


def check_polaris_name(name: str, path: str, problems: list[Problem]) -> None:
    _expect(polaris.is_entity_name(name), problems, path, name, POLARIS_NAME)


_WHOLE_INTERNET = "specific CIDRs: a production stack may not open this to the whole internet"


def _check_cidrs(cidrs: tuple[str, ...], path: str, production: bool, problems: list[Problem]) -> None:
    for i, cidr in enumerate(cidrs):
        try:
            ipaddress.ip_network(cidr, strict=True)
        except ValueError:
            problems.append(Problem(join(path, i), cidr, "a CIDR such as 203.0.113.0/24 (host bits zero)"))
            continue
        _expect(not (production and network.covers_internet([cidr])), problems, join(path, i), cidr, _WHOLE_INTERNET)
    alone = any(network.covers_internet([c]) for c in cidrs)
    _expect(
        not (production and not alone and network.covers_internet(cidrs)),
        problems,
        path,
        list(cidrs),
        _WHOLE_INTERNET + " (together these CIDRs cover every address)",
    )


def _check_path_segments(path_text: str, path: str, value: str, problems: list[Problem]) -> bool:
    segments = path_text.strip("/").split("/")
    return _expect(
        all(s not in ("", ".", "..") for s in segments),
        problems,
        path,
        value,
        "a path without empty, '.' or '..' segments",
    )


# -- platform and polaris -----------------------------------------------------------------------------


def _check_platform(cfg: StackConfig, p: PlatformConfig, problems: list[Problem]) -> None:
    if p.deploy_role_arn is not None:
        _check_role_arn(p.deploy_role_arn, p.account_id, "platform.deployRoleArn", problems)
    addons = p.addon_versions
    if conforms(addons, "kube_proxy") and conforms(p, "kubernetes_version"):
        _expect(
            addons.kube_proxy.startswith(f"v{p.kubernetes_version}."),
            problems,
            "platform.addonVersions.kubeProxy",
            addons.kube_proxy,
            f"an EKS add-on version of Kubernetes {p.kubernetes_version}, such as "
            f"'v{p.kubernetes_version}.0-eksbuild.1'",
        )
    ng = p.node_group
    _expect(
        ng.min_size <= ng.desired_size <= ng.max_size,
        problems,
        "platform.nodeGroup",
        f"min {ng.min_size}, desired {ng.desired_size}, max {ng.max_size}",
        f"{declared(NodeGroupConfig, 'min_size').minimum} <= minSize <= desiredSize <= maxSize",
        uses=tuple(f"platform.nodeGroup.{k}" for k in ("minSize", "desiredSize", "maxSize")),
    )
    _expect(
        bool(ng.instance_types),
        problems,
        "platform.nodeGroup.instanceTypes",
        ng.instance_types,
        "at least one instance type",
    )
    net = p.network
    if net.existing is None:
        _check_vpc_cidr(net.vpc_cidr, problems)
    else:
        _expect(
            len(net.existing.private_subnet_ids) >= 2,
            problems,
            "platform.network.existing.privateSubnetIds",
            list(net.existing.private_subnet_ids),
            "at least two private subnets in different zones",
        )
        _check_cidrs(net.existing.egress_cidrs, "platform.network.existing.egressCidrs", cfg.production, problems)
    for i, arn in enumerate(p.cluster_viewers):
        _expect(bool(aws.ROLE_ARN.fullmatch(arn)), problems, f"platform.clusterViewers[{i}]", arn, "an IAM role ARN")
    _check_cidrs(p.api_allowed_cidrs, "platform.apiAllowedCidrs", cfg.production, problems)
    _check_cidrs(p.polaris_allowed_cidrs, "platform.polarisAllowedCidrs", cfg.production, problems)


def _check_vpc_cidr(cidr: str, problems: list[Problem]) -> None:
    try:
        network = ipaddress.ip_network(cidr, strict=True)
    except ValueError:
        problems.append(Problem("platform.network.vpcCidr", cidr, "an IPv4 CIDR such as 10.40.0.0/16"))
        return
    _expect(
        network.version == 4 and network.is_private and 16 <= network.prefixlen <= 20,
        problems,
        "platform.network.vpcCidr",
        cidr,
        "a private IPv4 CIDR between /16 and /20",
    )


def _check_polaris(cfg: StackConfig, problems: list[Problem]) -> None:
    pol = cfg.polaris
    if pol.existing is None and conforms(pol, "version"):
        _check_image_digests(pol.version, problems)
    for key in pol.features:
        _expect(
            bool(polaris.FEATURE_FLAG.fullmatch(key)),
            problems,
            join("polaris.features", key),
            key,
            "an upper-case Polaris feature flag name (letters, digits, '_'), e.g. SUPPORTED_CATALOG_STORAGE_TYPES",
        )
    _expect(
        not (pol.persistence is Persistence.IN_MEMORY and pol.replicas > 1),
        problems,
        "polaris.replicas",
        pol.replicas,
        "1 with persistence 'in-memory' (replicas would not share catalogs); use 'postgres'",
        uses=("polaris.persistence",),
    )
    _expect(
        not (cfg.production and pol.persistence is Persistence.IN_MEMORY),
        problems,
        "polaris.persistence",
        pol.persistence.value,
        "'postgres' in a production stack: 'in-memory' (also the default) loses every "
        "catalog, principal and grant whenever the pod restarts",
    )
    if pol.endpoint is not None:
        scheme_ok = pol.endpoint.startswith("https://") or (not cfg.production and pol.endpoint.startswith("http://"))
        _expect(
            scheme_ok, problems, "polaris.endpoint", pol.endpoint, "an https:// URL (http:// only outside production)"
        )
    if pol.exposure is Exposure.LOAD_BALANCER:
        _expect(
            pol.tls_certificate_arn is not None or pol.hostname is not None,
            problems,
            "polaris.tlsCertificateArn",
            None,
            "an ACM certificate ARN, or polaris.hostname for the program to "
            "issue one: a load balancer carries client secrets and must terminate TLS",
        )
        _expect(
            cfg.platform is None or bool(cfg.platform.polaris_allowed_cidrs),
            problems,
            "platform.polarisAllowedCidrs",
            [],
            "at least one CIDR when polaris.exposure is 'load-balancer'",
        )
    if pol.tls_certificate_arn is not None:
        _check_certificate(pol.tls_certificate_arn, cfg, problems)
    _check_hostname(cfg, problems)
    _expect(
        not (cfg.production and pol.remote_debug),
        problems,
        "polaris.remoteDebug",
        True,
        f"false in a production stack (JDWP gives code execution to whoever reaches port {REMOTE_DEBUG_PORT})",
    )
    if cfg.owners_on(Cloud.AZURE):
        _expect(
            pol.azure_application is not None,
            problems,
            "polaris.azureApplication",
            None,
            AZURE_APPLICATION_REQUIRED,
        )


def _check_image_digests(version: str, problems: list[Problem]) -> None:
    """The images ``polaris.version`` pins are deployed by digest: each needs its digest in the table."""
    missing = [f"{image}:{version}" for image in POLARIS_IMAGES if recorded_digest(image, version) is None]
    _expect(
        not missing,
        problems,
        "polaris.version",
        version,
        f"a release whose image digests are recorded in components/data/{IMAGES_FILE.name}; "
        f"{', '.join(missing)} {'has' if len(missing) == 1 else 'have'} none: run `{record_command(missing)}`, "
        "review and commit the table",
    )


def _check_audit_reach(cfg: StackConfig, problems: list[Problem]) -> None:
    """Storage access logs live in each owner's own account: the program must be able to reach it."""
    if not cfg.audit_enabled:
        return
    for i, owner in enumerate(cfg.data_owners):
        if (
            owner.aws is not None
            and owner.aws.deploy_role_arn is None
            and not owner.storage.create
            and owner.aws.vending_role is not None
        ):
            problems.append(
                Problem(
                    join("dataOwners", i) + ".aws.deployRoleArn",
                    None,
                    "the role the program assumes in the owner's account to turn on the bucket's "
                    "access logging (audit is on), or audit.enabled: false",
                )
            )


def _check_url(url: str, path: str, production: bool, problems: list[Problem]) -> None:
    scheme_ok = url.startswith("https://") or (not production and url.startswith("http://"))
    _expect(
        scheme_ok and len(url.split("://", 1)[1].strip("/")) > 0,
        problems,
        path,
        url,
        "an https:// URL (http:// only outside production)",
    )


def _check_existing_polaris(cfg: StackConfig, existing: ExistingPolarisConfig, problems: list[Problem]) -> None:
    """Bring your own Polaris: the program runs nothing of Polaris' own, so every identity Polaris vends with
    must either be given or trust an identity the configuration names."""
    path = "polaris.existing"
    _check_url(existing.url, f"{path}.url", cfg.production, problems)
    if existing.server_role_arn is not None:
        _expect(
            bool(aws.ROLE_ARN.fullmatch(existing.server_role_arn)),
            problems,
            f"{path}.serverRoleArn",
            existing.server_role_arn,
            "an IAM role ARN",
        )
    for i, owner in enumerate(cfg.data_owners):
        opath = join("dataOwners", i)
        if owner.aws is not None and owner.aws.vending_role is None:
            _expect(
                existing.server_role_arn is not None,
                problems,
                f"{path}.serverRoleArn",
                None,
                server_role_required(owner.name),
            )
        if owner.gcp is not None:
            _expect(
                owner.gcp.service_account is not None,
                problems,
                join(opath, "gcp.serviceAccount"),
                None,
                "the owner's vending service account: the program cannot federate an identity it does not run into GCP",
            )
    if cfg.owners_on(Cloud.AZURE) and cfg.polaris.azure_application is not None:
        _expect(
            cfg.polaris.azure_application.client_id is not None,
            problems,
            "polaris.azureApplication.clientId",
            None,
            EXISTING_APPLICATION_REQUIRED,
        )


def _check_certificate(arn: str, cfg: StackConfig, problems: list[Problem]) -> None:
    """The load balancer can only use a certificate of its own account and region (ACM is regional)."""
    p = cfg.platform
    if p is None or not (
        conforms(cfg.polaris, "tls_certificate_arn") and conforms(p, "account_id") and conforms(p, "region")
    ):
        return  # the parser reports a malformed ARN, account or region
    match = aws.ACM_CERTIFICATE_ARN.fullmatch(arn)
    if match is not None:
        _expect(
            (match["region"], match["account"]) == (p.region, p.account_id),
            problems,
            "polaris.tlsCertificateArn",
            arn,
            f"a certificate of the platform's region {p.region} and account {p.account_id} (a load "
            "balancer cannot use an ACM certificate from elsewhere): request or import it there",
            uses=("platform.region", "platform.accountId"),
        )


def _check_tags(cfg: StackConfig, problems: list[Problem]) -> None:
    """What AWS (every resource) and Azure (storage accounts) accept as tags; see ``rules.tags``."""
    on_azure = bool(cfg.owners_on(Cloud.AZURE))
    _expect(
        len(cfg.tags) <= tags.COUNT_MAX,
        problems,
        "tags",
        f"{len(cfg.tags)} tags",
        f"at most {tags.COUNT_MAX} tags (AWS and Azure limit)",
    )
    for key, value in cfg.tags.items():
        path = join("tags", key)
        _expect(
            1 <= len(key) <= tags.KEY_MAX and tags.text_ok(key),
            problems,
            path,
            key,
            f"a tag key of 1-{tags.KEY_MAX} letters, digits, spaces or '_ . : / = + - @'",
        )
        _expect(
            not key.lower().startswith(tags.RESERVED_PREFIX),
            problems,
            path,
            key,
            f"a key not starting with '{tags.RESERVED_PREFIX}' (reserved by AWS)",
        )
        _expect(
            not (on_azure and any(ch in tags.AZURE_NAME_FORBIDDEN for ch in key)),
            problems,
            path,
            key,
            f"a key without any of {' '.join(tags.AZURE_NAME_FORBIDDEN)} (Azure refuses them in tag names)",
        )
        _expect(
            len(value) <= tags.VALUE_MAX and tags.text_ok(value),
            problems,
            path,
            value,
            f"a tag value of at most {tags.VALUE_MAX} letters, digits, spaces or '_ . : / = + - @'",
        )
    keys = list(cfg.tags)
    for key in keys:
        first = next(k for k in keys if k.casefold() == key.casefold())
        _expect(
            first == key,
            problems,
            join("tags", key),
            key,
            f"a key that differs from {first!r} by more than case (Azure tag names and GCP labels ignore case)",
        )


def _check_hostname(cfg: StackConfig, problems: list[Problem]) -> None:
    """The name on the certificate: its record lives in the zone and points at the load balancer, so nobody
    sets DNS by hand and every client's TLS verification can succeed."""
    pol, load_balancer = cfg.polaris, cfg.polaris.exposure is Exposure.LOAD_BALANCER
    if pol.hostname is None:
        _expect(
            pol.hosted_zone is None,
            problems,
            "polaris.hostedZone",
            pol.hosted_zone,
            "no zone without polaris.hostname (the zone holds the hostname's record)",
        )
        _expect(
            not (cfg.production and load_balancer),
            problems,
            "polaris.hostname",
            None,
            "the DNS name clients use, in a production stack with exposure 'load-balancer' (clients verify "
            "the certificate against it)",
        )
        return
    _expect(
        load_balancer,
        problems,
        "polaris.hostname",
        pol.hostname,
        "exposure 'load-balancer' (the record points at the load balancer)",
    )
    if not _expect(
        pol.hosted_zone is not None,
        problems,
        "polaris.hostedZone",
        None,
        "the public Route 53 zone of polaris.hostname: the program creates its record there",
    ):
        return
    hostname, zone = pol.hostname, pol.hosted_zone
    if hostname is not None and zone is not None and conforms(pol, "hostname") and conforms(pol, "hosted_zone"):
        _expect(
            hostname.endswith("." + zone),
            problems,
            "polaris.hostname",
            pol.hostname,
            f"a name inside the zone {pol.hosted_zone}",
        )


# -- data owners ------------------------------------------------------------------------------------------


def _check_role_arn(arn: str, account_id: str, path: str, problems: list[Problem]) -> None:
    role_account = aws.role_account(arn)
    if _expect(role_account is not None, problems, path, arn, "an IAM role ARN arn:aws:iam::<account>:role/<name>"):
        # Against an account id that is itself wrong the comparison says nothing new.
        _expect(
            role_account == account_id or not aws.ACCOUNT_ID.fullmatch(account_id),
            problems,
            path,
            arn,
            f"a role in account {account_id}",
        )


def _check_data_owner(owner: DataOwnerConfig, path: str, problems: list[Problem]) -> None:
    _expect(
        bool(_OWNER_NAME.match(owner.name)),
        problems,
        join(path, "name"),
        owner.name,
        "3-20 lowercase letters, digits or '-', starting with a letter (it names cloud identities)",
    )
    clouds = [c for c in (owner.aws, owner.gcp, owner.azure) if c is not None]
    if not _expect(
        len(clouds) == 1,
        problems,
        path,
        f"{len(clouds)} clouds",
        "exactly one of 'aws', 'gcp' or 'azure'",
        uses=tuple(join(path, c) for c in ("aws", "gcp", "azure")),
    ):
        return
    storage, spath = owner.storage, join(path, "storage")
    if owner.aws is not None:
        _check_aws_owner(owner, owner.aws, path, problems)
        _check_bucket(
            storage.bucket,
            aws.s3_bucket_ok,
            spath,
            "an S3 bucket name: 3-63 lowercase letters, digits, '.' or '-', starting and ending with a letter or digit",
            problems,
        )
    elif owner.gcp is not None:
        _check_bucket(
            storage.bucket,
            _gcs_bucket_ok,
            spath,
            "a GCS bucket name: 3-63 lowercase letters, digits, "
            "'_' or '-' (no dots), starting and ending with a letter or digit",
            problems,
        )
        _expect(
            not gcp.bucket_name_reserved(storage.bucket or ""),
            problems,
            join(spath, "bucket"),
            storage.bucket,
            "a name without 'goog' prefix or 'google'",
        )
        _expect(
            owner.gcp.location.upper() in gcp.LOCATIONS,
            problems,
            join(path, "gcp.location"),
            owner.gcp.location,
            "a Cloud Storage location: a multi-region (EU, US, ASIA), a predefined "
            "dual-region (e.g. EUR4) or a region (e.g. europe-west1)"
            + _suggestion(owner.gcp.location.upper(), gcp.LOCATIONS),
        )
    elif owner.azure is not None:
        _check_azure_owner(owner, owner.azure, path, problems)
    _check_prefixes(owner, spath, problems)


def _check_aws_owner(owner: DataOwnerConfig, owner_aws: AwsAccount, path: str, problems: list[Problem]) -> None:
    if owner_aws.deploy_role_arn is not None:
        _check_role_arn(owner_aws.deploy_role_arn, owner_aws.account_id, join(path, "aws.deployRoleArn"), problems)
    else:
        _expect(
            not (owner.storage.create or owner_aws.creates_resources),
            problems,
            join(path, "aws.deployRoleArn"),
            None,
            "the role the program assumes in the owner's account, to create "
            + ("the bucket" if owner.storage.create else "the vending role")
            + " (or give aws.vendingRole and set storage.create to false)",
        )
    if owner_aws.vending_role is not None:
        _check_role_arn(
            owner_aws.vending_role.role_arn, owner_aws.account_id, join(path, "aws.vendingRole.roleArn"), problems
        )
    if owner_aws.kms_key_arn is not None and conforms(owner_aws, "kms_key_arn"):
        match = aws.KMS_KEY_ARN.fullmatch(owner_aws.kms_key_arn)
        known = conforms(owner_aws, "account_id") and conforms(owner_aws, "region")
        _expect(
            match is None
            or not known
            or (match["account"], match["region"]) == (owner_aws.account_id, owner_aws.region),
            problems,
            join(path, "aws.kmsKeyArn"),
            owner_aws.kms_key_arn,
            f"a KMS key ARN in account {owner_aws.account_id} and region {owner_aws.region}",
        )
    _expect(
        owner.storage.account is None and owner.storage.container is None,
        problems,
        join(path, "storage"),
        "account/container",
        "only 'bucket' for an AWS data owner",
    )


def _check_azure_owner(owner: DataOwnerConfig, az: AzureSubscription, path: str, problems: list[Problem]) -> None:
    storage, spath = owner.storage, join(path, "storage")
    _expect(
        az.location in azure.LOCATIONS,
        problems,
        join(path, "azure.location"),
        az.location,
        "an Azure region name as `az account list-locations` prints it, e.g. westeurope"
        + _suggestion(az.location.replace(" ", "").lower(), azure.LOCATIONS),
    )
    _expect(
        storage.bucket is None,
        problems,
        join(spath, "bucket"),
        storage.bucket,
        "no bucket for an Azure data owner: use 'account' and 'container'",
    )
    for key in ("account", "container"):
        _expect(
            getattr(storage, key) is not None,
            problems,
            join(spath, key),
            None,
            declared(StorageConfig, key).expected,
        )


def _suggestion(normalized: str, names: frozenset[str]) -> str:
    guess = normalized if normalized in names else likely(normalized, names)
    return f" (did you mean {guess!r}?)" if guess else ""


def _gcs_bucket_ok(name: str) -> bool:
    return gcp.BUCKET.fullmatch(name) is not None


def _check_bucket(
    bucket: str | None, valid: Callable[[str], bool], spath: str, expected: str, problems: list[Problem]
) -> None:
    if bucket is None or not valid(bucket):
        problems.append(Problem(join(spath, "bucket"), bucket, expected, shown="(missing)" if bucket is None else None))


def _check_prefixes(owner: DataOwnerConfig, spath: str, problems: list[Problem]) -> None:
    prefixes = owner.storage.prefixes
    if not _expect(
        bool(prefixes),
        problems,
        join(spath, "prefixes"),
        list(prefixes),
        "at least one prefix to share (whole-bucket sharing is not offered)",
    ):
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


def _check_catalog(
    catalog: CatalogConfig,
    owners: dict[str, DataOwnerConfig],
    owner_names: tuple[str, ...],
    path: str,
    problems: list[Problem],
) -> None:
    check_polaris_name(catalog.name, join(path, "name"), problems)
    owner = owners.get(catalog.data_owner)
    if owner is None:
        problems.append(
            Problem(join(path, "dataOwner"), catalog.data_owner, _one_of(owners, "data owner"), uses=owner_names)
        )
        return
    if not _expect(bool(catalog.locations), problems, join(path, "locations"), [], "at least one location"):
        return
    if not _storage_known(owner):
        return  # the owner's own problems are reported; locations cannot be judged against them
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


def _storage_known(owner: DataOwnerConfig) -> bool:
    """One cloud and valid storage names: only then is the owner's storage root a real URL."""
    clouds = [c for c in (owner.aws, owner.gcp, owner.azure) if c is not None]
    storage = owner.storage
    if len(clouds) != 1:
        return False
    if owner.cloud is Cloud.AZURE:
        given = storage.account is not None and storage.container is not None
        return given and conforms(storage, "account") and conforms(storage, "container")
    return (aws.s3_bucket_ok if owner.cloud is Cloud.AWS else _gcs_bucket_ok)(storage.bucket or "")


def _check_location(location: str, owner: DataOwnerConfig, path: str, problems: list[Problem]) -> None:
    root = owner.storage_root
    if not _expect(
        bool(_LOCATION_FORM[owner.cloud].match(location)),
        problems,
        path,
        location,
        f"{_SCHEME_HINT[owner.cloud]} (data owner '{owner.name}' is on {owner.cloud.value})",
    ):
        return
    if not _expect(
        location.rstrip("/") != root,
        problems,
        path,
        location,
        "a location under one of the owner's shared prefixes, not the root of the bucket or container "
        "(vending is limited to the shared prefixes): " + ", ".join(owner.allowed_locations),
    ):
        return
    if not _expect(
        location.startswith(root + "/"), problems, path, location, f"a location inside the owner's storage {root}/"
    ):
        return
    rest = location[len(root) + 1 :]
    if not _check_path_segments(rest, path, location, problems):
        return
    inside = any((rest.rstrip("/") + "/").startswith(p.strip("/") + "/") for p in owner.storage.prefixes)
    _expect(
        inside,
        problems,
        path,
        location,
        "a location under one of the owner's shared prefixes: " + ", ".join(owner.allowed_locations),
    )


def _check_overlapping_catalogs(cfg: StackConfig, problems: list[Problem]) -> None:
    """Polaris rejects catalogs whose locations overlap another catalog's (ALLOW_OVERLAPPING_CATALOG_URLS)."""
    seen: list[tuple[str, str]] = []
    for i, catalog in enumerate(cfg.catalogs):
        for j, location in enumerate(catalog.locations):
            loc = location.rstrip("/") + "/"
            for other_name, other in seen:
                if other_name != catalog.name and (loc.startswith(other) or other.startswith(loc)):
                    problems.append(
                        Problem(
                            f"catalogs[{i}].locations[{j}]",
                            location,
                            f"a location that does not overlap catalog '{other_name}' ({other})",
                        )
                    )
        seen += [(catalog.name, loc.rstrip("/") + "/") for loc in catalog.locations]


# -- organisations -----------------------------------------------------------------------------------------


def _check_organisations(cfg: StackConfig, problems: list[Problem]) -> None:
    catalogs = {c.name for c in cfg.catalogs}
    catalog_names = _names_used(cfg.catalogs, "catalogs")
    for i, org in enumerate(cfg.organisations):
        path = join("organisations", i)
        check_polaris_name(org.name, join(path, "name"), problems)
        seen: set[tuple[str, str]] = set()
        for j, access in enumerate(org.access):
            apath = join(join(path, "access"), j)
            _expect(
                access.catalog in catalogs,
                problems,
                join(apath, "catalog"),
                access.catalog,
                _one_of(catalogs, "catalog"),
                uses=catalog_names,
            )
            for k, namespace in enumerate(access.namespaces):
                npath = join(join(apath, "namespaces"), k)
                key = (access.catalog, namespace)
                _expect(key not in seen, problems, npath, namespace, "each catalog/namespace granted once")
                seen.add(key)
            if not access.namespaces:
                _expect(
                    (access.catalog, "") not in seen,
                    problems,
                    join(apath, "catalog"),
                    access.catalog,
                    "each catalog granted once per organisation",
                )
                seen.add((access.catalog, ""))
