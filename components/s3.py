"""The controls every S3 bucket the program creates carries: owner data buckets and audit log buckets alike
(checkov's and the policy pack's expectations: no public access, no ACLs, encrypted, versioned)."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws


def encryption_rule(kms_key_arn: str | None) -> aws.s3.BucketServerSideEncryptionConfigurationRuleArgsDict:
    """SSE-KMS with the owner's key and an S3 bucket key (fewer KMS calls), else SSE-S3."""
    if kms_key_arn:
        return {
            "apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": kms_key_arn},
            "bucket_key_enabled": True,
        }
    return {"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}


def keep_private(
    name: str, bucket: aws.s3.Bucket, kms_key_arn: str | None, opts: pulumi.ResourceOptions
) -> aws.s3.BucketPublicAccessBlock:
    """Public access blocked, object ownership enforced (no ACLs), encryption, versioning. Returns the public
    access block: a bucket policy must wait for it (S3 rejects concurrent changes to access settings)."""
    access_block = aws.s3.BucketPublicAccessBlock(
        f"{name}-public-access",
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=opts,
    )
    aws.s3.BucketOwnershipControls(
        f"{name}-ownership", bucket=bucket.id, rule={"object_ownership": "BucketOwnerEnforced"}, opts=opts
    )
    aws.s3.BucketServerSideEncryptionConfiguration(
        f"{name}-encryption", bucket=bucket.id, rules=[encryption_rule(kms_key_arn)], opts=opts
    )
    aws.s3.BucketVersioning(
        f"{name}-versioning", bucket=bucket.id, versioning_configuration={"status": "Enabled"}, opts=opts
    )
    return access_block
