"""Drives the Polaris test server over HTTP, with plain `requests` and with the official SDK client."""

from __future__ import annotations

import dataclasses
import time

import pytest
import requests
from apache_polaris.sdk.management import ApiClient, Configuration, PolarisDefaultApi, models
from apache_polaris.sdk.management.exceptions import ApiException
from pyiceberg.catalog.rest import RestCatalog
from pyiceberg.exceptions import OAuthError

from tests.fakes.polaris.features import Features
from tests.fakes.polaris.routing import Reply
from tests.fakes.polaris_server import PolarisTestServer, SpecViolationError

ROLE_ARN = "arn:aws:iam::123456789012:role/polaris-catalog"


def catalog_body(name: str, base: str, storage: dict) -> dict:
    properties = {"default-base-location": base}
    return {"type": "INTERNAL", "name": name, "properties": properties, "storageConfigInfo": storage}


def s3_catalog(name: str = "lake", base: str | None = None, **storage) -> dict:
    base = base or f"s3://bucket/{name}"
    info = {"storageType": "S3", "roleArn": ROLE_ARN, "allowedLocations": [base], **storage}
    return catalog_body(name, base, info)


class Client:
    """A root (or other principal's) session against one server, with a 5 s timeout on every call."""

    def __init__(self, server: PolarisTestServer, token: str):
        self.server = server
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def mgmt(self, method: str, path: str, **kwargs) -> requests.Response:
        return self.session.request(method, self.server.management_url + path, timeout=5, **kwargs)

    def cat(self, method: str, path: str, **kwargs) -> requests.Response:
        return self.session.request(method, self.server.catalog_url + path, timeout=5, **kwargs)

    def create_catalog(self, **kwargs) -> dict:
        response = self.mgmt("POST", "/catalogs", json={"catalog": s3_catalog(**kwargs)})
        assert response.status_code == 201, response.text
        return response.json()


@pytest.fixture
def server():
    with PolarisTestServer() as running:
        yield running


@pytest.fixture
def lenient_server():
    with PolarisTestServer(allow_invalid_requests=True) as running:
        yield running


@pytest.fixture
def root(server) -> Client:
    return Client(server, server.token())


def token_request(server: PolarisTestServer, **form) -> requests.Response:
    return requests.post(server.catalog_url + "/v1/oauth/tokens", data=form, timeout=5)


def credentials_form(client_id: str, secret: str, scope: str = "PRINCIPAL_ROLE:ALL") -> dict:
    return {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret, "scope": scope}


def error_type(response: requests.Response) -> str:
    return response.json()["error"]["type"]


def new_principal(root: Client, name: str = "alice") -> tuple[str, str]:
    response = root.mgmt("POST", "/principals", json={"principal": {"name": name}})
    assert response.status_code == 201, response.text
    creds = response.json()["credentials"]
    return creds["clientId"], creds["clientSecret"]


# ---- tokens -----------------------------------------------------------------------------------------------
def test_client_credentials_in_the_form_yield_a_bearer_token_that_opens_the_management_api(server):
    response = token_request(server, **credentials_form(server.root_client_id, server.root_client_secret))
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["issued_token_type"] == "urn:ietf:params:oauth:token-type:access_token"
    assert body["expires_in"] == 3600
    listed = Client(server, body["access_token"]).mgmt("GET", "/catalogs")
    assert listed.status_code == 200 and listed.json() == {"catalogs": []}


