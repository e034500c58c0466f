"""Container images: the content digest that names an image's bytes, whatever a registry's tags say."""

from __future__ import annotations

import re

DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
"""A sha256 content digest as registries report it (`Docker-Content-Digest`) and references carry it; for
``fullmatch``. Source: OCI Image Format Specification, "Digests" (sha256: 64 lowercase hex digits)."""


def pinned_by_digest(reference: str) -> bool:
    """True when an image reference (or a chart's tag value) ends in `@sha256:<digest>`: what runs is what was
    reviewed, whoever moves the tag."""
    _, at, digest = reference.rpartition("@")
    return bool(at) and DIGEST.fullmatch(digest) is not None
