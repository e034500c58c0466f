"""Polaris itself on Kubernetes: namespace, identity, secrets, configuration, bootstrap, server and exposure.

Polaris holds no cloud key: the ServiceAccount carries the IRSA role, and projected service-account tokens
are traded at Google STS and Entra ID for the GCP and Azure identities. Every credential Polaris needs
(root client, token-broker keys, database password, the static-secret Azure password) lives in a Secret and
reaches the pod by reference only. Configuration that Polaris reads from properties (feature flags in
particular: upper-case environment variables are ignored for them) lives in ``application.properties``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random
import pulumi_tls as tls

from components.audit import EventLog
from components.azure import AZURE_TOKEN_AUDIENCE, AZURE_TOKEN_PATH, AzureWorkloadAccess
from components.gcp import GCP_CREDENTIALS_PATH, GCP_TOKEN_PATH, GcpWorkloadAccess
from components.images import POLARIS_ADMIN_TOOL, POLARIS_SERVER, pinned
from components.platform.database import POSTGRES_PORT, DatabaseConnection
from configuration.schema import REMOTE_DEBUG_PORT, CredentialMode, Exposure, Persistence, PolarisConfig
from rules.polaris import FEATURE_FLAG

API_PORT = 8181
MANAGEMENT_PORT = 8182
HTTPS_PORT = 443
DEBUG_ADDRESS = f"127.0.0.1:{REMOTE_DEBUG_PORT}"
"""JDWP on loopback only: reachable through ``kubectl port-forward``, never from the network."""
RUN_AS_USER = 10000
RUN_AS_GROUP = 10001
"""The ``polaris`` user and group of both images."""
SERVICE_NAME = "polaris"
CONFIG_DIR = "/deployments/config"
"""Quarkus reads ``$PWD/config/application.properties``; the images run from /deployments."""
TOKEN_BROKER_DIR = "/etc/polaris/token-broker"
CLOUD_TOKEN_DIR = "/var/run/secrets/polaris"
TOKEN_LIFETIME_SECONDS = 3600
"""Projected tokens; the kubelet refreshes them at 80% of their life."""
CHECKSUM_ANNOTATION = "checksum/config"
DEFAULT_FEATURES: Mapping[str, Any] = {"SUPPORTED_CATALOG_STORAGE_TYPES": ["S3", "GCS", "AZURE"]}
"""FILE storage stays off: it would read the server's own disk."""
SESSION_TAG_FIELDS = ["realm", "catalog", "principal"]
"""Short fields only: namespace and table paths can overflow STS' 2048-character packed policy limit."""
SELECTOR = {"app.kubernetes.io/name": "polaris", "app.kubernetes.io/component": "server"}
TMP_VOLUME = {"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}}
TMP_MOUNT = {"name": "tmp", "mountPath": "/tmp"}
"""The only writable path: the root filesystem is read-only."""
_METADATA_ENDPOINT = "169.254.169.254/32"
"""The node's instance metadata: with IRSA no pod needs it, and it would hand out the node's role."""


@dataclass(frozen=True)
class PolarisServerArgs:
    polaris: PolarisConfig
    server_role_arn: pulumi.Input[str]
    allowed_cidrs: tuple[str, ...]
    """``platform.polarisAllowedCidrs``: the only sources the load balancer admits."""
    database: DatabaseConnection | None = None
    """None with in-memory persistence."""
    gcp: GcpWorkloadAccess | None = None
    """None when no data owner is on GCP."""
    azure: AzureWorkloadAccess | None = None
    """None when no data owner is on Azure."""
    aws_region: str | None = None
    """``AWS_REGION`` for Polaris' STS client."""
    event_log: EventLog | None = None
    """Where Polaris' event listener writes; None = no event listener (audit off)."""
    certificate_arn: pulumi.Input[str] | None = None
    """The load balancer's certificate when the program issued it (``PolarisName``); None =
    ``polaris.tlsCertificateArn``."""
    deployer_cidrs: pulumi.Input[Sequence[str]] = ()
    """The platform's own egress addresses (its NAT gateways), admitted next to ``allowed_cidrs``: deployers
    inside the VPC (the CI runners) reach the load balancer's public address through them."""

    @property
    def tls_certificate_arn(self) -> pulumi.Input[str] | None:
        return self.certificate_arn if self.certificate_arn is not None else self.polaris.tls_certificate_arn


# -- rules and rendering (pure) -----------------------------------------------------------------------------


def problems(args: PolarisServerArgs) -> list[str]:
    """What in ``args`` the server cannot be rendered from: a load balancer without a certificate to terminate
    TLS with, arguments that disagree with each other, flag names that are no property key. Only these
    invariants of the typed arguments live here; the rules on the configuration itself (when remote debugging
    is allowed, load balancer CIDRs missing or open to the whole internet, replicas of an in-memory server)
    are the configuration validation's, checked once before any stage runs."""
    polaris, found = args.polaris, []
    if polaris.exposure is Exposure.LOAD_BALANCER and args.tls_certificate_arn is None:
        found.append(
            "a load balancer needs a TLS certificate (tlsCertificateArn or an issued one): it carries "
            "client secrets and tokens"
        )
    if (polaris.persistence is Persistence.POSTGRES) != (args.database is not None):
        found.append(
            f"persistence {polaris.persistence.value!r} needs a database connection exactly when it is 'postgres'"
        )
    if args.azure is not None and (args.azure.client_secret is not None) != (
        polaris.credential_mode is CredentialMode.STATIC_SECRET
    ):
        found.append(
            f"credentialMode {polaris.credential_mode.value!r} and the Azure access disagree: an Azure "
            "client secret comes with 'static-secret' and only then"
        )
    found += [
        # The configuration refuses such names; rendering them as property keys needs this of its own args.
        f"feature flag {key!r} is not an upper-case Polaris flag name"
        for key in polaris.features
        if not FEATURE_FLAG.fullmatch(key)
    ]
    return found


def feature_flags(polaris: PolarisConfig) -> dict[str, Any]:
    """Our defaults, then session tags when the trusts allow them, then the stack's own flags."""
    flags = dict(DEFAULT_FEATURES)
    if polaris.session_tags:
        flags["SESSION_TAGS_IN_SUBSCOPED_CREDENTIAL"] = SESSION_TAG_FIELDS
    return flags | dict(polaris.features)


def application_properties(polaris: PolarisConfig, event_log: EventLog | None = None) -> str:
    """The server's configuration file. Flag values are JSON, as the Helm chart writes them; backslashes are
    escaped because Quarkus reads the file with java.util.Properties."""
    persistence = "relational-jdbc" if polaris.persistence is Persistence.POSTGRES else "in-memory"
    properties = (
        {
            "polaris.realm-context.realms": polaris.realm,
            "polaris.persistence.type": persistence,
            "polaris.authentication.token-broker.type": "rsa-key-pair",
            "polaris.authentication.token-broker.rsa-key-pair.public-key-file": f"{TOKEN_BROKER_DIR}/public.pem",
            "polaris.authentication.token-broker.rsa-key-pair.private-key-file": f"{TOKEN_BROKER_DIR}/private.pem",
        }
        | {
            f'polaris.features."{key}"': json.dumps(value, separators=(",", ":"))
            for key, value in feature_flags(polaris).items()
        }
        | (event_log.properties() if event_log else {})
    )
    return "".join(f"{key}={_escaped(value)}\n" for key, value in properties.items())


def _escaped(value: str) -> str:
    return value.replace("\\", "\\\\")


def bootstrap_job_name(version: str) -> str:
    """Versioned, so an upgrade runs the bootstrap of the new release (a Job's pod template is immutable)."""
    return f"polaris-bootstrap-{version.replace('.', '-')}"


def config_checksum(*documents: str) -> str:
    return hashlib.sha256("\0".join(documents).encode()).hexdigest()


def token_path(path: str) -> str:
    """A token file's path inside the projected token volume."""
    return str(PurePosixPath(path).relative_to(CLOUD_TOKEN_DIR))


def secret_env(name: str, secret_name: pulumi.Input[str], key: str) -> dict[str, Any]:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": secret_name, "key": key}}}


def plain_env(variables: Mapping[str, pulumi.Input[str]]) -> list[dict[str, Any]]:
    return [{"name": name, "value": value} for name, value in variables.items()]


def datasource_env(secret_name: pulumi.Input[str]) -> list[dict[str, Any]]:
    """Quarkus' datasource from the database Secret. Upper-case names work for these plain keys and, unlike
    dotted names (beta until Kubernetes 1.34), pass every API server's validation."""
    return [
        secret_env("QUARKUS_DATASOURCE_JDBC_URL", secret_name, "jdbc-url"),
        secret_env("QUARKUS_DATASOURCE_USERNAME", secret_name, "username"),
        secret_env("QUARKUS_DATASOURCE_PASSWORD", secret_name, "password"),
    ]


def pod_security() -> dict[str, Any]:
    return {
        "runAsNonRoot": True,
        "runAsUser": RUN_AS_USER,
        "runAsGroup": RUN_AS_GROUP,
        "fsGroup": RUN_AS_GROUP,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def container_security() -> dict[str, Any]:
    return {
        "runAsNonRoot": True,
        "runAsUser": RUN_AS_USER,
        "runAsGroup": RUN_AS_GROUP,
        "allowPrivilegeEscalation": False,
        "privileged": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def health_probe(path: str, **timing: int) -> dict[str, Any]:
    return {
        "httpGet": {"path": path, "port": "polaris-mgmt"},
        "periodSeconds": 10,
        "timeoutSeconds": 10,
        "failureThreshold": 3,
        **timing,
    }


def rollout_strategy(persistence: Persistence, replicas: int) -> dict[str, Any]:
    """In memory, a surge pod would serve from a second, empty store next to the old one: replace the pod.
    Against the shared database, several replicas roll one pod at a time *in place* (the others serve): a
    surge pod needs a node with a replica's requests free, which a node group sized to its replicas, without
    an autoscaler, never has, and the rollout would time out. A single replica surges, or it would go down."""
    if persistence is Persistence.IN_MEMORY:
        return {"type": "Recreate"}
    if replicas > 1:
        return {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}
    return {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}


def labels(component: str, version: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": "polaris",
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/version": version,
        "app.kubernetes.io/managed-by": "pulumi",
    }


# -- the component ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Secrets:
    """Names of the Secrets the pods refer to."""

    root: pulumi.Output[str]
    token_broker: pulumi.Output[str]
    database: pulumi.Output[str] | None
    azure: pulumi.Output[str] | None


class PolarisServer(pulumi.ComponentResource):
    """A Polaris release on the cluster of the ``kubernetes`` provider given in ``opts``."""

    api_url: pulumi.Output[str]
    admin_client_id: pulumi.Output[str]
    admin_client_secret: pulumi.Output[str]
    namespace: pulumi.Output[str]
    service_account: pulumi.Output[str]
    load_balancer_hostname: pulumi.Output[str] | None
    """The load balancer's DNS name (`exposure: load-balancer`), for Polaris' alias record."""

    def __init__(self, name: str, args: PolarisServerArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("polaris-data-exchange:kubernetes:PolarisServer", name, None, opts)
        found = problems(args)
        if found:
            raise ValueError(f"PolarisServer {name!r}: " + "; ".join(found))
        provider = self.get_provider("kubernetes::")
        if provider is None:  # the ambient kubeconfig could be any cluster
            raise ValueError(f"PolarisServer {name!r} needs an explicit kubernetes provider in its options")
        self._name, self._args = name, args
        self._k8s = pulumi.ResourceOptions(parent=self, provider=provider)
        polaris = args.polaris
        namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata={
                "name": polaris.namespace,
                "labels": {f"pod-security.kubernetes.io/{mode}": "restricted" for mode in ("enforce", "audit", "warn")},
            },
            opts=self._k8s,
        )
        self.namespace = namespace.metadata.name
        account = k8s.core.v1.ServiceAccount(
            f"{name}-service-account",
            metadata=self._metadata(
                "server",
                name=polaris.service_account,
                annotations={
                    "eks.amazonaws.com/role-arn": args.server_role_arn,
                    "eks.amazonaws.com/sts-regional-endpoints": "true",
                },
            ),
            automount_service_account_token=False,
            opts=self._k8s,
        )
        self.service_account = account.metadata.name
        self.admin_client_id, self.admin_client_secret = self._root_credentials()
        secrets = self._secrets()
        # The database Secret exists exactly when there is a database (``_secrets``).
        bootstrap = self._bootstrap_job(secrets, secrets.database) if secrets.database is not None else None
        deployment = self._deployment(secrets, bootstrap)
        service = self._service()
        self.load_balancer_hostname = (
            service.status.load_balancer.ingress[0].hostname if polaris.exposure is Exposure.LOAD_BALANCER else None
        )
        self._disruption_budget()
        self._network_policy()
        # Resolves once the rollout is done (Pulumi awaits readiness): whatever calls the API waits for it.
        self.api_url = pulumi.Output.all(self._api_url(service), deployment.id).apply(lambda parts: parts[0])
        self.register_outputs(
            {
                "api_url": self.api_url,
                "admin_client_id": self.admin_client_id,
                "admin_client_secret": self.admin_client_secret,
                "namespace": self.namespace,
                "service_account": self.service_account,
            }
        )

    def _metadata(self, component: str, **fields: Any) -> dict[str, Any]:
        return {"namespace": self.namespace, "labels": labels(component, self._args.polaris.version), **fields}

    def _secret(self, role: str, data: Mapping[str, pulumi.Input[str]]) -> pulumi.Output[str]:
        """An auto-named Secret: a change of its data replaces it under a new name, which rolls the pods."""
        secret = k8s.core.v1.Secret(
            f"{self._name}-{role}",
            metadata=self._metadata("server"),
            type="Opaque",
            string_data={key: pulumi.Output.secret(value) for key, value in data.items()},
            opts=self._k8s,
        )
        return secret.metadata.name

    def _root_credentials(self) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
        """The root principal's client id and secret, both secret in state too (passwords, not ids). No
        special characters: commas and semicolons would break the ``realm,id,secret`` triple."""
        child = pulumi.ResourceOptions(parent=self)
        client_id = random.RandomPassword(
            f"{self._name}-root-client-id", length=16, special=False, upper=False, opts=child
        )
        client_secret = random.RandomPassword(f"{self._name}-root-client-secret", length=32, special=False, opts=child)
        return pulumi.Output.secret(client_id.result), pulumi.Output.secret(client_secret.result)

    def _secrets(self) -> _Secrets:
        """Root credentials, one token-broker key pair shared by every replica (each pod would otherwise sign
        with its own random key and reject the others' tokens), and the database and Azure secrets."""
        args = self._args
        key = tls.PrivateKey(
            f"{self._name}-token-broker-key", algorithm="RSA", rsa_bits=2048, opts=pulumi.ResourceOptions(parent=self)
        )
        root = self._secret(
            "root",
            {
                "client-id": self.admin_client_id,
                "client-secret": self.admin_client_secret,
                "credentials": pulumi.Output.concat(
                    args.polaris.realm, ",", self.admin_client_id, ",", self.admin_client_secret
                ),
            },
        )
        # Polaris reads PKCS#8 private keys and X.509 (SubjectPublicKeyInfo) public keys.
        token_broker = self._secret(
            "token-broker", {"private.pem": key.private_key_pem_pkcs8, "public.pem": key.public_key_pem}
        )
        database = azure = None
        if args.database is not None:
            database = self._secret(
                "database",
                {
                    "jdbc-url": args.database.jdbc_url,
                    "username": args.database.username,
                    "password": args.database.password,
                },
            )
        if args.azure is not None and args.azure.client_secret is not None:
            azure = self._secret("azure", {"client-secret": args.azure.client_secret})
        return _Secrets(root, token_broker, database, azure)

    def _bootstrap_job(self, secrets: _Secrets, database: pulumi.Output[str]) -> k8s.batch.v1.Job:
        """Creates the schema and the realm's root principal before any server starts (the server only
        bootstraps itself in memory). Credentials come from the Secret through `$(VAR)` expansion."""
        polaris = self._args.polaris
        container = {
            "name": "bootstrap",
            "image": pinned(POLARIS_ADMIN_TOOL, polaris.version).reference,
            "args": ["bootstrap", "-r", polaris.realm, "-c", "$(ROOT_CREDENTIALS)"],
            "env": [
                *plain_env({"POLARIS_PERSISTENCE_TYPE": "relational-jdbc"}),
                *datasource_env(database),
                secret_env("ROOT_CREDENTIALS", secrets.root, "credentials"),
            ],
            "securityContext": container_security(),
            "volumeMounts": [TMP_MOUNT],
            "resources": {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}},
        }
        return k8s.batch.v1.Job(
            f"{self._name}-bootstrap",
            metadata=self._metadata("bootstrap", name=bootstrap_job_name(polaris.version)),
            # No ttlSecondsAfterFinished: the program owns this Job, and a cluster that deletes it would show
            # as drift (a create) on every later preview. It stays Completed; a new version gets a new Job.
            spec={
                "backoffLimit": 4,
                "activeDeadlineSeconds": 900,
                "template": {
                    "metadata": {"labels": labels("bootstrap", polaris.version)},
                    "spec": {
                        "restartPolicy": "Never",
                        "automountServiceAccountToken": False,
                        "securityContext": pod_security(),
                        "containers": [container],
                        "volumes": [TMP_VOLUME],
                    },
                },
            },
            opts=self._k8s,
        )

    def _config_maps(self) -> tuple[list[dict[str, Any]], pulumi.Output[str]]:
        """Volumes for application.properties and the GCP credential configuration, and their checksum."""
        name, gcp, properties = (
            self._name,
            self._args.gcp,
            application_properties(self._args.polaris, self._args.event_log),
        )
        config = k8s.core.v1.ConfigMap(
            f"{name}-config",
            metadata=self._metadata("server"),
            data={"application.properties": properties},
            opts=self._k8s,
        )
        volumes = [{"name": "config", "configMap": {"name": config.metadata.name}}]
        if gcp is None:
            return volumes, pulumi.Output.from_input(config_checksum(properties))
        credentials = PurePosixPath(GCP_CREDENTIALS_PATH)
        gcp_config = k8s.core.v1.ConfigMap(
            f"{name}-gcp-credentials",
            metadata=self._metadata("server"),
            data={credentials.name: gcp.credential_configuration},
            opts=self._k8s,
        )
        volumes.append({"name": "gcp-credentials", "configMap": {"name": gcp_config.metadata.name}})
        checksum = pulumi.Output.from_input(gcp.credential_configuration).apply(
            lambda document: config_checksum(properties, document)
        )
        return volumes, checksum

    def _cloud_tokens(self) -> list[dict[str, Any]]:
        """Projected service-account tokens for the federations: GCP's provider audience, Entra's exchange."""
        args, sources = self._args, []
        if args.gcp is not None:
            sources.append((args.gcp.audience, GCP_TOKEN_PATH))
        if args.azure is not None and args.azure.client_secret is None:
            sources.append((AZURE_TOKEN_AUDIENCE, AZURE_TOKEN_PATH))
        return [
            {
                "serviceAccountToken": {
                    "audience": audience,
                    "path": token_path(path),
                    "expirationSeconds": TOKEN_LIFETIME_SECONDS,
                }
            }
            for audience, path in sources
        ]

    def _server_env(self, secrets: _Secrets) -> list[dict[str, Any]]:
        """Plain settings, then Secret references; never a secret value."""
        args, variables = self._args, dict[str, pulumi.Input[str]]()
        if args.aws_region is not None:
            variables["AWS_REGION"] = args.aws_region
        if args.gcp is not None:
            variables["GOOGLE_APPLICATION_CREDENTIALS"] = GCP_CREDENTIALS_PATH
        if args.azure is not None:
            variables |= args.azure.environment()
        if args.polaris.remote_debug:  # the UBI run-java script adds -agentlib:jdwp for these
            variables |= {"JAVA_DEBUG": "true", "JAVA_DEBUG_PORT": DEBUG_ADDRESS}
        env = plain_env(variables)
        if secrets.database is not None:
            env += datasource_env(secrets.database)
        else:  # in memory, the server bootstraps the realm itself at startup
            env.append(secret_env("POLARIS_BOOTSTRAP_CREDENTIALS", secrets.root, "credentials"))
        if secrets.azure is not None:
            env.append(secret_env("AZURE_CLIENT_SECRET", secrets.azure, "client-secret"))
        return env

    def _volumes(self, secrets: _Secrets) -> tuple[list[dict[str, Any]], list[dict[str, Any]], pulumi.Output[str]]:
        """The pod's volumes, the server's mounts, and the configuration checksum."""
        volumes, checksum = self._config_maps()
        volumes += [
            {"name": "token-broker", "secret": {"secretName": secrets.token_broker, "defaultMode": 0o440}},
            TMP_VOLUME,
        ]
        mounts: list[dict[str, Any]] = [
            {"name": "config", "mountPath": CONFIG_DIR, "readOnly": True},
            {"name": "token-broker", "mountPath": TOKEN_BROKER_DIR, "readOnly": True},
            TMP_MOUNT,
        ]
        if self._args.gcp is not None:
            mounts.append(
                {
                    "name": "gcp-credentials",
                    "mountPath": str(PurePosixPath(GCP_CREDENTIALS_PATH).parent),
                    "readOnly": True,
                }
            )
        tokens = self._cloud_tokens()
        if tokens:
            volumes.append({"name": "cloud-tokens", "projected": {"sources": tokens}})
            mounts.append({"name": "cloud-tokens", "mountPath": CLOUD_TOKEN_DIR, "readOnly": True})
        return volumes, mounts, checksum

    def _server_container(self, secrets: _Secrets, mounts: list[dict[str, Any]]) -> dict[str, Any]:
        polaris = self._args.polaris
        resources = polaris.resources
        return {
            "name": "polaris",
            "image": pinned(POLARIS_SERVER, polaris.version).reference,
            "imagePullPolicy": "IfNotPresent",
            "ports": [
                {"name": "polaris-http", "containerPort": API_PORT, "protocol": "TCP"},
                {"name": "polaris-mgmt", "containerPort": MANAGEMENT_PORT, "protocol": "TCP"},
            ],
            "env": self._server_env(secrets),
            "volumeMounts": mounts,
            "securityContext": container_security(),
            "resources": {
                "requests": {"cpu": resources.cpu_request, "memory": resources.memory_request},
                "limits": {"cpu": resources.cpu_limit, "memory": resources.memory_limit},
            },
            # Health lives on the management port only. A slow JVM start gets 150 s before liveness counts.
            "startupProbe": health_probe("/q/health/started", periodSeconds=5, failureThreshold=30),
            "livenessProbe": health_probe("/q/health/live"),
            "readinessProbe": health_probe("/q/health/ready"),
        }

    def _deployment(self, secrets: _Secrets, bootstrap: k8s.batch.v1.Job | None) -> k8s.apps.v1.Deployment:
        polaris = self._args.polaris
        volumes, mounts, checksum = self._volumes(secrets)
        pod = {
            "serviceAccountName": self.service_account,
            # IRSA's webhook projects its own token; nothing here calls the Kubernetes API.
            "automountServiceAccountToken": False,
            # Service links would put POLARIS_* variables into Quarkus' configuration.
            "enableServiceLinks": False,
            "securityContext": pod_security(),
            "containers": [self._server_container(secrets, mounts)],
            "volumes": volumes,
            "topologySpreadConstraints": [
                self._spread("topology.kubernetes.io/zone", "DoNotSchedule"),
                self._spread("kubernetes.io/hostname", "ScheduleAnyway"),
            ],
        }
        template = {
            "metadata": {"labels": labels("server", polaris.version), "annotations": {CHECKSUM_ANNOTATION: checksum}},
            "spec": pod,
        }
        return k8s.apps.v1.Deployment(
            f"{self._name}-server",
            metadata=self._metadata("server", name=SERVICE_NAME),
            spec={
                "replicas": polaris.replicas,
                "selector": {"matchLabels": SELECTOR},
                "strategy": rollout_strategy(polaris.persistence, polaris.replicas),
                "template": template,
            },
            opts=pulumi.ResourceOptions.merge(
                self._k8s, pulumi.ResourceOptions(depends_on=[bootstrap] if bootstrap is not None else [])
            ),
        )

    @staticmethod
    def _spread(topology_key: str, when_unsatisfiable: str) -> dict[str, Any]:
        return {
            "maxSkew": 1,
            "topologyKey": topology_key,
            "whenUnsatisfiable": when_unsatisfiable,
            "labelSelector": {"matchLabels": SELECTOR},
            "matchLabelKeys": ["pod-template-hash"],
        }

    def _service(self) -> k8s.core.v1.Service:
        """ClusterIP on 8181, or an NLB terminating TLS on 443 for the allowed CIDRs only."""
        polaris = self._args.polaris
        spec: dict[str, Any]
        annotations: dict[str, pulumi.Input[str]]
        if polaris.exposure is Exposure.INTERNAL:
            spec = {"type": "ClusterIP", "ports": [self._service_port(API_PORT)]}
            annotations = {}
        else:
            certificate = self._args.tls_certificate_arn
            if certificate is None:  # `problems` refused these arguments already
                raise ValueError("a load balancer without a TLS certificate to terminate TLS with")
            spec = {
                "type": "LoadBalancer",
                "ports": [self._service_port(HTTPS_PORT)],
                "loadBalancerSourceRanges": self._source_ranges(),
            }
            prefix = "service.beta.kubernetes.io/aws-load-balancer"
            annotations = {
                f"{prefix}-type": "external",
                f"{prefix}-nlb-target-type": "ip",
                f"{prefix}-scheme": "internet-facing",
                f"{prefix}-ssl-cert": certificate,
                f"{prefix}-ssl-ports": str(HTTPS_PORT),
                f"{prefix}-ssl-negotiation-policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
            }
        return k8s.core.v1.Service(
            f"{self._name}-service",
            metadata=self._metadata("server", name=SERVICE_NAME, annotations=annotations),
            spec={**spec, "selector": SELECTOR},
            opts=self._k8s,
        )

    def _source_ranges(self) -> pulumi.Output[list[str]]:
        """The partners' CIDRs, then the platform's own egress addresses (deployers inside the VPC)."""
        partners = list(self._args.allowed_cidrs)
        return pulumi.Output.from_input(self._args.deployer_cidrs).apply(
            lambda own: list(dict.fromkeys([*partners, *own]))
        )

    @staticmethod
    def _service_port(port: int) -> dict[str, Any]:
        return {"name": "polaris-http", "port": port, "targetPort": "polaris-http", "protocol": "TCP"}

    def _api_url(self, service: k8s.core.v1.Service) -> pulumi.Output[str]:
        if self.load_balancer_hostname is None:  # exposure: internal
            return pulumi.Output.concat(
                "http://", service.metadata.name, ".", self.namespace, ".svc.cluster.local:", str(API_PORT)
            )
        return self.load_balancer_hostname.apply(lambda host: f"https://{host}")

    def _disruption_budget(self) -> None:
        """One pod at a time: drains never take every replica, and a single replica can still be drained."""
        k8s.policy.v1.PodDisruptionBudget(
            f"{self._name}-disruption-budget",
            metadata=self._metadata("server"),
            spec={"maxUnavailable": 1, "selector": {"matchLabels": SELECTOR}},
            opts=self._k8s,
        )

    def _network_policy(self) -> None:
        """Every pod of the namespace (server and bootstrap Job) admits only the API port, from anywhere (the
        load balancer already filters sources). Kubelet probes on 8182 and `kubectl port-forward` (JDWP) are
        not subject to NetworkPolicy. Egress: cluster DNS; HTTPS to the cloud STS, IAM and storage endpoints
        (public addresses, unknown in advance); PostgreSQL; never the node's instance metadata."""
        anywhere = [{"ipBlock": {"cidr": "0.0.0.0/0", "except": [_METADATA_ENDPOINT]}}]
        egress = [
            {
                "to": [
                    {
                        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                        "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                    }
                ],
                "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}],
            },
            {"to": anywhere, "ports": [{"port": HTTPS_PORT, "protocol": "TCP"}]},
        ]
        if self._args.database is not None:
            egress.append({"to": anywhere, "ports": [{"port": POSTGRES_PORT, "protocol": "TCP"}]})
        k8s.networking.v1.NetworkPolicy(
            f"{self._name}-network-policy",
            metadata=self._metadata("server"),
            spec={
                "podSelector": {},
                "policyTypes": ["Ingress", "Egress"],
                "ingress": [{"ports": [{"port": API_PORT, "protocol": "TCP"}]}],
                "egress": egress,
            },
            opts=self._k8s,
        )