def test_client_credentials_in_a_basic_header_are_accepted(server):
    response = requests.post(
        server.catalog_url + "/v1/oauth/tokens",
        data={"grant_type": "client_credentials", "scope": "PRINCIPAL_ROLE:service_admin"},
        auth=(server.root_client_id, server.root_client_secret),
        timeout=5,
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("scope", [None, "", "catalog", "PRINCIPAL_ROLE:", "PRINCIPAL_ROLE:a sql"])
def test_a_missing_or_malformed_scope_is_invalid_scope(server, scope):
    form = credentials_form(server.root_client_id, server.root_client_secret, scope)
    response = token_request(server, **{k: v for k, v in form.items() if v is not None})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_a_wrong_secret_is_unauthorized_client(server):
    response = token_request(server, **credentials_form(server.root_client_id, "wrong"))
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized_client"


def test_token_exchange_is_not_supported_by_this_fake(server):
    form = {
        "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
        "subject_token": server.token(),
        "subject_token_type": "urn:ietf:params:oauth:token-type:access_token",
    }
    response = token_request(server, **form)
    assert response.status_code == 400 and response.json()["error"] == "unsupported_grant_type"


@pytest.mark.parametrize("header", [None, "Bearer not-a-token", "Basic cm9vdDpzZWNyZXQ="])
def test_management_calls_without_a_valid_bearer_token_are_401(server, header):
    headers = {"Authorization": header} if header else {}
    response = requests.get(server.management_url + "/catalogs", headers=headers, timeout=5)
    assert response.status_code == 401
    assert error_type(response) == "NotAuthorizedException"


def test_expire_tokens_invalidates_every_token_issued_so_far(server, root):
    assert root.mgmt("GET", "/catalogs").status_code == 200
    server.expire_tokens()
    assert root.mgmt("GET", "/catalogs").status_code == 401
    assert Client(server, server.token()).mgmt("GET", "/catalogs").status_code == 200


def test_token_lifetime_is_under_test_control(server):
    server.broker.lifetime_seconds = 0
    response = token_request(server, **credentials_form(server.root_client_id, server.root_client_secret))
    assert response.json()["expires_in"] == 0
    assert Client(server, response.json()["access_token"]).mgmt("GET", "/catalogs").status_code == 401


def test_a_token_scoped_to_a_role_the_principal_lacks_is_issued_but_rejected_on_use(server):
    form = credentials_form(server.root_client_id, server.root_client_secret, "PRINCIPAL_ROLE:data_engineer")
    response = token_request(server, **form)
    assert response.status_code == 200
    assert Client(server, response.json()["access_token"]).mgmt("GET", "/catalogs").status_code == 401


def test_a_principal_without_service_admin_is_forbidden_but_may_rotate_its_own_credentials(server, root):
    client_id, secret = new_principal(root)
    token = token_request(server, **credentials_form(client_id, secret)).json()["access_token"]
    alice = Client(server, token)
    assert alice.mgmt("GET", "/catalogs").status_code == 403
    assert alice.mgmt("POST", "/principals/root/rotate").status_code == 403
    assert alice.mgmt("POST", "/principals/alice/rotate").status_code == 200


def test_a_missing_entity_is_404_even_for_a_caller_who_could_not_read_it(server, root):
    new_principal(root)
    alice = Client(server, server.token("alice"))
    assert alice.mgmt("GET", "/catalogs/nope").status_code == 404
    assert alice.mgmt("GET", "/principals/root").status_code == 403


def test_after_rotate_the_previous_secret_works_until_the_next_rotate(server, root):
    client_id, first = new_principal(root)
    second = root.mgmt("POST", "/principals/alice/rotate").json()["credentials"]["clientSecret"]
    assert token_request(server, **credentials_form(client_id, first)).status_code == 200
    assert token_request(server, **credentials_form(client_id, second)).status_code == 200
    root.mgmt("POST", "/principals/alice/rotate")
    assert token_request(server, **credentials_form(client_id, first)).status_code == 401
    assert token_request(server, **credentials_form(client_id, second)).status_code == 200


def test_reset_replaces_both_secrets_at_once_and_accepts_a_chosen_secret(server, root):
    client_id, first = new_principal(root)
    second = root.mgmt("POST", "/principals/alice/rotate").json()["credentials"]["clientSecret"]
    reset = root.mgmt("POST", "/principals/alice/reset", json={"clientSecret": "chosen-secret"})
    assert reset.status_code == 200
    assert reset.json()["credentials"] == {"clientId": client_id, "clientSecret": "chosen-secret"}
    for old in (first, second):
        assert token_request(server, **credentials_form(client_id, old)).status_code == 401
    assert token_request(server, **credentials_form(client_id, "chosen-secret")).status_code == 200


def test_reset_to_a_client_id_of_another_principal_is_409(server, root):
    new_principal(root)
    response = root.mgmt("POST", "/principals/alice/reset", json={"clientId": server.root_client_id})
    assert response.status_code == 409


def test_root_credentials_are_configurable(root):
    with PolarisTestServer(root_client_id="boot-id", root_client_secret="boot-secret") as other:
        assert token_request(other, **credentials_form("boot-id", "boot-secret")).status_code == 200


@pytest.mark.parametrize("realm, status", [("POLARIS", 200), ("OTHER", 404)])
def test_the_realm_header_must_name_the_server_realm(root, realm, status):
    assert root.mgmt("GET", "/catalogs", headers={"Polaris-Realm": realm}).status_code == status


# ---- catalogs ---------------------------------------------------------------------------------------------
def test_create_catalog_returns_201_version_1_and_a_catalog_admin_role_held_by_service_admin(root):
    created = root.create_catalog()
    assert created["entityVersion"] == 1 and created["type"] == "INTERNAL"
    assert root.mgmt("GET", "/catalogs/lake").json() == created
    assert [c["name"] for c in root.mgmt("GET", "/catalogs").json()["catalogs"]] == ["lake"]
    roles = root.mgmt("GET", "/catalogs/lake/catalog-roles").json()["roles"]
    assert [r["name"] for r in roles] == ["catalog_admin"]
    assignees = root.mgmt("GET", "/catalogs/lake/catalog-roles/catalog_admin/principal-roles").json()["roles"]
    assert [r["name"] for r in assignees] == ["service_admin"]
    grants = root.mgmt("GET", "/catalogs/lake/catalog-roles/catalog_admin/grants").json()["grants"]
    assert {g["privilege"] for g in grants} == {"CATALOG_MANAGE_ACCESS", "CATALOG_MANAGE_METADATA"}


def test_create_catalog_twice_is_409_and_a_missing_catalog_is_404(root):
    root.create_catalog()
    duplicate = root.mgmt("POST", "/catalogs", json={"catalog": s3_catalog(base="s3://other/lake")})
    assert duplicate.status_code == 409 and error_type(duplicate) == "AlreadyExistsException"
    assert root.mgmt("GET", "/catalogs/nope").status_code == 404


def test_an_empty_allowed_list_becomes_the_default_base_location(root):
    created = root.create_catalog(allowedLocations=[])
    assert created["storageConfigInfo"]["allowedLocations"] == ["s3://bucket/lake"]


def test_update_catalog_replaces_properties_but_keeps_the_base_location_and_bumps_the_version(root):
    root.create_catalog()
    first = root.mgmt("PUT", "/catalogs/lake", json={"currentEntityVersion": 1, "properties": {"a": "1", "b": "2"}})
    assert first.status_code == 200 and first.json()["entityVersion"] == 2
    second = root.mgmt("PUT", "/catalogs/lake", json={"currentEntityVersion": 2, "properties": {"b": "3"}})
    assert second.json()["properties"] == {"b": "3", "default-base-location": "s3://bucket/lake"}
    assert second.json()["entityVersion"] == 3


def test_update_catalog_with_a_stale_version_is_409_commit_conflict(root):
    root.create_catalog()
    root.mgmt("PUT", "/catalogs/lake", json={"currentEntityVersion": 1, "properties": {}})
    stale = root.mgmt("PUT", "/catalogs/lake", json={"currentEntityVersion": 1, "properties": {}})
    assert stale.status_code == 409 and error_type(stale) == "CommitConflictException"


def test_update_catalog_replaces_the_whole_storage_config(root):
    root.create_catalog(region="eu-west-1", externalId="ext")
    storage = {
        "storageType": "S3",
        "roleArn": ROLE_ARN.replace("polaris-catalog", "other"),
        "externalId": "ext",
        "allowedLocations": ["s3://bucket/lake"],
    }
    updated = root.mgmt("PUT", "/catalogs/lake", json={"currentEntityVersion": 1, "storageConfigInfo": storage})
    assert updated.status_code == 200, updated.text
    assert updated.json()["storageConfigInfo"] == {**storage, "allowedKmsKeys": [], "pathStyleAccess": False}


@pytest.mark.parametrize(
    "change, message",
    [
        ({"storageType": "GCS", "allowedLocations": ["gs://bucket/lake"]}, "storage type"),
        ({"roleArn": "arn:aws:iam::999999999999:role/polaris-catalog"}, "AWS account"),
        ({"externalId": "other"}, "ExternalId"),
    ],
)
def test_update_catalog_may_not_change_storage_type_aws_account_or_external_id(root, change, message):
    created = root.create_catalog(externalId="ext")
    storage = {**created["storageConfigInfo"], **change}
    response = root.mgmt("PUT", "/catalogs/lake", json={"currentEntityVersion": 1, "storageConfigInfo": storage})
    assert response.status_code == 400 and message in response.json()["error"]["message"]


def test_update_catalog_may_not_change_the_azure_tenant(root):
    base = "abfss://data@account.dfs.core.windows.net/lake"
    storage = {"storageType": "AZURE", "tenantId": "t1", "allowedLocations": [base]}
    catalog = catalog_body("az", base, storage)
    assert root.mgmt("POST", "/catalogs", json={"catalog": catalog}).status_code == 201
    changed = {**storage, "tenantId": "t2"}
    response = root.mgmt("PUT", "/catalogs/az", json={"currentEntityVersion": 1, "storageConfigInfo": changed})
    assert response.status_code == 400 and "TenantId" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "base, storage, message",
    [
        ("gs://bucket/lake", {"storageType": "S3", "roleArn": ROLE_ARN}, "prefix"),
        ("s3://bucket/lake", {"storageType": "S3", "roleArn": "not-an-arn"}, "ARN"),
        ("s3://bucket/elsewhere", {"storageType": "S3", "allowedLocations": ["s3://bucket/lake"]}, "allowed locations"),
        ("abfss://account.dfs.core.windows.net/lake", {"storageType": "AZURE", "tenantId": "t"}, "azure"),
        ("file:///tmp/lake", {"storageType": "FILE"}, "Unsupported storage type"),
    ],
)
def test_create_catalog_validates_storage_like_polaris_1_7(root, base, storage, message):
    catalog = catalog_body("bad", base, storage)
    response = root.mgmt("POST", "/catalogs", json={"catalog": catalog})
    assert response.status_code == 400, response.text
    assert message in response.json()["error"]["message"]


