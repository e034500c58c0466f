"""Explicit KMS key policies: the account's administrators through IAM, plus exactly the service use each key
serves. Written out instead of relying on the account default, so a reviewer (and checkov) sees who may use
a key."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

USE_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]


def key_policy(account_id: str, statements: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """IAM policies of the key's own account decide administration (AWS' own first statement); nothing else
    is granted besides ``statements``."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AccountAdministersThroughIam",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            *statements,
        ],
    }


def logs_statement(region: str, log_group_arn: str) -> dict[str, Any]:
    """CloudWatch Logs may use the key for this one log group (its encryption context names the group)."""
    return {
        "Sid": "CloudWatchLogsForOneGroup",
        "Effect": "Allow",
        "Principal": {"Service": f"logs.{region}.amazonaws.com"},
        "Action": USE_ACTIONS,
        "Resource": "*",
        "Condition": {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": log_group_arn}},
    }
