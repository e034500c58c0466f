"""Kubernetes, GCP and Azure identifiers: the forms federated trusts and storage names must take."""

from __future__ import annotations

import pytest

from rules import azure, gcp, kubernetes

GUID = "6f1c2f3e-8a4b-4c5d-9e6f-0a1b2c3d4e5f"


def test_service_account_subject_is_the_token_sub_claim():
    assert kubernetes.service_account_subject("polaris", "polaris-server") == (
        "system:serviceaccount:polaris:polaris-server"
    )


@pytest.mark.parametrize("label, ok", [("polaris", True), ("a" * 63, True), ("a" * 64, False), ("polaris\n", False)])
def test_dns_labels(label, ok):
    assert bool(kubernetes.DNS_LABEL.fullmatch(label)) is ok


@pytest.mark.parametrize("value, ok", [(GUID, True), (GUID.upper(), True), (GUID + "\n", False), (GUID[:-1], False)])
def test_guids(value, ok):
    assert bool(azure.GUID.fullmatch(value)) is ok


@pytest.mark.parametrize("name, ok", [("exchange", True), ("ex-change", True), ("ex--change", False), ("-x1", False)])
def test_azure_container_names(name, ok):
    assert bool(azure.CONTAINER.fullmatch(name)) is ok


def test_azure_container_url():
    assert azure.container_url("initech", "exchange") == "abfss://exchange@initech.dfs.core.windows.net"


def test_service_account_email_is_what_the_pattern_accepts():
    email = gcp.service_account_email("polaris-vending", "globex-data")
    assert email == "polaris-vending@globex-data.iam.gserviceaccount.com"
    match = gcp.SERVICE_ACCOUNT_EMAIL.fullmatch(email)
    assert match and match["project"] == "globex-data"
    assert not gcp.SERVICE_ACCOUNT_EMAIL.fullmatch(email + "\n")


@pytest.mark.parametrize("name, reserved", [("goog-data", True), ("my-google-data", True), ("globex-data", False)])
def test_gcs_reserved_bucket_names(name, reserved):
    assert gcp.bucket_name_reserved(name) is reserved