def test_file_storage_is_accepted_when_the_feature_lists_it():
    with PolarisTestServer(features=Features(supported_storage_types=("FILE",))) as server:
        catalog = catalog_body("local", "file:///tmp/x", {"storageType": "FILE"})
        assert Client(server, server.token()).mgmt("POST", "/catalogs", json={"catalog": catalog}).status_code == 201


def test_locations_overlapping_another_catalog_are_400_unless_allowed(root):
    root.create_catalog(name="lake", base="s3://bucket/lake")
    nested = root.mgmt("POST", "/catalogs", json={"catalog": s3_catalog(name="inner", base="s3://bucket/lake/inner")})
    assert nested.status_code == 400 and error_type(nested) == "ValidationException"
    assert root.create_catalog(name="sibling", base="s3://bucket/lakehouse")["name"] == "sibling"


def test_reserved_property_prefix_is_rejected_except_catalog_config_overrides(root):
    catalog = s3_catalog()
    catalog["properties"]["polaris.config.drop-with-purge.enabled"] = "true"
    assert root.mgmt("POST", "/catalogs", json={"catalog": catalog}).status_code == 201
    bad = root.mgmt("POST", "/principals", json={"principal": {"name": "p", "properties": {"polaris.x": "1"}}})
    assert bad.status_code == 400 and "reserved prefix" in bad.json()["error"]["message"]


def test_a_catalog_with_namespaces_or_user_catalog_roles_cannot_be_dropped(root):
    root.create_catalog()
    root.cat("POST", "/v1/lake/namespaces", json={"namespace": ["db"]})
    root.mgmt("POST", "/catalogs/lake/catalog-roles", json={"catalogRole": {"name": "reader"}})
    assert "not empty" in root.mgmt("DELETE", "/catalogs/lake").json()["error"]["message"]
    root.cat("DELETE", "/v1/lake/namespaces/db")
    assert root.mgmt("DELETE", "/catalogs/lake").status_code == 400
    root.mgmt("DELETE", "/catalogs/lake/catalog-roles/reader")
    assert root.mgmt("DELETE", "/catalogs/lake").status_code == 204
    assert root.mgmt("GET", "/catalogs/lake").status_code == 404
    assert root.mgmt("GET", "/principal-roles/service_admin/catalog-roles/lake").status_code == 404


