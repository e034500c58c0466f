r"""Polaris: entity names, and what an organisation may hold of Polaris' privileges.

Entity names (catalogs, principals, principal and catalog roles): the management spec gives `minLength: 1`,
`maxLength: 256` and the pattern `^(?!\s*[sS][yY][sS][tT][eE][mM]\$).*$`, which Polaris 1.7.0 applies with Java
bean validation (reference §1.1; polaris-management-service.yml). Java judges differently from Python's `re`:
@Size counts UTF-16 code units (String.length()), @Pattern matches the whole name (Matcher.matches()), Java's
`.` stops at the line terminators LF, CR, U+0085, U+2028 and U+2029, and Java's `\s` is ASCII-only.
"""

from __future__ import annotations

import re

MAX_NAME = 256
LINE_TERMINATORS = "\n\r\u0085\u2028\u2029"
"""What Java's `.` does not match (java.util.regex.Pattern, "Line terminators")."""
NAME_PATTERN = re.compile(r"(?!\s*[sS][yY][sS][tT][eE][mM]\$)[^\n\r\u0085\u2028\u2029]*", re.ASCII)
r"""The spec's name pattern as Java applies it; for ``fullmatch``. ASCII keeps `\s` to Java's blanks; the explicit
`[sS]` classes (no IGNORECASE) keep the long s (U+017F), which Python's IGNORECASE folds to `s`, a letter of its own."""


FEATURE_FLAG = re.compile(r"[A-Z][A-Z0-9_]*")
"""A Polaris feature flag name as its configuration names them (``SUPPORTED_CATALOG_STORAGE_TYPES``); the
program writes each as the property key ``polaris.features."<NAME>"``, so nothing else may appear in it."""


def java_length(value: str) -> int:
    """String.length() in Java: UTF-16 code units, so a character outside the BMP counts twice."""
    return len(value.encode("utf-16-le")) // 2


def is_entity_name(name: str) -> bool:
    """True when Polaris accepts ``name`` for a catalog, principal or role."""
    return 1 <= java_length(name) <= MAX_NAME and NAME_PATTERN.fullmatch(name) is not None


READ_PRIVILEGES: tuple[str, ...] = (
    "NAMESPACE_LIST",
    "NAMESPACE_READ_PROPERTIES",
    "TABLE_LIST",
    "TABLE_READ_PROPERTIES",
    "VIEW_LIST",
    "VIEW_READ_PROPERTIES",
    "TABLE_READ_DATA",
)
"""The read access level: listing, metadata and TABLE_READ_DATA (Polaris vends read-only credentials for it)."""
WRITE_PRIVILEGES: tuple[str, ...] = (
    *READ_PRIVILEGES,
    "TABLE_WRITE_DATA",
    "TABLE_WRITE_PROPERTIES",
    "TABLE_CREATE",
    "TABLE_DROP",
    "NAMESPACE_CREATE",
    "NAMESPACE_DROP",
    "NAMESPACE_WRITE_PROPERTIES",
    "VIEW_CREATE",
    "VIEW_DROP",
    "VIEW_WRITE_PROPERTIES",
)
"""The write access level, the most an organisation may hold: read, then TABLE_WRITE_DATA (read/write
credentials), property writes (an Iceberg commit updates table metadata) and create/drop."""
MANAGEMENT_PRIVILEGES: frozenset[str] = frozenset(
    {"CATALOG_MANAGE_ACCESS", "CATALOG_MANAGE_CONTENT", "CATALOG_MANAGE_METADATA"}
)
"""Privileges that let a holder grant, revoke or manage the whole catalog: for the platform team only, never an
organisation (it could grant itself more, or see beyond what it was given)."""
