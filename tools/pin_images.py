"""Resolve image digests from their registries and rewrite the digest table (components/data/images.json).

    python -m tools.pin_images                               # resolve every recorded image and tag again
    python -m tools.pin_images --add apache/polaris:1.8.0    # resolve and record one more (repeatable)
    python -m tools.pin_images --check                       # resolve and compare only; exit 1 on a difference
    python -m tools.pin_images --registry docker.io=https://mirror.example.com   # read a registry elsewhere

Docker Registry HTTP API v2, anonymously: ``HEAD /v2/<name>/manifests/<tag>`` accepting the multi-arch index
media types first; a 401 with a Bearer challenge is answered with a pull token from the challenge's realm and
the request is repeated; the digest is the response's ``Docker-Content-Digest`` (when a registry omits it on
HEAD, a GET's body is hashed). Connection errors, timeouts, 429 and 5xx are retried with exponential backoff
(``Retry-After`` when the registry sends one). Nothing is written unless every image resolved: the table is
reviewed and committed like code, and a changed digest for a recorded tag (a moved tag, or a wrong record) is
reported loudly.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from components.images import IMAGES_FILE
from rules.images import DIGEST

INDEX_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
)
MANIFEST_TYPES = (
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
)
"""Single-platform manifests: accepted last, for an image that publishes no index."""
DOCKER_HUB = "docker.io"
DOCKER_HUB_API = "https://registry-1.docker.io"
_CHALLENGE_PARAM = re.compile(r'(\w+)="([^"]*)"')
_TRANSIENT = frozenset({408, 429, 500, 502, 503, 504})


class RegistryError(Exception):
    """A registry refused or never answered; the message names the image and what happened."""


@dataclass(frozen=True)
class Reference:
    repository: str
    """As the table keys it: ``apache/polaris``, ``public.ecr.aws/eks/aws-load-balancer-controller``."""
    tag: str
    registry: str
    """``docker.io`` for names without a registry host."""
    name: str
    """The repository's path in the registry (``library/`` added for Docker Hub's official images)."""

    def __str__(self) -> str:
        return f"{self.repository}:{self.tag}"


def parse_reference(text: str) -> Reference:
    """``repository:tag`` as Docker reads it: a first path component with a dot, a colon or ``localhost``
    is the registry host."""
    repository, sep, tag = text.rpartition(":")
    if not sep or not repository or not tag or "/" in tag or "@" in text:
        raise ValueError(f"{text!r}: expected repository:tag, such as apache/polaris:1.7.0")
    first, _, rest = repository.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return Reference(repository, tag, first, rest)
    return Reference(repository, tag, DOCKER_HUB, repository if "/" in repository else f"library/{repository}")


@dataclass(frozen=True)
class Resolved:
    digest: str
    media_type: str
    source: str
    """The registry API it was read from."""

    @property
    def is_index(self) -> bool:
        return self.media_type in INDEX_TYPES


@dataclass
class RegistryClient:
    """Anonymous manifest lookups with the token dance and retries."""

    endpoints: Mapping[str, str] = field(default_factory=dict)
    """Registry name -> API base URL, for mirrors (and tests); unset: ``https://<registry>``."""
    attempts: int = 5
    backoff_seconds: float = 1.0
    timeout_seconds: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    _tokens: dict[tuple[str, str], str] = field(default_factory=dict)

    def api(self, registry: str) -> str:
        if registry in self.endpoints:
            return self.endpoints[registry].rstrip("/")
        return DOCKER_HUB_API if registry == DOCKER_HUB else f"https://{registry}"

    def resolve(self, reference: Reference) -> Resolved:
        api = self.api(reference.registry)
        url = f"{api}/v2/{reference.name}/manifests/{urllib.parse.quote(reference.tag)}"
        headers, _ = self._manifest("HEAD", url, reference)
        digest = headers.get("Docker-Content-Digest")
        if not digest:  # some registries send the digest on GET only: hash what they serve
            headers, body = self._manifest("GET", url, reference)
            digest = "sha256:" + hashlib.sha256(body).hexdigest()
            sent = headers.get("Docker-Content-Digest")
            if sent and sent != digest:
                raise RegistryError(f"{reference}: the manifest hashes to {digest}, the registry says {sent}")
        media_type = (headers.get("Content-Type") or "").split(";")[0].strip()
        if not DIGEST.fullmatch(digest):
            raise RegistryError(f"{reference}: {digest!r} is not a sha256 digest")
        if media_type not in INDEX_TYPES + MANIFEST_TYPES:
            raise RegistryError(f"{reference}: media type {media_type!r} is not an image index or manifest")
        return Resolved(digest, media_type, urllib.parse.urlsplit(api).netloc)

    def _manifest(self, method: str, url: str, reference: Reference) -> tuple[Mapping[str, str], bytes]:
        """The manifest request; on a Bearer challenge (no token yet, or an expired one) once more with a
        fresh pull token."""
        key = (reference.registry, reference.name)
        try:
            return self._retrying(method, url, self._headers(key), str(reference))
        except urllib.error.HTTPError as error:
            challenge = error.headers.get("WWW-Authenticate", "")
            if error.code != 401 or not challenge.lower().startswith("bearer "):
                raise RegistryError(_refusal(reference, method, error)) from None
        self._tokens[key] = self._token(challenge, reference)
        try:
            return self._retrying(method, url, self._headers(key), str(reference))
        except urllib.error.HTTPError as error:
            raise RegistryError(_refusal(reference, method, error)) from None

    def _headers(self, key: tuple[str, str]) -> dict[str, str]:
        headers = {"Accept": ", ".join(INDEX_TYPES + MANIFEST_TYPES)}
        if key in self._tokens:
            headers["Authorization"] = f"Bearer {self._tokens[key]}"
        return headers

    def _token(self, challenge: str, reference: Reference) -> str:
        """A pull token from the challenge's realm (``service`` and ``scope`` as the registry asked)."""
        params = dict(_CHALLENGE_PARAM.findall(challenge))
        realm = params.pop("realm", None)
        if not realm:
            raise RegistryError(f"{reference}: the registry's challenge names no token realm: {challenge!r}")
        params.setdefault("scope", f"repository:{reference.name}:pull")
        url = f"{realm}{'&' if '?' in realm else '?'}{urllib.parse.urlencode(params)}"
        try:
            _, body = self._retrying("GET", url, {}, f"{reference} (token)")
        except urllib.error.HTTPError as error:
            raise RegistryError(f"{reference}: the token service refused: HTTP {error.code}") from None
        try:
            document = json.loads(body)
            token = document.get("token") or document.get("access_token")
        except (ValueError, AttributeError):
            token = None
        if not token:
            raise RegistryError(f"{reference}: the token service answered without a token")
        return str(token)

    def _retrying(
        self, method: str, url: str, headers: Mapping[str, str], what: str
    ) -> tuple[Mapping[str, str], bytes]:
        """One request, repeated on connection errors, timeouts, 429 and 5xx; other HTTP errors raise."""
        last = ""
        for attempt in range(self.attempts):
            request = urllib.request.Request(url, method=method, headers=dict(headers))
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:
                    return response.headers, response.read()
            except urllib.error.HTTPError as error:
                if error.code not in _TRANSIENT:
                    raise
                last, wait = f"HTTP {error.code}", _retry_after(error.headers.get("Retry-After"))
            except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
                last, wait = str(getattr(error, "reason", error)), None
            if attempt + 1 < self.attempts:
                self.sleep(wait if wait is not None else self.backoff_seconds * 2**attempt)
        raise RegistryError(
            f"{what}: no answer from {urllib.parse.urlsplit(url).netloc} after {self.attempts} attempts ({last})"
        )


