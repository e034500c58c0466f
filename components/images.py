"""The container images the program deploys, pinned by tag and by digest.

Configuration and code keep the version (the tag, which people read and review); the digest of each image
and tag is recorded beside it in ``components/data/images.json``, a reviewed, committed table that
``tools/pin_images.py`` writes from the registries. A tag can be moved on a registry; a digest names the
bytes, so every image reference the program renders is ``repository:tag@sha256:…`` and what runs is what
was reviewed. An image and tag without a recorded digest is refused before anything is created.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

POLARIS_SERVER = "apache/polaris"
POLARIS_ADMIN_TOOL = "apache/polaris-admin-tool"
POLARIS_IMAGES = (POLARIS_SERVER, POLARIS_ADMIN_TOOL)
"""The two images ``polaris.version`` pins: the server and the bootstrap Job's admin tool."""
IMAGES_FILE = Path(__file__).parent / "data" / "images.json"


@dataclass(frozen=True)
class PinnedImage:
    repository: str
    tag: str
    digest: str

    @property
    def pinned_tag(self) -> str:
        """``tag@digest``: what a Helm chart that renders ``repository:tag`` and has no digest field takes as
        its tag, so that it renders the full reference."""
        return f"{self.tag}@{self.digest}"

    @property
    def reference(self) -> str:
        return f"{self.repository}:{self.pinned_tag}"


class UnrecordedImage(LookupError):
    """An image and tag whose digest is not in the table."""


def record_command(references: list[str]) -> str:
    """The command that resolves and records the digests of ``references`` (``repository:tag``)."""
    return "python -m tools.pin_images " + " ".join(f"--add {reference}" for reference in references)


@functools.cache
def table() -> dict[str, dict[str, dict[str, Any]]]:
    """``{repository: {tag: {"digest", "mediaType", "verified", "source"}}}``, read once."""
    recorded: dict[str, dict[str, dict[str, Any]]] = json.loads(IMAGES_FILE.read_text())
    return recorded


def recorded_digest(repository: str, tag: str) -> str | None:
    entry = table().get(repository, {}).get(tag)
    return None if entry is None else entry["digest"]


def pinned(repository: str, tag: str) -> PinnedImage:
    """The image with its recorded digest; ``UnrecordedImage`` says how to record a missing one."""
    digest = recorded_digest(repository, tag)
    if digest is None:
        raise UnrecordedImage(
            f"{repository}:{tag} has no recorded digest in {IMAGES_FILE.relative_to(IMAGES_FILE.parents[2])}: "
            f"run `{record_command([f'{repository}:{tag}'])}`, review and commit the table"
        )
    return PinnedImage(repository, tag, digest)
