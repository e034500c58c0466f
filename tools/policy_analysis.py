"""The offline policy evaluation: every policy of the pack run through pulumi_policy's own analyzer servicer,
in-process, on the offline plan's resources, the way `pulumi preview --policy-pack policies
--policy-pack-config policies/<stack>.json` would run it.

As the CLI does (ReconcilePolicyPackConfig), the servicer is configured with an enforcement level for every
policy (the file's entry, else its "all" entry, else the policy's default) and with each policy's schema
defaults under the file's properties. Values masked as "[secret]" cannot be inspected offline: they are sent
as unknown values, so a policy that needs one is reported as skipped, as in a preview, never as passed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf import struct_pb2
from pulumi.runtime import proto
from pulumi_policy import EnforcementLevel, Policy
from pulumi_policy.policy import _PolicyAnalyzerServicer

from configuration.loader import PROJECT_DIR, SECRET, load_stack
from configuration.schema import StackConfig
from policies import ALL_POLICIES, PACK_NAME
from policies.common import STACK
from tools.recording import Plan

PACK_DIR = PROJECT_DIR / "policies"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""The engine's unknown-string sentinel, as it arrives in a Struct during preview."""
LEVELS = {level.value: level for level in EnforcementLevel}
_TO_PROTO = {
    EnforcementLevel.ADVISORY: proto.ADVISORY,
    EnforcementLevel.MANDATORY: proto.MANDATORY,
    EnforcementLevel.REMEDIATE: proto.REMEDIATE,
    EnforcementLevel.DISABLED: proto.DISABLED,
}
_FROM_PROTO = {value: key.value for key, value in _TO_PROTO.items()}
_CANNOT_RUN = "can't run policy"


@dataclass(frozen=True)
class Violation:
    policy: str
    level: str
    urn: str
    name: str
    message: str
    severity: str
    remediation: str


@dataclass(frozen=True)
class Skipped:
    """A policy that could not run on a resource because a value it reads is unknown (or masked)."""

    policy: str
    urn: str
    reason: str


@dataclass
class Report:
    violations: list[Violation] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    not_applicable: dict[str, str] = field(default_factory=dict)

    @property
    def mandatory(self) -> list[Violation]:
        return [v for v in self.violations if v.level == EnforcementLevel.MANDATORY.value]

    @property
    def has_mandatory(self) -> bool:
        """Whether the CLI would block the update (exit 1)."""
        return bool(self.mandatory)

    def by_policy(self) -> dict[str, list[Violation]]:
        grouped: dict[str, list[Violation]] = {}
        for violation in self.violations:
            grouped.setdefault(violation.policy, []).append(violation)
        return grouped

    def render(self) -> str:
        lines = [
            f"Policy pack {PACK_NAME}: {len(self.mandatory)} mandatory and "
            f"{len(self.violations) - len(self.mandatory)} advisory violation(s), "
            f"{len(self.skipped)} check(s) skipped on unknown values"
        ]
        for policy, violations in sorted(self.by_policy().items()):
            first = violations[0]
            lines.append(f"[{first.level}] {policy} (severity {first.severity})")
            lines += [f"  {v.name or 'stack'}: {v.message}" for v in violations]
            lines.append(f"  fix: {first.remediation}")
        lines += [f"[skipped] {s.policy} on {s.urn or 'the stack'}: {s.reason}" for s in self.skipped]
        lines += [f"[not applicable] {p}: {reason}" for p, reason in sorted(self.not_applicable.items())]
        return "\n".join(lines)

    __str__ = render


# -- configuration ---------------------------------------------------------------------------------------


def load_policy_config(stack: str, directory: Path = PACK_DIR) -> dict[str, Any]:
    """`policies/<stack>.json`, the file passed as --policy-pack-config."""
    return json.loads((directory / f"{stack}.json").read_text())


