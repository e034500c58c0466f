"""AWS identifiers: the edge cases where the copies this package replaced disagreed with AWS, or each other."""

from __future__ import annotations

import pytest

from rules import aws

ACCOUNT = "123456789012"
FULLWIDTH_ACCOUNT = "".join(chr(0xFF10 + int(digit)) for digit in ACCOUNT)


@pytest.mark.parametrize(
    "arn",
    [
        f"arn:aws:iam::{ACCOUNT}:role/polaris-server",
        f"arn:aws-cn:iam::{ACCOUNT}:role/polaris-server",
        f"arn:aws-us-gov:iam::{ACCOUNT}:role/ops/team/polaris-server",  # a role path
        f"arn:aws-iso-b:iam::{ACCOUNT}:role/a+b=c,d.e@f_g-h",  # every character IAM allows in a name
        f"arn:aws:iam::{ACCOUNT}:role/" + "r" * 64,
    ],
)
def test_role_arns_aws_accepts(arn):
    assert aws.role_account(arn) == ACCOUNT


@pytest.mark.parametrize(
    "arn",
    [
        f"arn:aws:iam::{ACCOUNT}:role/polaris-server\n",  # `re.match` with `$` let the line break through
        f"arn:awsfoo:iam::{ACCOUNT}:role/polaris-server",  # no such partition
        f"arn:gcp:iam::{ACCOUNT}:role/polaris-server",
        f"arn:aws:iam::{ACCOUNT}:role/" + "r" * 65,  # role names are 1-64 characters
        f"arn:aws:iam::{ACCOUNT}:role/team/",  # a path, no name
        f"arn:aws:iam::{ACCOUNT}:role/café",  # names are ASCII
        f"arn:aws:iam::{ACCOUNT}:role/polaris server",
        f"arn:aws:iam::{ACCOUNT}:user/polaris-server",
        f"arn:aws:iam::{ACCOUNT}:root",
        f"arn:aws:iam::{FULLWIDTH_ACCOUNT}:role/polaris-server",  # `\d` takes any Unicode digit
    ],
)
def test_role_arns_aws_refuses(arn):
    assert aws.role_account(arn) is None
    assert aws.ROLE_ARN.fullmatch(arn) is None


@pytest.mark.parametrize("account_id", [FULLWIDTH_ACCOUNT, ACCOUNT + "\n", "12345678901", "1234567890123"])
def test_account_ids_are_twelve_ascii_digits(account_id):
    assert aws.ACCOUNT_ID.fullmatch(account_id) is None
    assert aws.ACCOUNT_ID.fullmatch(ACCOUNT)


@pytest.mark.parametrize(
    "principal, whole_account",
    [
        (ACCOUNT, True),
        (f"arn:aws:iam::{ACCOUNT}:root", True),
        (f"arn:aws-cn:iam::{ACCOUNT}:root", True),
        (f"arn:aws:iam::{ACCOUNT}:role/polaris-server", False),
        (f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/pulumi", False),
    ],
)
def test_account_principals(principal, whole_account):
    assert bool(aws.ACCOUNT_PRINCIPAL.fullmatch(principal)) is whole_account


@pytest.mark.parametrize(
    "arn, ok",
    [
        (f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab", True),
        (f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/mrk-1234abcd12ab34cd56ef1234567890ab", True),
        (f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/" + "-" * 36, False),  # 36 characters, but no key id
        (f"arn:aws:kms:eu-west-1:{ACCOUNT}:alias/polaris", False),
    ],
)
def test_kms_key_arns(arn, ok):
    assert bool(aws.KMS_KEY_ARN.fullmatch(arn)) is ok


@pytest.mark.parametrize(
    "name, ok",
    [
        ("acme-shared.data-1", True),
        ("ab", False),
        ("a" * 64, False),
        ("acme..data", False),
        ("192.168.10.20", False),
        ("xn--acme", False),
        ("Acme", False),
        ("acme\n", False),  # the old pattern's `$` admitted a trailing line break
    ],
)
def test_s3_bucket_names(name, ok):
    assert aws.s3_bucket_ok(name) is ok


def test_s3_bucket_arns_round_trip():
    assert aws.s3_bucket_arn("acme-data") == "arn:aws:s3:::acme-data"
    assert aws.s3_bucket_of("arn:aws:s3:::acme-data/sales/*") == "acme-data"
    assert aws.s3_bucket_of(aws.s3_bucket_arn("acme-data")) == "acme-data"
    assert aws.s3_bucket_of(f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/x") is None
