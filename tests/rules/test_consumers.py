"""Every place that applies a shared rule judges the same way: the configuration (with its config path), the
components, the Polaris provider and the policy pack. Each case is one where the copies they kept before
``rules`` disagreed."""

from __future__ import annotations

import copy

import pytest

from components.aws import vending_trust_policy
from configuration.loader import parse_config
from polaris_provider import validation
from policies import kubernetes as k8s_policies
from policies.common import K8S_SERVICE
from tests.configuration.test_config import problems_of, shipped
from tests.policies.harness import run

ACCOUNT = "111111111111"  # the prod stack's platform account
REFUSED_ROLE_ARNS = [
    f"arn:aws:iam::{ACCOUNT}:role/polaris-ci-preview\n",
    f"arn:awsfoo:iam::{ACCOUNT}:role/polaris-ci-preview",
    f"arn:aws:iam::{ACCOUNT}:role/" + "r" * 65,
    f"arn:aws:iam::{ACCOUNT}:role/team/",
    f"arn:aws:iam::{ACCOUNT}:role/café",
    f"arn:aws:iam::{ACCOUNT}:role/polaris ci",
]
REFUSED_NAMES = ["\U0001f600" * 129, "x" * 255 + "\U0001f600", "a\nb", "a\u2028b"]
SPLIT_INTERNET = ["0.0.0.0/1", "128.0.0.0/1"]


@pytest.mark.parametrize("arn", REFUSED_ROLE_ARNS)
def test_a_role_arn_aws_refuses_is_refused_everywhere(arn):
    prod = copy.deepcopy(shipped("prod"))
    prod["platform"]["clusterViewers"] = [arn]
    assert "platform.clusterViewers[0]" in problems_of(prod)
    with pytest.raises(ValueError, match="must trust one IAM role"):
        vending_trust_policy(arn, "external-id", session_tags=False)
    storage = {"storageType": "S3", "roleArn": arn, "allowedLocations": ["s3://acme/sales/"]}
    failures = validation.storage(storage, {validation.BASE_LOCATION: "s3://acme/sales/"})
    assert [f.reason for f in failures if "roleArn" in f.reason]
    assert validation.role_account(storage) is None


@pytest.mark.parametrize("name", REFUSED_NAMES)
def test_a_name_polaris_refuses_is_refused_by_configuration_and_provider(name):
    dev = copy.deepcopy(shipped("dev"))
    dev["catalogs"][0]["name"] = name
    assert "catalogs[0].name" in problems_of(dev)
    assert validation.name("name", name, "catalog")


def test_a_name_polaris_accepts_passes_configuration_and_provider():
    """The long s (U+017F) is no 's' to Java's `[sS]`; Python's IGNORECASE, which the configuration used,
    folded it into one."""
    name = "\u017fystem$x"
    dev = copy.deepcopy(shipped("dev"))
    dev["organisations"][0]["name"] = name
    assert parse_config(dev, "dev").organisations[0].name == name
    assert validation.name("name", name, "principal") == []


def test_cidrs_that_together_admit_the_internet_are_refused_by_configuration_and_policy_pack():
    """The Polaris server component does not judge them: that rule is the configuration's alone
    (``components.kubernetes.problems``)."""
    prod = copy.deepcopy(shipped("prod"))
    prod["platform"]["polarisAllowedCidrs"] = SPLIT_INTERNET
    assert "whole internet" in problems_of(prod)["platform.polarisAllowedCidrs"]
    service = {"spec": {"type": "LoadBalancer", "loadBalancerSourceRanges": SPLIT_INTERNET}}
    assert run(k8s_policies.load_balancer_restricted, K8S_SERVICE, service, {"production": True})