# ---- principals, roles, assignments -----------------------------------------------------------------------
def test_create_principal_returns_generated_credentials_once(root):
    response = root.mgmt("POST", "/principals", json={"principal": {"name": "alice", "clientId": "mine"}})
    assert response.status_code == 201
    principal, creds = response.json()["principal"], response.json()["credentials"]
    assert creds["clientId"] != "mine" and principal["clientId"] == creds["clientId"] and creds["clientSecret"]
    fetched = root.mgmt("GET", "/principals/alice").json()
    assert "clientSecret" not in str(fetched) and fetched["entityVersion"] == 1
    assert root.mgmt("POST", "/principals", json={"principal": {"name": "alice"}}).status_code == 409
    assert sorted(p["name"] for p in root.mgmt("GET", "/principals").json()["principals"]) == ["alice", "root"]


@pytest.mark.parametrize(
    "create_path, body, path",
    [
        ("/principals", {"principal": {"name": "alice", "properties": {"a": "1"}}}, "/principals/alice"),
        ("/principal-roles", {"principalRole": {"name": "eng", "properties": {"a": "1"}}}, "/principal-roles/eng"),
        (
            "/catalogs/lake/catalog-roles",
            {"catalogRole": {"name": "r", "properties": {"a": "1"}}},
            "/catalogs/lake/catalog-roles/r",
        ),
    ],
)
def test_principal_and_role_updates_replace_properties_and_check_the_version(root, create_path, body, path):
    root.create_catalog()
    assert root.mgmt("POST", create_path, json=body).status_code == 201
    updated = root.mgmt("PUT", path, json={"currentEntityVersion": 1, "properties": {"b": "2"}})
    assert updated.status_code == 200
    assert updated.json()["properties"] == {"b": "2"} and updated.json()["entityVersion"] == 2
    assert root.mgmt("PUT", path, json={"currentEntityVersion": 1, "properties": {}}).status_code == 409
    assert root.mgmt("DELETE", path).status_code == 204
    assert root.mgmt("GET", path).status_code == 404


@pytest.mark.parametrize(
    "path", ["/principals/root", "/principal-roles/service_admin", "/catalogs/lake/catalog-roles/catalog_admin"]
)
def test_bootstrap_entities_cannot_be_dropped(root, path):
    root.create_catalog()
    response = root.mgmt("DELETE", path)
    assert response.status_code == 400 and "cannot be dropped" in response.json()["error"]["message"]


def test_principal_roles_are_assigned_listed_both_ways_and_revoked(root):
    new_principal(root)
    root.mgmt("POST", "/principal-roles", json={"principalRole": {"name": "eng"}})
    assign = root.mgmt("PUT", "/principals/alice/principal-roles", json={"principalRole": {"name": "eng"}})
    assert assign.status_code == 201
    assert [r["name"] for r in root.mgmt("GET", "/principals/alice/principal-roles").json()["roles"]] == ["eng"]
    assert [p["name"] for p in root.mgmt("GET", "/principal-roles/eng/principals").json()["principals"]] == ["alice"]
    assert root.mgmt("DELETE", "/principals/alice/principal-roles/eng").status_code == 204
    again = root.mgmt("DELETE", "/principals/alice/principal-roles/eng")
    assert again.status_code == 400 and error_type(again) == "GRANT_NOT_FOUND"
    missing = root.mgmt("PUT", "/principals/alice/principal-roles", json={"principalRole": {"name": "nope"}})
    assert missing.status_code == 404


def test_catalog_roles_are_assigned_to_principal_roles_listed_both_ways_and_revoked(root):
    root.create_catalog()
    root.mgmt("POST", "/principal-roles", json={"principalRole": {"name": "eng"}})
    root.mgmt("POST", "/catalogs/lake/catalog-roles", json={"catalogRole": {"name": "reader"}})
    assign = root.mgmt("PUT", "/principal-roles/eng/catalog-roles/lake", json={"catalogRole": {"name": "reader"}})
    assert assign.status_code == 201
    granted = root.mgmt("GET", "/principal-roles/eng/catalog-roles/lake").json()["roles"]
    assert [r["name"] for r in granted] == ["reader"]
    holders = root.mgmt("GET", "/catalogs/lake/catalog-roles/reader/principal-roles").json()["roles"]
    assert [r["name"] for r in holders] == ["eng"]
    assert root.mgmt("DELETE", "/principal-roles/eng/catalog-roles/lake/reader").status_code == 204
    assert error_type(root.mgmt("DELETE", "/principal-roles/eng/catalog-roles/lake/reader")) == "GRANT_NOT_FOUND"
    assert root.mgmt("POST", "/catalogs/nope/catalog-roles", json={"catalogRole": {"name": "r"}}).status_code == 404


# ---- grants -----------------------------------------------------------------------------------------------
GRANTS = "/catalogs/lake/catalog-roles/reader/grants"


@pytest.fixture
def reader(root) -> Client:
    root.create_catalog()
    root.mgmt("POST", "/catalogs/lake/catalog-roles", json={"catalogRole": {"name": "reader"}})
    root.cat("POST", "/v1/lake/namespaces", json={"namespace": ["db"]})
    return root


