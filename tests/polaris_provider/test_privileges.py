"""The written-out privilege enums equal the official 1.7.0 spec and the apache_polaris 1.7.0 models."""

from __future__ import annotations

import pytest
from apache_polaris.sdk.management import models

from polaris_provider.privileges import PRIVILEGES, TARGET_FIELDS
from tests.polaris_provider.spec import properties_of, schemas

ENUMS = {
    "catalog": "CatalogPrivilege",
    "namespace": "NamespacePrivilege",
    "table": "TablePrivilege",
    "view": "ViewPrivilege",
}
GRANTS = {"catalog": "CatalogGrant", "namespace": "NamespaceGrant", "table": "TableGrant", "view": "ViewGrant"}


@pytest.mark.parametrize("grant_type", sorted(ENUMS))
def test_privileges_match_the_spec(grant_type):
    assert PRIVILEGES[grant_type] == set(schemas()[ENUMS[grant_type]]["enum"])


@pytest.mark.parametrize("grant_type", sorted(ENUMS))
def test_privileges_match_the_official_client_models(grant_type):
    enum = getattr(models, ENUMS[grant_type])
    assert PRIVILEGES[grant_type] == {member.value for member in enum}


@pytest.mark.parametrize("grant_type", sorted(GRANTS))
def test_target_fields_match_the_grant_schemas(grant_type):
    fields = properties_of(GRANTS[grant_type]) - {"type", "privilege"}
    assert set(TARGET_FIELDS[grant_type]) == fields
