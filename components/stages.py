"""How the stages connect: each stage's typed outputs are the next stage's inputs.

    platform (EKS, IRSA role, OIDC issuer) ──► vending identities per data owner (AWS, GCP, Azure)
        │                                              │
        ▼                                              ▼
    Polaris server (database, Kubernetes objects) ◄── credential config, Azure env, vending role ARNs
        │ endpoint, admin credentials
        ▼
    Polaris access (catalogs, principals, roles, grants) ──► client configuration per organisation
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi

from components.config import StackConfig


@dataclass
class Stages:
    config: StackConfig
    exports: dict[str, Any] = field(default_factory=dict)

    def outputs(self) -> dict[str, Any]:
        return self.exports


def build_stages(config: StackConfig) -> Stages:
    stages = Stages(config)
    stages.exports["realm"] = config.polaris.realm
    stages.exports["catalogs"] = [c.name for c in config.catalogs]
    return stages
