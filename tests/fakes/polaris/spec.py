"""Checks every request and response against Polaris 1.7.0's official OpenAPI specs (loaded once per process).

* `management`: polaris-management-service.yml, served under /api/management/v1. Request and response bodies
  are also parsed with the official pydantic models (`apache_polaris.sdk.management.models`), because
  openapi-core ignores `discriminator` (an AZURE storage config without tenantId passes it).
* `catalog`: generated/bundled-polaris-catalog-service.yaml, served under /api/catalog. It is Polaris' own
  bundle of iceberg-rest-catalog-open-api.yaml and polaris-catalog-apis/oauth-tokens-api.yaml (the raw files
  use `$ref`s between files and unquoted status keys, so the bundle is what openapi-core can read).

Adjustments, each because the spec does not describe the real server: `servers` is replaced by the real base
path; `deprecated` flags are dropped (warning noise); the entity-name pattern is checked with Java's regex
semantics, as Polaris' bean validation applies it (a name ending in a newline is refused, as in Polaris); `security` is dropped (the server authenticates itself,
and the management spec's OAuth URL is stale); error statuses the management spec leaves out (400 on create,
409 on createPrincipal, ...) are accepted when their body is the Iceberg error envelope, which Polaris sends
for every error.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import yaml
from apache_polaris.sdk.management import models
from openapi_core import Config, OpenAPI
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_core.testing import MockRequest, MockResponse
from openapi_schema_validator import OAS30Validator

SPEC_DIR = Path(__file__).resolve().parents[3].parent / "shared" / "polaris-spec" / "1.7.0"
HOST = "http://polaris"
SOURCES = {
    "management": ("polaris-management-service.yml", "/api/management/v1"),
    "catalog": ("generated/bundled-polaris-catalog-service.yaml", "/api/catalog"),
}


@dataclass(frozen=True)
class ApiSpec:
    name: str
    raw: dict
    openapi: OpenAPI
    operations: dict[str, dict]


NAME_PATTERN = r"^(?!\s*[sS][yY][sS][tT][eE][mM]\$).*$"
JAVA_NAME_PATTERN = r"(?a)\A(?!\s*[sS][yY][sS][tT][eE][mM]\$)[^\n\r\u0085\u2028\u2029]*\Z"
"""NAME_PATTERN as Polaris applies it (bean validation @Pattern: Matcher.matches() on the whole name, `.` stops at
every Java line terminator, `\\s` ASCII only), written for the `re.search` that jsonschema uses."""


def _prepare(node):
    """String keys (YAML reads `200:` as an int); no `deprecated` flags, which make openapi-core warn on
    every token request although Polaris still serves that endpoint; the name pattern with Java's semantics."""
    if isinstance(node, dict):
        return {
            str(k): JAVA_NAME_PATTERN if k == "pattern" and v == NAME_PATTERN else _prepare(v)
            for k, v in node.items()
            if k != "deprecated"
        }
    if isinstance(node, list):
        return [_prepare(v) for v in node]
    return node


@functools.cache
def load(name: str) -> ApiSpec:
    file_name, base_path = SOURCES[name]
    raw = _prepare(yaml.safe_load((SPEC_DIR / file_name).read_text()))
    raw["servers"] = [{"url": HOST + base_path}]
    raw.pop("security", None)
    operations = {}
    for item in raw["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and "operationId" in operation:
                operation.pop("security", None)
                operations[operation["operationId"]] = operation
    openapi = OpenAPI.from_dict(raw, config=Config(spec_validator_cls=None))  # the bundle uses `const` (3.1)
    return ApiSpec(name, raw, openapi, operations)


@functools.cache
def _error_envelope_validator() -> OAS30Validator:
    components = load("catalog").raw["components"]
    return OAS30Validator({"$ref": "#/components/schemas/IcebergErrorResponse", "components": components})


def describe(error: BaseException) -> str:
    """openapi-core errors hide the useful part in causes and `schema_errors`; flatten them into one line."""
    parts = []
    while error is not None:
        parts.append(f"{type(error).__name__}: {error}")
        parts.extend(e.message for e in getattr(error, "schema_errors", ()) or ())
        error = error.__cause__
    return " | ".join(parts)


def check_request(api: ApiSpec, operation_id: str, request: MockRequest) -> list[str]:
    errors = [describe(e) for e in api.openapi.unmarshal_request(request).errors]
    model = _model_name(api.operations[operation_id].get("requestBody"))
    if api.name == "management" and model and request.body:
        errors.extend(_pydantic_errors(model, request.body))
    return errors


def check_response(
    api: ApiSpec, operation_id: str, request: MockRequest, status: int, body: bytes, content_type: str, oauth: bool
) -> list[str]:
    response = MockResponse(body, status_code=status, content_type=content_type)
    found = api.openapi.unmarshal_response(request, response).errors
    errors = [describe(e) for e in found if not (status >= 400 and isinstance(e, ResponseNotFound))]
    if status >= 400 and not oauth and request.method != "head":
        errors.extend(f"error envelope: {e.message}" for e in _error_envelope_validator().iter_errors(_json(body)))
    declared = api.operations[operation_id].get("responses", {}).get(str(status))
    model = _model_name(declared)
    if api.name == "management" and model and status < 400:
        errors.extend(_pydantic_errors(model, body))
    return errors


def _model_name(section: dict | None) -> str | None:
    schema = ((section or {}).get("content") or {}).get("application/json", {}).get("schema", {})
    ref = schema.get("$ref", "")
    return ref.rsplit("/", 1)[-1] or None


def _pydantic_errors(model: str, body: bytes) -> list[str]:
    try:
        getattr(models, model).from_json(body.decode())
    except Exception as error:  # pydantic ValidationError, or ValueError from the generated discriminators
        return [f"apache_polaris.sdk.management.models.{model}: {error}".replace("\n", " ")]
    return []


def _json(body: bytes):
    try:
        return json.loads(body or b"null")
    except ValueError:
        return body.decode(errors="replace")
