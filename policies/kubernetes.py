"""Kubernetes rules for the Polaris Deployment, its bootstrap Job, its ConfigMap and its Service: pinned images
(by digest in production, Helm releases' images too), restricted containers, limits and probes, no literal secrets, production persistence and replicas, no
insecure Polaris feature flag, and no production load balancer open to the whole internet."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from policies.common import (
    K8S_CONFIG_MAP,
    K8S_DEPLOYMENT,
    K8S_HELM_RELEASE,
    K8S_SERVICE,
    K8S_WORKLOADS,
    PRODUCTION,
    Messages,
    as_list,
    get,
    resource_policy,
)
from rules.images import DIGEST, pinned_by_digest
from rules.network import covers_internet

PROPERTIES_FILE = "application.properties"
PERSISTENCE_KEY = "polaris.persistence.type"
JDBC = "relational-jdbc"
INSECURE_FLAGS = ("ALLOW_INSECURE_STORAGE_TYPES", "SKIP_CREDENTIAL_SUBSCOPING_INDIRECTION")
"""Feature flags that must never be true (polaris.md §6.2)."""
STORAGE_TYPES_FLAG = "SUPPORTED_CATALOG_STORAGE_TYPES"


def _pod_spec(args: ResourceValidationArgs) -> Mapping[str, Any]:
    return get(args.props, "spec", "template", "spec", default={})


def _containers(args: ResourceValidationArgs, *, init: bool = True) -> list[Mapping[str, Any]]:
    spec = _pod_spec(args)
    kinds = ("initContainers", "containers") if init else ("containers",)
    return [c for kind in kinds for c in as_list(get(spec, kind))]


def _named(container: Mapping[str, Any]) -> str:
    return f"container {get(container, 'name', default='?')}"


def image_problem(image: str) -> str | None:
    """Why an image reference is not pinned, or None: a digest or a tag other than `latest` pins it."""
    if "@sha256:" in image:
        return None
    name = image.rsplit("/", 1)[-1]
    if ":" not in name:
        return f"image {image} has no tag"
    if name.rsplit(":", 1)[1] == "latest":
        return f"image {image} uses the moving tag latest"
    return None


def _image_problems(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Messages:
    for container in _containers(args):
        problem = image_problem(get(container, "image", default=""))
        if problem:
            yield f"{_named(container)}: {problem}"


def _digest_problems(args: ResourceValidationArgs, config: Mapping[str, Any]) -> Messages:
    if not config["production"]:
        return
    if args.resource_type == K8S_HELM_RELEASE:
        yield from _chart_image_problems(get(args.props, "values", "image"))
        return
    for container in _containers(args):
        image = get(container, "image", default="")
        if not pinned_by_digest(image):
            yield f"{_named(container)}: image {image} is not pinned by digest (@sha256:...)"


def _chart_image_problems(image: Any) -> Messages:
    """A chart's ``image`` value, by the Helm convention ``{repository, tag}`` (plus ``digest`` where the chart
    has that field): only this key is read, so a release's other values may be unknown during preview."""
    if not isinstance(image, Mapping) or "repository" not in image:
        return
    tag, digest = str(get(image, "tag", default="")), str(get(image, "digest", default=""))
    if not (pinned_by_digest(tag) or DIGEST.fullmatch(digest)):
        yield f"values.image {get(image, 'repository')}:{tag} is not pinned by digest (tag@sha256:... or image.digest)"


