"""The digest table: every image the program deploys is recorded, well-formed, and rendered with its digest."""

from __future__ import annotations

import pytest

from components import images
from components.images import POLARIS_IMAGES, PinnedImage, UnrecordedImage, pinned
from components.platform.cluster import LBC_IMAGE, LBC_IMAGE_TAG
from rules.images import DIGEST
from tools.pin_images import INDEX_TYPES, MANIFEST_TYPES


def test_every_entry_is_a_digest_with_its_media_type_and_provenance():
    for repository, tags in images.table().items():
        for tag, entry in tags.items():
            where = f"{repository}:{tag}"
            assert set(entry) == {"digest", "mediaType", "source", "verified"}, where
            assert DIGEST.fullmatch(entry["digest"]), where
            assert entry["mediaType"] in INDEX_TYPES + MANIFEST_TYPES, where
            assert isinstance(entry["verified"], bool) and entry["source"].strip(), where


@pytest.mark.parametrize(
    ("repository", "tag"), [*((image, "1.7.0") for image in POLARIS_IMAGES), (LBC_IMAGE, LBC_IMAGE_TAG)]
)
def test_the_images_the_program_deploys_are_recorded(repository, tag):
    assert pinned(repository, tag).digest == images.table()[repository][tag]["digest"]


def test_a_pinned_reference_keeps_the_tag_and_adds_the_digest():
    image = PinnedImage("apache/polaris", "1.7.0", "sha256:" + "a" * 64)
    assert image.reference == "apache/polaris:1.7.0@sha256:" + "a" * 64
    assert image.pinned_tag == "1.7.0@sha256:" + "a" * 64


def test_an_unrecorded_image_says_how_to_record_it():
    with pytest.raises(UnrecordedImage) as error:
        pinned("apache/polaris", "0.0.1")
    assert str(error.value) == (
        "apache/polaris:0.0.1 has no recorded digest in components/data/images.json: run "
        "`python -m tools.pin_images --add apache/polaris:0.0.1`, review and commit the table"
    )
