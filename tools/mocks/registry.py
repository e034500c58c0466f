"""Dispatch of mocked resources and invokes to per-type handlers."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pulumi

Handler = Callable[["MockContext", pulumi.runtime.MockResourceArgs], tuple[str, dict]]
CallHandler = Callable[["MockContext", pulumi.runtime.MockCallArgs], dict]

_RESOURCE_HANDLERS: dict[str, Handler] = {}
_CALL_HANDLERS: dict[str, CallHandler] = {}
SECRET_SIG = "4dabf18193072939515e22adb298388d"


def resource(*tokens: str) -> Callable[[Handler], Handler]:
    """Register a handler for exact type tokens, or for a prefix when the token ends with '*'."""

    def register(fn: Handler) -> Handler:
        for token in tokens:
            _RESOURCE_HANDLERS[token] = fn
        return fn

    return register


def call(*tokens: str) -> Callable[[CallHandler], CallHandler]:
    def register(fn: CallHandler) -> CallHandler:
        for token in tokens:
            _CALL_HANDLERS[token] = fn
        return fn

    return register


def stable_uuid(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts)))


def stable_digits(text: str, length: int) -> str:
    return str(int(hashlib.sha256(text.encode()).hexdigest(), 16))[:length]


def stable_hex(text: str, length: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def unwrap(value: Any) -> Any:
    """Mock inputs carry secrets as wrapper dicts; handlers want the plain value."""
    if isinstance(value, dict) and SECRET_SIG in value:
        return unwrap(value.get("value"))
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


@dataclass
class ProviderInfo:
    """What a mocked explicit provider says about where its resources live."""

    package: str
    config: dict[str, Any]

    @property
    def aws_account(self) -> str | None:
        for key in ("allowedAccountIds", "assumeRoles", "assumeRole"):
            match = re.search(r"(\d{12})", str(self.config.get(key, "")))
            if match:
                return match.group(1)
        return None


@dataclass
class MockContext:
    default_aws_account: str
    default_aws_region: str
    providers: dict[str, ProviderInfo] = field(default_factory=dict)
    remote_providers: dict[str, str] = field(default_factory=dict)
    """The providers map of the remote component being registered (package -> provider reference)."""

    def provider_of(self, args: pulumi.runtime.MockResourceArgs | pulumi.runtime.MockCallArgs) -> ProviderInfo | None:
        ref = args.provider or next(iter(self.remote_providers.values()), "")
        return self.providers.get(ref.rsplit("::", 1)[0]) if ref else None

    def aws_account(self, args) -> str:
        info = self.provider_of(args)
        return (info and info.aws_account) or self.default_aws_account

    def aws_region(self, args) -> str:
        info = self.provider_of(args)
        region = info.config.get("region") if info else None
        return region or self.default_aws_region

    def provider_setting(self, args, key: str) -> Any:
        info = self.provider_of(args)
        return info.config.get(key) if info else None


class RealisticMocks(pulumi.runtime.Mocks):
    def __init__(self, default_aws_account: str = "111111111111", default_aws_region: str = "eu-west-1"):
        self.context = MockContext(default_aws_account, default_aws_region)

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        if args.typ.startswith("pulumi:providers:"):
            return self._provider(args)
        handler = _RESOURCE_HANDLERS.get(args.typ) or _prefix_handler(args.typ)
        if handler is None:
            return f"{args.name}-id", dict(args.inputs)
        return handler(self.context, args)

    # pulumi's MockMonitor takes a plain dict too (`isinstance(tup, dict)` in pulumi/runtime/mocks.py), and so
    # does tools/recording.py's Call; the base class annotates only the (result, failures) tuple.
    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:  # type: ignore[override]
        handler = _CALL_HANDLERS.get(args.token)
        return handler(self.context, args) if handler else {}

    def _provider(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        id_ = f"{args.name}-provider-id"
        package = args.typ.split(":")[-1]
        self.context.providers[_provider_urn(args)] = ProviderInfo(package, unwrap(dict(args.inputs)))
        return id_, dict(args.inputs)


def _prefix_handler(token: str) -> Handler | None:
    matches = [k for k in _RESOURCE_HANDLERS if k.endswith("*") and token.startswith(k[:-1])]
    return _RESOURCE_HANDLERS[max(matches, key=len)] if matches else None


def _provider_urn(args: pulumi.runtime.MockResourceArgs) -> str:
    """The URN the engine will put in children's provider references (urn::id)."""
    return _PENDING_PROVIDER_URNS.pop(args.name, "") or args.name


# The monitor knows each registration's URN; it tells the mocks before calling new_resource.
_PENDING_PROVIDER_URNS: dict[str, str] = {}


def note_provider_urn(name: str, urn: str) -> None:
    _PENDING_PROVIDER_URNS[name] = urn