def _security_problems(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Messages:
    pod_non_root = get(_pod_spec(args), "securityContext", "runAsNonRoot")
    for container in _containers(args):
        context = get(container, "securityContext", default={})
        if get(context, "runAsNonRoot", default=pod_non_root) is not True:
            yield f"{_named(container)}: runAsNonRoot is not true"
        if get(context, "allowPrivilegeEscalation") is not False:
            yield f"{_named(container)}: allowPrivilegeEscalation is not false"
        if "ALL" not in as_list(get(context, "capabilities", "drop")):
            yield f"{_named(container)}: capabilities do not drop ALL"


def _limit_problems(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Messages:
    for container in _containers(args):
        limits = get(container, "resources", "limits", default={})
        missing = [r for r in ("cpu", "memory") if not get(limits, r)]
        if missing:
            yield f"{_named(container)}: no {' or '.join(missing)} limit"


def _probe_problems(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Messages:
    if args.resource_type != K8S_DEPLOYMENT:
        return  # a Job runs to completion; probes do not apply
    for container in _containers(args, init=False):
        missing = [p for p in ("livenessProbe", "readinessProbe") if not get(container, p)]
        if missing:
            yield f"{_named(container)}: no {' or '.join(missing)}"


def _env(args: ResourceValidationArgs) -> list[tuple[str, Mapping[str, Any]]]:
    return [(get(e, "name", default=""), e) for c in _containers(args) for e in as_list(get(c, "env"))]


def _literal_secret_problems(args: ResourceValidationArgs, config: Mapping[str, Any]) -> Messages:
    patterns = [p.upper() for p in config["secretNamePatterns"]]
    for name, entry in _env(args):
        value = get(entry, "value")
        secretish = any(p in name.upper() for p in patterns)
        if secretish and value and not str(value).startswith("/"):  # an absolute path names a mounted file
            yield f"env {name} holds a literal value; use valueFrom.secretKeyRef"


def properties(text: str) -> dict[str, str]:
    """`key=value` lines of a Java properties file (comments and blank lines skipped)."""
    pairs = (line.strip().split("=", 1) for line in (text or "").splitlines())
    return {p[0].strip(): p[1].strip() for p in pairs if len(p) == 2 and not p[0].lstrip().startswith(("#", "!"))}


def _normalized(key: str) -> str:
    """A property name and its environment-variable forms compare equal: `polaris.features."X"`,
    `POLARIS_FEATURES_X`, `POLARIS_FEATURES__X_`."""
    return re.sub(r"[^A-Z0-9]+", "_", key.upper()).strip("_")


def _insecure_settings(settings: Iterable[tuple[str, str]]) -> Messages:
    for key, value in settings:
        name = _normalized(key)
        if not name.startswith("POLARIS_FEATURES_"):
            continue
        if any(name.endswith("_" + flag) for flag in INSECURE_FLAGS) and str(value).strip().lower() == "true":
            yield f"{key} enables an insecure Polaris feature"
        if name.endswith("_" + STORAGE_TYPES_FLAG) and "FILE" in re.findall(r"[A-Z]+", str(value).upper()):
            yield f"{key} allows FILE storage: catalogs could read and write the server's disk"


def _config_map_properties(args: ResourceValidationArgs) -> dict[str, str] | None:
    text = get(args.props, "data", PROPERTIES_FILE)
    return None if text is None else properties(text)


def _insecure_feature_problems(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Messages:
    if args.resource_type == K8S_CONFIG_MAP:
        yield from _insecure_settings((_config_map_properties(args) or {}).items())
    else:
        yield from _insecure_settings((name, get(entry, "value", default="")) for name, entry in _env(args))


def _persistence_problems(args: ResourceValidationArgs, config: Mapping[str, Any]) -> Messages:
    if not config["production"]:
        return
    if args.resource_type == K8S_CONFIG_MAP:
        settings = _config_map_properties(args)
        if settings is not None and settings.get(PERSISTENCE_KEY, "in-memory") != JDBC:
            yield f"{PERSISTENCE_KEY} is {settings.get(PERSISTENCE_KEY, 'in-memory (the default)')}, not {JDBC}"
        return
    for name, entry in _env(args):  # environment variables override the properties file
        if _normalized(name) == _normalized(PERSISTENCE_KEY) and get(entry, "value") not in (None, JDBC):
            yield f"env {name} sets persistence to {get(entry, 'value')}, not {JDBC}"


def _replica_problems(args: ResourceValidationArgs, config: Mapping[str, Any]) -> Messages:
    if not config["production"]:
        return
    images = [get(c, "image", default="") for c in _containers(args, init=False)]
    server = any(i.split("@")[0].rsplit(":", 1)[0] == config["serverImage"] for i in images)
    replicas = get(args.props, "spec", "replicas", default=1)  # Kubernetes default
    if server and replicas <= 1:
        yield f"runs {replicas:g} replica of the Polaris server in production"


image_pinned = resource_policy(
    "k8s-image-pinned",
    types=K8S_WORKLOADS,
    description="Makes what runs reproducible and reviewable: every container image is pinned to a version "
    "tag or digest, never `latest` or untagged. Fix: set the image to apache/polaris:<version> "
    "(polaris.version) or a digest.",
    remediation="Use an explicit version tag (e.g. apache/polaris:1.7.0) or an @sha256 digest.",
    severity=Severity.HIGH,
    check=_image_problems,
)

image_digest = resource_policy(
    "k8s-image-digest",
    types=[*K8S_WORKLOADS, K8S_HELM_RELEASE],
    description="Makes a production rollout run exactly the reviewed bytes, whatever happens to a tag on its "
    "registry: every container image of a workload, and a Helm release's `image` value, is pinned by digest "
    "(repository:tag@sha256:...). Fix: record the digest with `python -m tools.pin_images --add "
    "<repository>:<tag>` (components/data/images.json) and render it.",
    remediation="Record the image's digest with tools/pin_images.py and reference the image as "
    "repository:tag@sha256:<digest> (a chart without a digest field takes tag@sha256:<digest> as its tag).",
    severity=Severity.HIGH,
    check=_digest_problems,
    config=PRODUCTION,
)

container_hardened = resource_policy(
    "k8s-container-hardened",
    types=K8S_WORKLOADS,
    description="Limits what a compromised Polaris container can do: non-root, no privilege escalation, all "
    "capabilities dropped. Fix: set runAsNonRoot=true, allowPrivilegeEscalation=false and "
    "capabilities.drop=[ALL] in the container securityContext.",
    remediation="Add securityContext {runAsNonRoot: true, allowPrivilegeEscalation: false, "
    "capabilities: {drop: [ALL]}} to every container.",
    severity=Severity.HIGH,
    check=_security_problems,
)

resource_limits = resource_policy(
    "k8s-resource-limits",
    types=K8S_WORKLOADS,
    description="Keeps one pod from starving the node group: every container declares CPU and memory limits. "
    "Fix: set resources.limits.cpu and .memory (polaris.resources).",
    remediation="Set resources.limits {cpu, memory} on every container.",
    severity=Severity.MEDIUM,
    check=_limit_problems,
)

probes = resource_policy(
    "k8s-probes",
    types=[K8S_DEPLOYMENT],
    description="Lets Kubernetes restart a hung Polaris and keep unready pods out of the Service: liveness and "
    "readiness probes on every server container. Fix: probe /q/health/live and /q/health/ready on "
    "the management port.",
    remediation="Add livenessProbe and readinessProbe (httpGet /q/health/live, /q/health/ready, port 8182).",
    severity=Severity.MEDIUM,
    check=_probe_problems,
)

no_literal_secrets = resource_policy(
    "k8s-no-literal-secrets",
    types=K8S_WORKLOADS,
    description="Keeps secrets out of pod specs, state and `kubectl describe`: environment variables whose "
    "name looks secret (SECRET, PASSWORD, TOKEN, CREDENTIALS, KEY) take valueFrom.secretKeyRef, or "
    "an absolute file path. Fix: move the value to a Secret and reference it.",
    remediation="Replace `value:` with valueFrom.secretKeyRef {name, key} pointing at a Kubernetes Secret.",
    severity=Severity.CRITICAL,
    check=_literal_secret_problems,
    config={
        "secretNamePatterns": {
            "type": "array",
            "items": {"type": "string"},
            "default": ["SECRET", "PASSWORD", "TOKEN", "CREDENTIALS", "KEY"],
            "description": "Substrings of environment variable names that hold secrets.",
        }
    },
)

insecure_features = resource_policy(
    "polaris-insecure-features-disabled",
    types=[*K8S_WORKLOADS, K8S_CONFIG_MAP],
    description="Keeps Polaris' credential vending sound: ALLOW_INSECURE_STORAGE_TYPES and "
    "SKIP_CREDENTIAL_SUBSCOPING_INDIRECTION stay off and FILE is not a supported storage type, in "
    "application.properties and in container env. Fix: remove the flag from polaris.features.",
    remediation="Delete the flag from polaris.features (stack config) and from any container env.",
    severity=Severity.CRITICAL,
    check=_insecure_feature_problems,
)

production_persistence = resource_policy(
    "polaris-production-persistence",
    types=[*K8S_WORKLOADS, K8S_CONFIG_MAP],
    description="Keeps production catalogs and principals across restarts: production Polaris persists to "
    "PostgreSQL (polaris.persistence.type=relational-jdbc), not in memory. Fix: set "
    "polaris.persistence: postgres in the production stack.",
    remediation="Set polaris.persistence=postgres in Pulumi.<stack>.yaml.",
    severity=Severity.HIGH,
    check=_persistence_problems,
    config=PRODUCTION,
)

production_replicas = resource_policy(
    "polaris-production-replicas",
    types=[K8S_DEPLOYMENT],
    description="Keeps the production catalog available through a node or zone loss: more than one Polaris "
    "server replica. Fix: set polaris.replicas to 2 or more (requires postgres persistence).",
    remediation="Set polaris.replicas >= 2 in the production stack configuration.",
    severity=Severity.MEDIUM,
    check=_replica_problems,
    config={
        **PRODUCTION,
        "serverImage": {
            "type": "string",
            "default": "apache/polaris",
            "description": "Image repository of the Polaris server.",
        },
    },
)


def _load_balancer_problems(args: ResourceValidationArgs, config: Mapping[str, Any]) -> Messages:
    if not config["production"] or get(args.props, "spec", "type") != "LoadBalancer":
        return
    ranges = [str(r) for r in as_list(get(args.props, "spec", "loadBalancerSourceRanges"))]
    if not ranges:
        yield "the load balancer has no loadBalancerSourceRanges: it admits the whole internet"
    elif covers_internet(ranges):
        yield f"loadBalancerSourceRanges {' + '.join(ranges)} admit the whole internet"


load_balancer_restricted = resource_policy(
    "load-balancer-source-ranges-restricted",
    types=[K8S_SERVICE],
    description="Keeps the production Polaris load balancer (which carries client secrets and tokens) off the "
    "open internet: a LoadBalancer Service lists loadBalancerSourceRanges, and together they do not "
    "cover every address (0.0.0.0/0, or 0.0.0.0/1 + 128.0.0.0/1). Fix: list the partners' CIDRs in "
    "platform.polarisAllowedCidrs.",
    remediation="Set platform.polarisAllowedCidrs to the partners' specific CIDRs.",
    severity=Severity.HIGH,
    check=_load_balancer_problems,
    config=PRODUCTION,
)

POLICIES = [
    image_pinned,
    image_digest,
    container_hardened,
    resource_limits,
    probes,
    no_literal_secrets,
    insecure_features,
    production_persistence,
    production_replicas,
    load_balancer_restricted,
]