def _entry(config: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = config.get(name, {})
    return {"enforcementLevel": value} if isinstance(value, str) else dict(value)


def with_stack_facts(policy_config: Mapping[str, Any], stack_config: StackConfig) -> dict[str, Any]:
    """The policy config plus what only the stack configuration knows: which catalogs each organisation may
    reach, and which storage the stack uses without creating it."""
    access = {org.name: sorted({a.catalog for a in org.access}) for org in stack_config.organisations}
    existing = sorted(o.storage_root for o in stack_config.data_owners if not o.storage.create)
    result = dict(policy_config)
    result["organisation-access-declared"] = {
        **_entry(policy_config, "organisation-access-declared"),
        "organisationAccess": access,
    }
    for name in ("catalog-locations-declared", "vending-permissions-on-declared-buckets"):
        result[name] = {**_entry(policy_config, name), "existingBuckets": existing}
    given = given_vending_identities(stack_config)
    for name in ("catalog-locations-declared", "vending-identity-unique"):
        result[name] = {**result.get(name, _entry(policy_config, name)), "givenVendingIdentities": given}
    return result


def given_vending_identities(stack_config: StackConfig) -> dict[str, list[str]]:
    """Identities the owners' security teams brought (not created by the stack) -> the owner's storage root."""
    given: dict[str, list[str]] = {}
    for owner in stack_config.data_owners:
        identity = (
            owner.aws.vending_role.role_arn
            if owner.aws and owner.aws.vending_role
            else owner.gcp.service_account
            if owner.gcp and owner.gcp.service_account
            else None
        )
        if identity:
            given.setdefault(identity, []).append(owner.storage_root)
    return given


def reconcile(policies: list[Policy], policy_config: Mapping[str, Any]) -> dict[str, tuple[EnforcementLevel, dict]]:
    """Per policy: its enforcement level and properties, filled in the way the CLI fills them."""
    unknown = set(policy_config) - {p.name for p in policies} - {"all"}
    if unknown:
        raise ValueError(f"policy config names unknown policies: {', '.join(sorted(unknown))}")
    every = _entry(policy_config, "all").get("enforcementLevel")
    reconciled = {}
    for policy in policies:
        entry = _entry(policy_config, policy.name)
        level = entry.pop("enforcementLevel", None) or every
        schema = policy.config_schema.properties if policy.config_schema else {}
        defaults = {key: spec["default"] for key, spec in schema.items() if "default" in spec}
        reconciled[policy.name] = (
            LEVELS[level] if level else policy.enforcement_level or EnforcementLevel.ADVISORY,
            {**defaults, **entry},
        )
    return reconciled


def _struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(_unknown_secrets(values))
    return struct


def _unknown_secrets(value: Any) -> Any:
    """Masked secrets as unknown values: offline, they cannot be known."""
    if value == SECRET:
        return UNKNOWN
    if isinstance(value, Mapping):
        return {k: _unknown_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unknown_secrets(v) for v in value]
    return value


def configured_servicer(policies: list[Policy], policy_config: Mapping[str, Any]) -> _PolicyAnalyzerServicer:
    """The pack's analyzer servicer, configured as the CLI configures it; no gRPC server is started."""
    servicer = _PolicyAnalyzerServicer(PACK_NAME, pack_version(), policies, EnforcementLevel.ADVISORY)
    request = proto.ConfigureAnalyzerRequest(
        policyConfig={
            name: proto.PolicyConfig(enforcementLevel=_TO_PROTO[level], properties=_struct(properties))
            for name, (level, properties) in reconcile(policies, policy_config).items()
        }
    )
    servicer.Configure(request, None)
    return servicer


def pack_version() -> str:
    match = re.search(r"^version:\s*(\S+)", (PACK_DIR / "PulumiPolicy.yaml").read_text(), re.MULTILINE)
    return match.group(1) if match else "0.0.1"


# -- evaluation --------------------------------------------------------------------------------------------


def _providers(resources: Sequence[Mapping[str, Any]]) -> dict[str, proto.AnalyzerProviderResource]:
    return {
        r["urn"]: proto.AnalyzerProviderResource(
            type=r["type"], properties=_struct(r.get("inputs", {})), urn=r["urn"], name=r["name"]
        )
        for r in resources
        if r["type"].startswith("pulumi:providers:")
    }


def _stack_resource(resources: Sequence[Mapping[str, Any]], outputs: Mapping[str, Any]) -> dict[str, Any]:
    """The `pulumi:pulumi:Stack` resource the engine includes in AnalyzeStack, its outputs as properties."""
    prefix, project = resources[0]["urn"].split("::")[:2] if resources else ("urn:pulumi:stack", "project")
    stack = prefix.removeprefix("urn:pulumi:")
    return {
        "urn": f"{prefix}::{project}::{STACK}::{project}-{stack}",
        "type": STACK,
        "name": f"{project}-{stack}",
        "parent": "",
        "provider": "",
        "inputs": dict(outputs),
    }


def _stack_properties(resource: Mapping[str, Any]) -> dict[str, Any]:
    """A stack policy sees outputs: inputs over what the resource answered (``outputs``, when given)."""
    return {**resource.get("outputs", {}), **resource.get("inputs", {})}


def evaluate(
    resources: Sequence[Mapping[str, Any]],
    outputs: Mapping[str, Any],
    policy_config: Mapping[str, Any],
    policies: list[Policy] | None = None,
) -> Report:
    """Run every policy on the plan: `Analyze` per resource, then `AnalyzeStack` once.

    ``resources`` are the plan's `{"urn", "type", "name", "parent", "provider", "custom", "inputs"}` dicts,
    optionally with `"outputs"` (what the resource answered: `arn`, `name`, `email` ...) for stack policies;
    ``outputs`` are the stack outputs; ``policy_config`` is the --policy-pack-config file's content.
    """
    policies = policies if policies is not None else ALL_POLICIES
    servicer = configured_servicer(policies, policy_config)
    providers = _providers(resources)
    names = {r["urn"]: r["name"] for r in resources}
    report = Report()
    for resource in resources:
        request = proto.AnalyzeRequest(
            type=resource["type"],
            urn=resource["urn"],
            name=resource["name"],
            properties=_struct(resource.get("inputs", {})),
        )
        if resource.get("provider") in providers:
            request.provider.CopyFrom(providers[resource["provider"]])
        _collect(report, servicer.Analyze(request, None), policies, names, resource["urn"])
    everything = [*resources, _stack_resource(resources, outputs)]
    stack_request = proto.AnalyzeStackRequest(resources=[_stack_analyzer_resource(r, providers) for r in everything])
    names[everything[-1]["urn"]] = everything[-1]["name"]
    _collect(report, servicer.AnalyzeStack(stack_request, None), policies, names, "")
    return report


def evaluate_plan(plan: Plan, outputs: Mapping[str, Any] | None = None) -> Report:
    """The offline check of a plan: its stack's policy config file plus the stack facts, its
    resources with unmasked inputs and their outputs; ``outputs`` (unmasked stack outputs) default to the
    plan's masked ones, on which the client-scope rule can only report itself skipped."""
    config = with_stack_facts(load_policy_config(plan.stack), load_stack(plan.stack, plan.config_dir))
    resources = [{**r.to_json(), "inputs": r.unmasked_inputs, "outputs": r.state} for r in plan.resources]
    return evaluate(resources, plan.outputs if outputs is None else outputs, config)


def _stack_analyzer_resource(resource: Mapping[str, Any], providers: Mapping[str, Any]) -> proto.AnalyzerResource:
    analyzed = proto.AnalyzerResource(
        type=resource["type"],
        urn=resource["urn"],
        name=resource["name"],
        parent=resource.get("parent", ""),
        properties=_struct(_stack_properties(resource)),
    )
    if resource.get("provider") in providers:
        analyzed.provider.CopyFrom(providers[resource["provider"]])
    return analyzed


def _collect(
    report: Report, response: Any, policies: Iterable[Policy], names: Mapping[str, str], default_urn: str
) -> None:
    by_name = {p.name: p for p in policies}
    for diagnostic in response.diagnostics:
        urn = diagnostic.urn or default_urn
        if diagnostic.message.startswith(_CANNOT_RUN):
            report.skipped.append(Skipped(diagnostic.policyName, urn, diagnostic.message.split(": ", 1)[-1]))
            continue
        policy = by_name[diagnostic.policyName]
        report.violations.append(
            Violation(
                policy=policy.name,
                level=_FROM_PROTO[diagnostic.enforcementLevel],
                urn=urn,
                name=names.get(urn, ""),
                message=diagnostic.message.removeprefix(policy.description).lstrip("\n"),
                severity=policy.severity.value if policy.severity else "",
                remediation=policy.remediation_steps or "",
            )
        )
    for skipped in response.not_applicable:
        report.not_applicable.setdefault(skipped.policy_name, skipped.reason)
