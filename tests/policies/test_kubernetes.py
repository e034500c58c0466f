import copy

import pytest

from policies import kubernetes as k8s
from policies.common import K8S_CONFIG_MAP, K8S_DEPLOYMENT, K8S_HELM_RELEASE, K8S_JOB, K8S_SERVICE
from tests.policies.harness import run

CONTAINER = {
    "name": "polaris",
    "image": "apache/polaris:1.7.0",
    "securityContext": {"runAsNonRoot": True, "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
    "resources": {"limits": {"cpu": "2", "memory": "2Gi"}},
    "livenessProbe": {"httpGet": {"path": "/q/health/live"}},
    "readinessProbe": {"httpGet": {"path": "/q/health/ready"}},
    "env": [
        {"name": "AWS_REGION", "value": "eu-west-1"},
        {"name": "QUARKUS_DATASOURCE_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
        {"name": "GOOGLE_APPLICATION_CREDENTIALS", "value": "/etc/polaris/gcp/credentials.json"},
    ],
}


def workload(replicas=3, **changes):
    container = copy.deepcopy(CONTAINER) | changes
    return {"spec": {"replicas": replicas, "template": {"spec": {"containers": [container]}}}}


@pytest.mark.parametrize(
    "image, expected",
    [
        ("apache/polaris:1.7.0", None),
        ("registry.example.com:5000/apache/polaris:1.7.0", None),
        ("apache/polaris@sha256:" + "a" * 64, None),
        ("apache/polaris", "image apache/polaris has no tag"),
        ("registry.example.com:5000/apache/polaris", "image registry.example.com:5000/apache/polaris has no tag"),
        ("apache/polaris:latest", "image apache/polaris:latest uses the moving tag latest"),
    ],
)
def test_image_problem(image, expected):
    assert k8s.image_problem(image) == expected


@pytest.mark.parametrize("type_", [K8S_DEPLOYMENT, K8S_JOB])
def test_image_pinned(type_):
    assert run(k8s.image_pinned, type_, workload()) == []
    assert run(k8s.image_pinned, type_, workload(image="apache/polaris:latest")) == [
        "container polaris: image apache/polaris:latest uses the moving tag latest"
    ]


def test_image_pinned_covers_init_containers():
    props = workload()
    props["spec"]["template"]["spec"]["initContainers"] = [{"name": "wait", "image": "busybox"}]
    assert run(k8s.image_pinned, K8S_DEPLOYMENT, props) == ["container wait: image busybox has no tag"]


DIGEST = "sha256:" + "b" * 64
PROD = {"production": True}


@pytest.mark.parametrize("type_", [K8S_DEPLOYMENT, K8S_JOB])
def test_production_workloads_run_images_pinned_by_digest(type_):
    assert run(k8s.image_digest, type_, workload(image=f"apache/polaris:1.7.0@{DIGEST}"), PROD) == []
    assert run(k8s.image_digest, type_, workload(image=f"apache/polaris@{DIGEST}"), PROD) == []
    assert run(k8s.image_digest, type_, workload(), PROD) == [
        "container polaris: image apache/polaris:1.7.0 is not pinned by digest (@sha256:...)"
    ]


@pytest.mark.parametrize(
    "image",
    ["apache/polaris:1.7.0@sha256:" + "b" * 63, "apache/polaris:1.7.0@sha256:" + "B" * 64, "apache/polaris@sha1:ab"],
)
def test_a_malformed_digest_does_not_pin(image):
    assert run(k8s.image_digest, K8S_DEPLOYMENT, workload(image=image), PROD) != []


def test_init_containers_are_pinned_by_digest_too():
    props = workload(image=f"apache/polaris:1.7.0@{DIGEST}")
    props["spec"]["template"]["spec"]["initContainers"] = [{"name": "wait", "image": "busybox:1.37"}]
    assert run(k8s.image_digest, K8S_DEPLOYMENT, props, PROD) == [
        "container wait: image busybox:1.37 is not pinned by digest (@sha256:...)"
    ]


def test_digests_are_required_in_production_only():
    assert run(k8s.image_digest, K8S_DEPLOYMENT, workload()) == []
    assert run(k8s.image_digest, K8S_DEPLOYMENT, workload(), {"production": False}) == []


def release(image=None, **values):
    return {"chart": "aws-load-balancer-controller", "values": {**values, **({"image": image} if image else {})}}


REPOSITORY = "public.ecr.aws/eks/aws-load-balancer-controller"


@pytest.mark.parametrize(
    "image, expected",
    [
        ({"repository": REPOSITORY, "tag": f"v3.5.0@{DIGEST}"}, []),
        ({"repository": REPOSITORY, "tag": "v3.5.0", "digest": DIGEST}, []),
        (
            {"repository": REPOSITORY, "tag": "v3.5.0"},
            [f"values.image {REPOSITORY}:v3.5.0 is not pinned by digest (tag@sha256:... or image.digest)"],
        ),
        (
            {"repository": REPOSITORY, "tag": "v3.5.0", "digest": "sha256:short"},
            [f"values.image {REPOSITORY}:v3.5.0 is not pinned by digest (tag@sha256:... or image.digest)"],
        ),
        (None, []),  # the chart's own default image is out of the policy's sight (docs/policies.md)
    ],
)
def test_production_helm_releases_pin_their_image_by_digest(image, expected):
    assert run(k8s.image_digest, K8S_HELM_RELEASE, release(image, clusterName="c"), PROD) == expected


def test_a_release_is_judged_on_its_image_alone_while_other_values_are_unknown():
    """Only values.image is read: a vpcId unknown during preview does not keep the rule from running."""
    from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

    props = release({"repository": REPOSITORY, "tag": "v3.5.0"}, vpcId=UNKNOWN_STRING_VALUE)
    assert run(k8s.image_digest, K8S_HELM_RELEASE, props, PROD) == [
        f"values.image {REPOSITORY}:v3.5.0 is not pinned by digest (tag@sha256:... or image.digest)"
    ]


@pytest.mark.parametrize(
    "context, pod_context, expected",
    [
        (CONTAINER["securityContext"], None, []),
        ({"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}, {"runAsNonRoot": True}, []),
        (
            {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
            None,
            ["container polaris: runAsNonRoot is not true"],
        ),
        (
            {"runAsNonRoot": True, "capabilities": {"drop": ["ALL"]}},
            None,
            ["container polaris: allowPrivilegeEscalation is not false"],
        ),
        (
            {"runAsNonRoot": True, "allowPrivilegeEscalation": False, "capabilities": {"drop": ["NET_RAW"]}},
            None,
            ["container polaris: capabilities do not drop ALL"],
        ),
    ],
)
def test_container_hardened(context, pod_context, expected):
    props = workload(securityContext=context)
    if pod_context:
        props["spec"]["template"]["spec"]["securityContext"] = pod_context
    assert run(k8s.container_hardened, K8S_JOB, props) == expected


@pytest.mark.parametrize(
    "resources, expected",
    [
        ({"limits": {"cpu": "1", "memory": "1Gi"}}, []),
        ({"limits": {"memory": "1Gi"}}, ["container polaris: no cpu limit"]),
        ({"requests": {"cpu": "1"}}, ["container polaris: no cpu or memory limit"]),
    ],
)
def test_resource_limits(resources, expected):
    assert run(k8s.resource_limits, K8S_DEPLOYMENT, workload(resources=resources)) == expected


def test_probes_on_deployments_only():
    props = workload(readinessProbe=None)
    assert run(k8s.probes, K8S_DEPLOYMENT, workload()) == []
    assert run(k8s.probes, K8S_DEPLOYMENT, props) == ["container polaris: no readinessProbe"]
    assert run(k8s.probes, K8S_JOB, props) == []


@pytest.mark.parametrize(
    "entry, expected",
    [
        ({"name": "POLARIS_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}, []),
        ({"name": "AZURE_FEDERATED_TOKEN_FILE", "value": "/var/run/secrets/token"}, []),
        (
            {"name": "QUARKUS_DATASOURCE_PASSWORD", "value": "hunter2"},
            ["env QUARKUS_DATASOURCE_PASSWORD holds a literal value; use valueFrom.secretKeyRef"],
        ),
        (
            {"name": "quarkus.datasource.password", "value": "hunter2"},
            ["env quarkus.datasource.password holds a literal value; use valueFrom.secretKeyRef"],
        ),
        (
            {"name": "AWS_SECRET_ACCESS_KEY", "value": "abc"},
            ["env AWS_SECRET_ACCESS_KEY holds a literal value; use valueFrom.secretKeyRef"],
        ),
        (
            {"name": "ROOT_CREDENTIALS", "value": "POLARIS,root,s3cr3t"},
            ["env ROOT_CREDENTIALS holds a literal value; use valueFrom.secretKeyRef"],
        ),
        ({"name": "API_TOKEN", "value": "t"}, ["env API_TOKEN holds a literal value; use valueFrom.secretKeyRef"]),
    ],
)
def test_no_literal_secrets(entry, expected):
    props = workload(env=[entry])
    assert run(k8s.no_literal_secrets, K8S_DEPLOYMENT, props) == expected


def test_no_literal_secrets_patterns_are_configurable():
    props = workload(env=[{"name": "SIGNING_SALT", "value": "x"}])
    assert run(k8s.no_literal_secrets, K8S_JOB, props) == []
    assert run(k8s.no_literal_secrets, K8S_JOB, props, {"secretNamePatterns": ["SALT"]}) == [
        "env SIGNING_SALT holds a literal value; use valueFrom.secretKeyRef"
    ]


def config_map(*lines: str) -> dict:
    return {"data": {"application.properties": "\n".join(lines) + "\n"}}


SAFE_PROPERTIES = (
    "# comment",
    "polaris.persistence.type=relational-jdbc",
    'polaris.features."SUPPORTED_CATALOG_STORAGE_TYPES"=["S3","GCS","AZURE"]',
)


@pytest.mark.parametrize(
    "line, expected",
    [
        ('polaris.features."ALLOW_INSECURE_STORAGE_TYPES"=false', []),
        (
            'polaris.features."ALLOW_INSECURE_STORAGE_TYPES"=true',
            ['polaris.features."ALLOW_INSECURE_STORAGE_TYPES" enables an insecure Polaris feature'],
        ),
        (
            'polaris.features."SKIP_CREDENTIAL_SUBSCOPING_INDIRECTION" = TRUE',
            ['polaris.features."SKIP_CREDENTIAL_SUBSCOPING_INDIRECTION" enables an insecure Polaris feature'],
        ),
        (
            'polaris.features.realm-overrides."POLARIS"."ALLOW_INSECURE_STORAGE_TYPES"=true',
            [
                'polaris.features.realm-overrides."POLARIS"."ALLOW_INSECURE_STORAGE_TYPES" enables an insecure Polaris '
                "feature"
            ],
        ),
        (
            'polaris.features."SUPPORTED_CATALOG_STORAGE_TYPES"=["S3","FILE"]',
            [
                'polaris.features."SUPPORTED_CATALOG_STORAGE_TYPES" allows FILE storage: catalogs could read and write the '
                "server's disk"
            ],
        ),
    ],
)
def test_insecure_features_in_properties(line, expected):
    assert run(k8s.insecure_features, K8S_CONFIG_MAP, config_map(*SAFE_PROPERTIES, line)) == expected


@pytest.mark.parametrize(
    "name, value, expected",
    [
        (
            "POLARIS_FEATURES_ALLOW_INSECURE_STORAGE_TYPES",
            "true",
            ["POLARIS_FEATURES_ALLOW_INSECURE_STORAGE_TYPES enables an insecure Polaris feature"],
        ),
        (
            'polaris.features."SKIP_CREDENTIAL_SUBSCOPING_INDIRECTION"',
            "true",
            ['polaris.features."SKIP_CREDENTIAL_SUBSCOPING_INDIRECTION" enables an insecure Polaris feature'],
        ),
        (
            "POLARIS_FEATURES__SUPPORTED_CATALOG_STORAGE_TYPES_",
            "S3,FILE",
            [
                "POLARIS_FEATURES__SUPPORTED_CATALOG_STORAGE_TYPES_ allows FILE storage: catalogs could read and write the "
                "server's disk"
            ],
        ),
        ("ALLOW_INSECURE_STORAGE_TYPES", "true", []),  # not a Polaris feature setting
    ],
)
@pytest.mark.parametrize("type_", [K8S_DEPLOYMENT, K8S_JOB])
def test_insecure_features_in_env(type_, name, value, expected):
    assert run(k8s.insecure_features, type_, workload(env=[{"name": name, "value": value}])) == expected


@pytest.mark.parametrize(
    "type_, props, production, expected",
    [
        (K8S_CONFIG_MAP, config_map(*SAFE_PROPERTIES), True, []),
        (K8S_CONFIG_MAP, config_map("polaris.persistence.type=in-memory"), False, []),
        (
            K8S_CONFIG_MAP,
            config_map("polaris.persistence.type=in-memory"),
            True,
            ["polaris.persistence.type is in-memory, not relational-jdbc"],
        ),
        (
            K8S_CONFIG_MAP,
            config_map("polaris.realm-context.realms=POLARIS"),
            True,
            ["polaris.persistence.type is in-memory (the default), not relational-jdbc"],
        ),
        (K8S_CONFIG_MAP, {"data": {"credentials.json": "{}"}}, True, []),
        (K8S_DEPLOYMENT, workload(env=[{"name": "POLARIS_PERSISTENCE_TYPE", "value": "relational-jdbc"}]), True, []),
        (
            K8S_DEPLOYMENT,
            workload(env=[{"name": "POLARIS_PERSISTENCE_TYPE", "value": "in-memory"}]),
            True,
            ["env POLARIS_PERSISTENCE_TYPE sets persistence to in-memory, not relational-jdbc"],
        ),
    ],
)
def test_production_persistence(type_, props, production, expected):
    assert run(k8s.production_persistence, type_, props, {"production": production}) == expected


@pytest.mark.parametrize(
    "props, production, expected",
    [
        (workload(replicas=2), True, []),
        (workload(replicas=1), False, []),
        (workload(replicas=1, image="nginx:1.27"), True, []),
        (workload(replicas=1), True, ["runs 1 replica of the Polaris server in production"]),
        (
            {"spec": {"template": {"spec": {"containers": [CONTAINER]}}}},
            True,
            ["runs 1 replica of the Polaris server in production"],
        ),  # Kubernetes default: one
    ],
)
def test_production_replicas(props, production, expected):
    assert run(k8s.production_replicas, K8S_DEPLOYMENT, props, {"production": production}) == expected


def service(type_, ranges=None):
    spec = {"type": type_, "ports": [{"port": 443}]}
    if ranges is not None:
        spec["loadBalancerSourceRanges"] = ranges
    return {"spec": spec}


@pytest.mark.parametrize(
    "props, production, expected",
    [
        (service("LoadBalancer", ["198.51.100.0/24"]), True, []),
        (service("ClusterIP"), True, []),
        (service("LoadBalancer"), False, []),
        (
            service("LoadBalancer"),
            True,
            ["the load balancer has no loadBalancerSourceRanges: it admits the whole internet"],
        ),
        (service("LoadBalancer", ["0.0.0.0/0"]), True, ["loadBalancerSourceRanges 0.0.0.0/0 admit the whole internet"]),
        (
            service("LoadBalancer", ["0.0.0.0/1", "128.0.0.0/1"]),
            True,
            ["loadBalancerSourceRanges 0.0.0.0/1 + 128.0.0.0/1 admit the whole internet"],
        ),
        (service("LoadBalancer", ["0.0.0.0/1", "128.0.0.0/2"]), True, []),
    ],
)
def test_load_balancer_source_ranges(props, production, expected):
    assert run(k8s.load_balancer_restricted, K8S_SERVICE, props, {"production": production}) == expected
