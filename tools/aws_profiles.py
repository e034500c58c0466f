"""The AWS config that `platform.awsCredentials: profile` expects: one profile `polaris-<accountId>` per account.

    python -m tools.aws_profiles --stack prod --identity preview >> ~/.aws/config   # CI, pull requests
    python -m tools.aws_profiles --stack prod --identity deploy  >> ~/.aws/config   # CI, push to main

Each profile chains from one source profile (`polaris-ci` by default) holding the caller's own credentials.
The identity decides the role in each account: `deploy` assumes the account's `deployRoleArn`; `preview`
assumes the read-only `<prefix>-preview` role that `bootstrap/ci-identities` creates in every account but the
platform account, where the caller's own (read-only) identity is used: `--direct-profiles` lists the profiles
whose credentials the caller writes into ~/.aws/credentials itself. The provider inputs stay the same for both
identities, so a drift check never reports the identity swap as a change. A stack in `assume-role` mode needs
no profile: both commands then print nothing.

Environment credentials (AWS_ACCESS_KEY_ID, ...) take precedence over a provider's `profile` in the AWS
provider's credential chain: a caller must put its credentials in the source profile, not in the environment.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from components.aws_accounts import profile_name
from configuration.loader import PROJECT_DIR, load_stack
from configuration.parser import ConfigError
from configuration.schema import AwsCredentials, Cloud, PlatformConfig, StackConfig

SOURCE_PROFILE = "polaris-ci"


@dataclass(frozen=True)
class AccountAccess:
    account_id: str
    region: str
    deploy_role_arn: str | None


def accounts(config: StackConfig, platform: PlatformConfig) -> list[AccountAccess]:
    """The platform account first, then every AWS data owner's account, each once."""
    found = {platform.account_id: AccountAccess(platform.account_id, platform.region, platform.deploy_role_arn)}
    for aws in (owner.aws for owner in config.owners_on(Cloud.AWS) if owner.aws is not None):
        found.setdefault(aws.account_id, AccountAccess(aws.account_id, aws.region, aws.deploy_role_arn))
    return list(found.values())


def role_for(account: AccountAccess, identity: str, platform_account: str, prefix: str) -> str | None:
    if identity == "deploy":
        return account.deploy_role_arn
    if account.account_id == platform_account:
        return None  # the preview identity is itself the platform account's read-only role
    return f"arn:aws:iam::{account.account_id}:role/{prefix}-preview"


def render(config: StackConfig, identity: str, prefix: str = "polaris-ci", source: str = SOURCE_PROFILE) -> str:
    """~/.aws/config for the stack's accounts; empty when the stack does not use profiles."""
    platform = _profile_platform(config)
    if platform is None:
        return ""
    blocks = []
    for account in accounts(config, platform):
        lines = [f"[profile {profile_name(account.account_id)}]", f"region = {account.region}"]
        role = role_for(account, identity, platform.account_id, prefix)
        if role:
            lines += [f"role_arn = {role}", f"source_profile = {source}", "role_session_name = polaris-data-exchange"]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def direct_profiles(config: StackConfig, identity: str, prefix: str = "polaris-ci") -> list[str]:
    """Profiles that assume no role: the caller's credentials go into them directly."""
    platform = _profile_platform(config)
    if platform is None:
        return []
    return [
        profile_name(a.account_id)
        for a in accounts(config, platform)
        if role_for(a, identity, platform.account_id, prefix) is None
    ]


def _profile_platform(config: StackConfig) -> PlatformConfig | None:
    """The platform of a stack in `profile` mode; None otherwise (a stack without a platform assumes roles)."""
    if config.platform is None or config.platform.aws_credentials is not AwsCredentials.PROFILE:
        return None
    return config.platform


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.aws_profiles", description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", required=True)
    parser.add_argument("--identity", required=True, choices=["preview", "deploy"])
    parser.add_argument("--prefix", default="polaris-ci", help="name prefix of bootstrap/ci-identities' roles")
    parser.add_argument("--config-dir", type=Path, default=PROJECT_DIR)
    parser.add_argument(
        "--direct-profiles",
        action="store_true",
        help="print the names of the profiles that take the caller's credentials directly",
    )
    args = parser.parse_args(argv)
    try:
        config = load_stack(args.stack, args.config_dir)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    if args.direct_profiles:
        print(" ".join(direct_profiles(config, args.identity, args.prefix)))
    else:
        print(render(config, args.identity, args.prefix), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