def _retry_after(value: str | None) -> float | None:
    try:
        return min(float(value), 60.0) if value is not None else None
    except ValueError:
        return None


def _refusal(reference: Reference, method: str, error: urllib.error.HTTPError) -> str:
    if error.code == 404:
        return f"{reference}: no such image or tag on {reference.registry} (HTTP 404)"
    return f"{reference}: {method} manifest refused with HTTP {error.code}"


# -- the table -----------------------------------------------------------------------------------------------


def entry(resolved: Resolved, today: datetime.date) -> dict[str, Any]:
    kind = "" if resolved.is_index else " (a single-platform manifest: the image publishes no index)"
    return {
        "digest": resolved.digest,
        "mediaType": resolved.media_type,
        "source": f"resolved from {resolved.source} on {today.isoformat()} by tools/pin_images.py{kind}",
        "verified": True,
    }


def describe(reference: Reference, recorded: Mapping[str, Any] | None, resolved: Resolved) -> tuple[str, bool]:
    """A line for the report, and whether the registry disagrees with a recorded digest."""
    line = f"{reference}  {resolved.digest}  {resolved.media_type}"
    if not resolved.is_index:
        line += "  (single-platform manifest: no index published)"
    if recorded is None:
        return f"{line}  new", False
    if recorded["digest"] != resolved.digest:
        return (
            f"{line}  CHANGED from {recorded['digest']}: the tag moved or the record was wrong; review before "
            "committing",
            True,
        )
    return f"{line}  {'unchanged' if recorded.get('verified') else 'matches the unverified record'}", False


