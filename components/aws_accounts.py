"""One explicit `aws.Provider` per AWS account the program touches, built the same way everywhere."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_aws as aws

from configuration.schema import AwsCredentials


def profile_name(account_id: str) -> str:
    """The AWS profile that `awsCredentials: profile` expects for an account (see docs/operations.md)."""
    return f"polaris-{account_id}"


def account_provider(
    name: str,
    *,
    account_id: str,
    region: str,
    deploy_role_arn: str | None,
    credentials: AwsCredentials,
    tags: Mapping[str, str],
    opts: pulumi.ResourceOptions | None = None,
) -> aws.Provider:
    """A provider pinned to one account (`allowed_account_ids` refuses any other), tagging everything.

    With `assume-role` it assumes the account's deploy role; with `profile` it reads the named profile, so
    the identity behind it (read-only for previews, deploy for `up`) changes without changing provider inputs,
    which a drift check would otherwise report as a change.
    """
    access: dict = {}
    if credentials is AwsCredentials.PROFILE:
        access["profile"] = profile_name(account_id)
    elif deploy_role_arn:
        access["assume_roles"] = [
            aws.ProviderAssumeRoleArgs(role_arn=deploy_role_arn, session_name="polaris-data-exchange")
        ]
    return aws.Provider(
        name,
        region=region,
        allowed_account_ids=[account_id],
        default_tags=aws.ProviderDefaultTagsArgs(tags=dict(tags)) if tags else None,
        opts=opts,
        **access,
    )
