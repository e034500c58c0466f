"""Pulumi dynamic resources for Apache Polaris 1.7.0 (catalogs, principals, roles, grants, namespaces).

Each class registers as ``pulumi-python:dynamic/polaris:<Class>``; its provider lives in an importable
module, so dill pickles it by reference and the provider process runs the current code of this package.
See docs/polaris-provider.md.
"""

from polaris_provider.connection import PolarisConnection
from polaris_provider.resources.catalog import Catalog, CatalogArgs
from polaris_provider.resources.grants import (
    CatalogRoleAssignment,
    CatalogRoleAssignmentArgs,
    Grant,
    GrantArgs,
    PrincipalRoleAssignment,
    PrincipalRoleAssignmentArgs,
)
from polaris_provider.resources.namespaces import Namespace, NamespaceArgs
from polaris_provider.resources.principals import Principal, PrincipalArgs
from polaris_provider.resources.roles import CatalogRole, CatalogRoleArgs, PrincipalRole, PrincipalRoleArgs

TYPE_PREFIX = "pulumi-python:dynamic/polaris:"
"""Type tokens are TYPE_PREFIX + class name, e.g. "pulumi-python:dynamic/polaris:Catalog"."""

__all__ = [
    "TYPE_PREFIX",
    "Catalog",
    "CatalogArgs",
    "CatalogRole",
    "CatalogRoleArgs",
    "CatalogRoleAssignment",
    "CatalogRoleAssignmentArgs",
    "Grant",
    "GrantArgs",
    "Namespace",
    "NamespaceArgs",
    "PolarisConnection",
    "Principal",
    "PrincipalArgs",
    "PrincipalRole",
    "PrincipalRoleArgs",
    "PrincipalRoleAssignment",
    "PrincipalRoleAssignmentArgs",
]