def write_table(path: Path, table: Mapping[str, Mapping[str, Any]]) -> None:
    path.write_text(json.dumps(table, indent=2, sort_keys=True) + "\n")


def main(argv: Sequence[str] | None = None, *, sleep: Callable[[float], None] = time.sleep) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--add", action="append", default=[], metavar="REPOSITORY:TAG", help="record this image too")
    parser.add_argument("--check", action="store_true", help="compare with the registries; write nothing")
    parser.add_argument("--registry", action="append", default=[], metavar="NAME=URL", help="API URL of a registry")
    parser.add_argument("--table", type=Path, default=IMAGES_FILE, help="the digest table (default: %(default)s)")
    parser.add_argument("--attempts", type=int, default=5)
    parser.add_argument("--backoff", type=float, default=1.0, help="first retry delay in seconds (doubles)")
    args = parser.parse_args(argv)
    try:
        added = [parse_reference(text) for text in args.add]
        endpoints = dict(_endpoint(text) for text in args.registry)
    except ValueError as error:
        parser.error(str(error))
    table = json.loads(args.table.read_text()) if args.table.exists() else {}
    recorded = [parse_reference(f"{repository}:{tag}") for repository, tags in table.items() for tag in tags]
    references = list(dict.fromkeys([*recorded, *added]))
    client = RegistryClient(endpoints, attempts=args.attempts, backoff_seconds=args.backoff, sleep=sleep)
    updated: dict[str, dict[str, Any]] = {repository: dict(tags) for repository, tags in table.items()}
    failed = changed = False
    today = datetime.date.today()
    for reference in references:
        try:
            resolved = client.resolve(reference)
        except RegistryError as error:
            print(f"error: {error}", file=sys.stderr)
            failed = True
            continue
        line, differs = describe(reference, table.get(reference.repository, {}).get(reference.tag), resolved)
        print(line)
        changed |= differs
        updated.setdefault(reference.repository, {})[reference.tag] = entry(resolved, today)
    if failed:
        print(f"nothing written: every image must resolve before {args.table} changes", file=sys.stderr)
        return 1
    if args.check:
        return 1 if changed or any(r not in recorded for r in added) else 0
    write_table(args.table, updated)
    print(f"wrote {args.table}: review the diff and commit it")
    return 0


def _endpoint(text: str) -> tuple[str, str]:
    name, sep, url = text.partition("=")
    if not sep or not name or not url.startswith(("http://", "https://")):
        raise ValueError(f"--registry {text!r}: expected NAME=URL, such as docker.io=https://mirror.example.com")
    return name, url


if __name__ == "__main__":
    sys.exit(main())
