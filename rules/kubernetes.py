"""Kubernetes names, and the identity a pod's projected service-account token carries."""

from __future__ import annotations

import re

DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
"""A DNS-1123 label (namespaces, service accounts): at most 63 lowercase letters, digits or '-', starting and
ending with a letter or digit. Source: Kubernetes "Object Names and IDs", RFC 1123 label names."""


def service_account_subject(namespace: str, service_account: str) -> str:
    """The `sub` claim of the service account's tokens, which every federated trust (IRSA, GCP workload identity,
    Azure federated credentials) names. Source: Kubernetes "Managing Service Accounts", service account
    token `sub` = `system:serviceaccount:<namespace>:<name>`."""
    return f"system:serviceaccount:{namespace}:{service_account}"
