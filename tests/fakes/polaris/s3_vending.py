"""S3 credential vending as Polaris 1.7.0 does it (reference §7.1, AwsCredentialsStorageIntegration).

As the Polaris server identity, `sts:AssumeRole` on the catalog's `roleArn` with its `externalId`, for
3600 s, with an inline session policy limited to the table's location: GetObject/GetObjectVersion, ListBucket
with an `s3:prefix` condition and GetBucketLocation to read; PutObject/DeleteObject added to write. What the
client gets is the intersection of that session policy and the role's own policy. No KMS statements: the
catalogs this fake serves have no key (Polaris adds them unless `kmsUnavailable`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

SESSION_NAME = "PolarisAwsCredentialsStorageIntegration"
DURATION_SECONDS = 3600
READ_ACTIONS = ("s3:GetObject", "s3:GetObjectVersion")
WRITE_ACTIONS = ("s3:PutObject", "s3:DeleteObject")


def session_policy(locations: list[str], write: bool) -> dict[str, Any]:
    """The inline policy Polaris sends: objects under the locations, listing limited to their prefixes."""
    objects, prefixes = [], {}
    for location in locations:
        parsed = urlparse(location)
        path = parsed.path.strip("/")
        objects.append(f"arn:aws:s3:::{parsed.netloc}/{path}/*")
        prefixes.setdefault(parsed.netloc, []).append(f"{path}/*")
    statements = [{"Effect": "Allow", "Action": list(READ_ACTIONS), "Resource": objects}]
    if write:
        statements.append({"Effect": "Allow", "Action": list(WRITE_ACTIONS), "Resource": objects})
    for bucket, bucket_prefixes in prefixes.items():
        statements.append(
            {
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": f"arn:aws:s3:::{bucket}",
                "Condition": {"StringLike": {"s3:prefix": bucket_prefixes}},
            }
        )
        statements.append({"Effect": "Allow", "Action": "s3:GetBucketLocation", "Resource": f"arn:aws:s3:::{bucket}"})
    return {"Version": "2012-10-17", "Statement": statements}


@dataclass(frozen=True)
class S3CredentialVendor:
    """Vends for S3 catalogs through `sts`, a boto3 STS client holding the Polaris server's own identity.

    `endpoint` is the S3-compatible endpoint clients must use (an emulator's URL), sent as `s3.endpoint`
    with path-style access, as Polaris does for a catalog with `endpoint` and `pathStyleAccess` set.
    """

    sts: Any
    endpoint: str

    def vend(self, storage: dict, locations: list[str], write: bool) -> dict[str, str]:
        request = {
            "RoleArn": storage["roleArn"],
            "RoleSessionName": SESSION_NAME,
            "DurationSeconds": DURATION_SECONDS,
            "Policy": json.dumps(session_policy(locations, write)),
        }
        if storage.get("externalId"):
            request["ExternalId"] = storage["externalId"]
        credentials = self.sts.assume_role(**request)["Credentials"]
        return {
            "s3.access-key-id": credentials["AccessKeyId"],
            "s3.secret-access-key": credentials["SecretAccessKey"],
            "s3.session-token": credentials["SessionToken"],
            "s3.session-token-expires-at-ms": str(int(credentials["Expiration"].timestamp() * 1000)),
            "s3.endpoint": self.endpoint,
            "s3.path-style-access": "true",
            "client.region": storage["region"],
        }