def test_grants_are_added_idempotently_listed_grouped_and_revoked_once(reader):
    namespace_grant = {"type": "namespace", "namespace": ["db"], "privilege": "NAMESPACE_LIST"}
    catalog_grant = {"type": "catalog", "privilege": "TABLE_READ_DATA"}
    for grant in (namespace_grant, catalog_grant, namespace_grant):
        assert reader.mgmt("PUT", GRANTS, json={"grant": grant}).status_code == 201
    assert reader.mgmt("GET", GRANTS).json() == {"grants": [catalog_grant, namespace_grant]}
    assert reader.mgmt("POST", GRANTS, json={"grant": catalog_grant}).status_code == 201
    again = reader.mgmt("POST", GRANTS, json={"grant": catalog_grant})
    assert again.status_code == 400 and error_type(again) == "GRANT_NOT_FOUND"


def test_cascading_revoke_is_not_implemented(reader):
    grant = {"type": "catalog", "privilege": "TABLE_READ_DATA"}
    assert reader.mgmt("POST", GRANTS, params={"cascade": "true"}, json={"grant": grant}).status_code == 501


@pytest.mark.parametrize(
    "grant",
    [
        {"type": "namespace", "namespace": ["nope"], "privilege": "NAMESPACE_LIST"},
        {"type": "table", "namespace": ["db"], "tableName": "t", "privilege": "TABLE_READ_DATA"},
        {"type": "view", "namespace": ["db"], "viewName": "v", "privilege": "VIEW_LIST"},
    ],
)
def test_grant_targets_must_exist(reader, grant):
    assert reader.mgmt("PUT", GRANTS, json={"grant": grant}).status_code == 404


def test_a_table_grant_works_once_the_table_exists_and_needs_a_namespace(reader, server):
    server.store.add_table("lake", ("db",), "t", {})
    grant = {"type": "table", "namespace": ["db"], "tableName": "t", "privilege": "TABLE_READ_DATA"}
    assert reader.mgmt("PUT", GRANTS, json={"grant": grant}).status_code == 201
    empty = {**grant, "namespace": []}
    assert reader.mgmt("PUT", GRANTS, json={"grant": empty}).status_code == 400


# ---- namespaces and config --------------------------------------------------------------------------------
def test_namespaces_are_created_loaded_listed_and_dropped(root):
    root.create_catalog()
    created = root.cat("POST", "/v1/lake/namespaces", json={"namespace": ["a"], "properties": {"owner": "x"}})
    assert created.status_code == 200 and created.json() == {"namespace": ["a"], "properties": {"owner": "x"}}
    assert root.cat("POST", "/v1/lake/namespaces", json={"namespace": ["a", "b"]}).status_code == 200
    assert root.cat("POST", "/v1/lake/namespaces", json={"namespace": ["a"]}).status_code == 409
    assert root.cat("POST", "/v1/lake/namespaces", json={"namespace": ["x", "y"]}).status_code == 404
    assert root.cat("GET", "/v1/lake/namespaces/a%1Fb").json() == {"namespace": ["a", "b"], "properties": {}}
    assert root.cat("HEAD", "/v1/lake/namespaces/a%1Fb").status_code == 204
    assert root.cat("HEAD", "/v1/lake/namespaces/a%1Fz").status_code == 404
    assert root.cat("GET", "/v1/lake/namespaces").json()["namespaces"] == [["a"]]
    assert root.cat("GET", "/v1/lake/namespaces", params={"parent": "a"}).json()["namespaces"] == [["a", "b"]]
    not_empty = root.cat("DELETE", "/v1/lake/namespaces/a")
    assert not_empty.status_code == 409 and error_type(not_empty) == "NamespaceNotEmptyException"
    assert root.cat("DELETE", "/v1/lake/namespaces/a%1Fb").status_code == 204
    assert root.cat("DELETE", "/v1/lake/namespaces/a").status_code == 204
    assert root.cat("GET", "/v1/lake/namespaces/a").status_code == 404


def test_namespace_properties_are_set_and_removed(root):
    root.create_catalog()
    root.cat("POST", "/v1/lake/namespaces", json={"namespace": ["a"], "properties": {"k": "1", "gone": "x"}})
    body = {"removals": ["gone", "never"], "updates": {"k": "2"}}
    response = root.cat("POST", "/v1/lake/namespaces/a/properties", json=body)
    assert response.json() == {"updated": ["k"], "removed": ["gone"], "missing": ["never"]}
    assert root.cat("GET", "/v1/lake/namespaces/a").json()["properties"] == {"k": "2"}
    both = root.cat("POST", "/v1/lake/namespaces/a/properties", json={"removals": ["k"], "updates": {"k": "3"}})
    assert both.status_code == 422


def test_config_returns_the_catalog_name_as_prefix(root):
    root.create_catalog()
    config = root.cat("GET", "/v1/config", params={"warehouse": "lake"})
    assert config.json() == {"defaults": {"default-base-location": "s3://bucket/lake"}, "overrides": {"prefix": "lake"}}
    assert root.cat("GET", "/v1/config", params={"warehouse": "nope"}).status_code == 404


def test_namespace_access_follows_grants(server, reader):
    new_principal(reader)
    reader.mgmt("POST", "/principal-roles", json={"principalRole": {"name": "eng"}})
    reader.mgmt("PUT", "/principals/alice/principal-roles", json={"principalRole": {"name": "eng"}})
    reader.mgmt("PUT", "/principal-roles/eng/catalog-roles/lake", json={"catalogRole": {"name": "reader"}})
    alice = Client(server, server.token("alice"))
    assert alice.cat("GET", "/v1/lake/namespaces/db").status_code == 403
    grant = {"type": "namespace", "namespace": ["db"], "privilege": "NAMESPACE_FULL_METADATA"}
    reader.mgmt("PUT", GRANTS, json={"grant": grant})
    assert alice.cat("GET", "/v1/lake/namespaces/db").status_code == 200
    assert alice.cat("POST", "/v1/lake/namespaces", json={"namespace": ["db", "child"]}).status_code == 200
    assert alice.cat("POST", "/v1/lake/namespaces", json={"namespace": ["top"]}).status_code == 403


