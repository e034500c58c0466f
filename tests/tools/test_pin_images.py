"""tools/pin_images.py against a fake registry on loopback: the token dance, retries, digests and the table."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from tools import pin_images
from tools.pin_images import INDEX_TYPES, RegistryClient, RegistryError, parse_reference

TOKEN = "pull-token-for-the-fake"
INDEX = json.dumps({"schemaVersion": 2, "mediaType": INDEX_TYPES[0], "manifests": []}).encode()
INDEX_DIGEST = "sha256:" + hashlib.sha256(INDEX).hexdigest()
SINGLE = b'{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json"}'


@dataclass
class Fake:
    """What the fake registry serves and what it saw."""

    manifests: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    """``name:tag`` -> (body, media type)."""
    failures_before_success: int = 0
    """Authorized manifest requests answered 503 before the first success (a registry having a bad moment)."""
    retry_after: str | None = "0"
    """The Retry-After of a 503; None sends none."""
    digest_on_head: bool = True
    token_requests: list[dict[str, list[str]]] = field(default_factory=list)
    manifest_requests: list[tuple[str, str, str | None, str]] = field(default_factory=list)
    """(method, path, Authorization, Accept)."""
    url: str = ""


@pytest.fixture
def registry() -> Iterator[Fake]:
    fake = Fake()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args):  # keep pytest's output clean
            pass

        def do_GET(self):
            if self.path.startswith("/token"):
                fake.token_requests.append(parse_qs(urlsplit(self.path).query))
                self._reply(200, json.dumps({"token": TOKEN}).encode(), "application/json")
            else:
                self._manifest(body=True)

        def do_HEAD(self):
            self._manifest(body=False)

        def _manifest(self, body: bool):
            auth = self.headers.get("Authorization")
            fake.manifest_requests.append((self.command, self.path, auth, self.headers.get("Accept", "")))
            if auth != f"Bearer {TOKEN}":
                self.send_response(401)
                self.send_header(
                    "WWW-Authenticate",
                    f'Bearer realm="{fake.url}/token",service="fake.registry",scope="repository:{self._name()}:pull"',
                )
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if fake.failures_before_success:
                fake.failures_before_success -= 1
                self._reply(503, b"", "text/plain", retry_after=fake.retry_after)
                return
            name, _, tag = self.path.removeprefix("/v2/").partition("/manifests/")
            found = fake.manifests.get(f"{name}:{tag}")
            if found is None:
                self._reply(404, b"", "application/json")
                return
            content, media_type = found
            digest = "sha256:" + hashlib.sha256(content).hexdigest()
            send_digest = body or fake.digest_on_head
            self._reply(200, content if body else b"", media_type, digest=digest if send_digest else None)

        def _name(self) -> str:
            return self.path.removeprefix("/v2/").partition("/manifests/")[0]

        def _reply(self, status, content, media_type, digest=None, retry_after=None):
            self.send_response(status)
            self.send_header("Content-Type", media_type)
            if digest:
                self.send_header("Docker-Content-Digest", digest)
            if retry_after is not None:
                self.send_header("Retry-After", retry_after)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            if content:
                self.wfile.write(content)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


def client(fake: Fake, **options) -> RegistryClient:
    return RegistryClient({"docker.io": fake.url}, backoff_seconds=0, **options)


# -- references ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "registry", "name"),
    [
        ("apache/polaris:1.7.0", "docker.io", "apache/polaris"),
        ("postgres:16", "docker.io", "library/postgres"),
        (
            "public.ecr.aws/eks/aws-load-balancer-controller:v3.5.0",
            "public.ecr.aws",
            "eks/aws-load-balancer-controller",
        ),
        ("127.0.0.1:5000/apache/polaris:1.7.0", "127.0.0.1:5000", "apache/polaris"),
        ("localhost/polaris:1", "localhost", "polaris"),
    ],
)
def test_references_name_their_registry_as_docker_does(text, registry, name):
    reference = parse_reference(text)
    assert (reference.registry, reference.name, str(reference)) == (registry, name, text)


@pytest.mark.parametrize("text", ["apache/polaris", "registry.example.com:5000/polaris", "apache/polaris@sha256:ab"])
def test_a_reference_needs_a_tag(text):
    with pytest.raises(ValueError, match="expected repository:tag"):
        parse_reference(text)


# -- the registry protocol -----------------------------------------------------------------------------------


def test_the_token_dance_then_the_index_digest_from_head(registry):
    registry.manifests["apache/polaris:1.8.0"] = (INDEX, INDEX_TYPES[0])
    resolved = client(registry).resolve(parse_reference("apache/polaris:1.8.0"))
    assert (resolved.digest, resolved.media_type, resolved.is_index) == (INDEX_DIGEST, INDEX_TYPES[0], True)
    assert registry.token_requests == [{"service": ["fake.registry"], "scope": ["repository:apache/polaris:pull"]}]
    (first, second) = registry.manifest_requests
    assert first[:3] == ("HEAD", "/v2/apache/polaris/manifests/1.8.0", None)
    assert second[:3] == ("HEAD", "/v2/apache/polaris/manifests/1.8.0", f"Bearer {TOKEN}")
    accepted = [media.strip() for media in second[3].split(",")]
    assert accepted[:2] == list(INDEX_TYPES), "the index media types are asked for first"


def test_transient_failures_are_retried_after_the_registry_asks_to_wait(registry):
    registry.manifests["apache/polaris:1.8.0"] = (INDEX, INDEX_TYPES[0])
    registry.failures_before_success = 2
    waits: list[float] = []
    resolved = client(registry, sleep=waits.append).resolve(parse_reference("apache/polaris:1.8.0"))
    assert resolved.digest == INDEX_DIGEST
    assert waits == [0.0, 0.0]  # Retry-After: 0, twice
    assert len(registry.manifest_requests) == 4  # challenge, two 503s, success


def test_retries_back_off_exponentially_and_give_up(registry):
    registry.manifests["apache/polaris:1.8.0"] = (INDEX, INDEX_TYPES[0])
    registry.failures_before_success = 10
    waits: list[float] = []
    registry.retry_after = None
    fake = RegistryClient({"docker.io": registry.url}, attempts=3, backoff_seconds=0.5, sleep=waits.append)
    with pytest.raises(RegistryError, match=r"no answer from 127\.0\.0\.1:\d+ after 3 attempts \(HTTP 503\)"):
        fake.resolve(parse_reference("apache/polaris:1.8.0"))
    assert waits == [0.5, 1.0]


def test_connection_errors_are_retried_then_reported():
    waits: list[float] = []
    closed = RegistryClient({"docker.io": "http://127.0.0.1:9"}, attempts=2, backoff_seconds=0.25, sleep=waits.append)
    with pytest.raises(RegistryError, match=r"apache/polaris:1\.8\.0: no answer from 127\.0\.0\.1:9 after 2 attempts"):
        closed.resolve(parse_reference("apache/polaris:1.8.0"))
    assert waits == [0.25]


def test_without_a_digest_on_head_the_served_manifest_is_hashed(registry):
    registry.manifests["apache/polaris:1.8.0"] = (INDEX, INDEX_TYPES[1])
    registry.digest_on_head = False
    resolved = client(registry).resolve(parse_reference("apache/polaris:1.8.0"))
    assert (resolved.digest, resolved.media_type) == (INDEX_DIGEST, INDEX_TYPES[1])
    assert [request[0] for request in registry.manifest_requests] == ["HEAD", "HEAD", "GET"]


def test_an_unknown_tag_is_reported_as_such(registry):
    with pytest.raises(RegistryError, match=r"apache/polaris:9\.9\.9: no such image or tag on docker\.io \(HTTP 404\)"):
        client(registry).resolve(parse_reference("apache/polaris:9.9.9"))


# -- the table -----------------------------------------------------------------------------------------------


RECORDED = {
    "apache/polaris": {
        "1.7.0": {
            "digest": "sha256:" + "1" * 64,
            "mediaType": INDEX_TYPES[0],
            "source": "recorded by hand",
            "verified": False,
        }
    }
}


def run(registry: Fake, tmp_path, *args: str, table=RECORDED) -> tuple[int, dict]:
    path = tmp_path / "images.json"
    path.write_text(json.dumps(table))
    code = pin_images.main(
        ["--table", str(path), "--registry", f"docker.io={registry.url}", "--backoff", "0", *args],
        sleep=lambda _s: None,
    )
    return code, json.loads(path.read_text())


def test_add_resolves_records_and_verifies_every_recorded_image(registry, tmp_path, capsys):
    registry.manifests["apache/polaris:1.7.0"] = (INDEX, INDEX_TYPES[0])
    registry.manifests["apache/polaris-admin-tool:1.8.0"] = (
        SINGLE,
        "application/vnd.docker.distribution.manifest.v2+json",
    )
    code, table = run(registry, tmp_path, "--add", "apache/polaris-admin-tool:1.8.0")
    assert code == 0
    host = urlsplit(registry.url).netloc
    assert table["apache/polaris"]["1.7.0"]["digest"] == INDEX_DIGEST
    assert table["apache/polaris"]["1.7.0"]["verified"] is True
    assert table["apache/polaris"]["1.7.0"]["source"].startswith(f"resolved from {host} on ")
    added = table["apache/polaris-admin-tool"]["1.8.0"]
    assert added["digest"] == "sha256:" + hashlib.sha256(SINGLE).hexdigest()
    assert "the image publishes no index" in added["source"]
    out = capsys.readouterr().out
    assert f"CHANGED from sha256:{'1' * 64}: the tag moved or the record was wrong" in out
    assert "apache/polaris-admin-tool:1.8.0" in out and "new" in out


def test_check_writes_nothing_and_fails_on_a_difference(registry, tmp_path):
    registry.manifests["apache/polaris:1.7.0"] = (INDEX, INDEX_TYPES[0])
    code, table = run(registry, tmp_path, "--check")
    assert (code, table) == (1, RECORDED)
    matching = {"apache/polaris": {"1.7.0": {**RECORDED["apache/polaris"]["1.7.0"], "digest": INDEX_DIGEST}}}
    assert run(registry, tmp_path, "--check", table=matching) == (0, matching)


def test_nothing_is_written_unless_every_image_resolves(registry, tmp_path, capsys):
    registry.manifests["apache/polaris:1.7.0"] = (INDEX, INDEX_TYPES[0])
    code, table = run(registry, tmp_path, "--add", "apache/polaris:9.9.9")
    assert (code, table) == (1, RECORDED)
    assert "nothing written" in capsys.readouterr().err


def test_the_committed_table_is_in_the_tools_format(tmp_path):
    """What the tool writes is what is committed: sorted keys, two-space indent, final newline."""
    committed = pin_images.IMAGES_FILE.read_text()
    path = tmp_path / "images.json"
    pin_images.write_table(path, json.loads(committed))
    assert path.read_text() == committed
