"""End to end: the dev stack's IAM documents let Polaris vend credentials a real Iceberg client can use,
and nothing more. AWS is moto with IAM enforced (tests/e2e/aws_emulator.py); Polaris is the spec-checked fake
with table routes and S3 vending (tests/fakes/polaris/tables.py, s3_vending.py); the client is PyIceberg
configured exactly as the program exports it for an organisation.
"""

from __future__ import annotations

import botocore.exceptions
import pyarrow as pa
import pytest
import requests
from pyiceberg.catalog import load_catalog
from pyiceberg.exceptions import ForbiddenError

from components.client_config import CatalogEndpoint, pyiceberg_catalogs
from configuration.schema import Cloud
from tests.e2e.conftest import AWS_CATALOG, OTHER_BUCKET, vending_role_session

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("no_ambient_aws")]

ROWS = pa.table({"id": pa.array([1, 2, 3], pa.int64()), "item": pa.array(["bolt", "nut", "gear"])})


def catalog_for(polaris, organisation: str):
    """PyIceberg as the organisation's exported configuration sets it up (its principal, its own role)."""
    org = polaris.organisations[organisation]
    config = pyiceberg_catalogs(
        polaris.server.url,
        org.client_id,
        org.client_secret,
        f"PRINCIPAL_ROLE:{organisation}",
        [CatalogEndpoint(AWS_CATALOG, Cloud.AWS)],
    )
    return load_catalog(AWS_CATALOG, **config[AWS_CATALOG])


def vended(table) -> dict[str, str]:
    keys = ("s3.access-key-id", "s3.secret-access-key", "s3.session-token")
    return dict(
        zip(
            ("aws_access_key_id", "aws_secret_access_key", "aws_session_token"),
            (table.io.properties[k] for k in keys),
            strict=True,
        )
    )


def s3_key(location: str) -> tuple[str, str]:
    bucket, _, key = location.removeprefix("s3://").partition("/")
    return bucket, key


def denied(call) -> str:
    with pytest.raises(botocore.exceptions.ClientError) as error:
        call()
    return error.value.response["Error"]["Code"]


@pytest.fixture(scope="module")
def written(polaris, no_ambient_aws):
    """A table the write organisation created and filled, as (namespace, table name)."""
    catalog = catalog_for(polaris, "acme_analytics")
    catalog.create_namespace(("e2e",))
    table = catalog.create_table(("e2e", "orders"), schema=ROWS.schema)
    table.append(ROWS)
    return ("e2e", "orders")


def test_write_organisation_round_trip_lands_in_the_catalog_prefix(polaris, aws_world, written):
    catalog = catalog_for(polaris, "acme_analytics")
    table = catalog.load_table(written)
    assert table.scan().to_arrow().sort_by("id").equals(ROWS)
    assert table.io.properties["s3.access-key-id"].startswith("ASIA")  # an STS session, vended per table
    bucket, prefix = s3_key(table.metadata.location)
    assert (bucket, prefix) == ("acme-dev-shared-data", "sales/e2e/orders")
    s3 = aws_world.aws.client("s3", credentials=aws_world.auditor)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix + "/")["Contents"]]
    assert any(k.startswith(prefix + "/data/") and k.endswith(".parquet") for k in keys)
    assert any(k.startswith(prefix + "/metadata/") and k.endswith(".avro") for k in keys)
    data_files = table.inspect.files().column("file_path").to_pylist()
    assert data_files and all(path.startswith(table.metadata.location + "/data/") for path in data_files)


def test_read_organisation_reads_but_cannot_write(polaris, aws_world, written):
    table = catalog_for(polaris, "contoso").load_table(written)
    assert table.scan().to_arrow().sort_by("id").equals(ROWS)
    bucket, prefix = s3_key(table.metadata.location)
    s3 = aws_world.aws.client("s3", credentials=vended(table))
    assert (
        denied(lambda: s3.put_object(Bucket=bucket, Key=f"{prefix}/data/forged.parquet", Body=b"x")) == "AccessDenied"
    )
    snapshots = len(table.metadata.snapshots)
    with pytest.raises(OSError, match="ACCESS_DENIED|AccessDenied"):
        table.append(ROWS)
    assert len(catalog_for(polaris, "acme_analytics").load_table(written).metadata.snapshots) == snapshots