# ---- the official SDK client as an independent check ------------------------------------------------------
def test_the_official_sdk_client_round_trips_against_the_server(server):
    api = PolarisDefaultApi(ApiClient(Configuration(host=server.management_url, access_token=server.token())))
    request = models.CreateCatalogRequest.from_dict({"catalog": s3_catalog()})
    created = api.create_catalog(request)
    assert created.entity_version == 1
    update = models.UpdateCatalogRequest(current_entity_version=1, properties={"k": "v"})
    assert api.update_catalog("lake", update).entity_version == 2
    principal = api.create_principal(models.CreatePrincipalRequest(principal=models.Principal(name="alice")))
    assert principal.credentials.client_secret.get_secret_value()
    api.create_catalog_role("lake", models.CreateCatalogRoleRequest(catalog_role=models.CatalogRole(name="r")))
    grant = models.CatalogGrant(type="catalog", privilege=models.CatalogPrivilege.TABLE_READ_DATA)
    api.add_grant_to_catalog_role("lake", "r", models.AddGrantRequest(grant=grant))
    listed = api.list_grants_for_catalog_role("lake", "r").grants
    assert [g.privilege for g in listed] == [models.CatalogPrivilege.TABLE_READ_DATA]
    with pytest.raises(ApiException) as missing:
        api.get_catalog("nope")
    assert missing.value.status == 404


def pyiceberg_catalog(server: PolarisTestServer, **options) -> RestCatalog:
    credential = f"{server.root_client_id}:{server.root_client_secret}"
    options["oauth2-server-uri"] = server.catalog_url + "/v1/oauth/tokens"
    return RestCatalog("polaris", uri=server.catalog_url, credential=credential, warehouse="lake", **options)


def test_pyiceberg_manages_namespaces_when_given_a_polaris_scope(server, root):
    root.create_catalog()
    catalog = pyiceberg_catalog(server, scope="PRINCIPAL_ROLE:ALL")
    catalog.create_namespace(("a",), {"k": "v"})
    catalog.create_namespace(("a", "b"))
    assert catalog.list_namespaces(("a",)) == [("a", "b")]
    assert catalog.load_namespace_properties(("a",)) == {"k": "v"}
    catalog.drop_namespace(("a", "b"))
    assert server.store.namespaces["lake"] == {("a",): {"k": "v"}}


def test_pyiceberg_default_scope_is_refused_like_polaris_does(server, root):
    root.create_catalog()
    with pytest.raises(OAuthError, match="invalid_scope"):
        pyiceberg_catalog(server)


# ---- spec validation is live ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "api, path, body, named",
    [  # the first is caught by openapi-core and the SDK models; the second only by openapi-core
        ("mgmt", "/catalogs", {"catalog": {"type": "INTERNAL", "name": "x", "properties": {}}}, "createCatalog"),
        ("cat", "/v1/lake/namespaces", {"namespace": "db"}, "createNamespace"),
    ],
)
def test_a_request_breaking_the_spec_is_answered_500_and_fails_the_test_on_exit(api, path, body, named):
    with pytest.raises(SpecViolationError, match=named), PolarisTestServer() as server:
        client = Client(server, server.token())
        client.create_catalog()
        response = getattr(client, api)("POST", path, json=body)
        assert response.status_code == 500 and named in response.json()["error"]["message"]


def test_the_sdk_models_catch_what_openapi_core_misses_an_azure_config_without_tenant(server, root):
    base = "abfss://data@account.dfs.core.windows.net/lake"
    catalog = catalog_body("az", base, {"storageType": "AZURE", "allowedLocations": [base]})
    response = root.mgmt("POST", "/catalogs", json={"catalog": catalog})
    assert response.status_code == 500
    (violation,) = server.spec_violations
    assert violation.startswith("request createCatalog") and "AzureStorageConfigInfo" in violation
    assert "tenantId" in violation and "az" not in server.store.catalogs
    server.spec_violations.clear()


@pytest.mark.parametrize("name", ["system$x", "SYSTEM$cat", ""])
def test_names_breaking_the_spec_pattern_are_rejected(lenient_server, name):
    client = Client(lenient_server, lenient_server.token())
    response = client.mgmt("POST", "/principal-roles", json={"principalRole": {"name": name}})
    assert response.status_code == 400 and lenient_server.invalid_requests
    assert lenient_server.spec_violations == []


def test_an_unknown_route_is_a_violation(server, root):
    assert root.mgmt("GET", "/catalog").status_code == 500
    assert "no such operation" in server.spec_violations.pop()


def replace_handler(server: PolarisTestServer, operation_id: str, handler) -> None:
    route = next(r for r in server.router.routes if r.operation_id == operation_id)
    server.router.routes[server.router.routes.index(route)] = dataclasses.replace(route, handler=handler)


