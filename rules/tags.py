"""Tags: the stack's tags reach every cloud, so they follow the strictest limits that apply.

They become AWS resource tags (provider default tags), Azure storage account tags and GCS bucket labels
(converted by the GCP stage).
AWS: key 1-128, value 0-256 characters; letters, digits, spaces and `_ . : / = + - @`; the `aws:` prefix is
reserved; 50 tags per resource. Source: "Tag naming limits and requirements",
https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html
Azure: storage accounts take tag names of at most 128 characters and values of at most 256; names may not
contain `< > % & \\ ? /`; 50 tags per resource; names are case-insensitive. Source: "Use tags to organize your
Azure resources", Limitations, https://learn.microsoft.com/azure/azure-resource-manager/management/tag-resources
"""

from __future__ import annotations

KEY_MAX = 128
VALUE_MAX = 256
COUNT_MAX = 50
PUNCTUATION = "_.:/=+-@"
RESERVED_PREFIX = "aws:"
AZURE_NAME_FORBIDDEN = "<>%&\\?/"


def text_ok(text: str) -> bool:
    """Only the characters AWS accepts in tag keys and values."""
    return all(ch.isalnum() or ch == " " or ch in PUNCTUATION for ch in text)
