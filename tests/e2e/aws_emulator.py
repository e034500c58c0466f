"""moto's server on 127.0.0.1 with IAM enforcement, in a child process that ends with its parent.

moto 5.2.5 enforces identity policies and, for callers in the role's own account, a trust policy's
`sts:ExternalId` (StringEquals). Three AWS rules this suite depends on are missing, so the child process
adds them (`apply_aws_iam_rules`), each the documented AWS behaviour and nothing more:

* a trust policy is read from the role's own account (moto looks in the caller's account, so a
  cross-account AssumeRole, Polaris' platform account -> the data owner's account, skipped the trust check);
* a principal naming a role ARN matches that role's sessions (moto compared the session ARN
  `arn:aws:sts::A:assumed-role/NAME/SESSION` with the role ARN as strings, so no role session ever matched);
* a session policy passed to AssumeRole bounds the session (moto ignored it, so a read-only session
  could write whatever the role may).

Still not enforced by moto: condition operators other than StringEquals (the `s3:prefix` StringLike of a
ListBucket statement passes), and a missing `sts:ExternalId` (only a wrong one is denied).

    with AwsEmulator() as aws:                # setup calls pass until aws.enforce()
        aws.client("iam", account="222222222222").create_role(...)
        aws.enforce()                         # from here on every call is authenticated and authorized
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from typing import Any

import boto3
import botocore.config
import requests

MOTO_VERSION = "5.2.5"
MAX_LIFETIME_SECONDS = 300
"""The child exits on its own after this, even if its parent never closes its stdin."""
START_TIMEOUT_SECONDS = 20
SETUP_CREDENTIALS = {"aws_access_key_id": "SETUPONLYNOTAKEY0000", "aws_secret_access_key": "setup"}


def apply_aws_iam_rules() -> None:
    """Patches moto's IAM evaluator in this process (the emulator child only) with the three rules above."""
    import moto
    from moto.iam import access_control as ac
    from moto.iam.models import iam_backends

    if moto.__version__ != MOTO_VERSION:
        raise RuntimeError(f"aws_emulator patches moto {MOTO_VERSION}, found {moto.__version__}: re-check them")

    def role_by_arn(arn: str):
        account = arn.split(":")[4]
        return iam_backends[account][arn.split(":")[1]].get_role_by_arn(arn)

    def is_assuming_role_operation(self, resource_arn: str) -> bool:
        if ":role/" not in resource_arn or self._action not in ac.REQUIRE_RESOURCE_ACCESS_POLICIES_CHECK:
            return False
        try:
            role_by_arn(resource_arn)
        except ac.NotFoundException:
            return False
        return True

    def check_role_trust_relationship(self, role_arn: str) -> bool:
        trust = ac.IAMPolicy(role_by_arn(role_arn).assume_role_policy_document)
        incoming = ac.format_incoming_conditional_values(self._data)
        result = trust.is_action_permitted(self._action, role_arn, self._access_key.arn, incoming)
        return result == ac.PermissionResult.PERMITTED

    def check_principal(self, principal: str) -> bool:
        expected = (self._statement.get("Principal") or {}).get("AWS")
        if expected is None:
            return not self._statement.get("Principal")
        return any(_principal_matches(entry, principal) for entry in _as_list(expected))

    original_check = ac.IAMRequestBase.check_action_permitted

    def check_action_permitted(self, resource: str) -> None:
        original_check(self, resource)
        session_policy = _session_policy(self._access_key)
        if (
            session_policy
            and self._action != "sts:GetCallerIdentity"
            and ac.IAMPolicy(session_policy).is_action_permitted(self._action, resource)
            != ac.PermissionResult.PERMITTED
        ):
            self._raise_access_denied()

    ac.IAMRequestBase._is_assuming_role_operation = is_assuming_role_operation
    ac.IAMRequestBase._check_role_trust_relationship = check_role_trust_relationship
    ac.IAMRequestBase.check_action_permitted = check_action_permitted
    ac.IAMPolicyStatement._check_principal = check_principal


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _principal_matches(expected: str, caller_arn: str) -> bool:
    """ "*", the exact ARN, or a role ARN (any path) matching a session of that role in the same account."""
    if expected in ("*", caller_arn):
        return True
    expected_parts, caller_parts = expected.split(":", 5), caller_arn.split(":", 5)
    if len(expected_parts) < 6 or len(caller_parts) < 6 or expected_parts[4] != caller_parts[4]:
        return False
    if not expected_parts[5].startswith("role/") or not caller_parts[5].startswith("assumed-role/"):
        return False
    return caller_parts[5].split("/")[1] == expected_parts[5].rsplit("/", 1)[1]


def _session_policy(access_key: Any) -> str | None:
    """The Policy the session was created with (AssumedRoleAccessKey keeps only the keys; look it up)."""
    from moto.sts.models import sts_backends

    if type(access_key).__name__ != "AssumedRoleAccessKey":
        return None
    backend = sts_backends[access_key.account_id][access_key.partition]
    assumed = backend.get_assumed_role_from_access_key(access_key._access_key_id)
    return assumed.policy if assumed is not None else None


class AwsEmulator:
    """Starts the child, knows its URL, hands out boto3 clients, and turns enforcement on."""

    def __init__(self, region: str = "eu-west-1"):
        self.region = region
        self._process: subprocess.Popen | None = None
        self.url = ""

    def __enter__(self) -> AwsEmulator:
        env = dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT="inf")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tests.e2e.aws_emulator"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
        )
        try:
            self.url = f"http://127.0.0.1:{self._read_port()}"
            self._wait_ready()
        except Exception:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self._process.stdin.close()  # the child exits when its stdin closes
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process.stdout.close()

    def _read_port(self) -> int:
        line = self._process.stdout.readline()  # the child prints its port first, or dies
        if not line.strip().isdigit():
            raise RuntimeError(f"the AWS emulator did not start: {line!r}")
        return int(line)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            try:
                requests.get(self.url + "/moto-api/", timeout=1)
                return
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def enforce(self) -> None:
        """moto's own switch: authentication and authorization for every call from now on."""
        requests.post(self.url + "/moto-api/reset-auth", data=b"0", timeout=5).raise_for_status()

    def client(self, service: str, *, account: str | None = None, credentials: dict | None = None):
        """A boto3 client; `account` creates setup resources in that account (moto's x-moto-account-id)."""
        client = boto3.client(
            service,
            endpoint_url=self.url,
            region_name=self.region,
            config=botocore.config.Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
            **(credentials or SETUP_CREDENTIALS),
        )
        if account is not None:
            client.meta.events.register(
                "before-sign.*.*", lambda request, **_: request.headers.__setitem__("x-moto-account-id", account)
            )
        return client


def session_credentials(answer: dict) -> dict[str, str]:
    """boto3 keyword arguments from an STS answer's Credentials."""
    credentials = answer["Credentials"]
    return {
        "aws_access_key_id": credentials["AccessKeyId"],
        "aws_secret_access_key": credentials["SecretAccessKey"],
        "aws_session_token": credentials["SessionToken"],
    }


def _serve() -> None:
    """The child: patched moto on a free port (printed first), until stdin closes or the lifetime ends."""
    apply_aws_iam_rules()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request log on the test's output
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer("127.0.0.1", 0, verbose=False)
    server.start()
    print(server.get_host_and_port()[1], flush=True)
    threading.Timer(MAX_LIFETIME_SECONDS, os._exit, args=(3,)).start()
    sys.stdin.read()
    os._exit(0)


if __name__ == "__main__":
    _serve()