@pytest.mark.parametrize(
    "operation_id, api, path, reply",
    [  # the first is caught by openapi-core and the SDK models; the second only by openapi-core
        ("getCatalog", "mgmt", "/catalogs/lake", Reply(200, {"name": "lake", "type": "INTERNAL"})),
        ("loadNamespaceMetadata", "cat", "/v1/lake/namespaces/db", Reply(200, {"namespace": "db"})),
    ],
)
def test_a_response_breaking_the_spec_is_replaced_by_500_and_recorded(server, root, operation_id, api, path, reply):
    root.create_catalog()
    root.cat("POST", "/v1/lake/namespaces", json={"namespace": ["db"]})
    replace_handler(server, operation_id, lambda ctx: reply)
    assert getattr(root, api)("GET", path).status_code == 500
    assert operation_id in server.spec_violations.pop()
    assert server.spec_violations == []


def test_a_success_status_the_spec_does_not_declare_is_a_violation(server, root):
    replace_handler(server, "createPrincipalRole", lambda ctx: Reply(200, {"name": "eng"}))
    assert root.mgmt("POST", "/principal-roles", json={"principalRole": {"name": "eng"}}).status_code == 500
    assert "ResponseNotFound" in server.spec_violations.pop()


# ---- faults, request log, out-of-band changes -------------------------------------------------------------
def test_an_injected_burst_answers_n_times_then_the_real_server_answers(server, root):
    server.inject_status("GET", r"/catalogs$", 429, times=2, headers={"Retry-After": "3"})
    answers = [root.mgmt("GET", "/catalogs") for _ in range(3)]
    assert [a.status_code for a in answers] == [429, 429, 200]
    assert answers[0].headers["Retry-After"] == "3"
    assert root.mgmt("POST", "/principal-roles", json={"principalRole": {"name": "eng"}}).status_code == 201


def test_faults_fire_in_the_order_added_and_only_on_their_method(server, root):
    server.inject_status("GET", r"/principal-roles$", 503, times=1)
    server.inject_status("GET", r"/principal-roles$", 429, times=1)
    assert root.mgmt("POST", "/principal-roles", json={"principalRole": {"name": "eng"}}).status_code == 201
    assert [root.mgmt("GET", "/principal-roles").status_code for _ in range(3)] == [503, 429, 200]


def test_a_crash_inside_the_fake_is_a_violation(server, root):
    replace_handler(server, "listCatalogs", lambda ctx: 1 / 0)
    assert root.mgmt("GET", "/catalogs").status_code == 500
    assert "ZeroDivisionError" in server.spec_violations.pop()


def test_a_garbled_basic_header_is_a_bad_request_not_a_crash(lenient_server):
    headers = {"Authorization": "Basic !!!"}
    form = {"grant_type": "client_credentials", "scope": "PRINCIPAL_ROLE:ALL"}
    response = requests.post(lenient_server.catalog_url + "/v1/oauth/tokens", data=form, headers=headers, timeout=5)
    assert response.status_code == 400 and lenient_server.spec_violations == []


def test_a_reset_drops_the_connection_before_the_request_takes_effect(server, root):
    server.inject_reset("POST", r"/principal-roles$", times=1)
    with pytest.raises(requests.ConnectionError):
        root.mgmt("POST", "/principal-roles", json={"principalRole": {"name": "eng"}})
    assert "eng" not in server.store.principal_roles
    assert server.requests[-1] == ("POST", "/api/management/v1/principal-roles", None)


def test_an_applied_reset_changes_the_state_and_loses_the_reply(server, root):
    server.inject_reset("POST", r"/principal-roles$", times=1, applied=True)
    with pytest.raises(requests.ConnectionError):
        root.mgmt("POST", "/principal-roles", json={"principalRole": {"name": "eng"}})
    assert root.mgmt("POST", "/principal-roles", json={"principalRole": {"name": "eng"}}).status_code == 409


def test_an_applied_status_replaces_the_reply_of_a_request_that_took_effect(server, root):
    server.inject_status("POST", r"/principal-roles$", 502, times=1, applied=True)
    assert root.mgmt("POST", "/principal-roles", json={"principalRole": {"name": "eng"}}).status_code == 502
    assert root.mgmt("GET", "/principal-roles/eng").status_code == 200


def test_an_injected_delay_holds_the_response(server, root):
    server.inject_delay("*", r"/principals$", seconds=0.3, times=1)
    with pytest.raises(requests.Timeout):
        root.session.get(server.management_url + "/principals", timeout=0.1)
    started = time.monotonic()
    assert root.mgmt("GET", "/principals").status_code == 200
    assert time.monotonic() - started < 0.3


def test_the_request_log_counts_requests_and_token_requests(server, root):
    token_request(server, **credentials_form(server.root_client_id, "wrong"))
    root.mgmt("GET", "/catalogs/nope")
    assert server.requests == [
        ("POST", "/api/catalog/v1/oauth/tokens", 401),
        ("GET", "/api/management/v1/catalogs/nope", 404),
    ]
    assert server.token_requests == 1


def test_out_of_band_changes_are_seen_as_drift(server, root):
    root.create_catalog()
    server.store.update_catalog("lake", 1, {"owner": "someone-else"}, None)
    stale = root.mgmt("PUT", "/catalogs/lake", json={"currentEntityVersion": 1, "properties": {}})
    assert stale.status_code == 409
    assert root.mgmt("GET", "/catalogs/lake").json()["properties"]["owner"] == "someone-else"
    server.store.remove("catalog", "lake")
    assert root.mgmt("GET", "/catalogs/lake").status_code == 404


