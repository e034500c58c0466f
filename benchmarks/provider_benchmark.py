"""HTTP requests and wall time of the Polaris dynamic provider at scale (issue 5).

    venv/bin/python benchmarks/provider_benchmark.py [--organisations 50] [--catalogs 20] [--updates 5]

Why: `pulumi up`/`refresh` call the provider once per resource, so its per-resource request cost, multiplied
by a thousand grants, is what an operator waits for and what Polaris serves.

What runs: the spec-checked test server (tests/fakes/polaris_server.py, the one the tests use; a spec
violation fails the run) and ONE real dynamic-provider process (`python -u -m pulumi.dynamic`) driven over
gRPC by the test harness (tests/polaris_provider/harness.py), with the production retry policy. The
configuration is generated: N S3 catalogs with disjoint buckets; each organisation reads or writes 2-3
catalogs, every second access limited to one or two namespaces. It is mapped to engine resources exactly
as components/polaris.py maps it (same role names, same PRIVILEGES per level, one Grant per
privilege and namespace). Operations run one at a time, so each one's requests are exactly the slice of
`server.requests` it produced (token requests counted apart); the engine would run several at once,
which changes the time, not the requests.

Phases: create everything (check + create, as `pulumi up` on an empty stack), `up` again with nothing
changed on the created state ("idle after create": check + diff; a filled-in server default showing as a
diff would cost a GET and a PUT here), refresh everything (one Read per resource, as `pulumi refresh`),
`up` again with nothing changed on the refreshed state, then update a sample of each type (check + diff + update):
a properties change for catalogs, principals, roles and namespaces, a connection-only change (endpoint
spelled with a trailing '/') for assignments and grants, which Polaris never sees.

The lost-reply phase builds a small second world (one organisation, one catalog) on a fresh server and cuts
the reply of every create after Polaris applied it (connection reset): the figures are what settling
each kind costs (the retry's 409, the read that proves the object is ours, a principal's credential reset).

Targets: a no-change `up` sends no request (after create and after refresh); a read costs one request (one list call for grants and assignments); no request is repeated
back to back inside one operation (checked per operation: consecutive grants of one role rightly PUT the
same path with different bodies); one token request per provider process per hour. The "refresh requests
for distinct paths" figure shows what refreshing links one at a time costs: every grant of a catalog role
lists all grants of that role again. Times are the test server's as much as the provider's: it validates
every response against the spec, so listing a role's grants costs about 0.6 ms more per grant held, which
is why a Grant read is slower than a Grant create here.
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pulumi.dynamic import ResourceProvider  # noqa: E402

from components.access_levels import PRIVILEGES  # noqa: E402
from components.polaris import catalog_role_name, namespace_levels  # noqa: E402
from configuration.schema import AccessConfig, AccessLevel  # noqa: E402
from polaris_provider.resources.catalog import CatalogProvider  # noqa: E402
from polaris_provider.resources.grants import (  # noqa: E402
    CatalogRoleAssignmentProvider,
    GrantProvider,
    PrincipalRoleAssignmentProvider,
)
from polaris_provider.resources.namespaces import NamespaceProvider  # noqa: E402
from polaris_provider.resources.principals import PrincipalProvider  # noqa: E402
from polaris_provider.resources.roles import CatalogRoleProvider, PrincipalRoleProvider  # noqa: E402
from tests.fakes.polaris_server import PolarisTestServer  # noqa: E402
from tests.polaris_provider.harness import Deployed, Engine, EngineHarness  # noqa: E402
from tests.polaris_provider.props import CREATE_PATH, create_method  # noqa: E402

REALM = "POLARIS"
ROLE_ARN = "arn:aws:iam::123456789012:role/polaris-vending"
NAMESPACE_CHOICES = ((), ("emea.orders",), (), ("apac", "emea.orders"))
WITH_PROPERTIES = (CatalogProvider, PrincipalProvider, PrincipalRoleProvider, CatalogRoleProvider, NamespaceProvider)
TOKEN_TARGET_PER_HOUR = 1


@dataclass(frozen=True)
class Step:
    """One engine resource: its provider and its engine inputs."""

    provider: ResourceProvider
    props: dict

    @property
    def kind(self) -> str:
        return type(self.provider).__name__.removesuffix("Provider")


@dataclass
class Ledger:
    """Requests per (phase, kind) per operation, and the back-to-back repeats seen inside one operation."""

    counts: dict[tuple[str, str], list[int]] = field(default_factory=lambda: defaultdict(list))
    seconds: dict[tuple[str, str], list[float]] = field(default_factory=lambda: defaultdict(list))
    repeats: list[str] = field(default_factory=list)
    paths: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))

    def record(self, phase: str, kind: str, calls: list[tuple[str, str]], seconds: float) -> None:
        self.counts[(phase, kind)].append(len(calls))
        self.seconds[(phase, kind)].append(seconds)
        self.paths[phase].extend(calls)
        if phase != "lost reply":  # there the repeat is the point: the retry of a create whose reply was lost
            self.repeats += [f"{phase} {kind}: {a[0]} {a[1]}" for a, b in itertools.pairwise(calls) if a == b]


# ---- configuration -> engine resources ----------------------------------------------------------------
def organisations(count: int, catalogs: int) -> list[tuple[str, tuple[AccessConfig, ...]]]:
    """Org i accesses 2-3 distinct catalogs (step 7 mod N), a third of them for writing, half on namespaces."""
    return [
        (
            f"org_{i:03d}",
            tuple(
                AccessConfig(
                    catalog=f"cat_{(i + 7 * k) % catalogs:02d}",
                    level=AccessLevel.WRITE if (i + k) % 3 == 0 else AccessLevel.READ,
                    namespaces=NAMESPACE_CHOICES[(i + k) % len(NAMESPACE_CHOICES)],
                )
                for k in range(2 + i % 2)
            ),
        )
        for i in range(count)
    ]


def catalog_step(connection: dict, name: str) -> Step:
    return Step(
        CatalogProvider(),
        {
            "connection": connection,
            "name": name,
            "type": "INTERNAL",
            "adopt": False,
            "properties": {"default-base-location": f"s3://bench-{name}/warehouse"},
            "storageConfigInfo": {
                "storageType": "S3",
                "allowedLocations": [f"s3://bench-{name}/"],
                "roleArn": ROLE_ARN,
                "externalId": name,
            },
        },
    )


def namespace_steps(connection: dict, orgs: list) -> list[Step]:
    """Every level of every namespace once per catalog, parents first (Polaris requires them)."""
    wanted = {
        (access.catalog, tuple(namespace_levels(ns)[:depth]))
        for _, accesses in orgs
        for access in accesses
        for ns in access.namespaces
        for depth in range(1, len(namespace_levels(ns)) + 1)
    }
    return [
        Step(
            NamespaceProvider(),
            {"connection": connection, "catalogName": catalog, "namespace": list(levels), "properties": {}},
        )
        for catalog, levels in sorted(wanted, key=lambda item: (len(item[1]), item))
    ]


def grant_targets(access: AccessConfig) -> list[dict]:
    if not access.namespaces:
        return [{"type": "catalog"}]
    return [{"type": "namespace", "namespace": namespace_levels(ns)} for ns in access.namespaces]


def organisation_steps(connection: dict, org: str, accesses: tuple[AccessConfig, ...]) -> list[Step]:
    """As components/polaris.py: principal, principal role, assignment; per access role, link, grants."""
    base = {"connection": connection}
    steps = [
        Step(PrincipalProvider(), {**base, "name": org, "properties": {}, "rotation": None, "adopt": False}),
        Step(PrincipalRoleProvider(), {**base, "name": org, "properties": {}, "adopt": False}),
        Step(PrincipalRoleAssignmentProvider(), {**base, "principalName": org, "principalRoleName": org}),
    ]
    for access in accesses:
        role = {"catalogName": access.catalog, "catalogRoleName": catalog_role_name(org, access)}
        steps.append(
            Step(
                CatalogRoleProvider(),
                {
                    **base,
                    "catalogName": access.catalog,
                    "name": role["catalogRoleName"],
                    "properties": {},
                    "adopt": False,
                },
            )
        )
        steps.append(Step(CatalogRoleAssignmentProvider(), {**base, **role, "principalRoleName": org}))
        steps += [
            Step(GrantProvider(), {**base, **role, "grant": {**target, "privilege": privilege}})
            for target in grant_targets(access)
            for privilege in PRIVILEGES[access.level]
        ]
    return steps


def plan(connection: dict, organisation_count: int, catalog_count: int) -> list[Step]:
    orgs = organisations(organisation_count, catalog_count)
    steps = [catalog_step(connection, f"cat_{c:02d}") for c in range(catalog_count)]
    steps += namespace_steps(connection, orgs)
    for org, accesses in orgs:
        steps += organisation_steps(connection, org, accesses)
    return steps


def changed(step: Step) -> dict:
    """An update the engine would send: new properties, or only a respelled connection for links."""
    props = step.props
    if isinstance(step.provider, WITH_PROPERTIES):
        return {**props, "properties": {**props["properties"], "owner": "benchmark"}}
    connection = props["connection"]
    return {**props, "connection": {**connection, "endpoint": connection["endpoint"] + "/"}}


# ---- measurement --------------------------------------------------------------------------------------
def run(
    server: PolarisTestServer, ledger: Ledger, phase: str, kind: str, action: Callable[[], Deployed | None]
) -> Deployed | None:
    """Runs one engine operation and books the non-token requests it made."""
    before, start = len(server.requests), time.perf_counter()
    result = action()
    elapsed = time.perf_counter() - start
    calls = [(r.method, r.path) for r in server.requests[before:] if "/oauth/tokens" not in r.path]
    ledger.record(phase, kind, calls, elapsed)
    return result


def timed(label: str, timings: dict, body: Callable[[], list]) -> list:
    start = time.perf_counter()
    result = body()
    timings[label] = time.perf_counter() - start
    return result


def benchmark(args: argparse.Namespace) -> None:
    with PolarisTestServer(realm=REALM) as server, EngineHarness() as harness:
        engine, ledger = Engine(harness), Ledger()
        timings: dict[str, float] = {}
        connection = {
            "endpoint": server.url,
            "clientId": server.root_client_id,
            "clientSecret": server.root_client_secret,
            "scope": "PRINCIPAL_ROLE:ALL",
            "realm": REALM,
        }
        steps = plan(connection, args.organisations, args.catalogs)
        states = timed(
            "create",
            timings,
            lambda: [run(server, ledger, "create", s.kind, partial(engine.up, s.provider, s.props)) for s in steps],
        )
        timed(
            "idle after create",
            timings,
            lambda: [
                run(server, ledger, "idle after create", s.kind, partial(engine.up, s.provider, s.props, st))
                for s, st in zip(steps, states, strict=True)
            ],
        )
        refreshed = timed(
            "refresh",
            timings,
            lambda: [
                run(server, ledger, "read", s.kind, partial(engine.refresh, st))
                for s, st in zip(steps, states, strict=True)
            ],
        )
        timed(
            "no-change up",
            timings,
            lambda: [
                run(server, ledger, "no-change up", s.kind, partial(engine.up, s.provider, s.props, st))
                for s, st in zip(steps, refreshed, strict=True)
            ],
        )
        for step, state in sample(steps, refreshed, args.updates):
            run(
                server,
                ledger,
                "update",
                step.kind,
                partial(engine.up, step.provider, changed(step), state),
            )
        lost_replies(engine, ledger)
        report(steps, ledger, timings, server)


def lost_replies(engine: Engine, ledger: Ledger) -> None:
    """Every create of a small world loses its reply after Polaris applied it; books what settling costs."""
    with PolarisTestServer(realm=REALM) as server:
        connection = {
            "endpoint": server.url,
            "clientId": server.root_client_id,
            "clientSecret": server.root_client_secret,
            "scope": "PRINCIPAL_ROLE:ALL",
            "realm": REALM,
        }
        for step in plan(connection, 1, 1):
            server.inject_reset(create_method(step.kind), CREATE_PATH[step.kind], times=1, applied=True)
            run(server, ledger, "lost reply", step.kind, partial(engine.up, step.provider, step.props))


def sample(steps: list[Step], states: list[Deployed], per_kind: int) -> list[tuple[Step, Deployed]]:
    taken: dict[str, int] = defaultdict(int)
    chosen = []
    for step, state in zip(steps, states, strict=True):
        if taken[step.kind] < per_kind:
            taken[step.kind] += 1
            chosen.append((step, state))
    return chosen


# ---- report -------------------------------------------------------------------------------------------
PHASES = ("create", "idle after create", "read", "no-change up", "update", "lost reply")


def spread(values: list[int]) -> str:
    if not values:
        return "-"
    low, high = min(values), max(values)
    return f"{low}" if low == high else f"{low}-{high} (mean {sum(values) / len(values):.2f})"


def mean_ms(values: list[float]) -> str:
    return f"{1000 * sum(values) / len(values):.1f}" if values else "-"


def table(title: str, kinds: list[str], cell: Callable[[tuple[str, str]], str]) -> None:
    print(f"\n{title:<26}" + "".join(f"{phase:>19}" for phase in PHASES))
    for kind in kinds:
        print(f"{kind:<26}" + "".join(f"{cell((phase, kind)):>19}" for phase in PHASES))


def verdict(holds: bool) -> str:
    return "HOLDS" if holds else "FAILS"


def report_targets(ledger: Ledger, server: PolarisTestServer, elapsed: float) -> None:
    reads = [n for (phase, _), values in ledger.counts.items() if phase == "read" for n in values]
    idle = sum(n for (phase, _), values in ledger.counts.items() if phase == "no-change up" for n in values)
    idle_created = sum(
        n for (phase, _), values in ledger.counts.items() if phase == "idle after create" for n in values
    )
    print(
        f"\ntarget: a read costs one request: {verdict(all(n == 1 for n in reads))} "
        f"({len(reads)} reads, {sum(reads)} requests)"
    )
    print(
        f"target: a no-change up after create sends no request: {verdict(idle_created == 0)} ({idle_created} requests)"
    )
    print(
        f"target: no request repeated back to back in an operation: {verdict(not ledger.repeats)}"
        + "".join(f"\n  repeated: {r}" for r in ledger.repeats[:10])
    )
    print(
        f"target: a no-change up after refresh sends no request (no phantom diff): {verdict(idle == 0)} "
        f"({idle} requests)"
    )
    refresh_paths = ledger.paths["read"]
    print(
        f"refresh requests for distinct paths: {len(set(refresh_paths))} of {len(refresh_paths)} "
        "(the rest re-list a role's grants, a principal role's catalog roles or a principal's roles)"
    )
    allowed = max(1, math.ceil(elapsed / 3600))
    print(
        f"token requests: {server.token_requests} for 1 provider process and 1 principal (admin) in "
        f"{elapsed:.1f} s; target <= 1 per principal per hour: {verdict(server.token_requests <= allowed)}"
    )
    print(f"spec violations on the test server: {len(server.spec_violations)}")


def report(steps: list[Step], ledger: Ledger, timings: dict, server: PolarisTestServer) -> None:
    kinds = list(dict.fromkeys(s.kind for s in steps))
    print(f"resources: {len(steps)} (" + ", ".join(f"{k} {sum(s.kind == k for s in steps)}" for k in kinds) + ")")
    print(
        "path: one real `python -m pulumi.dynamic` process over gRPC (harness), spec-checked test server, "
        "operations one at a time; full configuration in every phase except update (a sample per type)"
    )
    table("HTTP requests per op", kinds, lambda key: spread(ledger.counts[key]))
    table("mean ms per op", kinds, lambda key: mean_ms(ledger.seconds[key]))
    report_targets(ledger, server, sum(timings.values()))
    for label in ("create", "idle after create", "refresh", "no-change up"):
        print(
            f"full {label:<13} ({len(steps)} resources): {timings[label]:6.1f} s "
            f"({1000 * timings[label] / len(steps):.1f} ms per resource)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organisations", type=int, default=50)
    parser.add_argument("--catalogs", type=int, default=20)
    parser.add_argument("--updates", type=int, default=5, help="resources of each type to update")
    benchmark(parser.parse_args())


if __name__ == "__main__":
    main()