def test_vended_write_credentials_stay_inside_the_table(polaris, aws_world, written):
    table = catalog_for(polaris, "acme_analytics").load_table(written)
    bucket, prefix = s3_key(table.metadata.location)
    s3 = aws_world.aws.client("s3", credentials=vended(table))
    s3.put_object(Bucket=bucket, Key=f"{prefix}/data/extra.bin", Body=b"x")  # the control: inside is allowed
    assert denied(lambda: s3.put_object(Bucket=bucket, Key="sales/other_table/x", Body=b"x")) == "AccessDenied"
    assert denied(lambda: s3.put_object(Bucket=bucket, Key="marketing/x", Body=b"x")) == "AccessDenied"
    assert denied(lambda: s3.list_objects_v2(Bucket=OTHER_BUCKET)) == "AccessDenied"
    assert denied(s3.list_buckets) == "AccessDenied"


def test_vending_role_ceiling_is_the_owner_s_shared_prefixes(aws_world, declared):
    """Without any session policy, the role's own policy still confines the session to sales/ and marketing/."""
    external_id = declared.catalog(AWS_CATALOG)["storageConfigInfo"]["externalId"]
    s3 = aws_world.aws.client("s3", credentials=vending_role_session(aws_world, external_id))
    bucket = declared.owners["aws-acme"].bucket
    s3.put_object(Bucket=bucket, Key="marketing/ceiling.bin", Body=b"x")
    assert denied(lambda: s3.put_object(Bucket=bucket, Key="private/x", Body=b"x")) == "AccessDenied"
    assert denied(lambda: s3.put_object(Bucket=OTHER_BUCKET, Key="sales/x", Body=b"x")) == "AccessDenied"


def test_wrong_external_id_is_denied(aws_world):
    assert denied(lambda: vending_role_session(aws_world, "not-the-external-id")) == "AccessDenied"


def test_only_the_polaris_server_role_is_trusted(aws_world, declared):
    """Another role with the same AssumeRole permission and the right external id is still refused."""
    sts = aws_world.aws.client("sts", credentials=aws_world.impostor_session)
    external_id = declared.catalog(AWS_CATALOG)["storageConfigInfo"]["externalId"]
    role_arn = declared.owners["aws-acme"].role.arn
    assert (
        denied(lambda: sts.assume_role(RoleArn=role_arn, RoleSessionName="e2e", ExternalId=external_id))
        == "AccessDenied"
    )


def test_organisation_without_a_grant_gets_no_table_and_no_credentials(polaris, written):
    requests_before = len(polaris.server.requests)
    with pytest.raises(ForbiddenError):
        catalog_for(polaris, "globex_lab").load_table(written)
    load_statuses = [r.status for r in polaris.server.requests[requests_before:] if "/tables/" in r.path]
    assert load_statuses == [403]


def test_no_credentials_without_the_delegation_header(polaris, written):
    namespace, name = written
    url = f"{polaris.server.catalog_url}/v1/{AWS_CATALOG}/namespaces/{namespace}/tables/{name}"
    answer = requests.get(
        url, headers={"Authorization": f"Bearer {polaris.server.token('acme_analytics')}"}, timeout=10
    )
    assert answer.status_code == 200
    assert not any(key.startswith("s3.") for key in answer.json().get("config", {}))
    assert "storage-credentials" not in answer.json()


def test_a_stale_commit_is_refused_and_pyiceberg_retries_on_fresh_metadata(polaris, written):
    catalog = catalog_for(polaris, "acme_analytics")
    race = (written[0], "race")
    catalog.create_table(race, schema=ROWS.schema)
    first, second = catalog.load_table(race), catalog.load_table(race)
    requests_before = len(polaris.server.requests)
    first.append(ROWS)
    second.append(ROWS)  # its assert-ref-snapshot-id no longer holds
    commits = [
        r.status
        for r in polaris.server.requests[requests_before:]
        if r.method == "POST" and r.path.endswith("/tables/race")
    ]
    assert commits == [200, 409, 200]
    assert catalog.load_table(race).scan().to_arrow().num_rows == 2 * ROWS.num_rows