# ---- as real Polaris 1.7.0 answers (each pinned to its source at tag apache-polaris-1.7.0) -------------------
def test_s3_storage_comes_back_with_the_generated_model_defaults_and_without_nulls(root):
    """CatalogEntity.getStorageInfo builds AwsStorageConfigInfo through the generated builder, whose
    pojo.mustache fills `Objects.requireNonNullElse(x, default)`: `new ArrayList<>()` for allowedKmsKeys and the
    spec's `default: false` for pathStyleAccess; api/management-model/build.gradle.kts adds
    JsonInclude.NON_NULL, so absent optional fields are left out rather than sent as null."""
    created = root.create_catalog(region=None)
    assert created["storageConfigInfo"] == {
        "storageType": "S3",
        "roleArn": ROLE_ARN,
        "allowedLocations": ["s3://bucket/lake"],
        "allowedKmsKeys": [],
        "pathStyleAccess": False,
    }
    assert root.mgmt("GET", "/catalogs/lake").json()["storageConfigInfo"] == created["storageConfigInfo"]


@pytest.mark.parametrize(
    "storage",
    [
        {
            "storageType": "GCS",
            "allowedLocations": ["gs://b/lake"],
            "gcsServiceAccount": "sa@p.iam.gserviceaccount.com",
        },
        {"storageType": "AZURE", "tenantId": "t", "allowedLocations": ["abfss://c@acct.dfs.core.windows.net/lake"]},
    ],
)
def test_gcs_and_azure_storage_have_no_filled_fields(root, storage):
    """GcpStorageConfigInfo and AzureStorageConfigInfo declare no `default:` in the 1.7.0 spec, and Azure's
    `hierarchical` is a nullable Boolean (AzureStorageConfigurationInfo.isHierarchical), left out when unset."""
    base = storage["allowedLocations"][0]
    created = root.mgmt("POST", "/catalogs", json={"catalog": catalog_body("lake", base, storage)})
    assert created.status_code == 201, created.text
    assert created.json()["storageConfigInfo"] == storage


def test_allowed_locations_are_a_set(root):
    """CatalogEntity.fromCatalog keeps the allowed locations in a `new HashSet<>(userAllowedLocations)`:
    duplicates go and the order is not kept (this server answers them sorted)."""
    created = root.create_catalog(allowedLocations=["s3://bucket/lake", "s3://bucket/a", "s3://bucket/lake"])
    assert created["storageConfigInfo"]["allowedLocations"] == ["s3://bucket/a", "s3://bucket/lake"]


@pytest.mark.parametrize(
    "key, status",
    [
        ("polaris.config.enable.credential.vending", 201),
        ("polaris.config.namespace-custom-location.enabled", 201),
        ("polaris.config.no-such-setting", 400),
        ("polaris.config.", 400),
    ],
)
def test_only_the_registered_catalog_config_keys_escape_the_reserved_prefix(root, key, status):
    """ReservedProperties.allowlist() is PolarisConfiguration.getAllCatalogConfigs(): exact keys, not a
    `polaris.config.` prefix; anything else under `polaris.` throws IllegalArgumentException, which
    IcebergExceptionMapper answers 400 typed by the exception's simple name."""
    catalog = s3_catalog()
    catalog["properties"][key] = "true"
    response = root.mgmt("POST", "/catalogs", json={"catalog": catalog})
    assert response.status_code == status, response.text
    if status == 400:
        assert error_type(response) == "IllegalArgumentException"
        assert response.json()["error"]["message"] == f"Property '{key}' matches reserved prefix 'polaris.'"


def test_the_allowlist_holds_for_every_entity_kind(root):
    """PolarisServiceImpl.createPrincipal runs the same ReservedProperties over the principal's properties."""
    allowed = root.mgmt(
        "POST",
        "/principals",
        json={"principal": {"name": "p", "properties": {"polaris.config.drop-with-purge.enabled": "x"}}},
    )
    assert allowed.status_code == 201, allowed.text


@pytest.mark.parametrize("name", ["reader\n", "a\rb", "a\u2028b", "x\u0085"])
def test_names_with_a_java_line_terminator_are_refused(lenient_server, name):
    """Bean validation's @Pattern is Matcher.matches() on the whole name, and Java's `.` stops at \\n, \\r,
    \\u0085, \\u2028 and \\u2029, so `^(?!...).*$` refuses them anywhere in a name (Python's `re.search` with `$`
    would let a trailing newline through)."""
    client = Client(lenient_server, lenient_server.token())
    response = client.mgmt("POST", "/principal-roles", json={"principalRole": {"name": name}})
    assert response.status_code == 400 and lenient_server.invalid_requests
    assert name not in lenient_server.store.principal_roles


@pytest.mark.parametrize("name", ["tab\there", "bell\x07", "sp ace"])
def test_other_control_characters_pass_the_pattern(root, name):
    """Java's `.` matches every other character, control characters included."""
    response = root.mgmt("POST", "/principal-roles", json={"principalRole": {"name": name}})
    assert response.status_code == 201, response.text


def test_the_name_length_counts_utf16_code_units(root):
    """@Size counts String.length(), UTF-16 code units: a character outside the BMP counts twice, so 255 letters
    and one emoji (257 units) are refused with IcebergConstraintViolationExceptionMapper's answer."""
    response = root.mgmt("POST", "/principal-roles", json={"principalRole": {"name": "a" * 255 + "\U0001f600"}})
    assert response.status_code == 400 and error_type(response) == "ConstraintViolationException"
    assert response.json()["error"]["message"].startswith("Invalid value: ")
    ok = root.mgmt("POST", "/principal-roles", json={"principalRole": {"name": "a" * 254 + "\U0001f600"}})
    assert ok.status_code == 201, ok.text
